"""The experiment's MLflow runs: write a trial run, the parent's inputs and outcome; read a trial back.

Names come from :mod:`sysfair.experiment.record`. Only the main process calls these.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.entities import Metric

from sysfair.experiment import record as rec
from sysfair.experiment.outputs import (
    convergence_table,
    front_alphas,
    model_audit_metrics,
    oracle_metrics,
    oracle_table,
    trial_table,
)
from sysfair.experiment.plots import plot_fronts
from sysfair.experiment.tracking import MlflowLogger
from sysfair.experiment.trials import TrialResult
from sysfair.system.oracle import OracleFront

__all__ = ["log_inputs", "log_outcome", "log_trial", "read_trial", "trial_metrics"]

_ARRAYS = (
    "alphas",
    "observed_utility",
    "observed_der",
    "observed_group_utility",
    "exact_utility",
    "exact_der",
    "exact_group_utility",
    "ask_seconds",
    "observed_at",
)


def trial_metrics(
    result: TrialResult, label_names: tuple[str, ...], reference: np.ndarray, oracle: OracleFront | None
) -> list[Metric]:
    """Per-iteration metrics of a trial: step = iteration (from 0), timestamp = when observed."""
    now = int(time.time() * 1000)
    n = result.alphas.shape[0]
    stamps = [now] * n if result.observed_at is None else [int(t * 1000) for t in result.observed_at]
    series: dict[str, np.ndarray] = {rec.series_metric(k): getattr(result, k) for k in rec.TRIAL_SERIES}
    series[rec.series_metric("ask_seconds")] = result.ask_seconds
    for g in range(result.exact_group_utility.shape[1]):
        series[rec.group_series("observed", g)] = result.observed_group_utility[:, g]
        series[rec.group_series("exact", g)] = result.exact_group_utility[:, g]
    for k, name in enumerate(label_names):
        series[rec.alpha_series(name)] = result.alphas[:, k]
    for key, values in result.convergence(reference, oracle).items():
        series[rec.convergence_metric(key, parent=False)] = values
    return [
        Metric(key, float(value), stamps[step], step)
        for key, values in series.items()
        for step, value in enumerate(values)
    ]


def _to_json(result: TrialResult) -> str:
    data: dict[str, Any] = {
        k: None if getattr(result, k) is None else getattr(result, k).tolist() for k in _ARRAYS
    }
    data.update(index=result.index, seed=result.seed, seconds=result.seconds, diagnostics=result.diagnostics)
    return json.dumps(data)


def _from_json(text: str) -> TrialResult:
    data = json.loads(text)
    arrays = {k: None if data.get(k) is None else np.asarray(data[k], dtype=np.float64) for k in _ARRAYS}
    return TrialResult(
        index=int(data["index"]),
        seed=int(data["seed"]),
        seconds=float(data["seconds"]),
        diagnostics={k: float(v) for k, v in data["diagnostics"].items()},
        **arrays,
    )


def log_trial(
    tracker: MlflowLogger,
    parent: str,
    parent_name: str,
    tags: Mapping[str, str],
    result: TrialResult,
    label_names: tuple[str, ...],
    reference: np.ndarray,
    oracle: OracleFront | None,
) -> str:
    """One nested run: per-iteration metrics, final scores, the observed front, the exact arrays."""
    run_id = tracker.start_run(
        f"{parent_name}-trial{result.index:02d}",
        tags={**tags, rec.TAG_TRIAL: str(result.index)},
        parent_id=parent,
        params={rec.PARAM_TRIAL_INDEX: str(result.index), rec.PARAM_TRIAL_SEED: str(result.seed)},
    )
    with rec.run_status(tracker, run_id):
        tracker.log_metrics(run_id, trial_metrics(result, label_names, reference, oracle))
        scores = result.summary(reference, oracle)
        tracker.log_summary(run_id, {rec.trial_metric(k): v for k, v in scores.items()})
        with tempfile.TemporaryDirectory() as tmp:
            table = trial_table(result, label_names)
            table[table.on_observed_front].to_csv(Path(tmp) / rec.ART_TRIAL_FRONT, index=False)
            (Path(tmp) / rec.ART_TRIAL_RESULT).write_text(_to_json(result))
            tracker.log_artifacts(run_id, Path(tmp))
    return run_id


def read_trial(tracker: MlflowLogger, run_id: str) -> TrialResult | None:
    """The TrialResult a finished trial run stored (None if it has no ``trial_result.json``)."""
    names = {a.path for a in tracker.client.list_artifacts(run_id)}
    if rec.ART_TRIAL_RESULT not in names:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = tracker.client.download_artifacts(run_id, rec.ART_TRIAL_RESULT, tmp)
        return _from_json(Path(path).read_text())


def log_inputs(
    tracker: MlflowLogger,
    parent: str,
    config_yaml: str,
    overrides: list[str] | None,
    audit: pd.DataFrame,
    oracle: OracleFront | None,
) -> None:
    """What the run starts from: resolved config, overrides, model-level audit, the exact front."""
    from sysfair.system.model_audit import format_model_audit

    tracker.log_summary(parent, model_audit_metrics(audit))
    if oracle is not None:
        tracker.log_summary(parent, oracle_metrics(oracle))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / rec.ART_CONFIG).write_text(config_yaml)
        if overrides is not None:
            (folder / rec.ART_OVERRIDES).write_text("".join(f"- {o}\n" for o in overrides) or "[]\n")
        audit.to_csv(folder / rec.ART_MODEL_AUDIT_CSV, index=False)
        (folder / rec.ART_MODEL_AUDIT_TXT).write_text(format_model_audit(audit) + "\n")
        tracker.log_artifacts(parent, folder)


def log_outcome(
    tracker: MlflowLogger,
    parent: str,
    title: str,
    results: list[TrialResult],
    summary: pd.DataFrame,
    reference: np.ndarray,
    oracle: OracleFront | None,
    label_names: tuple[str, ...],
) -> None:
    """Summary metrics, the convergence curve and the artifacts that mark a complete run (last)."""
    ordered = sorted(results, key=lambda r: r.index)
    tracker.log_summary(
        parent,
        {rec.summary_metric(k, stat): summary.loc[k, stat] for k in summary.index for stat in ("mean", "sd")},
    )
    curve = convergence_table(ordered, reference, oracle)
    now = int(time.time() * 1000)
    tracker.log_metrics(
        parent,
        [
            Metric(rec.convergence_metric(key, parent=True), float(v), now, int(step))
            for key in curve.columns
            for step, v in curve[key].items()
        ],
    )
    tables = [trial_table(r, label_names) for r in ordered]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pd.concat(tables).to_csv(folder / rec.ART_FRONTS_CSV, index=False)
        plot_fronts(
            [t[["observed_utility", "observed_der"]].to_numpy() for t in tables],
            folder / rec.ART_FRONTS_PNG,
            title=title,
            oracle=None if oracle is None else oracle.points,
        )
        if oracle is not None:
            oracle_table(oracle, label_names).to_csv(folder / rec.ART_ORACLE_FRONT, index=False)
        front_alphas(ordered, label_names).to_csv(folder / rec.ART_FRONT_ALPHAS, index=False)
        curve.to_csv(folder / rec.ART_CONVERGENCE)
        summary.to_csv(folder / rec.ART_SUMMARY, index_label="metric")
        tracker.log_artifacts(parent, folder)
