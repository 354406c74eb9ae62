"""Structured configs of the experiment's own groups, and the checks run before any work.

Every option of every group is a ``@register``-ed dataclass beside its implementation
(:mod:`sysfair.data.configs`, :mod:`sysfair.scorers.configs`, ...); here are the preference sets,
the trials protocol and the tracking store. Hydra checks keys and types at start-up;
:func:`check_config` then checks every declared range (:func:`sysfair.checks.check_declared`) and
the cross-group rules, and :func:`check_pool` what needs the serving pool, before any MLflow run.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, ClassVar

from sysfair.checks import (
    AT_LEAST_1,
    FINITE,
    MAX_SEED,
    N_JOBS,
    NON_NEGATIVE,
    SEED,
    AnyOf,
    Checked,
    Each,
    Interval,
    Length,
    Options,
    check_declared,
    options,
    param,
    register,
    require,
)
from sysfair.data.configs import DATASET_SCHEMAS
from sysfair.errors import ConfigError
from sysfair.experiment.pool_checks import check_pool  # noqa: F401  (re-exported: the runner imports it here)
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS
from sysfair.retrievers.configs import RETRIEVER_SCHEMAS
from sysfair.scorers.configs import SCORER_SCHEMAS

MAX_WEIGHT = 1e6  # alpha*(g) only matters up to scale; larger weights overflow float32 utilities


@register
@dataclass
class PreferencesConfig(Checked):
    """Groups: who they are (prevalences) and what they value (true weights alpha*(g)).

    ``assignment``: ``scrambled`` (default, the paper's) assigns groups to serving sessions at
    random with exactly these shares, so that Y | X does not depend on the group; ``attribute``
    keeps the dataset's own group attribute (MovieLens gender, marketBias ``user_attr``; sessions
    without it are dropped), whose shares are the data's: groups then differ in their features
    X, which is what the audit's feature-shift terms measure. Row g of ``weights`` holds
    alpha*(g), one weight in (0, 1e6] per label. A new preference set is a subclass with other
    defaults and another ``name``, decorated with ``@register``.
    """

    group: ClassVar[str] = "preferences"

    name: str = "opposed"
    # list[Any]: OmegaConf rejects ints inside nested float lists; the rules check the numbers.
    weights: list[Any] = param(
        [[0.9, 0.1], [0.1, 0.9]],
        Each(
            Each(
                AnyOf(
                    (Interval(float, 0, MAX_WEIGHT, closed="right"),),
                    words=f"a weight > 0 and <= {MAX_WEIGHT:g}",
                )
            )
        ),
    )
    prevalences: list[float] = param([0.8, 0.2], Length(2, None, "shares, one per group"), Each(NON_NEGATIVE))
    assignment: str = param("scrambled", Options(("scrambled", "attribute")))

    def check(self, n_labels: int | None = None) -> None:  # type: ignore[override]
        """Declared rules, then the rules between fields and with the dataset's ``n_labels``."""
        check_declared(self, self.group)
        prev = list(self.prevalences)
        require(abs(sum(prev) - 1.0) < 1e-6, "preferences.prevalences", prev, "shares summing to 1")
        if self.assignment == "scrambled":
            for g, x in enumerate(prev):
                require(
                    x > 0,
                    f"preferences.prevalences[{g}]",
                    x,
                    "a share > 0 (a group with share 0 gets no sessions)",
                )
        weights = [list(row) for row in self.weights]
        require(
            len(weights) == len(prev),
            "preferences.weights",
            weights,
            f"one row of label weights per group ({len(prev)} rows for {len(prev)} prevalences)",
        )
        for g, row in enumerate(weights):
            require(
                n_labels is None or len(row) == n_labels,
                f"preferences.weights[{g}]",
                row,
                f"{n_labels} weights, one per label of the dataset (dataset.n_labels={n_labels})",
            )


@register
@dataclass
class TrialsConfig(Checked):
    """Trial i uses seed ``seed + i`` for its user batches and its optimizer."""

    group: ClassVar[str] = "trials"

    name: str = "paper"
    # each trial has its own seed, seed + i, so there are at most 2^32 of them
    n_trials: int = param(20, Interval(int, 1, MAX_SEED + 1))
    n_iterations: int = param(20, AT_LEAST_1)
    # sessions sampled per iteration for the noisy observation
    batch_size: int = param(500, AT_LEAST_1)
    seed: int = param(0, SEED)
    n_jobs: int = param(-1, N_JOBS)  # parallel trials (joblib); -1 = all cores
    # (utility, DER) bounding the hypervolume; null: the worst achievable, read off the oracle
    reference_point: list[float] | None = param(
        None, Length(2, 2, "numbers: (utility, DER)"), Each(FINITE), nullable=True
    )
    oracle: bool = True  # compute the exact Pareto front over alpha and each trial's HV regret
    # Where parallel trials run (sysfair.experiment.backends): loky (local processes, default),
    # ray or dask (pip install -e ".[cluster]"); address: an existing cluster (ray://head:10001,
    # tcp://scheduler:8786), null = a local cluster started for the run.
    backend: str = param("loky", Options(("loky", "ray", "dask")))
    address: str | None = None
    # auto: continue the unfinished (interrupted) run of the same config; never: always a new run
    resume: str = param("auto", Options(("auto", "never")))

    def check_consistency(self) -> None:
        engine = {"ray": "ray", "dask": "distributed"}.get(self.backend)
        require(
            engine is None or importlib.util.find_spec(engine) is not None,
            "trials.backend",
            self.backend,
            f'{engine} is not installed: pip install -e ".[cluster]" (or trials.backend=loky)',
        )
        require(
            self.address is None or self.backend != "loky",
            "trials.address",
            self.address,
            "null with trials.backend=loky (an address names a Ray or Dask cluster)",
        )
        require(
            self.reference_point is not None or self.oracle,
            "trials.reference_point",
            None,
            "two numbers when trials.oracle=false (the default reference is read off the oracle)",
        )
        require(
            self.seed + self.n_trials - 1 <= MAX_SEED,
            "trials.seed",
            self.seed,
            f"an integer <= {MAX_SEED - self.n_trials + 1} (trial i uses seed + i <= {MAX_SEED})",
        )


@register
@dataclass
class TrackingConfig(Checked):
    """MLflow. ``uri: null`` means ``sqlite:///<launch folder>/mlflow.db``."""

    group: ClassVar[str] = "tracking"

    name: str = "mlflow"
    uri: str | None = None
    experiment: str = "sysfair"
    run_name: str | None = None  # default: <dataset>-<optimizer>


PREFERENCES_SCHEMAS: dict[str, type] = options("preferences")

# group -> name -> schema of every option of the experiment's groups (live view of the registry)
SCHEMAS: dict[str, dict[str, type]] = {
    "dataset": DATASET_SCHEMAS,
    "scorer": SCORER_SCHEMAS,
    "retriever": RETRIEVER_SCHEMAS,
    "preferences": PREFERENCES_SCHEMAS,
    "optimizer": OPTIMIZER_SCHEMAS,
    "trials": options("trials"),
    "tracking": options("tracking"),
}

_TOP_LEVEL = {"mode": Options(("experiment", "audit")), "seed": SEED}


def config_object(cfg: Any) -> Any:
    """``cfg`` as config dataclasses (a DictConfig is converted); a missing value is a ConfigError."""
    from omegaconf import DictConfig, OmegaConf
    from omegaconf.errors import MissingMandatoryValue

    if not isinstance(cfg, DictConfig):
        return cfg
    try:
        return OmegaConf.to_object(cfg)
    except MissingMandatoryValue as exc:
        key = exc.full_key or "?"
        raise ConfigError(key, "???", f"a value: {key} has no default, set it (e.g. {key}=...)") from None


def check_config(cfg: Any) -> Any:
    """Every range and consistency check that types cannot express; raises ConfigError.

    ``cfg``: the composed DictConfig or its objects; returns the checked objects.
    """
    cfg = config_object(cfg)
    for key, rule in _TOP_LEVEL.items():
        rule.check(key, getattr(cfg, key))
    for part in (cfg.dataset, cfg.scorer, cfg.retriever, cfg.optimizer, cfg.trials):
        part.check()
    cfg.preferences.check(cfg.dataset.n_labels)
    if hasattr(cfg.tracking, "check"):
        cfg.tracking.check()
    label = getattr(cfg.retriever, "label", None)
    if label is not None:
        k = cfg.dataset.n_labels
        require(label < k, "retriever.label", label, f"a label index in 0..{k - 1} (dataset.n_labels={k})")
    return cfg
