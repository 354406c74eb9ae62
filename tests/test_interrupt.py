"""Experiments that survive (issue 13): a live record, Ctrl-C / SIGTERM / kill -9, resume, reruns.

Each test drives ``run.py`` in a subprocess, the way people use it. Trials are slowed down by a
sleep wrapped around ``run_trial`` (it changes no number), so that signals land mid-run.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from reliability import faultkit  # runs run.py with each trial slowed by a sleep, numbers unchanged

from sysfair.experiment import record as rec
from sysfair.experiment.runner import run_experiment

pytestmark = pytest.mark.slow  # end to end (subprocesses, servers, clusters): deselect with -m "not slow"

REPO = Path(__file__).resolve().parents[1]
N_TRIALS = 8
# TINY with n_jobs=1 (trials in the main process, where the sleep is patched in)
ARGS = [*TINY, f"trials.n_trials={N_TRIALS}"]


def launch(folder: Path, *overrides: str, delay: float = 1.0) -> subprocess.Popen[str]:
    """The reliability suite's slowed ``run.py``, stdout and stderr read as one text."""
    return faultkit.launch(folder, *overrides, delay=delay, stderr=subprocess.STDOUT)


def runs(folder: Path) -> tuple[list[Run], list[Run]]:
    """(parents, trial runs) of the folder's store; ([], []) before the store exists."""
    db = folder / "mlflow.db"
    try:  # read only once the run has set the store up (two processes migrating one file fail)
        with sqlite3.connect(db) as con:
            con.execute("SELECT 1 FROM experiments WHERE name = 'sysfair'").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return [], []
    client = MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    exp = client.get_experiment_by_name("sysfair")
    if exp is None:
        return [], []
    every = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in every if rec.TAG_PARENT not in r.data.tags and rec.TAG_OPTIMIZER in r.data.tags]
    return parents, [r for r in every if rec.TAG_PARENT in r.data.tags]


def wait_for_trials(folder: Path, proc: subprocess.Popen[str], n: int, timeout: float = 400) -> None:
    """Poll the store until ``n`` trial runs are FINISHED while the parent is still RUNNING."""
    end = time.time() + timeout
    while time.time() < end:
        assert proc.poll() is None, proc.communicate()[0][-3000:]
        parents, trials = runs(folder)
        if sum(t.info.status == rec.FINISHED for t in trials) >= n:
            assert [p.info.status for p in parents] == [rec.RUNNING]  # live: children while running
            return
        time.sleep(0.3)
    raise AssertionError(f"fewer than {n} finished trials after {timeout} s")


def outcome(parent: Run, trials: list[Run]) -> dict[str, float]:
    """Every number of an experiment's record that does not measure time."""
    values = {k: v for k, v in parent.data.metrics.items() if k.startswith((rec.OUTCOME, rec.PROGRESS))}
    for t in trials:
        if t.data.tags[rec.TAG_PARENT] == parent.info.run_id and t.info.status == rec.FINISHED:
            i = t.data.tags[rec.TAG_TRIAL]
            values.update({f"{i}:{k}": v for k, v in t.data.metrics.items() if not k.startswith(rec.RUN)})
    return values


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """The same experiment, uninterrupted, in-process."""
    from hydra import compose, initialize_config_dir

    from sysfair.cli.app import CONF_DIR

    tmp = tmp_path_factory.mktemp("reference")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", [f"cache_dir={tmp / 'cache'}", f"tracking.uri={uri}", *ARGS])
    result = run_experiment(cfg, tmp)
    parents, trials = runs(tmp)
    assert len(parents) == 1 and len(trials) == N_TRIALS and len(result.trials) == N_TRIALS
    return outcome(parents[0], trials)


def _assert_same(a: dict[str, float], b: dict[str, float]) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key] == b[key] or (np.isnan(a[key]) and np.isnan(b[key])), key


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_keeps_finished_trials_and_resume_equals_uninterrupted(
    tmp_path: Path, sig: signal.Signals, reference: dict[str, float]
) -> None:
    proc = launch(tmp_path, *ARGS)
    wait_for_trials(tmp_path, proc, 3)
    proc.send_signal(sig)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, out[-3000:]
    assert "Traceback" not in out
    (parent,), trials = runs(tmp_path)
    kept = [t for t in trials if t.info.status == rec.FINISHED]
    assert parent.info.status == rec.KILLED and 3 <= len(kept) < N_TRIALS
    line = f"interrupted: {len(kept)} of {N_TRIALS} trials kept in run {parent.info.run_id}; "
    assert sum(line in row for row in out.splitlines()) == 1, out[-2000:]
    assert rec.ART_TRIAL_RESULT in {
        a.path for a in MlflowClient(parent_uri(tmp_path)).list_artifacts(kept[0].info.run_id)
    }
    # the same command again continues the parent and runs only the missing trials
    again = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *ARGS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"{len(kept)} of {N_TRIALS} trials already finished, {N_TRIALS - len(kept)} to run" in again.stdout
    (resumed,), trials = runs(tmp_path)
    assert resumed.info.run_id == parent.info.run_id and resumed.info.status == rec.FINISHED
    assert sorted(int(t.data.tags[rec.TAG_TRIAL]) for t in trials) == list(range(N_TRIALS))
    _assert_same(outcome(resumed, trials), reference)
    if sig != signal.SIGINT:
        return  # what follows does not depend on the signal: checked once
    # finished: the same command now starts a new parent
    third = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *ARGS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert third.returncode == 0, third.stderr[-3000:]
    parents, _ = runs(tmp_path)
    assert len(parents) == 2 and {p.info.status for p in parents} == {rec.FINISHED}


def parent_uri(folder: Path) -> str:
    return f"sqlite:///{folder / 'mlflow.db'}"


def test_kill_9_orphan_is_marked_killed_on_the_next_run(tmp_path: Path) -> None:
    proc = launch(tmp_path, *ARGS)
    wait_for_trials(tmp_path, proc, 2)
    proc.kill()
    proc.wait(timeout=60)
    (orphan,), _ = runs(tmp_path)
    assert orphan.info.status == rec.RUNNING  # nobody could mark it
    again = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *ARGS, "trials.resume=never", "trials.n_trials=1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "marked 1 run(s) KILLED whose process" in again.stdout
    parents, trials = runs(tmp_path)
    status = {p.info.run_id: p.info.status for p in parents}
    assert status[orphan.info.run_id] == rec.KILLED and len(status) == 2
    assert rec.RUNNING not in {t.info.status for t in trials}


def test_rerun_multirun_skips_finished_jobs(tmp_path: Path) -> None:
    command = [sys.executable, str(REPO / "run.py"), "-m", "optimizer=random,sobol", *TINY]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    parents, _ = runs(tmp_path)
    assert len(parents) == 2
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    skipped = [row for row in second.stdout.splitlines() if row.startswith("skipped: ")]
    assert len(skipped) == 2 and {"random on synthetic", "sobol on synthetic"} == {
        row.split(" already")[0].removeprefix("skipped: ") for row in skipped
    }
    again, _ = runs(tmp_path)
    assert {p.info.run_id for p in again} == {p.info.run_id for p in parents}
    sweeps = sorted((tmp_path / "multirun").glob("*/*"))
    assert len(sweeps) == 2 and (sweeps[1] / "report" / "report.md").is_file()  # report of all jobs
