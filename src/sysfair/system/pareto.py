"""Pareto fronts and hypervolumes of (utility, DER) points, both maximised (BoTorch utilities)."""

from __future__ import annotations

import numpy as np
import torch
from botorch.utils.multi_objective.box_decompositions.dominated import DominatedPartitioning
from botorch.utils.multi_objective.pareto import is_non_dominated

__all__ = ["hypervolume", "pareto_mask", "staircase"]


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """``[N, M]`` -> ``[N]`` bool, True on non-dominated rows (duplicates kept once).

    Rows with a non-finite value are never on the front. Among identical rows only the first is
    kept, as BoTorch's ``is_non_dominated(deduplicate=True)`` does. Two objectives take an
    O(N log N) sort and running maximum (:func:`_pareto_mask_2d`, same mask as BoTorch's); more
    objectives use BoTorch.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    finite = np.isfinite(points).all(axis=1)
    out = np.zeros(points.shape[0], dtype=bool)
    if finite.any():
        if points.shape[1] == 2:
            out[finite] = _pareto_mask_2d(points[finite])
        else:
            out[finite] = is_non_dominated(torch.from_numpy(points[finite])).numpy()
    return out


def _pareto_mask_2d(points: np.ndarray) -> np.ndarray:
    """Finite ``[N, 2]`` -> ``[N]`` bool: non-dominated rows, the first of identical rows only.

    Rows sorted by x descending, then y descending, then index (a stable sort): every row that
    weakly dominates row i (x and y >= its own), including an earlier identical row, comes before
    it, and every row before it has x > x_i, or x = x_i and y >= y_i. So row i is kept iff its y
    beats the running maximum of y over the rows before it.
    """
    order = np.lexsort((-points[:, 1], -points[:, 0]))  # stable: ties keep index order
    y = points[order, 1]
    best_before = np.empty_like(y)
    best_before[0] = -np.inf
    np.maximum.accumulate(y[:-1], out=best_before[1:])
    out = np.zeros(points.shape[0], dtype=bool)
    out[order[y > best_before]] = True
    return out


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Volume dominated by ``points [N, M]`` and bounded below by ``reference [M]``.

    BoTorch's ``DominatedPartitioning``; for two objectives its Pareto filter is the O(N log N)
    one of :func:`pareto_mask` (same front, so the same boxes and the same float result).
    """
    points = np.asarray(points, dtype=np.float64)
    points = points[np.isfinite(points).all(axis=1)]
    if points.shape[0] == 0:
        return 0.0
    ref = torch.as_tensor(reference, dtype=torch.float64)
    partitioning = _DominatedPartitioning2D if points.shape[1] == 2 else DominatedPartitioning
    part = partitioning(ref_point=ref, Y=torch.from_numpy(points))
    return float(part.compute_hypervolume())


class _DominatedPartitioning2D(DominatedPartitioning):
    """``DominatedPartitioning`` for two objectives with the sort-based Pareto filter.

    ``_compute_pareto_Y`` does what BoTorch's does without a batch (the non-dominated rows that
    beat the reference point, in input order, negated, then sorted by the first coordinate), but
    finds the non-dominated rows with :func:`_pareto_mask_2d` instead of ``is_non_dominated``,
    whose loop is quadratic above 1000 points.
    """

    def _compute_pareto_Y(self) -> torch.Tensor:
        y = self.Y
        if y.shape[-2] == 0 or y.dim() != 2:
            return super()._compute_pareto_Y()
        keep = torch.from_numpy(_pareto_mask_2d(y.numpy())) & (y > self.ref_point).all(dim=-1)
        pareto_y = -y[keep]
        return pareto_y[torch.argsort(pareto_y[:, 0])]


def staircase(front: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``front [P, 2]`` sorted by utility, as ``x [P], y [P]`` for ``step(x, y, where="pre")``.

    With "pre", the height over (x[i-1], x[i]] is y[i]: the line is the boundary of the region the
    points dominate (both objectives maximised) and never passes through unattained corners.
    """
    order = np.argsort(front[:, 0], kind="stable")
    return front[order, 0], front[order, 1]
