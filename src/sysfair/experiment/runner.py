"""One experiment: build (or load) the CandidateLog, run the trials, log everything to MLflow."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sysfair.checks import require
from sysfair.experiment.config import check_config, check_pool
from sysfair.experiment.plots import plot_fronts
from sysfair.experiment.tracking import (
    MlflowLogger,
    default_uri,
    flatten,
    git_commit,
    trial_metrics,
    ui_command,
)
from sysfair.experiment.trials import TrialResult, iter_trials
from sysfair.system.build import build_candidate_log
from sysfair.system.cache import CacheMissError, file_digests, load_or_build
from sysfair.system.candidates import CandidateLog
from sysfair.system.logged import load_logged
from sysfair.system.model_audit import format_model_audit, model_audit
from sysfair.system.oracle import OracleFront, oracle_front
from sysfair.system.pareto import pareto_mask
from sysfair.system.platform import Platform

log = logging.getLogger(__name__)

SUMMARY_KEYS = (
    "best_utility",
    "best_der",
    "hypervolume",
    "hypervolume_regret",
    "observed_hypervolume",
    "seconds",
)


@dataclass(frozen=True)
class ExperimentResult:
    run_id: str
    tracking_uri: str
    trials: list[TrialResult]
    summary: pd.DataFrame  # index: SUMMARY_KEYS (regret only with the oracle); columns: mean, sd
    oracle: OracleFront | None


def _dataset_files(cfg: Any, launch_dir: Path, cache_dir: Path) -> dict[str, str]:
    """Content digests of the dataset's input files (an edit means a new cache entry)."""
    path = getattr(cfg.dataset, "path", None)
    if not path or path == "???":
        return {}
    folder = Path(path) if Path(path).is_absolute() else launch_dir / path
    return file_digests(folder, cache_dir) if folder.exists() else {}


def candidate_log(cfg: Any, launch_dir: Path, *, build: bool = True) -> CandidateLog:
    """The CandidateLog of (dataset, scorer, retriever, prevalences, seed), cached on disk.

    A ``logged`` dataset already is a CandidateLog: it is read as is (no scorer, no retriever).
    ``build=False`` only reads the cache: a miss raises :class:`CacheMissError` instead of
    training the scorers (what a report wants).
    """
    if cfg.dataset.name == "logged":
        candidates = load_logged(cfg.dataset)
        require(
            len(cfg.preferences.prevalences) == candidates.n_groups,
            "preferences.prevalences",
            list(cfg.preferences.prevalences),
            f"one share per group of the log ({candidates.n_groups} groups); the log's own groups "
            "are used, so only their number matters",
        )
        print(f"CandidateLog read from {cfg.dataset.path}", file=sys.stderr)
        return candidates
    cache_dir = Path(cfg.cache_dir)
    if not cache_dir.is_absolute():
        cache_dir = launch_dir / cache_dir

    spec = {
        "dataset": OmegaConf.to_container(OmegaConf.structured(cfg.dataset)),
        "files": _dataset_files(cfg, launch_dir, cache_dir),
        "scorer": OmegaConf.to_container(OmegaConf.structured(cfg.scorer)),
        "retriever": OmegaConf.to_container(OmegaConf.structured(cfg.retriever)),
        "prevalences": list(cfg.preferences.prevalences),
        "assignment": cfg.preferences.assignment,
        "seed": cfg.seed,
    }

    def build_log() -> CandidateLog:
        if not build:
            raise CacheMissError(f"no cached CandidateLog for this config in {cache_dir}")
        return build_candidate_log(
            cfg.dataset,
            cfg.scorer,
            cfg.retriever,
            list(cfg.preferences.prevalences),
            cfg.seed,
            cfg.preferences.assignment,
        )

    candidates, path, hit = load_or_build(cache_dir, f"candidates-{cfg.dataset.name}", spec, build_log)
    verb = "loaded from cache" if hit else "built and cached at"
    print(f"CandidateLog {verb} {path}", file=sys.stderr)
    if cfg.preferences.assignment == "attribute":
        shares = np.bincount(candidates.group, minlength=candidates.n_groups) / candidates.group.size
        print(
            f"groups from dataset={cfg.dataset.name}'s own attribute, shares "
            f"{' / '.join(f'{x:.3f}' for x in shares)} (preferences.prevalences not used)",
            file=sys.stderr,
        )
    return candidates


def oracle_metrics(oracle: OracleFront) -> dict[str, float]:
    """The exact front's landmarks as MLflow metrics."""
    return {
        "oracle.hypervolume": oracle.hypervolume,
        "oracle.max_utility": float(oracle.max_utility[0]),
        "oracle.der_at_max_utility": float(oracle.max_utility[1]),
        "oracle.max_der": float(oracle.max_der[1]),
        "oracle.utility_at_max_der": float(oracle.max_der[0]),
        "oracle.reference_utility": float(oracle.reference[0]),
        "oracle.reference_der": float(oracle.reference[1]),
        "oracle.front_size": float(len(oracle.points)),
    }


def oracle_table(oracle: OracleFront, label_names: tuple[str, ...]) -> pd.DataFrame:
    """The exact front as a table: one row per point, its alpha and (utility, DER)."""
    return pd.DataFrame(
        {
            **{f"alpha_{n}": oracle.alphas[:, k] for k, n in enumerate(label_names)},
            "utility": oracle.points[:, 0],
            "der": oracle.points[:, 1],
        }
    )


def audit_metrics(table: pd.DataFrame) -> dict[str, float]:
    """Model-level audit rows as MLflow metrics ``audit.<label>.<group>.auc`` / ``.ece``."""
    return {
        f"audit.{r.label}.group_{r.group}.{col}": float(getattr(r, col))
        for r in table.itertuples()
        for col in ("auc", "ece")
        if np.isfinite(getattr(r, col))
    }


def _trial_table(result: TrialResult, label_names: tuple[str, ...]) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "trial": result.index,
            "iteration": np.arange(result.alphas.shape[0]),
            **{f"alpha_{n}": result.alphas[:, k] for k, n in enumerate(label_names)},
            "observed_utility": result.observed_utility,
            "observed_der": result.observed_der,
            "exact_utility": result.exact_utility,
            "exact_der": result.exact_der,
        }
    )
    table["on_observed_front"] = pareto_mask(table[["observed_utility", "observed_der"]].to_numpy())
    return table


def summarise(results: list[TrialResult], reference: np.ndarray, oracle: OracleFront | None) -> pd.DataFrame:
    """Mean and sd over trials of each trial's final scores."""
    per_trial = pd.DataFrame([r.summary(reference, oracle) for r in results])
    per_trial = per_trial[[k for k in (*SUMMARY_KEYS, "n_fallbacks") if k in per_trial]]
    return pd.DataFrame({"mean": per_trial.mean(), "sd": per_trial.std(ddof=1).fillna(0.0)})


def _exact_front(platform: Platform) -> OracleFront:
    t0 = time.perf_counter()
    oracle = oracle_front(platform)
    print(
        f"Exact Pareto front over alpha: {len(oracle.points)} points, {oracle.resolution}, "
        f"HV {oracle.hypervolume:.4f} ({time.perf_counter() - t0:.1f} s)",
        file=sys.stderr,
    )
    return oracle


def _run_trials(platform: Platform, obj: Any) -> list[TrialResult]:
    """All trials, in trial order, behind a progress bar."""
    results = []
    bar = tqdm(
        iter_trials(platform, obj.optimizer, obj.trials),
        total=obj.trials.n_trials,
        desc=f"{obj.optimizer.name} on {obj.dataset.name}",
        unit="trial",
        disable=not obj.progress,
    )
    for result in bar:
        results.append(result)
        bar.set_postfix(best_der=f"{np.nanmax(result.exact_der):.3f}")
    return results


def _log_trial(
    tracker: MlflowLogger,
    parent: str,
    tags: dict[str, str],
    result: TrialResult,
    table: pd.DataFrame,
    label_names: tuple[str, ...],
    summary: dict[str, float],
) -> None:
    """One nested run: per-iteration metrics, final scores, the trial's observed Pareto front."""
    run_id = tracker.start_run(
        f"trial-{result.index}",
        tags={**tags, "trial": str(result.index)},
        parent_id=parent,
        params={"trial.index": str(result.index), "trial.seed": str(result.seed)},
    )
    status = "FAILED"
    try:
        tracker.log_metrics(run_id, trial_metrics(result, label_names))
        tracker.log_summary(run_id, summary)
        with tempfile.TemporaryDirectory() as tmp:
            table[table.on_observed_front].to_csv(Path(tmp) / "pareto_front.csv", index=False)
            tracker.log_artifacts(run_id, Path(tmp))
        status = "FINISHED"
    finally:
        tracker.end_run(run_id, status)


def _log_inputs(
    tracker: MlflowLogger, parent: str, cfg: DictConfig, audit: pd.DataFrame, oracle: OracleFront | None
) -> None:
    """What the run starts from: resolved config, model-level audit, the exact front's landmarks."""
    tracker.log_summary(parent, audit_metrics(audit))
    if oracle is not None:
        tracker.log_summary(parent, oracle_metrics(oracle))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
        audit.to_csv(Path(tmp) / "model_audit.csv", index=False)
        (Path(tmp) / "model_audit.txt").write_text(format_model_audit(audit) + "\n")
        tracker.log_artifacts(parent, Path(tmp))


def _log_outcome(
    tracker: MlflowLogger,
    parent: str,
    obj: Any,
    tables: list[pd.DataFrame],
    summary: pd.DataFrame,
    oracle: OracleFront | None,
    label_names: tuple[str, ...],
) -> None:
    """Summary metrics and the artifacts that mark a complete run (written last)."""
    tracker.log_summary(
        parent, {f"{k}_{stat}": summary.loc[k, stat] for k in summary.index for stat in ("mean", "sd")}
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pd.concat(tables).to_csv(folder / "pareto_fronts.csv", index=False)
        plot_fronts(
            [t[["observed_utility", "observed_der"]].to_numpy() for t in tables],
            folder / "pareto_fronts.png",
            title=f"{obj.optimizer.name} on {obj.dataset.name}: observed (utility, DER)",
            oracle=None if oracle is None else oracle.points,
        )
        if oracle is not None:
            oracle_table(oracle, label_names).to_csv(folder / "oracle_front.csv", index=False)
        summary.to_csv(folder / "summary.csv", index_label="metric")
        tracker.log_artifacts(parent, folder)


def run_experiment(
    cfg: DictConfig, launch_dir: str | Path | None = None, sweep: str | None = None
) -> ExperimentResult:
    """Run the experiment ``cfg`` describes; MLflow holds every number it prints.

    Everything that can fail on bad input (config checks, data, the CandidateLog) happens before
    the MLflow run is created; after that, any exception marks the run FAILED (KILLED on Ctrl-C).
    """
    launch_dir = Path(launch_dir or os.getcwd())
    obj: Any = check_config(cfg)  # the checked config objects (DictConfig converted)
    candidates = candidate_log(obj, launch_dir)
    check_pool(obj, candidates)
    labels = candidates.label_names
    platform = Platform(candidates, np.asarray(obj.preferences.weights))
    audit = model_audit(candidates)
    print(f"\nModel-level audit (serving pool):\n{format_model_audit(audit)}\n", file=sys.stderr)
    oracle = _exact_front(platform) if obj.trials.oracle else None
    given = obj.trials.reference_point
    reference = np.asarray(given if given is not None else oracle.reference, dtype=np.float64)

    uri = obj.tracking.uri or default_uri(launch_dir)
    tracker = MlflowLogger(uri, obj.tracking.experiment)
    tags = {"dataset": obj.dataset.name, "optimizer": obj.optimizer.name, "git_commit": git_commit()}
    if sweep is not None:
        tags["sweep"] = sweep
    name = obj.tracking.run_name or f"{obj.dataset.name}-{obj.optimizer.name}"
    parent = tracker.start_run(name, tags=tags, params=flatten(OmegaConf.to_container(cfg, resolve=True)))
    status = "FAILED"
    try:
        _log_inputs(tracker, parent, cfg, audit, oracle)
        results = _run_trials(platform, obj)
        tables = [_trial_table(r, labels) for r in results]
        for result, table in zip(results, tables, strict=True):
            _log_trial(tracker, parent, tags, result, table, labels, result.summary(reference, oracle))
        summary = summarise(results, reference, oracle)
        _log_outcome(tracker, parent, obj, tables, summary, oracle, labels)
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    finally:
        tracker.end_run(parent, status)
    return ExperimentResult(parent, uri, results, summary, oracle)


def format_summary(result: ExperimentResult, n_trials: int) -> str:
    """The table printed at the end of a run."""
    rows = [f"{'metric':<22}{'mean':>10}{'sd':>10}"]
    rows += [
        f"{k:<22}{result.summary.loc[k, 'mean']:>10.4f}{result.summary.loc[k, 'sd']:>10.4f}"
        for k in result.summary.index
    ]
    return (
        f"\nSummary over {n_trials} trials (alphas re-evaluated noise-free on the whole pool):\n"
        + "\n".join(rows)
        + f"\n\nMLflow run {result.run_id}. Open the results with:\n  {ui_command(result.tracking_uri)}\n"
    )
