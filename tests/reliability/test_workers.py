"""No worker outlives its experiment (issue 14, item 4), and a second Ctrl-C while the run is
closing prints no traceback (issue 13).

An experiment with ``trials.n_jobs=2`` runs in a subprocess; once its two loky workers exist, the
main process is stopped (kill -9, SIGTERM, SIGINT, SIGINT twice); within a few seconds none of its
child processes (workers, resource trackers) may be left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import TINY
from faultkit import launch

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]
ARGS = [o for o in TINY if not o.startswith("trials.n_jobs")] + ["trials.n_jobs=2", "trials.n_trials=8"]


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of ``pid``, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def descendants(root: int) -> list[int]:
    """Every live process below ``root``."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            parents[int(entry)] = st[0]
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid]
        found += kids
        frontier += kids
    return found


def alive(pids: list[int]) -> list[int]:
    return [p for p in pids if (st := _stat(p)) is not None and st[1] != "Z"]


def _workers(proc: subprocess.Popen[str]) -> list[int]:
    """The experiment's child processes, once two loky workers run."""
    end = time.time() + 300
    while time.time() < end:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        kids = descendants(proc.pid)
        cmdlines = [Path(f"/proc/{p}/cmdline").read_bytes() for p in kids if _stat(p)]
        if sum(b"popen_loky_posix" in c for c in cmdlines) >= 2:
            return kids
        time.sleep(0.2)
    raise AssertionError("no loky workers within 300 s")


@pytest.mark.parametrize("how", ["kill9", "sigterm", "sigint", "sigint twice"])
def test_no_worker_outlives_its_experiment(tmp_path: Path, how: str) -> None:
    proc = launch(tmp_path, *ARGS, f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}", delay=2.0)
    kids = _workers(proc)
    time.sleep(1.0)  # the workers are inside their first trial
    sig = {"kill9": signal.SIGKILL, "sigterm": signal.SIGTERM}.get(how, signal.SIGINT)
    proc.send_signal(sig)
    if how == "sigint twice":
        time.sleep(0.3)  # the run is closing: killing its workers, marking the run KILLED
        proc.send_signal(signal.SIGINT)
    end = time.time() + 10
    while alive(kids) and time.time() < end:
        time.sleep(0.2)
    left = alive(kids)
    for pid in left:  # leave nothing behind, whatever the outcome
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} of {len(kids)} child processes still alive 10 s after {how}"
    out, err = proc.communicate(timeout=60)
    if how != "kill9":
        assert proc.returncode == 130, err[-3000:]
        assert "Traceback" not in out + err, (out + err)[-3000:]
        assert "trials kept in run" in out + err
