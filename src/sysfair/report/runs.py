"""One setting's runs read into plain DataFrames: methods, trials, points and artifacts.

A *setting* is the experiments that differ only in the optimizer (and in settings that do not
change results); :func:`read_setting` reads one, :func:`sysfair.report.collect.collect` finds them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec

__all__ = ["TRIAL_METRICS", "Setting", "read_setting", "setting_params"]

# Flattened params that identify a setting: everything but these (prefix match).
_NOT_SETTING = (*rec.SPEED_ONLY, "optimizer.", "trials.n_trials", "hydra.", "sweep")
TRIAL_METRICS = (*rec.SUMMARY_KEYS, "n_fallbacks")  # what each trial's nested run logged at the end


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


def setting_params(params: dict[str, str]) -> dict[str, str]:
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


def read_setting(
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
        params=setting_params(runs[0].data.params),
        parents=parents,
        trials=trials,
        points=points,
        oracle=oracle,
        audit=audit,
        config_yaml=config_yaml,
        notes=notes,
    )
