"""Lemma 2.3 check: does serving at alpha = alpha*(g) maximise group g's utility with these scorers?

With calibrated scorers and full retrieval, alpha = c * alpha*(g) maximises group g's expected
utility. The audit serves every direction of a simplex lattice (the oracle's grid, K >= 2) plus
each alpha*(g) on the whole pool and compares group g's mean realised utility at alpha*(g) with the
best on the grid. A relative regret above the tolerance says the scorers (or the retrieval) are
not good enough for the lemma to hold in this system.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sysfair.system.oracle import simplex_grid
from sysfair.system.platform import Platform, directions

__all__ = ["lattice", "lemma_check"]


def lattice(k: int, max_points: int) -> np.ndarray:
    """Simplex lattice ``[P, k]`` (rows sum to 1) with the finest step such that P <= max_points."""
    n = 1
    while math.comb(n + k, k - 1) <= max_points:
        n += 1
    return simplex_grid(k, n)


def lemma_check(platform: Platform, *, grid_points: int = 201, tolerance: float = 0.01) -> pd.DataFrame:
    """One row per group with sessions: utility at alpha*(g) vs the best direction on the grid.

    Columns: group, alpha_star (direction, list), utility_at_alpha_star, best_utility, best_alpha
    (list), regret (best - at alpha*), relative_regret (regret / best, 0 if best = 0), holds
    (relative_regret <= tolerance).
    """
    prefs = platform.preferences
    grid = lattice(prefs.shape[1], grid_points)
    alphas = np.vstack([directions(prefs), grid])
    ev = platform.evaluate(alphas)
    present = np.flatnonzero(np.bincount(platform.log.group, minlength=platform.log.n_groups) > 0)
    rows = []
    for g in present:
        at_star = float(ev.group_utility[g, g])
        best_i = int(np.nanargmax(ev.group_utility[:, g]))
        best = float(ev.group_utility[best_i, g])
        regret = best - at_star
        rel = regret / best if best > 0 else 0.0
        rows.append(
            {
                "group": int(g),
                "alpha_star": np.round(directions(prefs[g]), 4).tolist(),
                "utility_at_alpha_star": at_star,
                "best_utility": best,
                "best_alpha": np.round(alphas[best_i], 4).tolist(),
                "regret": regret,
                "relative_regret": rel,
                "holds": bool(rel <= tolerance),
            }
        )
    return pd.DataFrame(rows)
