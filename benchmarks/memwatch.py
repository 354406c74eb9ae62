"""Run a command and sample the memory of its whole process tree (workers included).

Every ``--every`` seconds: the sum over the tree of RSS (shared pages counted once per process
that maps them) and of PSS (each shared page split between the processes mapping it: the sum is
what the tree really holds), plus the files joblib's memory-mapping folders of the tree hold in
``/dev/shm`` (RAM that no process's RSS shows until it maps them). Writes a CSV timeline and prints
the peaks; with ``--log``, the peak of each stage between the timestamps of a run's log lines.

    python benchmarks/memwatch.py --csv mem.csv -- python run.py dataset=logged ...
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # not a dependency of sysfair itself
    sys.exit("memwatch needs psutil: pip install psutil (or pip install -e '.[cluster]', which brings it)")

GIB = 2**30


def tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def shm_bytes(pids: set[int]) -> int:
    """Bytes in ``/dev/shm/joblib_memmapping_folder_<pid>_*`` of the given processes."""
    total = 0
    for folder in Path("/dev/shm").glob("joblib_memmapping_folder_*"):
        try:
            if int(folder.name.split("_")[3]) in pids:
                total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        except (ValueError, IndexError, OSError):
            continue
    return total


def sample(root: psutil.Process) -> tuple[int, int, int, int]:
    """(processes, sum RSS, sum PSS, joblib shm bytes) of the tree now."""
    procs = tree(root)
    rss = pss = 0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return len(procs), rss, pss, shm_bytes({p.pid for p in procs})


def stage_peaks(rows: list[tuple[float, int, int, int, int]], log: Path) -> None:
    """Peak PSS + shm between consecutive lines of a run.log (``[YYYY-mm-dd HH:MM:SS,ms]...``)."""
    marks = []
    for line in log.read_text().splitlines():
        if line.startswith("[") and "]" in line:
            stamp = line[1 : line.index("]")]
            try:
                t = time.mktime(time.strptime(stamp.split(",")[0], "%Y-%m-%d %H:%M:%S"))
                marks.append((t + int(stamp.split(",")[1]) / 1000, line[line.index("]") + 1 :][:90]))
            except (ValueError, IndexError):
                continue
    for (t0, text), (t1, _) in zip(marks, [*marks[1:], (float("inf"), "")], strict=True):
        inside = [r for r in rows if t0 <= r[0] < t1]
        if inside:
            peak = max(r[3] + r[4] for r in inside) / GIB
            print(f"{t1 - t0 if t1 < float('inf') else 0:8.1f} s  peak PSS+shm {peak:5.2f} GiB  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--csv", type=Path, default=None, help="timeline: time, processes, rss, pss, shm")
    parser.add_argument("--log", type=Path, default=None, help="a run.log: peak per stage (after the run)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:  # no command: the per-stage peaks of an earlier run, from its CSV and log
        if not (args.csv and args.csv.is_file() and args.log and args.log.is_file()):
            parser.error("give a command to run, or an existing --csv timeline and --log run.log")
        with args.csv.open() as f:
            rows = [(float(r[0]), *map(int, r[1:])) for r in list(csv.reader(f))[1:]]
        stage_peaks(rows, args.log)
        return
    start = time.time()
    proc = subprocess.Popen(command)
    root = psutil.Process(proc.pid)
    rows: list[tuple[float, int, int, int, int]] = []
    while proc.poll() is None:
        rows.append((time.time(), *sample(root)))
        time.sleep(args.every)
    wall = time.time() - start
    if args.csv:
        with args.csv.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["time", "processes", "rss", "pss", "shm"])
            writer.writerows(rows)
    if rows:
        print(
            f"wall {wall:.1f} s; peak sum RSS {max(r[2] for r in rows) / GIB:.2f} GiB, "
            f"peak sum PSS {max(r[3] for r in rows) / GIB:.2f} GiB, peak PSS + joblib shm "
            f"{max(r[3] + r[4] for r in rows) / GIB:.2f} GiB, up to {max(r[1] for r in rows)} processes",
            file=sys.stderr,
        )
    if args.log and args.log.is_file():
        stage_peaks(rows, args.log)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
