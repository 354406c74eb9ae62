"""Platform and oracle at scale: wall time and peak memory from 10k to 1M sessions (m=20, K=2).

Stages, each in a fresh process so that its peak resident memory (ru_maxrss) is its own:

* ``single``: ``Platform.evaluate`` of 1 alpha on the whole pool;
* ``many``: ``Platform.evaluate`` of ``--many`` alphas (default 1,000) in one call (K = 2: the
  breakpoint sweep of :mod:`sysfair.system.direction_sweep`, built inside the call);
* ``direct``: the same call served directly, every candidate scored per alpha (the path before the
  sweep, forced with ``SWEEP_MIN_ALPHAS``): same numbers, for a before/after under the same load;
* ``oracle``: ``oracle_front`` (exact K = 2 sweep, Pareto filter included).

The log is the one of ``bench_platform.py`` (uniform float32 scores, Bernoulli labels, 20% group 1).
"RSS before" is the process after building the log and the Platform; "peak RSS" the maximum over
the stage; "CPU s" the process CPU time (all threads), steadier than wall time on a shared
machine. ``--max-cells`` caps sessions x alphas of the ``direct`` stage: above it only the first
alphas are served and the times are extrapolated linearly (marked ``~``).

    python benchmarks/bench_scale.py [--sizes 10000 100000 1000000] [--stages single many direct oracle]
    python benchmarks/bench_scale.py --pareto [10000 100000 1000000]   # the Pareto filter alone
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

import numpy as np
from bench_platform import PREFS, make_log  # one synthetic log for every benchmark


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _stage(n: int, stage: str, many: int, max_cells: int, queue: mp.Queue) -> None:
    """Run one stage in this (child) process and put (seconds, note, rss before, peak rss) on queue."""
    import sysfair.system.platform as platform_module
    from sysfair.system.oracle import oracle_front

    platform = platform_module.Platform(make_log(n), PREFS)
    before = _rss_mb()
    note, scale = "", 1.0
    c0, t0 = time.process_time(), time.perf_counter()
    if stage == "single":
        platform.evaluate(np.random.default_rng(1).random((1, 2)))
    elif stage in ("many", "direct"):
        if stage == "direct":
            platform_module.SWEEP_MIN_ALPHAS = 10**12
        alphas = np.random.default_rng(1).random((many, 2))
        served = many if stage == "many" else min(many, max(1, max_cells // n))
        c0, t0 = time.process_time(), time.perf_counter()
        platform.evaluate(alphas[:served])
        scale = many / served
        note = "" if served == many else f"~ (from {served})"
    else:
        front = oracle_front(platform)
        note = f"{front.points.shape[0]} front pts"
    seconds, cpu = (time.perf_counter() - t0) * scale, (time.process_time() - c0) * scale
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, cpu, note, before, peak))


def bench_pareto(sizes: list[int], botorch_max: int) -> None:
    """``pareto_mask`` (sort + running max) against BoTorch's ``is_non_dominated`` on N points.

    Points like the oracle's interval states: (utility, DER) pairs on a coarse grid, so that many
    rows are identical (sessions switching between equally valued items leave the state as is).
    """
    import torch
    from botorch.utils.multi_objective.pareto import is_non_dominated

    from sysfair.system.pareto import pareto_mask

    print(f"{'points':>9} {'pareto_mask s':>14} {'BoTorch s':>10}  front")
    for n in sizes:
        rng = np.random.default_rng(n)
        t = np.sort(rng.random(n))
        points = np.round(np.column_stack([np.sin(3 * t), np.cos(3 * t)]) + 0.01 * rng.random((n, 2)), 4)
        t0 = time.perf_counter()
        ours = pareto_mask(points)
        fast = time.perf_counter() - t0
        slow = "skipped"
        if n <= botorch_max:
            t0 = time.perf_counter()
            ref = is_non_dominated(torch.from_numpy(points)).numpy()
            slow = f"{time.perf_counter() - t0:.3f}"
            assert np.array_equal(ours, ref), "pareto_mask differs from BoTorch"
        print(f"{n:>9} {fast:>14.4f} {slow:>10}  {int(ours.sum())}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--stages", nargs="+", default=["single", "many", "direct", "oracle"])
    parser.add_argument("--many", type=int, default=1000, help="alphas in the 'many' stage")
    parser.add_argument("--max-cells", type=int, default=10**12, help="cap on sessions x alphas served")
    parser.add_argument("--pareto", type=int, nargs="*", help="only time pareto_mask on these sizes")
    parser.add_argument("--botorch-max", type=int, default=100_000, help="largest N given to BoTorch")
    args = parser.parse_args()
    if args.pareto is not None:
        bench_pareto(args.pareto or [10_000, 100_000, 1_000_000, 5_000_000], args.botorch_max)
        return
    ctx = mp.get_context("spawn")
    head = (
        f"{'sessions':>9} {'stage':>12} {'wall s':>9} {'CPU s':>9} {'RSS before MB':>14} {'peak RSS MB':>12}"
    )
    print(head + "  note")
    for n in args.sizes:
        for stage in args.stages:
            queue = ctx.Queue()
            proc = ctx.Process(target=_stage, args=(n, stage, args.many, args.max_cells, queue))
            proc.start()
            seconds, cpu, note, before, peak = queue.get()
            proc.join()
            label = f"{stage} {args.many}a" if stage in ("many", "direct") else stage
            print(
                f"{n:>9} {label:>12} {seconds:>9.3f} {cpu:>9.3f} {before:>14.0f} {peak:>12.0f}  {note}",
                flush=True,
            )


if __name__ == "__main__":
    main()
