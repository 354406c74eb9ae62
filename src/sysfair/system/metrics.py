"""Fairness and utility metrics over plain arrays (keyword-only, fairlearn style)."""

from __future__ import annotations

import numpy as np

from sysfair.system.groupwise import group_means  # re-exported: metrics over plain arrays

__all__ = ["der", "der_batch", "group_means"]


def der_batch(group_utility: np.ndarray) -> np.ndarray:
    """DER of each row of group means, shape ``[..., G]`` -> ``[...]``.

    DER(mu) = 1 - G/(G-1) * sum_g (mu_g / sum_h mu_h - 1/G)^2  (DESIGN.md §2; 1 = equal, 0 = one
    group has everything). Edge cases, by definition:

    * a group absent from a batch is passed as ``NaN`` and left out: G counts the groups present;
    * fewer than two groups present -> ``NaN`` (equal representation is undefined);
    * all present means equal to 0 -> 1.0 (every group gets the same, nothing);
    * a negative mean raises ``ValueError``: shares of a negative total are meaningless, and with
      preference weights > 0 and labels >= 0 utilities cannot be negative.
    """
    mu = np.asarray(group_utility, dtype=np.float64)
    if mu.ndim == 0 or mu.shape[-1] < 2:
        raise ValueError(f"DER needs at least 2 groups on the last axis, got shape {mu.shape}")
    present = ~np.isnan(mu)
    if np.any(mu[present] < 0):
        raise ValueError(
            f"DER is defined for non-negative group utilities; got min {mu[present].min():.6g}. "
            "Shift utilities to be >= 0 (e.g. use label values in [0, 1])."
        )
    k = present.sum(axis=-1)
    mu0 = np.where(present, mu, 0.0)
    total = mu0.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, mu0 / total, 1.0 / np.maximum(k, 1)[..., None])
        dev = np.where(present, (share - 1.0 / k[..., None]) ** 2, 0.0).sum(axis=-1)
        out = 1.0 - k / (k - 1.0) * dev
    return np.where(k >= 2, out, np.nan)


def der(*, group_utility: np.ndarray) -> float:
    """DER of one vector of group means ``[G]``; see :func:`der_batch` for the edge cases."""
    return float(der_batch(np.asarray(group_utility, dtype=np.float64)))
