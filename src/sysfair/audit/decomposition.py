"""The utility-gap decomposition, paper eqs. (4)-(6) (DESIGN.md §2).

Oriented as the paper's Section 3.1: of two groups, group 0 is the *disadvantaged* one (by default
the group with the lower utility at the audited alpha, or the one named by
``audit.disadvantaged_group``; see :func:`orient_pair`) and group 1 the other:

    E_1[U_1] - E_0[U_0] = (E_1[U_1] - E_S[U_1])     (4) group 1's covariates vs the shared space
                        + E_S[U_1 - U_0]             (5) preferences, on the shared space
                        + (E_S[U_0] - E_0[U_0])      (6) the shared space vs group 0's covariates

E_g averages over the sessions of group g, E_S over the pooled sessions of both groups weighted
by the shared-space weights (:mod:`sysfair.audit.propensity`). Because Y | X does not depend on the
group, every session can be valued under both groups' weights: U_g(s) = sum_k alpha*_k(g) Y_k
of the item served to s. Utilities are realised (observed labels of the served item), as on the
platform. The identity is exact algebra (a telescoping sum); in floating point the residual is
reported. With identical preferences U_1 = U_0 session by session, so term (5) is exactly 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["GapDecomposition", "orient_pair", "served_utilities", "utility_gap_decomposition"]


@dataclass(frozen=True)
class GapDecomposition:
    """Terms of E_1[U_1] - E_0[U_0] for one pair.

    ``reference`` is the paper's group 0 (the disadvantaged group), ``other`` group 1.
    """

    reference: int
    other: int
    n_reference: int
    n_other: int
    mean_reference: float  # E_0[U_0]
    mean_other: float  # E_1[U_1]
    shared_reference: float  # E_S[U_0]
    shared_other: float  # E_S[U_1]
    total: float  # E_1[U_1] - E_0[U_0]
    term4: float  # E_1[U_1] - E_S[U_1]
    term5: float  # E_S[U_1] - E_S[U_0]
    term6: float  # E_S[U_0] - E_0[U_0]
    residual: float  # term4 + term5 + term6 - total (float rounding only)
    effective_sample_size: float  # Kish ESS of the shared-space weights
    # bootstrap standard errors (sysfair.audit.uncertainty); NaN when not computed
    se_total: float = float("nan")
    se_term4: float = float("nan")
    se_term5: float = float("nan")
    se_term6: float = float("nan")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def served_utilities(*, labels_served: np.ndarray, preferences: np.ndarray) -> np.ndarray:
    """Utility of each session's served item under every group's weights.

    Args:
        labels_served: ``[S, K]`` realised labels Y of the item served to each session.
        preferences: ``[G, K]`` true weights alpha*(g).

    Returns:
        ``[S, G]``: column g is U_g(s) = sum_k alpha*_k(g) Y_k.
    """
    return np.asarray(labels_served, dtype=np.float64) @ np.asarray(preferences, dtype=np.float64).T


def orient_pair(
    *, pair: tuple[int, int], group_utility: np.ndarray, disadvantaged: int | None = None
) -> tuple[int, int]:
    """(group 0, group 1) of ``pair`` in the paper's orientation (Section 3.1).

    Group 0 is the disadvantaged group: ``disadvantaged`` when it is in the pair, otherwise the
    group of the pair with the lower utility ``group_utility [G]`` (each group valued with its own
    alpha*; ties: the lower id). The gap E_1[U_1] - E_0[U_0] is then >= 0 under ``auto``.
    """
    a, b = sorted(int(g) for g in pair)
    if disadvantaged is not None and disadvantaged in (a, b):
        return (a, b) if disadvantaged == a else (b, a)
    return (a, b) if group_utility[a] <= group_utility[b] else (b, a)


def utility_gap_decomposition(
    *,
    utility_reference: np.ndarray,
    utility_other: np.ndarray,
    is_other: np.ndarray,
    weights: np.ndarray,
    reference: int = 0,
    other: int = 1,
) -> GapDecomposition:
    """Decompose E_1[U_1] - E_0[U_0] over the pooled sessions of a pair.

    Args:
        utility_reference: ``[n]`` U_0(s), every pooled session valued under the reference weights.
        utility_other: ``[n]`` U_1(s), every pooled session valued under the other group's weights.
        is_other: ``[n]`` bool, True for sessions of group 1 (False: group 0).
        weights: ``[n]`` shared-space weights (>= 0, positive sum).
        reference, other: group ids, recorded in the result.
    """
    u0 = np.asarray(utility_reference, dtype=np.float64)
    u1 = np.asarray(utility_other, dtype=np.float64)
    g1 = np.asarray(is_other, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    if not (u0.shape == u1.shape == g1.shape == w.shape) or u0.ndim != 1:
        raise ValueError(
            f"inputs must be [n] arrays of one length; got {u0.shape}, {u1.shape}, {g1.shape}, {w.shape}"
        )
    if not g1.any() or g1.all():
        raise ValueError("the decomposition needs sessions of both groups")
    if np.any(w < 0) or w.sum() <= 0:
        raise ValueError("shared-space weights must be >= 0 with a positive sum")
    e1_u1 = float(u1[g1].mean())
    e0_u0 = float(u0[~g1].mean())
    es_u1 = float(np.dot(w, u1) / w.sum())
    es_u0 = float(np.dot(w, u0) / w.sum())
    total = e1_u1 - e0_u0
    t4, t5, t6 = e1_u1 - es_u1, es_u1 - es_u0, es_u0 - e0_u0
    return GapDecomposition(
        reference=reference,
        other=other,
        n_reference=int((~g1).sum()),
        n_other=int(g1.sum()),
        mean_reference=e0_u0,
        mean_other=e1_u1,
        shared_reference=es_u0,
        shared_other=es_u1,
        total=total,
        term4=t4,
        term5=t5,
        term6=t6,
        residual=(t4 + t5 + t6) - total,
        effective_sample_size=float(w.sum() ** 2 / np.dot(w, w)),
    )
