"""Trials per minute on loky / Ray / Dask with 1 and 2 workers (trials.backend, trials.n_jobs).

A random CandidateLog (S sessions, m = 20, K = 2) and ``--trials`` trials of ``--iterations``
iterations with ``--optimizer``. Per backend the engine is opened once (a local cluster: its
start-up is reported apart), one round warms the workers up (imports, first shipping of the
pool), and the next rounds are timed: trials per minute is the best of ``--rounds`` timed rounds.
Every round must give the same numbers as the main process (checked).

n_jobs = 1 on loky and on Ray runs the trials in the main process, with no worker (joblib's rule;
the Ray row's cluster is started but unused); Dask always runs them on its workers.
Needs the cluster extra for Ray and Dask (``pip install -e ".[cluster]"``); a backend that is not
installed is reported as such.

    python benchmarks/bench_backends.py [--sessions 20000] [--trials 8] [--iterations 20]
        [--optimizer random] [--backends loky ray dask] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from bench_platform import PREFS, make_log  # one synthetic log for every benchmark

from sysfair.experiment.config import TrialsConfig
from sysfair.experiment.trials import TrialResult, iter_trials
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS
from sysfair.system.platform import Platform

ENGINES = {"loky": None, "ray": "ray", "dask": "distributed"}


@contextmanager
def engine(backend: str, n_jobs: int) -> Iterator[float]:
    """Keep a local cluster of ``n_jobs`` workers open across rounds; yields its start-up time (s)."""
    t0 = time.perf_counter()
    if backend == "ray":
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback, one node
        import ray

        ray.init(num_cpus=n_jobs, include_dashboard=False, log_to_driver=False, configure_logging=False)
        try:
            yield time.perf_counter() - t0
        finally:
            ray.shutdown()
    elif backend == "dask":
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=n_jobs, threads_per_worker=1, dashboard_address=None) as cluster:
            with Client(cluster):  # the default client: trials.backend=dask uses it
                yield time.perf_counter() - t0
    else:
        yield 0.0


def run(platform: Platform, optimizer: object, backend: str, n_jobs: int, args: argparse.Namespace) -> tuple:
    cfg = TrialsConfig(
        n_trials=args.trials,
        n_iterations=args.iterations,
        batch_size=args.batch_size,
        n_jobs=n_jobs,
        backend=backend,
    )
    t0 = time.perf_counter()
    results = list(iter_trials(platform, optimizer, cfg))
    return time.perf_counter() - t0, results


def same(a: list[TrialResult], b: list[TrialResult]) -> bool:
    """Trial by trial (loky yields trials as they end, in any order), every value bit for bit."""
    fields = ("alphas", "observed_utility", "observed_der", "exact_utility", "exact_der")
    a, b = sorted(a, key=lambda r: r.index), sorted(b, key=lambda r: r.index)
    return [r.index for r in a] == [r.index for r in b] and all(
        np.array_equal(getattr(x, f), getattr(y, f)) for x, y in zip(a, b, strict=True) for f in fields
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--optimizer", default="random", choices=sorted(OPTIMIZER_SCHEMAS))
    parser.add_argument("--backends", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds after the warm-up")
    args = parser.parse_args()

    platform = Platform(make_log(args.sessions), PREFS)
    optimizer = OPTIMIZER_SCHEMAS[args.optimizer]()
    _, reference = run(platform, optimizer, "loky", 1, args)
    print(
        f"{args.trials} trials x {args.iterations} iterations of {args.optimizer}, {args.sessions} sessions "
        f"x 20 slots; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    print("| backend | workers | cluster start (s) | first round (s) | trials/min | same numbers |")
    print("|---|---|---|---|---|---|")
    for backend in args.backends:
        module = ENGINES[backend]
        if module is not None and importlib.util.find_spec(module) is None:
            print(f'| {backend} | - | not installed (pip install -e ".[cluster]") | | | |')
            continue
        for n_jobs in args.workers:
            with engine(backend, n_jobs) as startup:
                first, results = run(platform, optimizer, backend, n_jobs, args)
                ok = same(reference, results)
                best = np.inf
                for _ in range(args.rounds):
                    seconds, results = run(platform, optimizer, backend, n_jobs, args)
                    best, ok = min(best, seconds), ok and same(reference, results)
            rate, verdict = args.trials / best * 60, "yes" if ok else "NO"
            print(
                f"| {backend} | {n_jobs} | {startup:.1f} | {first:.1f} | {rate:.0f} | {verdict} |", flush=True
            )


if __name__ == "__main__":
    main()
