"""Pareto fronts and hypervolumes of (utility, DER) points, both maximised (BoTorch utilities)."""

from __future__ import annotations

import numpy as np
import torch
from botorch.utils.multi_objective.box_decompositions.dominated import DominatedPartitioning
from botorch.utils.multi_objective.pareto import is_non_dominated

__all__ = ["hypervolume", "pareto_mask", "staircase"]


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """``[N, M]`` -> ``[N]`` bool, True on non-dominated rows (duplicates kept once)."""
    points = np.asarray(points, dtype=np.float64)
    if points.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    finite = np.isfinite(points).all(axis=1)
    out = np.zeros(points.shape[0], dtype=bool)
    if finite.any():
        out[finite] = is_non_dominated(torch.from_numpy(points[finite])).numpy()
    return out


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Volume dominated by ``points [N, M]`` and bounded below by ``reference [M]``."""
    points = np.asarray(points, dtype=np.float64)
    points = points[np.isfinite(points).all(axis=1)]
    if points.shape[0] == 0:
        return 0.0
    part = DominatedPartitioning(
        ref_point=torch.as_tensor(reference, dtype=torch.float64), Y=torch.from_numpy(points)
    )
    return float(part.compute_hypervolume())


def staircase(front: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``front [P, 2]`` sorted by utility, as ``x [P], y [P]`` for ``step(x, y, where="pre")``.

    With "pre", the height over (x[i-1], x[i]] is y[i]: the line is the boundary of the region the
    points dominate (both objectives maximised) and never passes through unattained corners.
    """
    order = np.argsort(front[:, 0], kind="stable")
    return front[order, 0], front[order, 1]
