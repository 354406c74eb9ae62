"""Read the runs of an MLflow experiment into plain DataFrames (no numbers are recomputed here).

Runs are grouped into *settings*: experiments that differ only in the optimizer (and in settings
that do not change results, e.g. ``trials.n_jobs``) share a setting and are compared with each
other; e.g. a ``preference_gap`` sweep gives one setting per preference disparity.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from mlflow.entities import Run, ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from sysfair.errors import SysfairError
from sysfair.experiment import record as rec

__all__ = [
    "SWEEP_TAG",
    "ExperimentNotFoundError",
    "NoFinishedRunsError",
    "RunNotFoundError",
    "Setting",
    "SweepData",
    "collect",
]

SWEEP_TAG = rec.TAG_SWEEP  # tag a multirun sets on its parent runs; --sweep filters on it
SKIPPED_MODES = rec.REPORT_MODES  # parent runs that are not optimizer experiments
# Flattened params that identify a setting: everything but these (prefix match).
_NOT_SETTING = (*rec.SPEED_ONLY, "optimizer.", "trials.n_trials", "hydra.", "sweep")
TRIAL_METRICS = (*rec.SUMMARY_KEYS, "n_fallbacks")  # what each trial's nested run logged at the end


class ReportError(SysfairError):
    """The report cannot be built from what the store holds."""


class ExperimentNotFoundError(ReportError):
    def __init__(self, experiment: str, uri: str, available: list[str]) -> None:
        names = ", ".join(sorted(available)) or "none"
        super().__init__(
            f"no MLflow experiment named {experiment!r} in {uri} (experiments there: {names}); "
            "pass --experiment NAME or --tracking-uri URI"
        )


class NoFinishedRunsError(ReportError):
    pass


class RunNotFoundError(ReportError):
    pass


@dataclass
class Setting:
    """One comparable group of experiments: same dataset and system config, several optimizers.

    Attributes:
        key: the params shared by the setting's runs (``dataset.name=...|seed=...``).
        label: human name: the dataset, plus the params that tell it from other settings.
        parents: one row per method: run_id, method, optimizer, start_time, n_trials.
        trials: one row per trial run: parent_run_id, run_id, method, trial, seed, TRIAL_METRICS.
        points: every iteration of every trial (``pareto_fronts.csv`` of each parent) plus ``method``.
        oracle: ``oracle_front.csv`` of the setting (None if no run logged it).
        audit: ``model_audit.csv`` of the setting (None if no run logged it).
        config_yaml: the resolved config of one of the runs (``config.yaml``), for the surfaces.
        notes: what was skipped or inconsistent, for the report.
    """

    key: str
    label: str
    dataset: str
    params: dict[str, str]
    parents: pd.DataFrame
    trials: pd.DataFrame
    points: pd.DataFrame
    oracle: pd.DataFrame | None = None
    audit: pd.DataFrame | None = None
    config_yaml: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def methods(self) -> list[str]:
        return list(self.parents["method"])

    @property
    def label_names(self) -> list[str]:
        return [c.removeprefix("alpha_") for c in self.points.columns if c.startswith("alpha_")]


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


def _setting_params(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if not k.startswith(_NOT_SETTING)}


def _artifact(client: MlflowClient, run_id: str, name: str, folder: Path) -> Path | None:
    """Download artifact ``name`` of ``run_id`` into ``folder``; None if the run has no such file."""
    names = {a.path for a in client.list_artifacts(run_id)}
    if name not in names:
        return None
    target = folder / run_id
    target.mkdir(parents=True, exist_ok=True)
    with _no_progress_bar():
        return Path(client.download_artifacts(run_id, name, str(target)))


@contextlib.contextmanager
def _no_progress_bar() -> Iterator[None]:
    """Silence MLflow's per-file download bar (restores the environment afterwards)."""
    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    old = os.environ.get(key)
    os.environ[key] = "false"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


def _method_labels(runs: list[Run]) -> tuple[list[Run], dict[str, str], list[str]]:
    """One run per method label; several runs of one optimizer with different optimizer params
    become ``name (key=value, ...)``; exact repeats keep the latest run. Returns (runs, labels, notes)."""
    notes: list[str] = []
    by_opt: dict[str, list[Run]] = {}
    for run in sorted(runs, key=lambda r: r.info.start_time, reverse=True):
        by_opt.setdefault(run.data.tags[rec.TAG_OPTIMIZER], []).append(run)
    kept: list[Run] = []
    labels: dict[str, str] = {}
    for opt, group in sorted(by_opt.items()):
        variants: dict[tuple[tuple[str, str], ...], Run] = {}
        for run in group:  # newest first
            key = tuple(sorted((k, v) for k, v in run.data.params.items() if k.startswith("optimizer.")))
            if key in variants:
                notes.append(
                    f"{opt}: run {run.info.run_id} repeats run {variants[key].info.run_id} "
                    "with the same config; the latest one is used"
                )
                continue
            variants[key] = run
        if len(variants) == 1:
            (run,) = variants.values()
            kept.append(run)
            labels[run.info.run_id] = opt
            continue
        keys = [dict(k) for k in variants]
        differing = sorted({k for d in keys for k in d if len({d.get(k) for d in keys}) > 1})
        for params, run in zip(keys, variants.values(), strict=True):
            extra = ", ".join(f"{k.removeprefix('optimizer.')}={params.get(k)}" for k in differing)
            kept.append(run)
            labels[run.info.run_id] = f"{opt} ({extra})"
    return kept, labels, notes


def _trial_rows(children: Iterable[Run], parent: Run, method: str) -> list[dict[str, object]]:
    base_seed = int(parent.data.params.get(rec.PARAM_TRIALS_SEED, "0"))
    rows = []
    for child in children:
        index = int(child.data.tags.get(rec.TAG_TRIAL, child.data.params.get(rec.PARAM_TRIAL_INDEX, "-1")))
        seed = int(child.data.params.get(rec.PARAM_TRIAL_SEED, base_seed + index))
        row: dict[str, object] = {
            "parent_run_id": parent.info.run_id,
            "run_id": child.info.run_id,
            "method": method,
            "trial": index,
            "seed": seed,
        }
        row.update({k: child.data.metrics.get(rec.trial_metric(k), float("nan")) for k in TRIAL_METRICS})
        rows.append(row)
    return rows


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
        params = _setting_params(run.data.params)
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
            settings.append(_setting(client, key, labels[key], runs, children, Path(tmp)))
    settings.sort(key=lambda s: s.label)
    return SweepData(tracking_uri, experiment, exp_id, settings, notes)


def _setting_labels(groups: dict[str, list[Run]]) -> dict[str, str]:
    """The dataset name, plus the params that tell apart settings of the same dataset."""
    by_dataset: dict[str, list[str]] = {}
    params = {key: _setting_params(runs[0].data.params) for key, runs in groups.items()}
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


def _setting(
    client: MlflowClient,
    key: str,
    label: str,
    runs: list[Run],
    children: dict[str, list[Run]],
    tmp: Path,
) -> Setting:
    kept, methods, notes = _method_labels(runs)
    parent_rows, trial_rows, point_tables = [], [], []
    oracle = audit = None
    config_yaml = None
    for run in kept:
        rid, method = run.info.run_id, methods[run.info.run_id]
        kids = children.get(rid, [])
        parent_rows.append(
            {
                "run_id": rid,
                "method": method,
                "optimizer": run.data.tags[rec.TAG_OPTIMIZER],
                "start_time": pd.Timestamp(run.info.start_time, unit="ms"),
                "n_trials": len(kids),
            }
        )
        trial_rows.extend(_trial_rows(kids, run, method))
        path = _artifact(client, rid, rec.ART_FRONTS_CSV, tmp)
        if path is None:
            notes.append(f"{method}: run {rid} has no pareto_fronts.csv; its points are left out")
        else:
            table = pd.read_csv(path)
            table.insert(0, "method", method)
            table.insert(0, "parent_run_id", rid)
            point_tables.append(table)
        if oracle is None and (path := _artifact(client, rid, rec.ART_ORACLE_FRONT, tmp)) is not None:
            oracle = pd.read_csv(path)
        if audit is None and (path := _artifact(client, rid, rec.ART_MODEL_AUDIT_CSV, tmp)) is not None:
            audit = pd.read_csv(path)
        if config_yaml is None and (path := _artifact(client, rid, rec.ART_CONFIG, tmp)) is not None:
            config_yaml = path.read_text()
    parents = pd.DataFrame(parent_rows).sort_values("method", ignore_index=True)
    trials = pd.DataFrame(
        trial_rows, columns=["parent_run_id", "run_id", "method", "trial", "seed", *TRIAL_METRICS]
    )
    trials = trials.sort_values(["method", "trial"], ignore_index=True)
    points = pd.concat(point_tables, ignore_index=True) if point_tables else pd.DataFrame()
    return Setting(
        key=key,
        label=label,
        dataset=runs[0].data.tags[rec.TAG_DATASET],
        params=_setting_params(runs[0].data.params),
        parents=parents,
        trials=trials,
        points=points,
        oracle=oracle,
        audit=audit,
        config_yaml=config_yaml,
        notes=notes,
    )
