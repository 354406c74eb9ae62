"""How long ``--help`` and the entry imports take: wall time and ``python -X importtime`` sums.

Run from the repository root: ``python benchmarks/bench_import.py [--repeat 3]``. Prints, per
command, the best wall time over the repeats, the import time of its top-level imports (the
importtime cumulative column summed over modules imported at depth 0, in seconds) and which heavy
libraries it loaded.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "botorch", "mlflow", "matplotlib", "sklearn", "pandas", "scipy")
COMMANDS = {
    "python run.py --help": ["run.py", "--help"],
    "sysfair --help": ["-m", "sysfair.cli.main", "--help"],
    "sysfair run --help": ["-m", "sysfair.cli.main", "run", "--help"],
    "import sysfair.cli.app": ["-c", "import sysfair.cli.app"],
}


def importtime(args: list[str]) -> tuple[float, list[str]]:
    """(seconds of top-level imports, heavy packages imported) from ``-X importtime``'s report."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, cwd=REPO, env=os.environ
    )
    total, heavy = 0.0, []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if not name.startswith("  "):  # depth 0: imported by the program itself
            total += int(cumulative) / 1e6
        if name.strip() in HEAVY:
            heavy.append(name.strip())
    return total, heavy


def wall(args: list[str], repeat: int) -> float:
    """Best wall-clock seconds of ``python args`` over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, cwd=REPO, env=os.environ, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    print(f"{'command':28s} {'wall s':>7s} {'imports s':>9s}  heavy libraries loaded")
    for label, args in COMMANDS.items():
        seconds, heavy = importtime(args)
        print(f"{label:28s} {wall(args, repeat):7.2f} {seconds:9.2f}  {', '.join(heavy) or '-'}")


if __name__ == "__main__":
    main()
