"""The MLflow record: every tag, metric, param and artifact name that runs, audits and reports
write or read, and the one context manager that sets a run's final status.

Metric names are ``<section>/<name>``: the MLflow UI groups charts by what comes before the last
``/`` and orders the sections alphabetically (un-sectioned metrics last), so the sections are
named to come out in the order people read them:

- ``outcome/...``   what differs between methods: final scores of a trial, their mean and sd over
  trials on the parent (``outcome/hypervolume_mean``), the audit's findings (``outcome/gap/...``);
- ``progress/...``  per-iteration series (step = iteration): a trial's α, observed and noise-free
  values, its best-so-far hypervolume and regret; on the parent, their mean over trials
  (the convergence curve);
- ``run/...``       cost and diagnostics: seconds, time per ``ask()``, GP fallbacks;
- ``setting/...``   inputs shared by every method of a setting: the exact front
  (``setting/oracle/...``) and the model-level audit (``setting/model/...``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from mlflow.utils import mlflow_tags

# ---- run status -------------------------------------------------------------------------------
RUNNING, FINISHED, FAILED, KILLED = "RUNNING", "FINISHED", "FAILED", "KILLED"

# ---- tags -------------------------------------------------------------------------------------
TAG_MODE = "mode"  # experiment | audit | report
MODE_EXPERIMENT, MODE_AUDIT, MODE_REPORT = "experiment", "audit", "report"
TAG_DATASET = "dataset"
TAG_OPTIMIZER = "optimizer"
TAG_SCORER = "scorer"
TAG_RETRIEVER = "retriever"
TAG_SWEEP = "sweep"  # the multirun's folder name, on every parent run of a sweep
TAG_SWEEP_KEY = "sweep_key"  # hash of the multirun's command: a rerun of it finds its jobs
TAG_REPORT_SWEEP = "report_sweep"  # on a report run: the sweep it reports
TAG_TRIAL = "trial"  # on a trial run: its index
TAG_HOST = "host"  # the process that writes the run: a RUNNING run whose process is gone is
TAG_PID = "pid"  # marked KILLED by the next run on the same host
TAG_CONFIG_HASH = "config_hash"  # what decides the numbers (see config_hash): resume key
TAG_HYDRA_OUTPUT_DIR = "hydra_output_dir"
TAG_HYDRA_OVERRIDES = "hydra_overrides"
TAG_RESUMED = "resumed"  # how many times the run was continued
TAG_REPLAYED_FROM = "replayed_from"  # a run written from a journal: the id of the run that wrote it
TAG_ERROR = "error"  # on a FAILED run: the error that stopped it (one line)
TAG_JOB = "job"  # the job's number within its multirun
TAG_PARENT = mlflow_tags.MLFLOW_PARENT_RUN_ID
TAG_SOURCE_NAME = mlflow_tags.MLFLOW_SOURCE_NAME
TAG_SOURCE_TYPE = mlflow_tags.MLFLOW_SOURCE_TYPE
TAG_USER = mlflow_tags.MLFLOW_USER
TAG_GIT_COMMIT = mlflow_tags.MLFLOW_GIT_COMMIT

# ---- params (besides the flattened config) ----------------------------------------------------
PARAM_TRIAL_INDEX = "trial.index"
PARAM_TRIAL_SEED = "trial.seed"
PARAM_TRIALS_SEED = "trials.seed"
PARAM_REPORT_SWEEP = "report.sweep"
PARAM_REPORT_N_RUNS = "report.n_source_runs"
# Flattened params that never change a number: left out of the resume key and of report settings.
SPEED_ONLY = ("trials.n_jobs", "trials.resume", "progress", "tracking.", "cache_dir", "audit.", "mode")

# ---- artifacts --------------------------------------------------------------------------------
ART_CONFIG = "config.yaml"
ART_OVERRIDES = "overrides.yaml"
ART_MODEL_AUDIT_CSV = "model_audit.csv"
ART_MODEL_AUDIT_TXT = "model_audit.txt"
ART_ORACLE_FRONT = "oracle_front.csv"
ART_FRONTS_CSV = "pareto_fronts.csv"  # every iteration of every trial (parent)
ART_FRONTS_PNG = "pareto_fronts.png"
ART_SUMMARY = "summary.csv"
ART_FRONT_ALPHAS = "front_alphas.csv"  # the non-dominated alphas found (noise-free)
ART_CONVERGENCE = "convergence.csv"
ART_TRIAL_FRONT = "pareto_front.csv"  # a trial's observed front (trial run)
ART_TRIAL_RESULT = "trial_result.json"  # a trial's arrays, exactly, for resuming (trial run)
JOURNAL_FILE = "journal.jsonl"  # not an artifact: in the run's output folder, one line per trial

# ---- metric names -----------------------------------------------------------------------------
OUTCOME, PROGRESS, RUN, SETTING = "outcome", "progress", "run", "setting"
OUTCOME_KEYS = ("best_utility", "best_der", "hypervolume", "hypervolume_regret", "observed_hypervolume")
SUMMARY_KEYS = (*OUTCOME_KEYS, "seconds")  # mean and sd over trials, on the parent
TRIAL_SERIES = ("observed_utility", "observed_der", "exact_utility", "exact_der")
CONVERGENCE_KEYS = ("best_hypervolume", "hypervolume_regret")  # per iteration, best so far
REPORT_MODES = {MODE_REPORT, MODE_AUDIT}  # parent runs that are not optimizer experiments


def safe(text: str) -> str:
    """A metric-name-safe version of a label or column name."""
    return re.sub(r"[^0-9A-Za-z_\-. ]", "_", str(text))


def trial_metric(key: str) -> str:
    """Name of a trial's final score ``key`` (``best_der`` -> ``outcome/best_der``)."""
    return f"{OUTCOME if key in OUTCOME_KEYS else RUN}/{key}"


def summary_metric(key: str, stat: str) -> str:
    """Name of the parent's ``stat`` (mean | sd) over trials of ``key``."""
    return f"{trial_metric(key)}_{stat}"


def series_metric(name: str) -> str:
    """Name of a per-iteration series: ``exact_der``, ``exact_utility_group0``, ``alpha_y1``..."""
    return f"{RUN}/{name}" if name == "ask_seconds" else f"{PROGRESS}/{name}"


def group_series(kind: str, group: int) -> str:
    """``kind`` = observed | exact: the utility of group ``group`` per iteration."""
    return series_metric(f"{kind}_utility_group{group}")


def alpha_series(label: str) -> str:
    return series_metric(f"alpha_{safe(label)}")


def convergence_metric(key: str, parent: bool) -> str:
    """Per-iteration best-so-far ``key`` of a trial, or its mean over trials on the parent."""
    return series_metric(f"{key}_mean" if parent else key)


def oracle_metric(name: str) -> str:
    return f"{SETTING}/oracle/{name}"


def model_metric(label: str, group: Any, stat: str) -> str:
    """Model-level audit: ``setting/model/<label>_group<g>_<auc|ece>`` (``group_all`` overall)."""
    return f"{SETTING}/model/{safe(label)}_group{group}_{stat}"


def audit_metric(section: str | None, name: str) -> str:
    """An audit finding: ``outcome/<name>`` or ``outcome/<section>/<name>`` (gap, bound, ...)."""
    return f"{OUTCOME}/{name}" if section is None else f"{OUTCOME}/{section}/{safe(name)}"


# ---- config identity --------------------------------------------------------------------------
def is_speed_only(param: str) -> bool:
    return param.startswith(SPEED_ONLY)


def config_hash(params: Mapping[str, str]) -> str:
    """Hash of the flattened config without its speed-only settings: equal hashes, equal numbers."""
    kept = {k: v for k, v in sorted(params.items()) if not is_speed_only(k)}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


# ---- run status -------------------------------------------------------------------------------
class _Ends(Protocol):
    def end_run(self, run_id: str, status: str) -> None: ...


@contextmanager
def run_status(tracker: _Ends, run_id: str) -> Iterator[None]:
    """End ``run_id`` FINISHED if the block completes, KILLED on an interruption (Ctrl-C,
    SIGTERM), FAILED on any other exception; the exception propagates."""
    status = FAILED
    try:
        yield
        status = FINISHED
    except KeyboardInterrupt:
        status = KILLED
        raise
    finally:
        tracker.end_run(run_id, status)
