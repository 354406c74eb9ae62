"""Appendix D: the part of the utility gap caused by an outcome no scorer models.

A hidden outcome Y_h enters every group's utility, U_g = sum_k alpha*_k(g) Y_k + alpha*_h(g) Y_h,
but not serving (no f_h, no alpha_h): the platform cannot trade it off. Of the gap
E_1[U_1] - E_0[U_0] (paper orientation, group 0 the disadvantaged group) the hidden outcome
contributes exactly

    hidden part = alpha*_h(1) E_1[Y_h] - alpha*_h(0) E_0[Y_h]

(Y_h of the served item, E_g the mean over group g's sessions), and the observable labels the
rest, ``total - hidden part``. The split is exact: U_g is linear in the outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sysfair.audit.decomposition import GapDecomposition

__all__ = ["HiddenAttribution", "hidden_attribution", "hidden_attributions", "with_hidden"]


@dataclass(frozen=True)
class HiddenAttribution:
    """The hidden outcome's share of the gap of one pair (reference = group 0, other = group 1)."""

    reference: int
    other: int
    weight_reference: float  # alpha*_h(0)
    weight_other: float  # alpha*_h(1)
    rate_reference: float  # E_0[Y_h] of the served item
    rate_other: float  # E_1[Y_h]
    hidden_gap: float  # alpha*_h(1) E_1[Y_h] - alpha*_h(0) E_0[Y_h]
    observable_gap: float  # total gap - hidden_gap
    total: float  # E_1[U_1] - E_0[U_0]

    @property
    def share(self) -> float:
        """hidden_gap / total (NaN when the gap is 0)."""
        return self.hidden_gap / self.total if self.total != 0 else float("nan")


def hidden_attribution(
    *,
    hidden_served: np.ndarray,
    group: np.ndarray,
    hidden_weights: np.ndarray,
    total: float,
    reference: int,
    other: int,
) -> HiddenAttribution:
    """Attribute the hidden outcome's part of the gap ``total`` of (reference, other).

    Args:
        hidden_served: ``[S]`` Y_h of the item served to each session.
        group: ``[S]`` group of each session (both groups must have sessions).
        hidden_weights: ``[G]`` alpha*_h(g).
        total: the pair's gap E_1[U_1] - E_0[U_0] (all outcomes).
    """
    y = np.asarray(hidden_served, dtype=np.float64)
    rate0 = float(y[group == reference].mean())
    rate1 = float(y[group == other].mean())
    w0, w1 = float(hidden_weights[reference]), float(hidden_weights[other])
    part = w1 * rate1 - w0 * rate0
    return HiddenAttribution(reference, other, w0, w1, rate0, rate1, part, float(total) - part, float(total))


def hidden_attributions(
    hidden_served: np.ndarray | None,
    group: np.ndarray,
    hidden_weights: np.ndarray | None,
    decompositions: Sequence[GapDecomposition],
) -> list[HiddenAttribution]:
    """:func:`hidden_attribution` of every decomposed pair (``[]`` without a hidden outcome)."""
    if hidden_served is None or hidden_weights is None:
        return []
    return [
        hidden_attribution(
            hidden_served=hidden_served,
            group=group,
            hidden_weights=hidden_weights,
            total=d.total,
            reference=d.reference,
            other=d.other,
        )
        for d in decompositions
    ]


def with_hidden(
    labels_served: np.ndarray,
    scores_served: np.ndarray,
    alpha: np.ndarray,
    preferences: np.ndarray,
    label_names: tuple[str, ...],
    hidden_served: np.ndarray | None,
    hidden_weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """The audit's inputs with the hidden outcome as one more label (f = 0, alpha = 0).

    ``labels [S, K+1], scores [S, K+1], alpha [K+1], preferences [G, K+1], names``; unchanged
    without a hidden outcome. Valued this way, U_g and term (5) include Y_h, and Theorem 3.1's
    bound gains the row |alpha*_h(1) - alpha*_h(0)| E_S[Y_h] (the serving terms vanish), so it
    still bounds term (5).
    """
    if hidden_served is None or hidden_weights is None:
        return labels_served, scores_served, alpha, preferences, label_names
    y = np.asarray(hidden_served, dtype=np.float64)[:, None]
    return (
        np.hstack([labels_served, y]),
        np.hstack([scores_served, np.zeros_like(y)]),
        np.append(alpha, 0.0),
        np.hstack([preferences, np.asarray(hidden_weights, dtype=np.float64)[:, None]]),
        (*label_names, "hidden"),
    )
