"""Reliability of interruption and resume (issue 13): SIGINT, SIGTERM and kill -9 at three points
of a 20-trial run; how many finished trials were kept, and whether the resumed result equals an
uninterrupted run (every outcome/ and progress/ metric of the parent and of each trial, exactly).

    .venv/bin/python benchmarks/reliability_interrupt.py [--out DIR]

Trials are slowed by a 0.5 s sleep around ``run_trial`` (no number changes) so signals land mid-run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec

REPO = Path(__file__).resolve().parents[1]
N = 20
ARGS = [
    "dataset.n_sessions=300",
    "scorer.n_estimators=10",
    "scorer.n_jobs=1",
    "trials=smoke",
    "trials.batch_size=50",
    "trials.n_jobs=1",
    "progress=false",
    f"trials.n_trials={N}",
]
SLOW = """
import runpy, sys, time
import sysfair.experiment.trials as trials
_run = trials.run_trial
def slow(*a, **k):
    time.sleep(0.5)
    return _run(*a, **k)
trials.run_trial = slow
sys.argv = [{run!r}, *sys.argv[1:]]
runpy.run_path({run!r}, run_name="__main__")
"""


def runs(folder: Path) -> tuple[list, list]:
    try:
        with sqlite3.connect(folder / "mlflow.db") as con:
            con.execute("SELECT 1 FROM experiments WHERE name = 'sysfair'").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return [], []
    client = MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    every = client.search_runs([client.get_experiment_by_name("sysfair").experiment_id], max_results=1000)
    parents = [r for r in every if rec.TAG_PARENT not in r.data.tags and rec.TAG_OPTIMIZER in r.data.tags]
    return parents, [r for r in every if rec.TAG_PARENT in r.data.tags]


def numbers(folder: Path) -> dict[str, float]:
    (parent,), trials = runs(folder)
    out = {k: v for k, v in parent.data.metrics.items() if k.startswith((rec.OUTCOME, rec.PROGRESS))}
    client = MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    for t in trials:
        i = t.data.tags[rec.TAG_TRIAL]
        for k in t.data.metrics:
            if k.startswith((rec.OUTCOME, rec.PROGRESS)):
                for m in client.get_metric_history(t.info.run_id, k):
                    out[f"{i}:{k}:{m.step}"] = m.value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    root = parser.parse_args().out or Path(tempfile.mkdtemp(prefix="sysfair-reliability-"))
    cache = root / "cache"
    args = [*ARGS, f"cache_dir={cache}"]
    ref = root / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(REPO / "run.py"), *args], cwd=ref, check=True, capture_output=True)
    reference = numbers(ref)
    rows = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        for at in (3, 10, 17):
            folder = root / f"{sig.name}-{at}"
            folder.mkdir()
            proc = subprocess.Popen(
                [sys.executable, "-c", SLOW.format(run=str(REPO / "run.py")), *args],
                cwd=folder,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, "MLFLOW_RUN_ID": ""},
            )
            while sum(t.info.status == rec.FINISHED for t in runs(folder)[1]) < at:
                time.sleep(0.2)
            finished_before = sum(t.info.status == rec.FINISHED for t in runs(folder)[1])
            proc.send_signal(sig)
            out = proc.communicate()[0]
            (parent,), trials = runs(folder)
            kept = sum(t.info.status == rec.FINISHED for t in trials)
            again = subprocess.run(
                [sys.executable, str(REPO / "run.py"), *args], cwd=folder, capture_output=True, text=True
            )
            same = again.returncode == 0 and numbers(folder) == reference
            rows.append(
                (
                    sig.name,
                    at,
                    finished_before,
                    kept,
                    proc.returncode,
                    parent.info.status,
                    "Traceback" in out,
                    same,
                )
            )
            print(
                f"{sig.name:<8} after {at:>2}: finished when signalled >= {finished_before:>2}, "
                f"kept {kept:>2}, "
                f"exit {proc.returncode}, parent {parent.info.status}, traceback {'Traceback' in out}, "
                f"resumed == uninterrupted: {same}",
                flush=True,
            )
    print(
        f"\n{sum(r[-1] for r in rows)} of {len(rows)} resumed runs equal the uninterrupted run; "
        f"folders in {root}"
    )


if __name__ == "__main__":
    main()
