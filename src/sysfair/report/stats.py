"""Summaries over trials, shares of the global Pareto front and paired Wilcoxon signed-rank tests.

Wilcoxon handling (documented in the report too):

* pairs are matched by trial seed (trial i of every method uses seed ``trials.seed + i``, so
  the same user batches); seeds present for only one method are left out;
* zero differences are dropped (``zero_method="wilcox"``, the classic test); if every
  difference is zero the test is undefined and the p-value is NaN ("no difference");
* p-values use an explicit scipy ``method=`` (:func:`_test_method`, scipy >= 1.15): the exact
  null distribution when there are no zeros or tied ranks and at most 50 pairs; with zeros or
  ties, an exhaustive permutation of the signs of the non-zero differences when at most 13
  pairs (zeros included in the count), else the normal approximation (with tie correction);
  the method used is reported;
* with n < 6 non-zero differences the smallest achievable two-sided p is 2 / 2**n > 0.05, so
  the test cannot reject at the 5% level; the p-value is still given, with that note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sysfair.system.pareto import pareto_mask

__all__ = [
    "WilcoxonResult",
    "front_shares",
    "iteration_averages",
    "mean_sd",
    "paired_by_seed",
    "paired_wilcoxon",
    "scalarised_scores",
]

MIN_PAIRS = 6  # below this, a two-sided exact p can never reach 0.05 (2 / 2**5 = 0.0625)


@dataclass(frozen=True)
class WilcoxonResult:
    """Two-sided Wilcoxon signed-rank test of paired samples x vs y (d = x - y).

    Attributes:
        n_pairs: matched pairs; n_nonzero: pairs with d != 0 (the ones the test ranks).
        wins / losses / ties: pairs with d > 0, d < 0, d == 0.
        median_difference: median of d over all pairs.
        statistic: scipy's statistic (the smaller rank sum); NaN when the test is undefined.
        p_value: two-sided p; NaN when undefined (no pairs, or every difference zero).
        method: "exact", "permutation (zeros/ties)", "normal approximation" or "undefined".
        note: why the result is NaN or weak, "" otherwise.
    """

    n_pairs: int
    n_nonzero: int
    wins: int
    losses: int
    ties: int
    median_difference: float
    statistic: float
    p_value: float
    method: str
    note: str


def _test_method(*, n_pairs: int, ties_or_zeros: bool) -> tuple[str, str | stats.PermutationMethod]:
    """(label, scipy ``method=``): the null distribution the test uses, chosen here explicitly.

    Exact when there are no ties or zeros and at most 50 pairs; with ties or zeros an exhaustive
    permutation of the signs when at most 13 pairs (2**13 sign patterns, below
    PermutationMethod's 9999 resamples, so scipy enumerates them all: deterministic); else the
    normal approximation with tie correction.
    """
    if not ties_or_zeros and n_pairs <= 50:
        return "exact", "exact"
    if n_pairs <= 13:
        return "permutation (zeros/ties)", stats.PermutationMethod()
    return "normal approximation", "asymptotic"


def paired_wilcoxon(x: np.ndarray, y: np.ndarray) -> WilcoxonResult:
    """Wilcoxon signed-rank test of ``x [n]`` vs ``y [n]`` (pairs with a NaN are dropped)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired samples must be 1-D of equal length, got {x.shape} and {y.shape}")
    keep = np.isfinite(x) & np.isfinite(y)
    d = x[keep] - y[keep]
    n = int(d.size)
    nonzero = d[d != 0]
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    common = {
        "n_pairs": n,
        "n_nonzero": int(nonzero.size),
        "wins": wins,
        "losses": losses,
        "ties": n - wins - losses,
        "median_difference": float(np.median(d)) if n else float("nan"),
    }
    if n == 0:
        return WilcoxonResult(
            **common,
            statistic=float("nan"),
            p_value=float("nan"),
            method="undefined",
            note="no paired trials",
        )
    if nonzero.size == 0:
        return WilcoxonResult(
            **common,
            statistic=float("nan"),
            p_value=float("nan"),
            method="undefined",
            note="every paired difference is zero (no difference)",
        )
    tied_ranks = np.unique(np.abs(nonzero)).size < nonzero.size
    has_zeros = nonzero.size < n
    method, scipy_method = _test_method(n_pairs=n, ties_or_zeros=tied_ranks or has_zeros)
    res = stats.wilcoxon(x[keep], y[keep], zero_method="wilcox", alternative="two-sided", method=scipy_method)
    notes = []
    if nonzero.size < MIN_PAIRS:
        floor = 2.0 / 2**nonzero.size
        notes.append(f"only {nonzero.size} non-zero pairs: p >= {floor:.3g}, cannot reach 0.05")
    if has_zeros:
        notes.append(f"{n - nonzero.size} zero difference(s) dropped")
    return WilcoxonResult(
        **common,
        statistic=float(res.statistic),
        p_value=float(res.pvalue),
        method=method,
        note="; ".join(notes),
    )


def paired_by_seed(
    trials: pd.DataFrame, method: str, baseline: str, metric: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seeds, ``metric`` of ``method``, of ``baseline``) on the seeds both methods ran."""
    a = trials[trials["method"] == method].set_index("seed")[metric]
    b = trials[trials["method"] == baseline].set_index("seed")[metric]
    a, b = a[~a.index.duplicated()], b[~b.index.duplicated()]
    seeds = np.array(sorted(set(a.index) & set(b.index)))
    return seeds, a.loc[seeds].to_numpy(float), b.loc[seeds].to_numpy(float)


def mean_sd(trials: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Per method: n trials and mean / sd (ddof = 1; 0 for a single trial) of each metric."""
    rows = []
    for method, part in trials.groupby("method", sort=True):
        row: dict[str, object] = {"method": method, "n_trials": len(part)}
        for m in metrics:
            values = part[m].to_numpy(float)
            values = values[np.isfinite(values)]
            row[f"{m}_mean"] = float(values.mean()) if values.size else float("nan")
            row[f"{m}_sd"] = (
                float(values.std(ddof=1)) if values.size > 1 else (0.0 if values.size else float("nan"))
            )
        rows.append(row)
    columns = ["method", "n_trials", *(f"{m}_{s}" for m in metrics for s in ("mean", "sd"))]
    return pd.DataFrame(rows, columns=columns)


def scalarised_scores(points: pd.DataFrame) -> pd.DataFrame:
    """Per (method, trial): max over the trial's alphas of noise-free utility x DER.

    ``points`` holds the ``exact_utility`` / ``exact_der`` of every iteration (pareto_fronts.csv).
    """
    score = points["exact_utility"] * points["exact_der"]
    out = points.assign(scalarised=score).groupby(["method", "trial"], as_index=False)["scalarised"]
    return out.max()


VALUE_COLUMNS = {
    "observed": ("observed_utility", "observed_der"),  # the noisy batch the optimizer saw
    "exact": ("exact_utility", "exact_der"),  # the same alpha re-evaluated on the whole pool
}


def iteration_averages(points: pd.DataFrame) -> pd.DataFrame:
    """The paper's aggregation (Section 4): per (method, trial), the mean over the iterations.

    Columns ``avg_utility`` / ``avg_der`` average the observed (noisy batch) values, as the
    platform reports them to the optimizer; ``avg_exact_utility`` / ``avg_exact_der`` average
    the same alphas re-evaluated noise-free on the whole pool.
    """
    table = points.groupby(["method", "trial"], as_index=False).agg(
        avg_utility=("observed_utility", "mean"),
        avg_der=("observed_der", "mean"),
        avg_exact_utility=("exact_utility", "mean"),
        avg_exact_der=("exact_der", "mean"),
        n_iterations=("observed_utility", "size"),
    )
    return table


def front_shares(
    points: pd.DataFrame, methods: list[str], values: str = "observed"
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each method's points on the global front of all (utility, DER) points.

    ``values``: ``observed`` (the noisy batch values) or ``exact`` (noise-free on the whole pool).

    A point is on the global front if it equals a non-dominated point of the pooled set, so a
    point reached by two methods counts for both. Returns (table with method, n_points,
    n_on_front, share = n_on_front / sum over methods of n_on_front; the global front ``[P, 2]``).
    """
    xy = points[list(VALUE_COLUMNS[values])].to_numpy(float)
    front = xy[pareto_mask(xy)] if len(xy) else np.zeros((0, 2))
    on = {tuple(p) for p in front}
    hit = np.array([tuple(p) in on for p in xy], dtype=bool)
    rows = []
    for method in methods:
        sel = (points["method"] == method).to_numpy()
        rows.append({"method": method, "n_points": int(sel.sum()), "n_on_front": int(hit[sel].sum())})
    table = pd.DataFrame(rows)
    total = table["n_on_front"].sum()
    table["share"] = table["n_on_front"] / total if total else np.nan
    return table, front[np.argsort(front[:, 0])]
