"""Sequential greedy q-batch maximisation of an acquisition over a one-dimensional search space.

With K = 2 labels and alpha searched by direction only (:mod:`sysfair.optimizers.space`), the
search space is the angle u in [0, 1]. BoTorch's ``optimize_acqf(sequential=True)`` builds a
q-batch greedily: candidate i maximises the acquisition of [candidates 1..i-1, x] by L-BFGS from
``num_restarts`` starts chosen among ``raw_samples`` random points. In one dimension the same
greedy step is done here without gradients:

1. evaluate the acquisition of [chosen, x] for every x of a uniform grid of ``grid_size`` points
   in one batched call (chunked by ``chunk``);
2. refine the best grid point by ``levels`` zooms: ``points`` evenly spaced points spanning
   +-1 grid step (then +-1 zoom step) around the incumbent, batched, the incumbent kept;
3. append it to the chosen points and repeat until q points are chosen;
4. ``polish`` times, revisit each chosen point in turn: re-pick it (grid, then zooms) with the
   other q - 1 held, in its own place in the batch (the MC base samples are tied to batch
   positions), and keep the new point only if the batch's value strictly rises. Greedy picks
   made early cannot see the later ones; on 50 random GP states one pass lifts the worst batch
   from 96% to above 99% of optimize_acqf's value.

Among exactly tied values (e.g. an acquisition that is 0 everywhere) the point farthest from the
chosen and the ``avoid`` points (the told ones) wins, then the lowest u, so a flat acquisition
still spreads the batch instead of repeating u = 0. The acquisition value of the batch is the
same quantity optimize_acqf maximises (same acquisition object, same MC base samples);
``benchmarks/bench_fair_step.py`` compares the two.
"""

from __future__ import annotations

import torch
from botorch.acquisition import AcquisitionFunction
from torch import Tensor

__all__ = ["greedy_batch_1d"]


def _values(acqf: AcquisitionFunction, chosen: Tensor, points: Tensor, chunk: int, at: int) -> Tensor:
    """Acquisition of ``chosen [i, 1]`` with x put at position ``at`` (i: appended) for every
    x in ``points [n, 1]`` -> ``[n]`` (NaN -> -inf)."""
    out = []
    with torch.no_grad():
        for start in range(0, points.shape[0], chunk):
            x = points[start : start + chunk].unsqueeze(1)  # [c, 1, 1]
            held = chosen.unsqueeze(0).expand(x.shape[0], *chosen.shape)
            batch = torch.cat([held[:, :at], x, held[:, at:]], dim=1)
            out.append(acqf(batch).reshape(-1))
    return torch.nan_to_num(torch.cat(out), nan=-torch.inf)


def _pick(
    acqf: AcquisitionFunction,
    held: Tensor,
    at: int,
    grid: Tensor,
    others: Tensor,
    points: int,
    levels: int,
    chunk: int,
) -> tuple[Tensor, Tensor]:
    """Best x ``[1]`` for position ``at`` among ``held [i, 1]``: grid argmax, then ``levels`` zooms."""
    values = _values(acqf, held, grid, chunk, at)
    index = _argmax(values, grid, others)
    u, value, width = grid[index], values[index], 1.0 / (grid.shape[0] - 1)
    for _ in range(levels):
        local = torch.linspace(-width, width, points, dtype=grid.dtype).reshape(-1, 1) + u
        local = local[(local >= 0.0) & (local <= 1.0)].reshape(-1, 1)
        local_values = _values(acqf, held, local, chunk, at)
        i = int(torch.argmax(local_values))
        if local_values[i] > value:  # keep the incumbent unless strictly improved
            u, value = local[i], local_values[i]
        width = 2.0 * width / (points - 1)
    return u, value


def _argmax(values: Tensor, points: Tensor, others: Tensor) -> int:
    """Index of the largest value; exact ties go to the point farthest from ``others [m, 1]``."""
    best = values.max()
    tied = torch.nonzero(values == best).reshape(-1)
    if tied.numel() == 1 or others.numel() == 0:
        return int(tied[0])
    distance = (points[tied] - others.reshape(1, -1)).abs().min(dim=1).values
    return int(tied[torch.argmax(distance)])  # argmax returns the first (lowest u) of equal distances


def greedy_batch_1d(
    acqf: AcquisitionFunction,
    q: int,
    *,
    grid_size: int = 256,
    points: int = 17,
    levels: int = 1,
    chunk: int = 256,
    avoid: Tensor | None = None,
    polish: int = 0,
) -> Tensor:
    """q points ``[q, 1]`` in [0, 1], chosen greedily (see the module docstring), in the order chosen.

    ``acqf`` takes ``X [b, i, 1]`` (any i <= q) and returns ``[b]``; ``avoid [m, 1]`` only breaks
    ties; ``polish``: passes over the chosen points after the greedy picks (0: none).
    """
    if grid_size < 2 or points < 3 or q < 1 or polish < 0:
        raise ValueError(
            "greedy_batch_1d needs grid_size >= 2, points >= 3, q >= 1, polish >= 0; got "
            f"{grid_size}, {points}, {q}, {polish}"
        )
    dtype = torch.float64
    grid = torch.linspace(0.0, 1.0, grid_size, dtype=dtype).reshape(-1, 1)
    avoid = torch.empty(0, 1, dtype=dtype) if avoid is None else avoid.reshape(-1, 1).to(dtype)
    chosen = torch.empty(0, 1, dtype=dtype)
    for _ in range(q):
        u, _value = _pick(
            acqf, chosen, chosen.shape[0], grid, torch.cat([avoid, chosen]), points, levels, chunk
        )
        chosen = torch.cat([chosen, u.reshape(1, 1)])
    for _ in range(polish):
        for i in range(q):
            with torch.no_grad():
                current = acqf(chosen.unsqueeze(0)).reshape(())
            held = torch.cat([chosen[:i], chosen[i + 1 :]])
            u, value = _pick(acqf, held, i, grid, torch.cat([avoid, held]), points, levels, chunk)
            if value > current:  # strictly better batch only: a pass never lowers the value
                chosen = torch.cat([held[:i], u.reshape(1, 1), held[i:]])
    return chosen
