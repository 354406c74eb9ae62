"""Retrieval quality (Definition 3.2) and the retrieval gap of Theorem 3.3.

Q_m = E[max over the m retrieved items j of sum_k Y_k^j]: the best total outcome a session's
candidate set offers, whatever the weights. It is measured per group and over the shared space
S_X of a pair. Oriented as the paper (group 0 the disadvantaged group, group 1 the other), the
retrieval gap of group 1 is

    epsilon = Q_m(group 1) - Q_m(S_X)        (> 0: group 1's candidate sets are better)

and Theorem 3.3 bounds the covariate term (4) from below:
term(4) = E_1[U_1] - E_S[U_1] >= epsilon * min_k alpha*_k(1). The theorem assumes an ideal serving
stage; on real scorers the audit reports the measured term (4) next to the bound and whether it
holds, as a diagnostic (not an assertion). For epsilon <= 0 the bound is not informative.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["RetrievalGap", "retrieval_gap", "session_retrieval_quality"]


def session_retrieval_quality(*, labels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per session max over valid slots of sum_k Y_k: ``labels [S, m, K]``, ``mask [S, m]`` -> ``[S]``."""
    total = np.asarray(labels, dtype=np.float64).sum(axis=-1)
    return np.where(np.asarray(mask, dtype=bool), total, -np.inf).max(axis=1)


@dataclass(frozen=True)
class RetrievalGap:
    reference: int
    other: int
    q_reference: float  # Q_m over group 0's sessions
    q_other: float  # Q_m over group 1's sessions
    q_shared: float  # Q_m over S_X
    epsilon: float  # q_other - q_shared
    min_preference_other: float  # min_k alpha*_k(1)
    lower_bound: float  # epsilon * min_k alpha*_k(1)
    measured: float  # term(4) = E_1[U_1] - E_S[U_1]
    informative: bool  # epsilon > 0
    holds: bool  # measured >= lower_bound (always True when not informative)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def retrieval_gap(
    *,
    quality: np.ndarray,
    is_other: np.ndarray,
    weights: np.ndarray,
    preference_other: np.ndarray,
    term4: float,
    reference: int = 0,
    other: int = 1,
) -> RetrievalGap:
    """Q_m per group and over S_X for a pair, epsilon, and the Theorem 3.3 check.

    Args:
        quality: ``[n]`` per-session retrieval quality (:func:`session_retrieval_quality`), pooled.
        is_other: ``[n]`` bool, True for group 1.
        weights: ``[n]`` shared-space weights.
        preference_other: ``[K]`` alpha*(1).
        term4: the measured term (4) = E_1[U_1] - E_S[U_1].
    """
    q = np.asarray(quality, dtype=np.float64)
    g1 = np.asarray(is_other, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    q_shared = float(np.dot(w, q) / w.sum())
    q_other = float(q[g1].mean())
    eps = q_other - q_shared
    min_pref = float(np.min(preference_other))
    bound = eps * min_pref
    measured = float(term4)
    return RetrievalGap(
        reference=reference,
        other=other,
        q_reference=float(q[~g1].mean()),
        q_other=q_other,
        q_shared=q_shared,
        epsilon=eps,
        min_preference_other=min_pref,
        lower_bound=bound,
        measured=measured,
        informative=bool(eps > 0),
        holds=bool(eps <= 0 or measured >= bound - 1e-12),
    )
