"""The fault matrix: bad inputs and faults, each run as a user would, with its outcome classified.

Every case runs ``python run.py <overrides>`` on a tiny system in a fresh folder (its own cache
and SQLite store) and is classified as

* ``clean error``  exit 2, at most two lines on stderr, no traceback, nothing in the store;
* ``completed``    exit 0 and no NaN metric in any FINISHED run;
* ``kept``         (faults) the process was stopped and every trial that had finished is in the
                   store, FINISHED; the parent is not left RUNNING; when the store was deleted
                   mid-run: one line and exit 3, and replaying the run's journal
                   (``sysfair record replay``) into a fresh store gives every trial;
* ``traceback``    a Python traceback reached the user;
* ``hang``         no answer within ``--timeout`` seconds;
* ``silent wrong`` exit 0 but a FINISHED run holds a NaN metric;
* ``lost data``    (faults) finished trials missing, or runs left RUNNING.

    python benchmarks/fault_matrix.py [--repo PATH] [--only NAME ...] [--timeout 120]

``--repo`` runs another checkout (e.g. an older commit in a git worktree) to compare before and
after; the tally at the end counts each outcome.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ML100K = Path(os.environ.get("SYSFAIR_DATA_DIR", REPO.parent / "shared" / "data")) / "ml-100k"
TINY = [
    "dataset.n_sessions=300",
    "scorer.n_estimators=10",
    "scorer.n_jobs=1",
    "trials=smoke",
    "trials.n_iterations=3",
    "trials.batch_size=50",
    "trials.n_jobs=1",
    "progress=false",
]


@dataclass(frozen=True)
class Case:
    name: str
    overrides: list[str]
    expect: str = "clean error"  # what a serious tool does: "clean error" | "completed" | "kept"
    fault: str | None = None  # None | "sigint" | "sigterm" | "kill9" | "delete_store"
    base: list[str] = field(default_factory=lambda: list(TINY))


BAD_INPUTS = [
    Case("weights inf", ["preferences.weights=[[inf,1],[1,1]]"]),
    Case("weights nan", ["preferences.weights=[[nan,1],[1,1]]"]),
    Case("weights huge", ["preferences.weights=[[1e300,1],[1,1]]"]),
    Case("weights all-zero row", ["preferences.weights=[[0,0],[1,1]]"]),
    Case("weights one row for two groups", ["preferences.weights=[[1,1]]"]),
    Case("optimizer.upper=inf", ["optimizer.upper=inf"]),
    Case("lower >= upper", ["optimizer.lower=1", "optimizer.upper=0.5"]),
    Case("trials.seed=-1", ["trials.seed=-1"]),
    Case("prevalences [1,0]", ["preferences.prevalences=[1,0]"]),
    Case("prevalences sum != 1", ["preferences.prevalences=[0.5,0.2]"]),
    Case("tiny minority group", ["preferences.prevalences=[0.999,0.001]"]),
    Case("reference_point nan", ["trials.reference_point=[nan,nan]"]),
    Case("batch_size=0", ["trials.batch_size=0"]),
    Case("batch_size > pool", ["trials.batch_size=100000"]),
    Case("n_trials=0", ["trials.n_trials=0"]),
    Case("n_jobs=0", ["trials.n_jobs=0"]),
    Case("n_sessions=-3", ["dataset.n_sessions=-3"]),
    Case("label_correlation=-1.5", ["dataset.label_correlation=-1.5"]),
    Case("n_init=0", ["optimizer=ei", "optimizer.n_init=0"]),
    Case("unknown optimizer", ["optimizer=nonexistent"]),
    Case("misspelt key", ["trials.n_trails=3"]),
    Case("audit alpha all zero", ["mode=audit", "audit.alpha=[0,0]"]),
    Case("tracking.uri unknown scheme", ["tracking.uri=garbage://x"]),
    Case("tracking.uri unreachable", ["tracking.uri=http://127.0.0.1:9"]),
    Case("movielens missing folder", ["dataset=movielens", "dataset.path=/nonexistent/ml-100k"]),
    Case(
        "movielens batch > pool",
        ["dataset=movielens", f"dataset.path={ML100K}", "trials.batch_size=1000000"],
        base=[o for o in TINY if not o.startswith("dataset.")],
    ),
    Case("n_jobs=1000 (capped)", ["trials.n_jobs=1000"], expect="completed"),
    Case("valid run", [], expect="completed"),
]

FAULTS = [
    Case("SIGINT after a trial", ["trials.n_trials=6", "trials.n_iterations=8"], "kept", "sigint"),
    Case("SIGTERM after a trial", ["trials.n_trials=6", "trials.n_iterations=8"], "kept", "sigterm"),
    Case("kill -9 after a trial", ["trials.n_trials=6", "trials.n_iterations=8"], "kept", "kill9"),
    Case("store deleted mid-run", ["trials.n_trials=6", "trials.n_iterations=8"], "kept", "delete_store"),
]


def _runs(db: Path) -> list[tuple[str, str, str | None]]:
    """(run id, status, parent id) of every run in the SQLite store, read without MLflow."""
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT r.run_uuid, r.status, (SELECT value FROM tags t WHERE t.run_uuid = r.run_uuid "
            "AND t.key = 'mlflow.parentRunId') FROM runs r"
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        con.close()
    return [(a, b, c) for a, b, c in rows]


def _nan_metrics(db: Path) -> int:
    """NaN metric values in FINISHED runs."""
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT m.value FROM latest_metrics m JOIN runs r ON r.run_uuid = m.run_uuid "
            "WHERE r.status = 'FINISHED'"
        ).fetchall()
    except sqlite3.Error:
        return 0
    finally:
        con.close()
    return sum(1 for (v,) in rows if v is None or (isinstance(v, float) and math.isnan(v)))


def _finished_children(db: Path) -> int:
    return sum(1 for _, status, parent in _runs(db) if parent and status == "FINISHED")


def _replayed(case: Case, folder: Path, env: dict[str, str], returncode: int, timeout: float) -> str:
    """After the store was deleted mid-run: ``kept`` if the run ended cleanly (exit 3, one line)
    and replaying its journal into a fresh store gives every trial FINISHED."""
    journals = list(folder.rglob("journal.jsonl"))
    if returncode != 3 or len(journals) != 1:
        return "lost data"
    target = folder / "replayed.db"
    replay = [sys.executable, "-m", "sysfair.cli.main", "record", "replay", str(journals[0].parent)]
    subprocess.run(
        [*replay, "--tracking-uri", f"sqlite:///{target}"],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=timeout,
    )
    wanted = [int(o.split("=")[1]) for o in [*case.base, *case.overrides] if o.startswith("trials.n_trials=")]
    return "kept" if wanted and _finished_children(target) == wanted[-1] else "lost data"


def run_case(case: Case, repo: Path, timeout: float) -> tuple[str, float, str]:
    """(outcome, seconds, last stderr line) of one case in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="fault-") as tmp:
        folder = Path(tmp)
        db = folder / "mlflow.db"
        cmd = [
            sys.executable,
            str(repo / "run.py"),
            *case.base,
            *case.overrides,
            f"cache_dir={folder / 'cache'}",
        ]
        if not any(o.startswith("tracking.uri=") for o in case.overrides):
            cmd.append(f"tracking.uri=sqlite:///{db}")
        env = {**os.environ, "PYTHONPATH": str(repo / "src"), "HYDRA_FULL_ERROR": "0"}
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        kept_before = 0
        if case.fault is not None:
            while proc.poll() is None and _finished_children(db) < 1:
                if time.perf_counter() - start > timeout:
                    break
                time.sleep(0.2)
            kept_before = _finished_children(db)
            if case.fault == "delete_store":
                db.unlink(missing_ok=True)
            elif proc.poll() is None:
                sig = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "kill9": signal.SIGKILL}
                proc.send_signal(sig[case.fault])
        try:
            _, err = proc.communicate(timeout=max(1.0, timeout - (time.perf_counter() - start)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return "hang", time.perf_counter() - start, ""
        seconds = time.perf_counter() - start
        lines = [line for line in err.splitlines() if line.strip()]
        last = lines[-1][:120] if lines else ""
        if case.fault == "kill9":  # the next run must notice the orphan and mark it KILLED
            subprocess.run(cmd, cwd=folder, env=env, capture_output=True, timeout=timeout, check=False)
        if "Traceback" in err:
            return "traceback", seconds, last
        if case.fault is not None:
            runs = _runs(db)
            if case.fault == "delete_store":
                return _replayed(case, folder, env, proc.returncode, timeout), seconds, last
            running = [r for r in runs if r[1] == "RUNNING"]
            kept = _finished_children(db)
            ok = kept >= kept_before >= 1 and not running
            return ("kept" if ok else "lost data"), seconds, last
        if proc.returncode == 0:
            return ("silent wrong" if _nan_metrics(db) else "completed"), seconds, last
        clean = proc.returncode == 2 and 0 < len(lines) <= 2 and not _runs(db)
        if proc.returncode == 1 and "Error executing job" not in err and not _runs(db):
            clean = True  # Hydra's own message for an unknown option or a misspelt key
        return ("clean error" if clean else "traceback"), seconds, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to run (default: this one)")
    parser.add_argument("--only", nargs="*", help="case names to run (substring match)")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    cases = [c for c in BAD_INPUTS + FAULTS if not args.only or any(o in c.name for o in args.only)]
    tally: Counter[str] = Counter()
    print(f"{'case':34} {'expected':12} {'outcome':13} {'s':>6}  last line")
    for case in cases:
        outcome, seconds, last = run_case(case, args.repo.resolve(), args.timeout)
        tally[outcome] += 1
        flag = "" if outcome == case.expect else "  <-- "
        print(f"{case.name:34} {case.expect:12} {outcome:13} {seconds:6.1f}  {last}{flag}", flush=True)
    print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))


if __name__ == "__main__":
    main()
