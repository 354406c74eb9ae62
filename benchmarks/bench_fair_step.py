"""Benchmark one fair_ehvi step: the direction-grid batch (new default) against BoTorch's optimize_acqf.

On ``--states`` random GP states (5-19 told directions u ~ U[0, 1] of K = 2 labels, with noisy
observations of a random smooth bi-objective of the direction), for the paper-faithful Fair EHVI
(qEHVI, q = 10, 128 quasi-MC samples, exact 2-D sweep):

* quality: the qEHVI value of the q-batch of :func:`sysfair.optimizers.grid_batch.greedy_batch_1d`
  against the batch of ``optimize_acqf(sequential=True)`` with fair_ehvi's settings (10 restarts,
  512 raw samples, batch_limit 5, maxiter 200), both scored by the same acquisition object (same
  GP, same MC base samples) over the same one-dimensional search space; reports the fraction of
  states where the grid's value is >= 99% of optimize_acqf's;
* time: a whole ``ask()`` (GP fit, acquisition, batch, selection) of fair_ehvi with the new
  default (``space=directions acq_optimizer=grid``), with ``acq_optimizer=optimize_acqf`` over
  the same directions (``--time-directions-acqf``), and with the old default (``space=box
  acq_optimizer=optimize_acqf``, the paper's box, 7-11 s before), each on the same told points;
  median, p90 and max.

    python benchmarks/bench_fair_step.py --old-states 10     # 50 states (~45 min on a busy machine)
    python benchmarks/bench_fair_step.py --states 10 --old-states 3 --time-directions-acqf
    python benchmarks/bench_fair_step.py --out fair_step.json

Each step is timed as wall-clock and as CPU time of the process (``time.process_time``), with
``--threads`` torch threads (default 1: trials run one per core, with one thread each, see
DESIGN §6). On a machine shared with other jobs the wall-clock inflates; the CPU time does not.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from botorch.exceptions.warnings import NumericsWarning
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from botorch.utils.sampling import manual_seed

from sysfair.optimizers import Observation, make_optimizer
from sysfair.optimizers.configs import FairEHVIConfig
from sysfair.optimizers.fair import HVI_CLASSES
from sysfair.optimizers.gp import DTYPE, count_warnings, fit_gp
from sysfair.optimizers.grid_batch import greedy_batch_1d
from sysfair.optimizers.space import AlphaSpace


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--states", type=int, default=50, help="random GP states")
    p.add_argument("--old-states", type=int, default=None, help="states timed on the old box path (slow)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads (trials run one per core)")
    p.add_argument(
        "--time-directions-acqf",
        action="store_true",
        help="also time a whole ask() with acq_optimizer=optimize_acqf over directions (slow)",
    )
    p.add_argument("--out", type=Path, default=None, help="JSON with every per-state number")
    return p.parse_args()


def random_state(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Told directions ``u [n]`` and noisy (utility, DER) ``[n, 2]`` of a random smooth bi-objective.

    Utility and DER are sums of 3 Gaussian bumps of u with random centres, widths and heights (DER
    in a narrow high band, as on the platform), plus Gaussian noise.
    """
    n = int(rng.integers(5, 20))
    u = rng.uniform(0.0, 1.0, n)

    def bumps(scale: float) -> np.ndarray:
        centres, widths = rng.uniform(0, 1, 3), rng.uniform(0.08, 0.4, 3)
        heights = rng.uniform(0.2, 1.0, 3) * scale
        return (heights * np.exp(-(((u[:, None] - centres) / widths) ** 2))).sum(axis=1)

    utility = 0.7 + bumps(0.03) + rng.normal(0, 0.003, n)
    der = 0.8 + bumps(0.1) + rng.normal(0, 0.01, n)
    return u, np.stack([utility, der], axis=1)


def acquisition(config: FairEHVIConfig, x: torch.Tensor, y: torch.Tensor, seed: int):
    """fair_ehvi's qEHVI on a GP fitted to ``x [n, 1]``, ``y [n, 2]`` (as FairEHVI._propose builds it)."""
    model = fit_gp(x, y)
    low, high = y.min(dim=0).values, y.max(dim=0).values
    ref = low - config.reference_margin * torch.clamp(high - low, min=1e-3)
    partitioning = FastNondominatedPartitioning(ref_point=ref, Y=y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        sampler = SobolQMCNormalSampler(sample_shape=torch.Size([config.mc_samples]), seed=seed)
        return HVI_CLASSES[config.hvi](model, ref_point=ref, partitioning=partitioning, sampler=sampler)


def time_ask(config: FairEHVIConfig, u: np.ndarray, y: np.ndarray, seed: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``ask()`` of fair_ehvi after telling directions ``u`` and ``y``."""
    opt = make_optimizer(config, 2, seed)
    space = AlphaSpace(opt.bounds, "directions", config.floor)
    for ui, (util, der) in zip(u, y, strict=True):
        alpha = space.to_alpha(np.array([ui]))
        opt._pending[alpha.astype(np.float64).tobytes()] += 1  # a random state: told as if asked
        opt.tell(alpha, Observation(float(util), float(der), np.array([util, der])))
    start, cpu = time.perf_counter(), time.process_time()
    opt.ask()
    return time.perf_counter() - start, time.process_time() - cpu


def stats(seconds: list[float]) -> str:
    s = np.asarray(seconds)
    return (
        f"median {np.median(s):6.3f} s, p90 {np.quantile(s, 0.9):6.3f} s, max {s.max():6.3f} s (n = {s.size})"
    )


def timed(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` and its (wall, CPU) seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - start, time.process_time() - cpu)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    old_states = args.states if args.old_states is None else args.old_states
    new = FairEHVIConfig()
    new.check()
    directions_acqf = replace(new, acq_optimizer="optimize_acqf")
    old = replace(new, space="box", acq_optimizer="optimize_acqf")
    rows = []
    counter: Counter[str] = Counter()
    for s in range(args.states):
        rng = np.random.default_rng(args.seed * 1000 + s)
        u, y = random_state(rng)
        seed = 1000 + s
        x_t, y_t = torch.from_numpy(u.reshape(-1, 1)), torch.from_numpy(y)
        with count_warnings(counter), manual_seed(seed):
            acqf = acquisition(new, x_t, y_t, seed)
            grid_batch, grid_time = timed(
                greedy_batch_1d,
                acqf,
                new.q,
                grid_size=new.grid_size,
                chunk=new.grid_size,
                avoid=x_t,
                polish=new.grid_polish,
            )
            (botorch_batch, _), botorch_time = timed(
                optimize_acqf,
                acqf,
                bounds=torch.tensor([[0.0], [1.0]], dtype=DTYPE),
                q=new.q,
                num_restarts=new.num_restarts,
                raw_samples=new.raw_samples,
                options={"batch_limit": 5, "maxiter": 200, "seed": seed},
                sequential=True,
            )
            with torch.no_grad():
                grid_value = float(acqf(grid_batch.unsqueeze(0)))
                botorch_value = float(acqf(botorch_batch.reshape(1, -1, 1)))
            row = {
                "n_told": len(u),
                "grid_value": grid_value,
                "optimize_acqf_value": botorch_value,
                "ratio": grid_value / botorch_value if botorch_value > 0 else float("nan"),
                "acq_grid": grid_time,
                "acq_optimize_acqf": botorch_time,
                "step_new": time_ask(new, u, y, seed),
            }
            if args.time_directions_acqf:
                row["step_directions_optimize_acqf"] = time_ask(directions_acqf, u, y, seed)
            if s < old_states:
                row["step_old_box"] = time_ask(old, u, y, seed)
        rows.append(row)
        print(
            f"state {s:2d}: n={row['n_told']:2d} qEHVI grid {grid_value:.4g} "
            f"vs optimize_acqf {botorch_value:.4g} "
            f"(ratio {row['ratio']:.4f}); CPU s: step new {row['step_new'][1]:.2f}, "
            f"acquisition grid {grid_time[1]:.2f} vs optimize_acqf {botorch_time[1]:.2f}"
            + (f", step old box {row['step_old_box'][1]:.2f}" if "step_old_box" in row else ""),
            flush=True,
        )

    ratios = np.array([r["ratio"] for r in rows])
    both_zero = np.array([r["grid_value"] == 0 and r["optimize_acqf_value"] == 0 for r in rows])
    within = (ratios >= 0.99) | both_zero
    print(f"\n{args.states} random GP states, fair_ehvi qEHVI q = {new.q}, {new.mc_samples} QMC samples")
    print(
        f"grid batch's qEHVI >= 0.99 x optimize_acqf's: {within.mean():.0%} ({within.sum()}/{len(rows)}); "
        f"above: {(ratios > 1).mean():.0%}; "
        f"ratio min {np.nanmin(ratios):.4f}, median {np.nanmedian(ratios):.4f}"
    )
    labels = {
        "acq_grid": "acquisition only, grid",
        "acq_optimize_acqf": "acquisition only, optimize_acqf",
        "step_new": "step (ask), new default (directions, grid)",
        "step_directions_optimize_acqf": "step (ask), directions + optimize_acqf",
        "step_old_box": "step (ask), old default (box, optimize_acqf)",
    }
    print(f"torch threads: {args.threads}")
    for key, label in labels.items():
        times = [r[key] for r in rows if key in r]
        if times:
            print(f"{label:46s} wall: {stats([t[0] for t in times])}")
            print(f"{'':46s} CPU:  {stats([t[1] for t in times])}")
    if counter:
        print("warnings counted:", dict(counter))
    if args.out is not None:
        args.out.write_text(
            json.dumps({"states": rows, "seed": args.seed, "threads": args.threads}, indent=1)
        )


if __name__ == "__main__":
    main()
