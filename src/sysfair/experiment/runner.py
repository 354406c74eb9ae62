"""One experiment: build (or load) the CandidateLog, run the trials, record each one as it ends.

The parent run is RUNNING while trials run; each trial's nested run is written as soon as that
trial ends. Ctrl-C or SIGTERM keeps the finished trials and marks the parent KILLED; running the
same command again continues it (see :mod:`sysfair.experiment.resume`).
"""

from __future__ import annotations

import contextlib
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
from sysfair.experiment.journal import Journal, Recorder, StoreLost, header, journal_folder, one_line
from sysfair.experiment.launch import Launch, effective_params, parent_tags, run_name
from sysfair.experiment.outputs import best_so_far, format_summary, front_alphas, summarise
from sysfair.experiment.resume import finished_trials, mark_orphans, plan
from sysfair.experiment.runs import log_inputs, log_outcome, log_trial
from sysfair.experiment.tracking import (
    MlflowLogger,
    default_uri,
    flatten,
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

    tags = parent_tags(obj, chash, launch)
    if todo.action == "continue":
        assert todo.run is not None
        parent, name = todo.run.info.run_id, todo.run.info.run_name
        times = int(todo.run.data.tags.get(rec.TAG_RESUMED, "0")) + 1
        tracker.reopen(parent)
        tracker.set_tags(parent, {**tags, rec.TAG_RESUMED: str(times)})
        log.info(
            "continuing run %s (%s): %d of %d trials already finished, %d to run",
            *(parent, name, len(done), n_trials, len(missing)),
        )
    params = effective_params(cfg, obj, n_jobs, reference)
    if todo.action != "continue":
        name = run_name(obj, launch)
        parent = tracker.start_run(name, tags=tags, params=params)
    log.info(
        "MLflow run %s (%s): %s", parent, name, ui_command(uri, tracker.experiment_id).replace("\n", "; ")
    )
    child_tags = {k: v for k, v in tags.items() if k not in (rec.TAG_HYDRA_OVERRIDES, rec.TAG_CONFIG_HASH)}
    yaml = OmegaConf.to_yaml(cfg, resolve=True)
    journal = Journal.start(
        journal_folder(launch.output_dir, uri, launch_dir, name),
        header(
            uri=uri, experiment=obj.tracking.experiment, parent=parent, name=name, title=title,
            n_trials=n_trials, tags=tags, child_tags=child_tags, params=params, config_yaml=yaml,
            overrides=launch.overrides, audit=audit, oracle=oracle, reference=reference, labels=labels,
        ),
    )  # fmt: skip
    for index in sorted(done):
        journal.trial(done[index])
    log.info("journal of this run (each finished trial, also if the store fails): %s", journal.path)
    store = Recorder(tracker, journal)
    with interruptible() as guard:  # signals stay deferred until the interruption is reported
        try:
            with rec.run_status(store, parent):
                if todo.action == "new":
                    with guard.critical():
                        store.write(log_inputs, tracker, parent, yaml, launch.overrides, audit, oracle)
                bar = tqdm(
                    total=n_trials,
                    initial=len(done),
                    desc=title,
                    unit="trial",
                    disable=not obj.progress,
                    postfix=best_so_far(done) or None,
                )
                with bar:
                    for trial in iter_trials(platform, obj.optimizer, obj.trials, missing, n_jobs):
                        with guard.critical():
                            journal.trial(trial)
                            store.write(
                                log_trial, tracker, parent, name, child_tags, trial, labels, reference, oracle
                            )
                            done[trial.index] = trial
                        bar.set_postfix_str(best_so_far(done))
                        bar.update()
                ordered = [done[i] for i in sorted(done)]
                with guard.critical():
                    summary = summarise(ordered, reference, oracle)
                    title_fronts = f"{title}: observed (utility, DER)"
                    args = (ordered, summary, reference, oracle, labels)
                    store.write(log_outcome, tracker, parent, title_fronts, *args)
                    journal.end(rec.FINISHED)
        except KeyboardInterrupt as exc:
            journal.end(rec.KILLED)
            where = journal.path if store.failure else None
            raise ExperimentInterrupted(
                parent, len(done), n_trials, uri, tracker.experiment_id, where
            ) from exc
        except Exception as exc:  # FAILED (run_status): the error as a tag; the CLI reads the run id
            store.write(tracker.set_tags, parent, {rec.TAG_ERROR: one_line(exc)[:5000]})
            with contextlib.suppress(AttributeError):
                exc.sysfair_run_id = parent  # type: ignore[attr-defined]
            raise
    if store.failure is not None:
        raise StoreLost(uri, store.failure, journal.path, len(done), n_trials)
    return result(parent, "continued" if todo.action == "continue" else "new")
