"""Experiments as pandas DataFrames: run one now, or read a finished one back from MLflow.

Both paths give the same tables (a test checks it), built by the adapters at the bottom of this
module: :func:`_from_trials` from the runner's in-memory results, :func:`_from_store` from
:func:`sysfair.report.collect.collect`. When the MLflow record changes shape, only those adapt.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.api.config import SysfairConfig, resolve_cache_dir
from sysfair.api.system import as_config
from sysfair.errors import SysfairError

__all__ = ["ExperimentResults", "read_experiment", "run_experiment"]

# per-iteration columns besides alpha_<label>, as in the run's pareto_fronts.csv
ITERATION_COLUMNS = ("observed_utility", "observed_der", "exact_utility", "exact_der", "on_observed_front")
# per-trial scores (alphas re-evaluated noise-free on the whole pool)
TRIAL_COLUMNS = (
    "best_utility",
    "best_der",
    "hypervolume",
    "hypervolume_regret",
    "observed_hypervolume",
    "seconds",
    "n_fallbacks",
)


@dataclass(frozen=True)
class ExperimentResults:
    """One experiment (an optimizer's trials on one system) as tables.

    Attributes:
        run_id: the MLflow parent run; ``tracking_uri``: its store.
        trials: one row per trial: ``trial``, ``seed`` and the trial's scores (``TRIAL_COLUMNS``).
        iterations: one row per (trial, iteration): ``alpha_<label>``, observed (utility, DER) on the
            iteration's batch, exact (utility, DER) on the whole pool, ``on_observed_front``.
        summary: mean and sd over trials of each score (index: score; columns ``mean``, ``sd``).
        oracle: the exact front over alpha (``alpha_<label>``, ``utility``, ``der``), if computed.
    """

    run_id: str
    tracking_uri: str
    trials: pd.DataFrame
    iterations: pd.DataFrame
    summary: pd.DataFrame
    oracle: pd.DataFrame | None

    @property
    def fronts(self) -> pd.DataFrame:
        """Each trial's observed Pareto front: the rows of :attr:`iterations` on it."""
        return self.iterations[self.iterations["on_observed_front"]].reset_index(drop=True)


def _summary(trials: pd.DataFrame) -> pd.DataFrame:
    scores = trials[[c for c in TRIAL_COLUMNS if c in trials]].astype(float)
    return pd.DataFrame({"mean": scores.mean(), "sd": scores.std(ddof=1).fillna(0.0)})


def run_experiment(
    config: SysfairConfig | str | Path | None = None,
    *,
    tracking_uri: str | None = None,
    cache_dir: str | Path | None = None,
) -> ExperimentResults:
    """Run the experiment ``config`` describes (as ``sysfair run`` does) and return its tables.

    ``config``: a :class:`SysfairConfig`, a YAML file or None (defaults). Everything is logged to
    MLflow at ``tracking_uri`` (else ``config.tracking.uri``, else ``sqlite:///<cwd>/mlflow.db``);
    the system is loaded from or cached in ``cache_dir`` (else ``config.cache_dir``, else
    :func:`~sysfair.api.config.default_cache_dir`).
    """
    from omegaconf import OmegaConf

    from sysfair.experiment.runner import candidate_log
    from sysfair.experiment.runner import run_experiment as run
    from sysfair.experiment.tracking import default_uri

    cfg = as_config(config)
    folder = resolve_cache_dir(cache_dir, cfg.cache_dir)
    uri = tracking_uri or cfg.tracking.uri or default_uri(Path.cwd())
    cfg = replace(cfg, cache_dir=str(folder), tracking=replace(cfg.tracking, uri=uri))
    print(f"CandidateLog cache folder: {folder}; MLflow store: {uri}", file=sys.stderr)
    labels = candidate_log(cfg, Path.cwd()).label_names  # builds the system once, if needed
    result = run(OmegaConf.structured(cfg), launch_dir=Path.cwd())
    return _from_trials(result, cfg, tuple(labels))


def read_experiment(
    run_id: str | None = None, *, tracking_uri: str | None = None, experiment: str = "sysfair"
) -> ExperimentResults:
    """A finished experiment read back from MLflow: run ``run_id``, or the latest finished one.

    ``tracking_uri`` defaults to ``sqlite:///<cwd>/mlflow.db``; ``experiment`` is the MLflow
    experiment name (``tracking.experiment``, default ``sysfair``).
    """
    from sysfair.experiment.tracking import default_uri

    return _from_store(tracking_uri or default_uri(Path.cwd()), experiment, run_id)


# ----- adapters ------------------------------------------------------------------------------------
def _from_trials(result: Any, cfg: SysfairConfig, names: tuple[str, ...]) -> ExperimentResults:
    """Tables from :class:`sysfair.experiment.runner.ExperimentResult` (the runner's return value)."""
    from sysfair.experiment.outputs import trial_table

    oracle = result.oracle
    given = cfg.trials.reference_point
    reference = np.asarray(given if given is not None else oracle.reference, dtype=np.float64)
    trial_rows, tables = [], []
    for r in result.trials:
        scores = r.summary(reference, oracle)
        trial_rows.append(
            {"trial": r.index, "seed": r.seed, **{k: scores.get(k, np.nan) for k in TRIAL_COLUMNS}}
        )
        table = trial_table(r, names)
        tables.append(table)
    trials = pd.DataFrame(trial_rows, columns=["trial", "seed", *TRIAL_COLUMNS])
    oracle_table = None
    if oracle is not None:
        oracle_table = pd.DataFrame({f"alpha_{n}": oracle.alphas[:, k] for k, n in enumerate(names)})
        oracle_table["utility"] = oracle.points[:, 0]
        oracle_table["der"] = oracle.points[:, 1]
    return ExperimentResults(
        run_id=result.run_id,
        tracking_uri=result.tracking_uri,
        trials=trials,
        iterations=pd.concat(tables, ignore_index=True),
        summary=_summary(trials),
        oracle=oracle_table,
    )


def _from_store(uri: str, experiment: str, run_id: str | None) -> ExperimentResults:
    """Tables from the MLflow store, through :func:`sysfair.report.collect.collect`."""
    from sysfair.report.collect import collect

    data = collect(uri, experiment, run_ids=[run_id] if run_id else None)
    parents = pd.concat(
        [s.parents.assign(_setting=i) for i, s in enumerate(data.settings)], ignore_index=True
    )
    if run_id is None:
        run_id = str(parents.sort_values("start_time").iloc[-1]["run_id"])
    row = parents[parents["run_id"] == run_id]
    if row.empty:
        raise SysfairError(f"run {run_id} is not a finished experiment run in {experiment!r} at {uri}")
    setting = data.settings[int(row.iloc[0]["_setting"])]
    trials = setting.trials[setting.trials["parent_run_id"] == run_id]
    trials = trials.drop(columns=["parent_run_id", "run_id", "method"]).sort_values(
        "trial", ignore_index=True
    )
    for column in TRIAL_COLUMNS:
        if column not in trials:
            trials[column] = np.nan
    trials = trials[["trial", "seed", *TRIAL_COLUMNS]]
    points = setting.points[setting.points["parent_run_id"] == run_id]
    alpha = [c for c in points.columns if c.startswith("alpha_")]
    iterations = points[["trial", "iteration", *alpha, *ITERATION_COLUMNS]].sort_values(
        ["trial", "iteration"], ignore_index=True
    )
    iterations["on_observed_front"] = iterations["on_observed_front"].astype(bool)
    return ExperimentResults(
        run_id=run_id,
        tracking_uri=uri,
        trials=trials,
        iterations=iterations,
        summary=_summary(trials),
        oracle=setting.oracle,
    )
