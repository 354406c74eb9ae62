"""MLflow logging from the main process: a parent run per invocation, a nested run per trial."""

from __future__ import annotations

import getpass
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, Run, RunTag, ViewType
from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec

__all__ = [
    "MlflowLogger",
    "RetryingClient",
    "default_uri",
    "flatten",
    "git_commit",
    "is_locked",
    "process_tags",
    "runs_url",
    "standard_tags",
    "ui_command",
]

_EXPERIMENT_KIND, _CLASSIC_ML = "mlflow.experimentKind", "custom_model_development"
_BATCH = 900  # MLflow accepts at most 1000 metrics per log_batch


def default_uri(launch_dir: str | Path) -> str:
    """``sqlite:///<launch_dir>/mlflow.db``: one store for all runs of a project folder."""
    return f"sqlite:///{(Path(launch_dir).resolve() / 'mlflow.db').as_posix()}"


def runs_url(server: str, experiment_id: str) -> str:
    """The MLflow UI's runs table of an experiment (MLflow 3 otherwise opens on an overview page)."""
    return f"{server.rstrip('/')}/#/experiments/{experiment_id}/runs"


def ui_command(uri: str, experiment_id: str | None = None) -> str:
    """How to open ``uri`` in the MLflow UI: a shell command and the runs table's address."""
    if uri.startswith(("http://", "https://")):
        where = runs_url(uri, experiment_id) if experiment_id else uri
        return f"{where}   (the tracking server's UI, in a browser)"
    command = f"mlflow ui --backend-store-uri {uri}"
    if experiment_id is None:
        return command
    return f"{command}\nthen open {runs_url('http://127.0.0.1:5000', experiment_id)}"


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": "1"}``; lists are JSON; values cut at MLflow's 6000 chars."""
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            text = json.dumps(value) if isinstance(value, list | tuple) else str(value)
            out[name[:250]] = text[:6000]
    return out


def git_commit() -> str:
    """HEAD of the sysfair checkout, or 'unknown' outside a git work tree."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def standard_tags() -> dict[str, str]:
    """MLflow's own source, user and git tags (the UI shows them in the runs table)."""
    return {
        rec.TAG_SOURCE_NAME: Path(sys.argv[0]).name or "python",
        rec.TAG_SOURCE_TYPE: "LOCAL",
        rec.TAG_USER: getpass.getuser(),
        rec.TAG_GIT_COMMIT: git_commit(),
    }


def process_tags() -> dict[str, str]:
    """Which process writes the run: lets a later run tell a live run from an orphan."""
    return {rec.TAG_HOST: socket.gethostname(), rec.TAG_PID: str(os.getpid())}


def _artifact_root(uri: str) -> str | None:
    """For a SQLite store, artifacts go to ``mlartifacts/`` beside the database file."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts").resolve().as_uri()
    return None


def is_locked(exc: BaseException) -> bool:
    """Whether ``exc`` says a SQLite store was locked by another writer (worth a retry)."""
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


class RetryingClient:
    """Forwards to :class:`MlflowClient`, retrying calls that hit a locked SQLite store.

    Several processes writing to one SQLite file (parallel sweep jobs, two study processes) can
    briefly lock it; each call is retried ``attempts`` times with exponential back-off from
    ``delay`` seconds (defaults: 0.1 s doubling, up to ~25 s in all).
    """

    def __init__(self, client: MlflowClient, attempts: int = 9, delay: float = 0.1) -> None:
        self._client, self._attempts, self._delay = client, attempts, delay

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(self._attempts):
                try:
                    return method(*args, **kwargs)
                except Exception as exc:  # MlflowException or sqlalchemy OperationalError
                    if not is_locked(exc) or attempt == self._attempts - 1:
                        raise
                    time.sleep(self._delay * 2**attempt)
            raise AssertionError("unreachable")

        return call


class MlflowLogger:
    """Thin wrapper over :class:`MlflowClient`; no global MLflow state is touched."""

    def __init__(self, uri: str, experiment: str) -> None:
        self.uri = uri
        self.client = RetryingClient(MlflowClient(tracking_uri=uri))
        found = self.client.get_experiment_by_name(experiment)
        if found is None:
            try:
                self.experiment_id = self.client.create_experiment(
                    experiment,
                    artifact_location=_artifact_root(uri),
                    tags={_EXPERIMENT_KIND: _CLASSIC_ML},  # the UI then opens on the runs table
                )
            except Exception:  # another process created it first
                found = self.client.get_experiment_by_name(experiment)
                if found is None:
                    raise
                self.experiment_id = found.experiment_id
        else:
            self.experiment_id = found.experiment_id

    def start_run(
        self,
        name: str,
        *,
        tags: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        parent_id: str | None = None,
    ) -> str:
        """Create a RUNNING run and return its id."""
        all_tags = dict(tags)
        if parent_id is not None:
            all_tags["mlflow.parentRunId"] = parent_id
        run = self.client.create_run(self.experiment_id, run_name=name, tags=all_tags)
        if params:
            items = [Param(k, v) for k, v in params.items()]
            for i in range(0, len(items), 100):
                self.client.log_batch(run.info.run_id, params=items[i : i + 100])
        return run.info.run_id

    def log_metrics(self, run_id: str, metrics: Iterable[Metric]) -> None:
        items = list(metrics)
        for i in range(0, len(items), _BATCH):
            self.client.log_batch(run_id, metrics=items[i : i + _BATCH])

    def log_summary(self, run_id: str, values: Mapping[str, float]) -> None:
        now = int(time.time() * 1000)
        self.log_metrics(run_id, [Metric(k, float(v), now, 0) for k, v in values.items()])

    def log_artifacts(self, run_id: str, folder: Path) -> None:
        self.client.log_artifacts(run_id, str(folder))

    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        self.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])

    def end_run(self, run_id: str, status: str) -> None:
        self.client.set_terminated(run_id, status=status)

    def reopen(self, run_id: str) -> None:
        """Mark a KILLED or FAILED run RUNNING again (to continue it)."""
        self.client.update_run(run_id, status=rec.RUNNING)

    def search(self, filter_string: str = "", max_results: int = 5000) -> list[Run]:
        """Active runs of the experiment matching ``filter_string``, newest first."""
        runs: list[Run] = []
        token = None
        while True:
            page = self.client.search_runs(
                [self.experiment_id],
                filter_string,
                ViewType.ACTIVE_ONLY,
                max_results=min(max_results, 1000),
                order_by=["attributes.start_time DESC"],
                page_token=token,
            )
            runs.extend(page)
            token = page.token
            if not token or len(runs) >= max_results:
                return runs
