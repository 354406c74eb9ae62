"""One experiment: build (or load) the CandidateLog, run the trials, record each one as it ends.

The parent run is RUNNING while trials run; each trial's nested run is written as soon as that
trial ends. Ctrl-C or SIGTERM keeps the finished trials and marks the parent KILLED; running the
same command again continues it (see :mod:`sysfair.experiment.resume`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sysfair.experiment import record as rec
from sysfair.experiment.candidates import candidate_log
from sysfair.experiment.config import check_config, check_pool
from sysfair.experiment.console import ensure_console_logging
from sysfair.experiment.interrupt import ExperimentInterrupted, interruptible
from sysfair.experiment.outputs import format_front_alphas, front_alphas, summarise
from sysfair.experiment.resume import finished_trials, mark_orphans, plan
from sysfair.experiment.runs import log_inputs, log_outcome, log_trial
from sysfair.experiment.tracking import (
    MlflowLogger,
    default_uri,
    flatten,
    process_tags,
    standard_tags,
    ui_command,
)
from sysfair.experiment.trials import TrialResult, capped_n_jobs, iter_trials
from sysfair.system.model_audit import format_model_audit, model_audit
from sysfair.system.oracle import OracleFront, oracle_front
from sysfair.system.platform import Platform

__all__ = ["ExperimentResult", "Launch", "candidate_log", "format_summary", "run_experiment"]

log = logging.getLogger(__name__)
SUMMARY_KEYS = rec.SUMMARY_KEYS


@dataclass(frozen=True)
class Launch:
    """How the command line launched the run (all optional; the CLI fills them from Hydra)."""

    sweep: str | None = None  # multirun folder name (tag ``sweep``)
    sweep_key: str | None = None  # identifies the multirun's command across reruns
    job: str | None = None  # job number within the multirun
    output_dir: str | None = None  # Hydra's output folder of this job
    overrides: list[str] | None = None  # Hydra's task overrides


@dataclass(frozen=True)
class ExperimentResult:
    run_id: str
    tracking_uri: str
    trials: list[TrialResult]  # in trial order
    summary: pd.DataFrame  # index: SUMMARY_KEYS (regret only with the oracle); columns: mean, sd
    oracle: OracleFront | None
    label_names: tuple[str, ...] = ()
    experiment_id: str = ""
    title: str = ""  # "<optimizer> on <dataset>"
    status: str = "new"  # new | continued | skipped (a rerun multirun found it finished)
    resumed_trials: int = 0  # trials read back from the store instead of run
    front: pd.DataFrame = field(default_factory=pd.DataFrame)  # non-dominated alphas, noise-free


def _exact_front(platform: Platform) -> OracleFront:
    log.info("computing the exact Pareto front over alpha ...")
    t0 = time.perf_counter()
    oracle = oracle_front(platform)
    log.info(
        "Exact Pareto front over alpha: %d points, %s, HV %.4f (%.1f s)",
        len(oracle.points),
        oracle.resolution,
        oracle.hypervolume,
        time.perf_counter() - t0,
    )
    return oracle


def _effective_params(cfg: DictConfig, obj: Any, n_jobs: int, reference: np.ndarray) -> dict[str, str]:
    """The flattened config with the values actually used where the config says null or -1."""
    params = flatten(OmegaConf.to_container(cfg, resolve=True))
    if "dataset.label_correlation" in params and hasattr(obj.dataset, "correlation"):
        params["dataset.label_correlation"] = str(obj.dataset.correlation)
    params["trials.n_jobs"] = str(n_jobs)
    params["trials.reference_point"] = str([float(x) for x in reference])
    return params


def _run_name(obj: Any, launch: Launch) -> str:
    base = obj.tracking.run_name or f"{obj.optimizer.name}-{obj.dataset.name}"
    if launch.sweep is not None:
        return f"{base}-sweep{launch.sweep}-job{launch.job or 0}"
    return f"{base}-{time.strftime('%y%m%d-%H%M%S')}"


def _best(results: dict[int, TrialResult]) -> str:
    """Best noise-free values so far across finished trials, for the progress bar."""
    if not results:
        return ""
    u = max(float(np.nanmax(r.exact_utility)) for r in results.values())
    d = max(float(np.nanmax(r.exact_der)) for r in results.values())
    return f"best utility {u:.4f}, best DER {d:.4f}"


def run_experiment(
    cfg: DictConfig,
    launch_dir: str | Path | None = None,
    sweep: str | None = None,
    launch: Launch | None = None,
) -> ExperimentResult:
    """Run the experiment ``cfg`` describes, or continue its unfinished run; MLflow holds every
    number it prints.

    Everything that can fail on bad input (config checks, data, the CandidateLog) happens before
    the MLflow run is created. A signal (Ctrl-C, SIGTERM) raises :class:`ExperimentInterrupted`
    after marking the parent KILLED; finished trials stay FINISHED. Any other exception marks
    the parent FAILED.
    """
    ensure_console_logging()
    launch = launch or Launch(sweep=sweep)
    launch_dir = Path(launch_dir or os.getcwd())
    obj: Any = check_config(cfg)  # the checked config objects (DictConfig converted)
    title = f"{obj.optimizer.name} on {obj.dataset.name}"
    candidates = candidate_log(obj, launch_dir)
    check_pool(obj, candidates)
    labels = candidates.label_names
    audit = model_audit(candidates)  # before the Platform: its transient peak without the Platform's arrays
    platform = Platform(candidates, np.asarray(obj.preferences.weights))
    log.info("Model-level audit (serving pool):\n%s\n", format_model_audit(audit))
    oracle = _exact_front(platform) if obj.trials.oracle else None
    given = obj.trials.reference_point
    reference = np.asarray(given if given is not None else oracle.reference, dtype=np.float64)

    uri = obj.tracking.uri or default_uri(launch_dir)
    tracker = MlflowLogger(uri, obj.tracking.experiment)
    mark_orphans(tracker)
    chash = rec.config_hash(flatten(OmegaConf.to_container(cfg, resolve=True)))
    todo = plan(tracker, chash, getattr(obj.trials, "resume", "auto"), launch.sweep_key)
    done: dict[int, TrialResult] = {}
    if todo.run is not None:
        done = finished_trials(tracker, todo.run.info.run_id)
    n_trials = int(obj.trials.n_trials)
    missing = [i for i in range(n_trials) if i not in done]
    n_jobs = capped_n_jobs(int(obj.trials.n_jobs), len(missing)) if missing else 1

    def result(run_id: str, status: str) -> ExperimentResult:
        ordered = [done[i] for i in sorted(done)]
        return ExperimentResult(
            run_id,
            uri,
            ordered,
            summarise(ordered, reference, oracle),
            oracle,
            labels,
            tracker.experiment_id,
            title,
            status,
            n_trials - len(missing),
            front_alphas(ordered, labels),
        )

    if todo.action == "skip":
        assert todo.run is not None
        run_id = todo.run.info.run_id
        log.info(
            "skipped: %s already finished in run %s (sweep %s)",
            title,
            run_id,
            todo.run.data.tags.get(rec.TAG_SWEEP),
        )
        return result(run_id, "skipped")

    tags = {
        rec.TAG_MODE: rec.MODE_EXPERIMENT,
        rec.TAG_DATASET: obj.dataset.name,
        rec.TAG_OPTIMIZER: obj.optimizer.name,
        rec.TAG_SCORER: getattr(obj.scorer, "name", ""),
        rec.TAG_RETRIEVER: getattr(obj.retriever, "name", ""),
        rec.TAG_CONFIG_HASH: chash,
        **standard_tags(),
        **process_tags(),
    }
    for key, value in (
        (rec.TAG_SWEEP, launch.sweep),
        (rec.TAG_SWEEP_KEY, launch.sweep_key),
        (rec.TAG_HYDRA_OUTPUT_DIR, launch.output_dir),
        (rec.TAG_HYDRA_OVERRIDES, None if launch.overrides is None else " ".join(launch.overrides)),
    ):
        if value is not None:
            tags[key] = value
    if todo.action == "continue":
        assert todo.run is not None
        parent, name = todo.run.info.run_id, todo.run.info.run_name
        times = int(todo.run.data.tags.get(rec.TAG_RESUMED, "0")) + 1
        tracker.reopen(parent)
        tracker.set_tags(parent, {**tags, rec.TAG_RESUMED: str(times)})
        log.info(
            "continuing run %s (%s): %d of %d trials already finished, %d to run",
            parent,
            name,
            len(done),
            n_trials,
            len(missing),
        )
    else:
        name = _run_name(obj, launch)
        params = _effective_params(cfg, obj, n_jobs, reference)
        parent = tracker.start_run(name, tags=tags, params=params)
    log.info(
        "MLflow run %s (%s): %s", parent, name, ui_command(uri, tracker.experiment_id).replace("\n", "; ")
    )
    child_tags = {k: v for k, v in tags.items() if k not in (rec.TAG_HYDRA_OVERRIDES, rec.TAG_CONFIG_HASH)}
    try:
        with rec.run_status(tracker, parent), interruptible() as guard:
            if todo.action == "new":
                with guard.critical():
                    yaml = OmegaConf.to_yaml(cfg, resolve=True)
                    log_inputs(tracker, parent, yaml, launch.overrides, audit, oracle)
            bar = tqdm(
                total=n_trials,
                initial=len(done),
                desc=title,
                unit="trial",
                disable=not obj.progress,
                postfix=_best(done) or None,
            )
            with bar:
                for trial in iter_trials(platform, obj.optimizer, obj.trials, missing, n_jobs):
                    with guard.critical():
                        log_trial(tracker, parent, name, child_tags, trial, labels, reference, oracle)
                        done[trial.index] = trial
                    bar.set_postfix_str(_best(done))
                    bar.update()
            ordered = [done[i] for i in sorted(done)]
            with guard.critical():
                log_outcome(
                    tracker,
                    parent,
                    f"{title}: observed (utility, DER)",
                    ordered,
                    summarise(ordered, reference, oracle),
                    reference,
                    oracle,
                    labels,
                )
    except KeyboardInterrupt as exc:
        raise ExperimentInterrupted(parent, len(done), n_trials, uri, tracker.experiment_id) from exc
    return result(parent, "continued" if todo.action == "continue" else "new")


def format_summary(result: ExperimentResult, n_trials: int | None = None) -> str:
    """The text printed at the end of a run: mean and sd, the front of alphas, where to look."""
    n = len(result.trials) if n_trials is None else n_trials
    rows = [f"{'metric':<22}{'mean':>10}{'sd':>10}"]
    rows += [
        f"{k:<22}{result.summary.loc[k, 'mean']:>10.4f}{result.summary.loc[k, 'sd']:>10.4f}"
        for k in result.summary.index
    ]
    front = ""
    if len(result.front):
        front = (
            f"\n\nNon-dominated alphas found ({len(result.front)}; utility and DER noise-free on the "
            f"whole pool):\n{format_front_alphas(result.front, result.label_names)}"
        )
    where = ui_command(result.tracking_uri, result.experiment_id or None)
    return (
        f"\nSummary of {result.title or 'the experiment'} over {n} trials (alphas re-evaluated "
        "noise-free on the whole pool):\n" + "\n".join(rows) + front + f"\n\nMLflow run {result.run_id}. "
        f"Open the results with:\n  {where.replace(chr(10), chr(10) + '  ')}\n"
    )
