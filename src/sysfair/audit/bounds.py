"""Theorem 3.1: a bound on the preference term (5) of the gap, per label, over the shared space.

With Delta_k = alpha*_k(1) - alpha*_k(0), U_1 - U_0 = sum_k Delta_k Y_k for the served item, and
writing Y_k = f_k + (Y_k - f_k) and Delta_k = (alpha*_k(1) - alpha_k) + (alpha_k - alpha*_k(0)):

    |E_S[U_1 - U_0]| <= sum_k  E_S[|Delta_k| |Y_k - f_k|]        (misspecification: scorer error)
                             + E_S[|alpha_k - alpha*_k(0)| f_k]   (serving weights vs group 0)
                             + E_S[|alpha_k - alpha*_k(1)| f_k]   (serving weights vs group 1)

where f_k, Y_k are the scores and labels of the item served at alpha. The last two terms depend
on alpha's scale, the served items do not (Lemma 2.3): the bound holds for every c * alpha, c > 0,
so besides the bound at alpha as given the audit reports its minimum over c (the function of c
is convex and piecewise linear, so the minimum sits at a breakpoint c = alpha*_k(g) / alpha_k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PreferenceBound", "preference_bound"]


@dataclass(frozen=True)
class PreferenceBound:
    """Theorem 3.1 for one pair (reference group 0, other group 1).

    Attributes:
        per_label: one row per label: label, misspecification, serving_vs_reference,
            serving_vs_other, bound (their sum) — all at alpha as given — and bound_best_scale.
        bound: sum over labels at alpha as given.
        scale: the c > 0 minimising the bound over c * alpha.
        bound_best_scale: the bound at c * alpha.
        term5: the measured E_S[U_1 - U_0].
        respected: ``|term5| <= bound_best_scale`` (up to 1e-12); it always holds in exact
            arithmetic, so False flags a bug or inconsistent inputs.
    """

    reference: int
    other: int
    per_label: pd.DataFrame
    bound: float
    scale: float
    bound_best_scale: float
    term5: float
    respected: bool


def _serving_terms(alpha: np.ndarray, p0: np.ndarray, p1: np.ndarray, mean_f: np.ndarray) -> np.ndarray:
    """``[K]`` E_S[|alpha_k - p0_k| f_k] + E_S[|alpha_k - p1_k| f_k]."""
    return (np.abs(alpha - p0) + np.abs(alpha - p1)) * mean_f


def preference_bound(
    *,
    labels_served: np.ndarray,
    scores_served: np.ndarray,
    alpha: np.ndarray,
    preference_reference: np.ndarray,
    preference_other: np.ndarray,
    weights: np.ndarray,
    term5: float,
    label_names: tuple[str, ...] | None = None,
    reference: int = 0,
    other: int = 1,
) -> PreferenceBound:
    """Theorem 3.1 terms per label over the shared space.

    Args:
        labels_served: ``[n, K]`` Y of the served item, pooled sessions of the pair.
        scores_served: ``[n, K]`` f of the served item.
        alpha: ``[K]`` serving weights as audited.
        preference_reference: ``[K]`` alpha*(0); preference_other: ``[K]`` alpha*(1).
        weights: ``[n]`` shared-space weights.
        term5: measured E_S[U_1 - U_0], compared with the bound.
        label_names: K names for the table (default y1..yK).
    """
    y = np.asarray(labels_served, dtype=np.float64)
    f = np.asarray(scores_served, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64)
    p0 = np.asarray(preference_reference, dtype=np.float64)
    p1 = np.asarray(preference_other, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    k = y.shape[1]
    names = label_names or tuple(f"y{i + 1}" for i in range(k))
    mis = np.abs(p1 - p0) * (w @ np.abs(y - f))
    mean_f = w @ f
    vs0 = np.abs(a - p0) * mean_f
    vs1 = np.abs(a - p1) * mean_f
    # Best scale: evaluate the convex piecewise-linear bound at every breakpoint c = p_gk / alpha_k.
    pos = a > 0
    cands = np.concatenate([[1.0], p0[pos] / a[pos], p1[pos] / a[pos]])  # ties keep c = 1
    totals = np.array([mis.sum() + _serving_terms(c * a, p0, p1, mean_f).sum() for c in cands])
    best = int(np.argmin(totals))
    scale = float(cands[best])
    per_label = pd.DataFrame(
        {
            "label": list(names),
            "misspecification": mis,
            "serving_vs_reference": vs0,
            "serving_vs_other": vs1,
            "bound": mis + vs0 + vs1,
            "bound_best_scale": mis + _serving_terms(scale * a, p0, p1, mean_f),
        }
    )
    bound_best = float(totals[best])
    return PreferenceBound(
        reference=reference,
        other=other,
        per_label=per_label,
        bound=float(per_label["bound"].sum()),
        scale=scale,
        bound_best_scale=bound_best,
        term5=float(term5),
        respected=bool(abs(term5) <= bound_best + 1e-12),
    )
