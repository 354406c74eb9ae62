"""Continue an interrupted experiment: find its parent run, its finished trials, and orphans.

A parent run is identified by its ``config_hash`` tag (the resolved config without speed-only
settings, see :func:`sysfair.experiment.record.config_hash`): the same command finds it again.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from mlflow.entities import Run

from sysfair.experiment import record as rec
from sysfair.experiment.runs import read_trial
from sysfair.experiment.tracking import MlflowLogger
from sysfair.experiment.trials import TrialResult

__all__ = ["Plan", "finished_trials", "mark_orphans", "pid_alive", "plan"]

log = logging.getLogger(__name__)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host and is not a zombie."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def mark_orphans(tracker: MlflowLogger) -> list[str]:
    """Mark KILLED every RUNNING run of the experiment written by a process of this host that is
    gone (``kill -9``, a crashed machine); returns their ids."""
    host = socket.gethostname()
    running = tracker.search(f"attributes.status = '{rec.RUNNING}' and tags.{rec.TAG_HOST} = '{host}'")
    orphans = []
    for run in running:
        pid = run.data.tags.get(rec.TAG_PID, "")
        if pid.isdigit() and not pid_alive(int(pid)):
            tracker.end_run(run.info.run_id, rec.KILLED)
            orphans.append(run.info.run_id)
    if orphans:
        log.warning(
            "marked %d run(s) KILLED whose process on %s is gone: %s", len(orphans), host, ", ".join(orphans)
        )
    return orphans


@dataclass(frozen=True)
class Plan:
    """What to do with a command: ``new`` parent, ``continue`` one, or ``skip`` a finished one."""

    action: str
    run: Run | None = None


def plan(tracker: MlflowLogger, chash: str, resume: str, sweep_key: str | None) -> Plan:
    """Decide from the experiment's parent runs with the same config hash (newest first).

    ``resume=never``: always a new parent. ``auto``: continue the newest unfinished (KILLED or
    FAILED) one; a finished one is never reused, except by a rerun of the same multirun
    (``sweep_key``), which skips it.
    """
    if resume == "never":
        return Plan("new")
    runs = tracker.search(f"tags.{rec.TAG_CONFIG_HASH} = '{chash}'")
    parents = [
        r
        for r in runs
        if rec.TAG_PARENT not in r.data.tags and r.data.tags.get(rec.TAG_MODE) == rec.MODE_EXPERIMENT
    ]
    if sweep_key is not None:
        mine = [r for r in parents if r.data.tags.get(rec.TAG_SWEEP_KEY) == sweep_key]
        if mine and mine[0].info.status == rec.FINISHED:
            return Plan("skip", mine[0])
        parents = mine or parents
    if not parents:
        return Plan("new")
    newest = parents[0]
    if newest.info.status in (rec.KILLED, rec.FAILED):
        return Plan("continue", newest)
    if newest.info.status == rec.RUNNING:
        log.warning(
            "run %s with the same config is still running (pid %s): starting a separate run",
            newest.info.run_id,
            newest.data.tags.get(rec.TAG_PID, "?"),
        )
    return Plan("new")


def finished_trials(tracker: MlflowLogger, parent_id: str) -> dict[int, TrialResult]:
    """The parent's FINISHED trial runs read back exactly; its unfinished trial runs are deleted
    (they are run again)."""
    children = tracker.search(f"tags.`{rec.TAG_PARENT}` = '{parent_id}'")
    kept: dict[int, TrialResult] = {}
    for run in children:  # newest first: a repeated index keeps its newest finished run
        index = run.data.tags.get(rec.TAG_TRIAL)
        result = None
        if run.info.status == rec.FINISHED and index is not None and int(index) not in kept:
            result = read_trial(tracker, run.info.run_id)
        if result is None:
            tracker.client.delete_run(run.info.run_id)
            continue
        kept[result.index] = result
    return kept
