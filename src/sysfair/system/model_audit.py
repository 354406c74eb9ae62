"""Model-level fairness audit (paper Appendix C.1, Tables 1-4): per label, AUC and calibration by group.

Metric helpers take plain arrays by keyword (``y_true``, ``y_score``); labels may be fractional in
[0, 1]: a row with label y counts as a positive of weight y and a negative of weight 1 - y.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from sysfair.system.candidates import CandidateLog
from sysfair.system.groupwise import group_counts, group_gap, group_means

__all__ = [
    "expected_calibration_error",
    "format_model_audit",
    "model_audit",
    "reliability_curve",
    "roc_auc",
]


def _as_binary(y_true: np.ndarray, y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Duplicate rows into (label 1, weight y) and (label 0, weight 1 - y)."""
    y = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score differ in length: {y.size} vs {s.size}")
    labels = np.r_[np.ones(y.size), np.zeros(y.size)]
    return labels, np.r_[s, s], np.r_[y, 1.0 - y]


def roc_auc(*, y_true: np.ndarray, y_score: np.ndarray) -> float:
    """ROC AUC of ``y_score [n]`` for ``y_true [n]`` in [0, 1]; NaN when one class is absent."""
    y = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score differ in length: {y.size} vs {s.size}")
    # the rows of _as_binary with a positive weight, built directly (a fraction of its memory)
    pos, neg = y > 0, (1.0 - y) > 0
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    labels = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    weights = np.concatenate([y[pos], (1.0 - y)[neg]])
    return float(roc_auc_score(labels, np.concatenate([s[pos], s[neg]]), sample_weight=weights))


def reliability_curve(*, y_true: np.ndarray, y_prob: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Equal-width bins of ``y_prob``: count, mean predicted and mean observed per non-empty bin."""
    y = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_prob, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_prob differ in length: {y.size} vs {p.size}")
    if n_bins < 1:
        raise ValueError(f"n_bins={n_bins} must be >= 1")
    b = np.minimum((np.clip(p, 0.0, 1.0) * n_bins).astype(int), n_bins - 1)
    count = np.bincount(b, minlength=n_bins)
    ok = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        pred = np.bincount(b, weights=p, minlength=n_bins) / count
        obs = np.bincount(b, weights=y, minlength=n_bins) / count
    return pd.DataFrame(
        {"bin": np.flatnonzero(ok), "count": count[ok], "mean_predicted": pred[ok], "mean_observed": obs[ok]}
    )


def expected_calibration_error(*, y_true: np.ndarray, y_prob: np.ndarray, n_bins: int = 10) -> float:
    """ECE = sum over bins of (bin share) x |mean observed - mean predicted|; NaN if empty."""
    curve = reliability_curve(y_true=y_true, y_prob=y_prob, n_bins=n_bins)
    total = curve["count"].sum()
    if total == 0:
        return float("nan")
    gap = (curve["mean_observed"] - curve["mean_predicted"]).abs()
    return float((curve["count"] * gap).sum() / total)


def model_audit(log: CandidateLog, *, n_bins: int = 10) -> pd.DataFrame:
    """One row per (label, group), group "all" first; valid (unpadded) slots only.

    Columns: label, group, sessions, candidates, prevalence (share of sessions), positive_rate,
    mean_score, auc, ece, auc_gap (max - min group AUC of the label, on every row of the label).
    """
    mask = log.mask
    group = np.broadcast_to(log.group[:, None], mask.shape)[mask]
    everyone = np.zeros(group.size, dtype=np.intp)  # the "all" row: one group of every candidate
    sessions = [log.n_sessions, *group_counts(groups=log.group, n_groups=log.n_groups).tolist()]
    candidates = [group.size, *group_counts(groups=group, n_groups=log.n_groups).tolist()]
    names = ["all", *map(str, range(log.n_groups))]
    n_s = max(log.n_sessions, 1)
    rows = []
    for k, name in enumerate(log.label_names):
        y, s = log.labels[..., k][mask], log.scores[..., k][mask]
        means = {}
        for column, values in (("positive_rate", y), ("mean_score", s)):
            overall = group_means(values=values, groups=everyone, n_groups=1)
            means[column] = np.r_[overall, group_means(values=values, groups=group, n_groups=log.n_groups)]
        sels = [np.ones(y.size, dtype=bool), *(group == g for g in range(log.n_groups))]
        auc = [roc_auc(y_true=y[sel], y_score=s[sel]) for sel in sels]
        ece = [expected_calibration_error(y_true=y[sel], y_prob=s[sel], n_bins=n_bins) for sel in sels]
        auc_gap = group_gap(means=np.array(auc[1:]))
        for i, gname in enumerate(names):
            rows.append(
                {
                    "label": name,
                    "group": gname,
                    "sessions": sessions[i],
                    "candidates": candidates[i],
                    "prevalence": sessions[i] / n_s,
                    "positive_rate": float(means["positive_rate"][i]),
                    "mean_score": float(means["mean_score"][i]),
                    "auc": auc[i],
                    "ece": ece[i],
                    "auc_gap": auc_gap,
                }
            )
    return pd.DataFrame(rows)


def format_model_audit(df: pd.DataFrame) -> str:
    """The audit as a text table, paper style: one line per label and group."""
    header = f"{'label':<12} {'group':<6} {'share':>6} {'cands':>8} {'pos.rate':>8} {'AUC':>6} {'ECE':>6}"
    lines = [header, "-" * len(header)]
    for label, part in df.groupby("label", sort=False):
        for r in part.itertuples():
            lines.append(
                f"{str(label):<12} {r.group:<6} {r.prevalence:>6.1%} {r.candidates:>8d} "
                f"{r.positive_rate:>8.3f} {r.auc:>6.3f} {r.ece:>6.3f}"
            )
        lines.append(f"{'':<12} AUC gap between groups: {part['auc_gap'].iloc[0]:.3f}")
    return "\n".join(lines)
