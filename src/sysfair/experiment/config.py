"""Structured configs: one dataclass per option of each Hydra config group.

Defaults live in the dataclasses (one source of truth; each group's schemas sit beside its
implementation, e.g. :mod:`sysfair.data.configs`); the YAML files in ``conf/`` select a schema.
Hydra checks keys and types at start-up; :func:`check_config` then checks ranges and
cross-group consistency (each schema's own ``check()`` plus the checks below) before any work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sysfair.checks import require
from sysfair.data.configs import DATASET_SCHEMAS
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS
from sysfair.retrievers.configs import RETRIEVER_SCHEMAS
from sysfair.scorers.configs import SCORER_SCHEMAS


@dataclass
class PreferencesConfig:
    """Groups: who they are (prevalences) and what they value (true weights alpha*(g)).

    ``assignment``: ``scrambled`` (default, the paper's) assigns groups to serving sessions at
    random with exactly these shares, so that Y | X does not depend on the group; ``attribute``
    keeps the dataset's own group attribute (MovieLens gender, marketBias ``user_attr``; sessions
    without it are dropped), whose shares are the data's: groups then differ in their features
    X, which is what the audit's feature-shift terms measure. Row g of ``weights`` holds
    alpha*(g), one weight > 0 per label.
    """

    name: str = "opposed"
    # list[Any]: OmegaConf rejects ints inside nested float lists; check() validates the numbers.
    weights: list[Any] = field(default_factory=lambda: [[0.9, 0.1], [0.1, 0.9]])
    prevalences: list[float] = field(default_factory=lambda: [0.8, 0.2])
    assignment: str = "scrambled"

    def check(self, n_labels: int) -> None:
        require(
            self.assignment in ("scrambled", "attribute"),
            "preferences.assignment",
            self.assignment,
            "scrambled (random groups at preferences.prevalences) or attribute (the dataset's own)",
        )
        prev = list(self.prevalences)
        require(len(prev) >= 2, "preferences.prevalences", prev, "shares of at least 2 groups")
        for g, x in enumerate(prev):
            require(x >= 0, f"preferences.prevalences[{g}]", x, "a share >= 0 (shares sum to 1)")
        require(abs(sum(prev) - 1.0) < 1e-6, "preferences.prevalences", prev, "shares summing to 1")
        weights = [list(row) if isinstance(row, list | tuple) else row for row in self.weights]
        require(
            len(weights) == len(prev),
            "preferences.weights",
            weights,
            f"one row of label weights per group ({len(prev)} rows for {len(prev)} prevalences)",
        )
        for g, row in enumerate(weights):
            require(
                isinstance(row, list) and all(isinstance(w, int | float) for w in row),
                f"preferences.weights[{g}]",
                row,
                "a list of numbers, one weight per label",
            )
            require(
                len(row) == n_labels,
                f"preferences.weights[{g}]",
                row,
                f"{n_labels} weights, one per label of the dataset (dataset.n_labels={n_labels})",
            )
            for k, w in enumerate(row):
                require(w > 0, f"preferences.weights[{g}][{k}]", w, "a weight > 0")


@dataclass
class TrialsConfig:
    """Trial i uses seed ``seed + i`` for its user batches and its optimizer."""

    name: str = "paper"
    n_trials: int = 20
    n_iterations: int = 20
    batch_size: int = 500  # sessions sampled per iteration for the noisy observation
    seed: int = 0
    n_jobs: int = -1  # parallel trials (joblib); -1 = all cores
    # (utility, DER) bounding the hypervolume; null: the worst achievable, read off the oracle
    reference_point: list[float] | None = None
    oracle: bool = True  # compute the exact Pareto front over alpha and each trial's HV regret
    # auto: continue the unfinished (interrupted) run of the same config; never: always a new run
    resume: str = "auto"

    def check(self) -> None:
        require(self.resume in ("auto", "never"), "trials.resume", self.resume, "auto or never")
        require(self.n_trials >= 1, "trials.n_trials", self.n_trials, "an integer >= 1")
        require(self.n_iterations >= 1, "trials.n_iterations", self.n_iterations, "an integer >= 1")
        require(self.batch_size >= 1, "trials.batch_size", self.batch_size, "an integer >= 1")
        require(self.n_jobs != 0, "trials.n_jobs", self.n_jobs, "a non-zero integer (-1 = all cores)")
        require(
            self.reference_point is None or len(self.reference_point) == 2,
            "trials.reference_point",
            self.reference_point,
            "null or two numbers: (utility, DER)",
        )
        require(
            self.reference_point is not None or self.oracle,
            "trials.reference_point",
            None,
            "two numbers when trials.oracle=false (the default reference is read off the oracle)",
        )


@dataclass
class TrackingConfig:
    """MLflow. ``uri: null`` means ``sqlite:///<launch folder>/mlflow.db``."""

    name: str = "mlflow"
    uri: str | None = None
    experiment: str = "sysfair"
    run_name: str | None = None  # default: <dataset>-<optimizer>


SCHEMAS: dict[str, dict[str, type]] = {
    "dataset": DATASET_SCHEMAS,
    "scorer": SCORER_SCHEMAS,
    "retriever": RETRIEVER_SCHEMAS,
    "preferences": {"opposed": PreferencesConfig},
    "optimizer": OPTIMIZER_SCHEMAS,
    "trials": {"paper": TrialsConfig},
    "tracking": {"mlflow": TrackingConfig},
}


def check_config(cfg: Any) -> None:
    """Every range and consistency check that types cannot express; raises ConfigError."""
    require(cfg.mode in ("experiment", "audit"), "mode", cfg.mode, "experiment or audit")
    for part in (cfg.dataset, cfg.scorer, cfg.retriever, cfg.optimizer, cfg.trials):
        part.check()
    cfg.preferences.check(cfg.dataset.n_labels)


def check_pool(cfg: Any, n_sessions: int) -> None:
    """Checks that need the serving pool's size."""
    b = cfg.trials.batch_size
    require(
        b <= n_sessions,
        "trials.batch_size",
        b,
        f"at most the {n_sessions} sessions of the serving pool (lower trials.batch_size or raise "
        "dataset.n_sessions)",
    )
