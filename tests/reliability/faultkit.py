"""Helpers of the reliability suite: drive ``run.py`` in a subprocess, read its store back."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec

REPO = Path(__file__).resolve().parents[2]
RUN_PY = str(REPO / "run.py")
# Each trial slowed by a sleep around run_trial (no number changes), so that faults land mid-run.
SLOW_TRIALS = """
import runpy, sys, time
import sysfair.experiment.trials as trials
_run = trials.run_trial
def slow(*args, **kwargs):
    time.sleep(float({delay!r}))
    return _run(*args, **kwargs)
trials.run_trial = slow
sys.argv = [{run_py!r}, *sys.argv[1:]]
runpy.run_path({run_py!r}, run_name="__main__")
"""


def env() -> dict[str, str]:
    return {**os.environ, "MLFLOW_RUN_ID": "", "PYTHONPATH": str(REPO / "src"), "HYDRA_FULL_ERROR": "0"}


def launch(
    folder: Path, *overrides: str, delay: float = 1.0, stderr: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """``python run.py overrides`` in ``folder``, each trial taking at least ``delay`` seconds.

    ``stderr=subprocess.STDOUT`` reads both streams as one text (in order)."""
    code = SLOW_TRIALS.format(delay=delay, run_py=RUN_PY)
    return subprocess.Popen(
        [sys.executable, "-c", code, *overrides],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env(),
    )


def store_ready(db: Path) -> bool:
    try:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT 1 FROM experiments WHERE name = 'sysfair'").fetchone() is not None
    except sqlite3.Error:
        return False


def finished_trials(db: Path) -> int:
    """FINISHED trial runs in an SQLite store, read without MLflow (0 before the store exists)."""
    if not store_ready(db):
        return 0
    with sqlite3.connect(db) as con:
        (n,) = con.execute(
            "SELECT count(*) FROM runs r JOIN tags t ON t.run_uuid = r.run_uuid "
            f"WHERE t.key = '{rec.TAG_TRIAL}' AND r.status = 'FINISHED'"
        ).fetchone()
    return int(n)


def runs(uri: str) -> tuple[list[Run], list[Run]]:
    """(experiment parents, trial runs) of the store's ``sysfair`` experiment."""
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("sysfair")
    if exp is None:
        return [], []
    every = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in every if rec.TAG_PARENT not in r.data.tags and rec.TAG_OPTIMIZER in r.data.tags]
    return parents, [r for r in every if rec.TAG_PARENT in r.data.tags]


def outcome(parent: Run, trials: list[Run]) -> dict[str, float]:
    """Every number of an experiment's record that does not measure time."""
    values = {k: v for k, v in parent.data.metrics.items() if k.startswith((rec.OUTCOME, rec.PROGRESS))}
    values = {k: v for k, v in values.items() if "seconds" not in k}
    for t in trials:
        if t.data.tags[rec.TAG_PARENT] == parent.info.run_id and t.info.status == rec.FINISHED:
            i = t.data.tags[rec.TAG_TRIAL]
            values.update({f"{i}:{k}": v for k, v in t.data.metrics.items() if not k.startswith(rec.RUN)})
    return values


def assert_same(a: dict[str, float], b: dict[str, float]) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key] == b[key] or (np.isnan(a[key]) and np.isnan(b[key])), key


def wait_until(condition, timeout: float, proc: subprocess.Popen[str] | None = None) -> None:  # noqa: ANN001
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended early:\n{proc.communicate()[1][-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout} s")
