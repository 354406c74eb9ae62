"""Read the runs of an MLflow experiment into plain DataFrames (no numbers are recomputed here).

Runs are grouped into *settings*: experiments that differ only in the optimizer (and in settings
that do not change results, e.g. ``trials.n_jobs``) share a setting and are compared with each
other; e.g. a ``preference_gap`` sweep gives one setting per preference disparity. One setting
is read by :func:`sysfair.report.runs.read_setting`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from mlflow.entities import Run, ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec
from sysfair.report.errors import ExperimentNotFoundError, NoFinishedRunsError, ReportError, RunNotFoundError
from sysfair.report.runs import Setting, read_setting, setting_params

__all__ = [
    "SWEEP_TAG",
    "ExperimentNotFoundError",
    "NoFinishedRunsError",
    "ReportError",
    "RunNotFoundError",
    "Setting",
    "SweepData",
    "collect",
]

SWEEP_TAG = rec.TAG_SWEEP  # tag a multirun sets on its parent runs; --sweep filters on it
SKIPPED_MODES = rec.REPORT_MODES  # parent runs that are not optimizer experiments


@dataclass
class SweepData:
    tracking_uri: str
    experiment: str
    experiment_id: str
    settings: list[Setting]
    notes: list[str] = field(default_factory=list)


def _search(client: MlflowClient, experiment_id: str, filter_string: str = "") -> list[Run]:
    runs: list[Run] = []
    token = None
    while True:
        page = client.search_runs(
            [experiment_id], filter_string, ViewType.ACTIVE_ONLY, max_results=1000, page_token=token
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def _is_experiment_parent(run: Run) -> bool:
    tags = run.data.tags
    return (
        rec.TAG_PARENT not in tags
        and rec.TAG_OPTIMIZER in tags
        and rec.TAG_DATASET in tags
        and tags.get(rec.TAG_MODE, "") not in SKIPPED_MODES
    )


def collect(
    tracking_uri: str,
    experiment: str,
    *,
    sweep_tag: str | None = None,
    run_ids: list[str] | None = None,
) -> SweepData:
    """Every finished experiment run of ``experiment`` (optionally one sweep, or given parent runs)."""
    if tracking_uri.startswith("sqlite:///") and not Path(tracking_uri.removeprefix("sqlite:///")).is_file():
        raise ReportError(f"no MLflow store at {tracking_uri} (the file does not exist); pass --tracking-uri")
    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        found = client.get_experiment_by_name(experiment)
    except MlflowException as exc:
        raise ReportError(f"cannot read the MLflow store {tracking_uri}: {exc}") from exc
    if found is None:
        available = [e.name for e in client.search_experiments()]
        raise ExperimentNotFoundError(experiment, tracking_uri, available)
    exp_id = found.experiment_id
    every = _search(client, exp_id)
    by_id = {r.info.run_id: r for r in every}
    if run_ids:
        missing = [r for r in run_ids if r not in by_id]
        if missing:
            raise RunNotFoundError(f"no run {', '.join(missing)} in experiment {experiment!r}")
        candidates = [by_id[r] for r in run_ids]
        unfinished = [r.info.run_id for r in candidates if r.info.status != rec.FINISHED]
        if unfinished:
            raise NoFinishedRunsError(f"runs {', '.join(unfinished)} are not FINISHED")
    else:
        candidates = [r for r in every if _is_experiment_parent(r)]
    if sweep_tag is not None:
        candidates = [r for r in candidates if r.data.tags.get(SWEEP_TAG) == sweep_tag]
    parents = [r for r in candidates if r.info.status == rec.FINISHED]
    if not parents:
        scope = f"sweep {sweep_tag!r} of " if sweep_tag else ""
        statuses = pd.Series([r.info.status for r in candidates]).value_counts().to_dict()
        seen = ", ".join(f"{n} {s}" for s, n in statuses.items()) or "no experiment runs at all"
        raise NoFinishedRunsError(
            f"no finished experiment runs in {scope}experiment {experiment!r} at {tracking_uri} "
            f"(found: {seen}); run `sysfair run ...` first"
        )
    children: dict[str, list[Run]] = {}
    for run in every:
        pid = run.data.tags.get(rec.TAG_PARENT)
        if pid and run.info.status == rec.FINISHED and rec.TAG_TRIAL in run.data.tags:
            children.setdefault(pid, []).append(run)

    groups: dict[str, list[Run]] = {}
    for run in parents:
        params = setting_params(run.data.params)
        key = "|".join(f"{k}={v}" for k, v in sorted(params.items()))
        groups.setdefault(key, []).append(run)
    notes = (
        [f"{len(candidates) - len(parents)} unfinished run(s) left out"]
        if len(parents) < len(candidates)
        else []
    )
    failed = [r for r in candidates if r.info.status == rec.FAILED and rec.TAG_ERROR in r.data.tags]
    notes += [f"failed: {r.info.run_name} ({r.data.tags[rec.TAG_ERROR]})" for r in failed]
    labels = _setting_labels(groups)
    settings = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, runs in groups.items():
            settings.append(read_setting(client, key, labels[key], runs, children, Path(tmp)))
    settings.sort(key=lambda s: s.label)
    return SweepData(tracking_uri, experiment, exp_id, settings, notes)


def _setting_labels(groups: dict[str, list[Run]]) -> dict[str, str]:
    """The dataset name, plus the params that tell apart settings of the same dataset."""
    by_dataset: dict[str, list[str]] = {}
    params = {key: setting_params(runs[0].data.params) for key, runs in groups.items()}
    for key, runs in groups.items():
        by_dataset.setdefault(runs[0].data.tags[rec.TAG_DATASET], []).append(key)
    labels = {}
    for dataset, keys in by_dataset.items():
        if len(keys) == 1:
            labels[keys[0]] = dataset
            continue
        names = sorted({k for key in keys for k in params[key]})
        differing = [n for n in names if len({params[key].get(n) for key in keys}) > 1]
        for key in keys:
            labels[key] = f"{dataset} ({', '.join(f'{n}={params[key].get(n)}' for n in differing)})"
    return labels
