"""Group-wise means and gaps over plain arrays: the one place they are computed.

Used by the model audit (positive rate, mean score and AUC gap per label) and the system audit
(sessions and retrieval quality Q_m per group). The platform's per-group utility is the same mean,
summed per group in chunks of alphas for speed (:meth:`sysfair.system.platform.Platform.evaluate`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["group_counts", "group_gap", "group_means"]


def group_counts(*, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of entries of each group in ``groups [S]`` (ints in ``[0, n_groups)``) -> ``[n_groups]``."""
    return np.bincount(np.asarray(groups), minlength=n_groups)


def group_means(
    *, values: np.ndarray, groups: np.ndarray, n_groups: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Mean of ``values [..., S]`` per group of ``groups [S]`` -> ``[..., n_groups]``; NaN if empty.

    ``weights [S]`` (optional, >= 0) gives a weighted mean; a group whose weights sum to 0 is NaN.
    Each group's mean is numpy's mean of its own entries in their own dtype (for 1-D ``values``
    the same bits as ``values[sel].mean()``), returned as float64.
    """
    values = np.asarray(values)
    groups = np.asarray(groups)
    out = np.full((*values.shape[:-1], n_groups), np.nan)
    for g in range(n_groups):
        sel = groups == g
        if not sel.any():
            continue
        if weights is None:
            out[..., g] = values[..., sel].mean(axis=-1)
        else:
            w = np.asarray(weights, dtype=np.float64)[sel]
            if w.sum() > 0:
                out[..., g] = np.average(values[..., sel], axis=-1, weights=w)
    return out


def group_gap(*, means: np.ndarray) -> np.ndarray | float:
    """Largest minus smallest of the group ``means [..., G]`` present (NaN = absent) -> ``[...]``.

    0 with one group present, NaN with none.
    """
    means = np.asarray(means, dtype=np.float64)
    present = ~np.isnan(means)
    hi = np.where(present, means, -np.inf).max(axis=-1)
    lo = np.where(present, means, np.inf).min(axis=-1)
    gap = np.where(present.any(axis=-1), hi - lo, np.nan)
    return float(gap) if gap.ndim == 0 else gap
