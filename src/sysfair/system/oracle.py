"""Exact Pareto oracle of (utility, DER) over serving weights, on the whole pool (issue 3, item 5).

Only alpha's direction matters (Lemma 2.3), so the oracle searches directions on the simplex.

**K = 2, exact** (:mod:`sysfair.system.oracle_k2`): every achievable (utility, DER) pair, from the
sessions' breakpoints over the direction t of alpha = (1 - t, t).

**K > 2, grid.** Every direction of the regular simplex lattice with step h = 1/n (faces
included), n the largest with at most ``grid_points`` directions, served by the platform.

**Reference point.** (worst utility, worst DER) over every direction evaluated: the worst
achievable over alpha != 0 for K = 2, over the grid for K > 2. alpha = 0 (score every candidate 0,
serve slot 0) is degenerate (DESIGN.md §6) and left out. BoTorch's ``infer_reference_point``
(the nadir of observed points minus a margin) is not used: the oracle knows the worst achievable
point itself, so hypervolume and regret need no margin and compare across methods and runs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sysfair.system.oracle_k2 import _exact_k2, _prefilter_2d
from sysfair.system.pareto import hypervolume, pareto_mask
from sysfair.system.platform import Platform

__all__ = ["OracleFront", "hypervolume_regret", "oracle_front", "simplex_grid"]


@dataclass(frozen=True)
class OracleFront:
    """The noise-free Pareto front of (utility, DER) over serving directions; P front points, K labels.

    Attributes:
        alphas: ``[P, K]`` serving directions (rows sum to 1), one per front point.
        points: ``[P, 2]`` (utility, DER) of ``alphas`` on the whole pool, non-dominated, sorted by
            increasing utility (so decreasing DER).
        reference: ``[2]`` (worst utility, worst DER) achievable over alpha; <= every point.
        hypervolume: volume dominated by ``points`` above ``reference``.
        max_utility: ``[2]`` the front point with the highest utility; its direction is
            ``alpha_max_utility [K]``.
        alpha_max_utility: ``[K]``.
        max_der: ``[2]`` the front point with the highest DER; its direction is ``alpha_max_der [K]``.
        alpha_max_der: ``[K]``.
        resolution: ``"exact (N breakpoints)"`` for K = 2, ``"grid of N directions (step h)"`` for K > 2.
        n_evaluated: distinct (utility, DER) states examined (intervals, ties, endpoints or grid).
    """

    alphas: np.ndarray
    points: np.ndarray
    reference: np.ndarray
    hypervolume: float
    max_utility: np.ndarray
    alpha_max_utility: np.ndarray
    max_der: np.ndarray
    alpha_max_der: np.ndarray
    resolution: str
    n_evaluated: int = 0


def oracle_front(platform: Platform, *, grid_points: int = 5000) -> OracleFront:
    """The noise-free Pareto front of ``platform`` over serving directions (see the module doc).

    K = 2: exact breakpoint sweep (``grid_points`` unused; ~2 s for 4000 sessions x 20 slots).
    K > 2: the simplex lattice with at most ``grid_points`` directions (~1 ms per direction for
    4000 x 20). Raises ``ValueError`` if fewer than two groups have sessions.
    """
    if platform.log.n_groups < 2 or np.unique(platform.log.group).size < 2:
        raise ValueError("the oracle needs sessions of at least 2 groups (DER is undefined otherwise)")
    k = platform.log.n_labels
    if k == 2:
        alphas, points, states, resolution = _exact_k2(platform)
    else:
        alphas, points, resolution = _grid(platform, grid_points)
        states = points
    return _finish(alphas, points, states, resolution)


def hypervolume_regret(oracle: OracleFront, points: np.ndarray) -> float:
    """1 - HV(points) / HV(oracle front), both above ``oracle.reference``; ``points [N, 2]`` noise-free.

    0 when the points reach the whole oracle front, 1 when they dominate nothing above the
    reference. Points below the reference count for nothing; non-finite rows are ignored. A
    negative value means ``points`` dominate part of the oracle front: noisy observations or
    alpha = 0 can; noise-free directions on the same pool only at float-rounding level (blurred
    float32 ties, see the module doc). An oracle with zero
    hypervolume (no trade-off at all) gives regret 0.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if oracle.hypervolume <= 0:
        return 0.0
    if points.shape[0] == 0:
        return 1.0
    clipped = np.maximum(points, oracle.reference)
    return 1.0 - hypervolume(clipped, oracle.reference) / oracle.hypervolume


def simplex_grid(k: int, n: int) -> np.ndarray:
    """All directions ``[C(n+k-1, k-1), k]`` with coordinates in {0, 1/n, ..., 1} summing to 1."""
    rows = []
    for bars in itertools.combinations(range(n + k - 1), k - 1):
        edges = np.array((-1, *bars, n + k - 1))
        rows.append(np.diff(edges) - 1)
    return np.array(rows, dtype=np.float64) / n


def _finish(alphas: np.ndarray, points: np.ndarray, states: np.ndarray, resolution: str) -> OracleFront:
    """Pareto-filter the served candidates, sort by utility and attach reference and hypervolume."""
    keep = _prefilter_2d(points)
    keep[np.flatnonzero(keep)[~pareto_mask(points[keep])]] = False
    alphas, points = alphas[keep], points[keep]
    order = np.lexsort((-points[:, 1], points[:, 0]))
    alphas, points = alphas[order], points[order]
    finite = states[np.isfinite(states).all(axis=1)]
    reference = np.minimum(finite.min(axis=0), points.min(axis=0))
    return OracleFront(
        alphas=alphas,
        points=points,
        reference=reference,
        hypervolume=hypervolume(points, reference),
        max_utility=points[-1].copy(),
        alpha_max_utility=alphas[-1].copy(),
        max_der=points[0].copy(),
        alpha_max_der=alphas[0].copy(),
        resolution=resolution,
        n_evaluated=int(finite.shape[0]),
    )


def _grid(platform: Platform, grid_points: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Serve the densest simplex lattice with at most ``grid_points`` directions."""
    k = platform.log.n_labels
    n = 1
    while math.comb(n + k, k - 1) <= grid_points:
        n += 1
    alphas = simplex_grid(k, n)
    ev = platform.evaluate(alphas)
    points = np.column_stack([ev.utility, ev.der])
    return alphas, points, f"grid of {alphas.shape[0]} directions (step 1/{n} = {1 / n:.4g})"
