"""Bootstrap standard errors of the utility-gap decomposition (how much of a gap is noise).

Sessions are resampled with replacement within each group of the pair (group sizes fixed, as in
the audited log), the shared-space weights travel with their sessions and are held fixed: the
errors are conditional on the fitted propensity model, which is what a reader needs to tell a
real gap from sampling noise at the log's size. Resamples are drawn as multinomial session counts
and evaluated in blocks, so memory stays at ``block x n`` floats.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TERMS", "bootstrap_standard_errors"]

TERMS = ("total", "term4", "term5", "term6")


def bootstrap_standard_errors(
    *,
    utility_reference: np.ndarray,
    utility_other: np.ndarray,
    is_other: np.ndarray,
    weights: np.ndarray,
    n_resamples: int,
    seed: int,
    block: int = 32,
) -> dict[str, float]:
    """Standard deviation over ``n_resamples`` stratified bootstrap resamples of each term.

    Args are those of :func:`sysfair.audit.decomposition.utility_gap_decomposition` (``[n]``
    arrays of the pair's pooled sessions). Returns ``{"total", "term4", "term5", "term6"}`` -> SE,
    in utility units; NaN for every term when ``n_resamples < 2``.
    """
    if n_resamples < 2:
        return dict.fromkeys(TERMS, float("nan"))
    u0 = np.asarray(utility_reference, dtype=np.float64)
    u1 = np.asarray(utility_other, dtype=np.float64)
    g1 = np.asarray(is_other, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(~g1), np.flatnonzero(g1)]
    draws = []
    for start in range(0, n_resamples, block):
        b = min(block, n_resamples - start)
        counts = np.zeros((b, u0.size))  # [b, n] times each session is drawn
        for idx in members:
            counts[:, idx] = rng.multinomial(idx.size, np.full(idx.size, 1.0 / idx.size), size=b)
        e0_u0 = counts[:, members[0]] @ u0[members[0]] / members[0].size
        e1_u1 = counts[:, members[1]] @ u1[members[1]] / members[1].size
        cw = counts * w  # [b, n]
        mass = np.where(cw.sum(axis=1) > 0, cw.sum(axis=1), np.nan)  # all-zero weights: no S_X
        es_u0, es_u1 = cw @ u0 / mass, cw @ u1 / mass
        draws.append(np.column_stack([e1_u1 - e0_u0, e1_u1 - es_u1, es_u1 - es_u0, es_u0 - e0_u0]))
    se = np.nanstd(np.concatenate(draws), axis=0, ddof=1)
    return {name: float(x) for name, x in zip(TERMS, se, strict=True)}
