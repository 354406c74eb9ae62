"""Exact Pareto oracle for K = 2 labels: the breakpoint sweep behind ``oracle_front``.

**K = 2, exact.** Write a direction as alpha = (1 - t, t), t in [0, 1] (t = tan(theta) / (1 + tan(theta))
for theta = atan2(alpha_2, alpha_1), a monotone map). A session's served item changes only where
two of its candidates' combined scores tie. As t grows the argmax walks along the upper-right
convex hull of the session's (f_1, f_2) points, from the highest f_1 to the highest f_2, so the
breakpoints are the slopes between consecutive hull vertices: at most m - 1 per session, found
for all sessions at once by a vectorised gift wrap. All breakpoints are sorted and merged into
clusters (gap <= 1e-12, the platform's rounding of directions). Between clusters nothing
changes, so the sweep enumerates every achievable (utility, DER) pair:

* the open interval between consecutive clusters: its state follows from the one before by
  adding the group-utility changes of the sessions that switched (cumulative sums, no serving);
* the clusters themselves (t exactly at a tie) where several sessions switch at once or more
  than two candidates tie: a few directions across the tie (its ends, its middle and its
  shortest decimal, e.g. t = 0.5 for alpha = (1, 1)) are served by :meth:`Platform.serve` to the
  sessions switching within 1e-12 of it, the other sessions keeping their interval's items, so
  the platform's own tie rule and arithmetic decide. A single session at a two-way tie serves
  one of its neighbours' items, so such a tie adds no new pair;
* the endpoints t = 0 and t = 1 (ties in one score decided by the platform's lowest-slot rule):
  served by :meth:`Platform.evaluate`.

The non-dominated candidates are then re-served on the whole pool by :meth:`Platform.evaluate`
(interval directions strictly inside their interval after the platform's rounding to 12
decimals), so every returned point is exactly ``platform.evaluate(alpha)`` of its alpha. "Exact"
holds in exact arithmetic on the stored scores; ties that float rounding blurs (scores within
~1e-6 of a tie) are covered by the probes above, not enumerated exhaustively.
"""

from __future__ import annotations

import math

import numpy as np

from sysfair.system.metrics import der_batch
from sysfair.system.pareto import pareto_mask
from sysfair.system.platform import DIRECTION_DECIMALS, Platform

# breakpoints closer than this are one tie: the platform's rounding of directions
_TIE_TOL = 10.0**-DIRECTION_DECIMALS


def _hull_events(scores: np.ndarray, mask: np.ndarray, tol: float) -> tuple[np.ndarray, ...]:
    """Breakpoints of every session's served item as t goes 0 -> 1.

    Args:
        scores: ``[S, m, 2]`` float64 scores.
        mask: ``[S, m]`` valid slots.
        tol: breakpoints closer than this are one tie (collinear candidates).

    Returns:
        start ``[S]`` slot served just after t = 0; and per event ``[E]``: t, session, slot before,
        slot after, and whether more than two candidates tie there.
    """
    n_s, m, _ = scores.shape
    f1 = np.where(mask, scores[..., 0], -np.inf)
    f2 = np.where(mask, scores[..., 1], -np.inf)
    rows = np.arange(n_s)
    # Served just after t = 0: highest f1, then highest f2, then lowest slot.
    top1 = f1 == f1.max(axis=1, keepdims=True)
    f2_top = np.where(top1, f2, -np.inf)
    cur = (top1 & (f2_top == f2_top.max(axis=1, keepdims=True))).argmax(axis=1)
    start = cur.copy()
    ts, sess, before, after, multi = [], [], [], [], []
    # Only the sessions still walking are carried (rows dropped once a session's walk ends): the
    # same per-row arithmetic as on all rows, recorded in the same order (iteration, then session).
    idx, t_prev = rows, np.zeros(n_s)
    for _ in range(m - 1):
        local = np.arange(idx.size)
        c1, c2 = f1[local, cur][:, None], f2[local, cur][:, None]
        up = mask & (f2 > c2)
        d1 = np.where(up, c1 - f1, 0.0)  # >= 0: a candidate above in both would beat cur already
        e2 = np.where(up, f2 - c2, 1.0)
        t = np.where(up, np.maximum(d1, 0.0) / (np.maximum(d1, 0.0) + e2), np.inf)
        t_min = t.min(axis=1)
        active = np.isfinite(t_min)
        if not active.all():
            idx, f1, f2, mask, cur = idx[active], f1[active], f2[active], mask[active], cur[active]
            t_prev, t, up, t_min = t_prev[active], t[active], up[active], t_min[active]
        if not idx.size:
            break
        t_min = np.maximum(t_min, t_prev)  # keep each session's order
        tied = up & (t <= t_min[:, None] + tol)
        f2_tied = np.where(tied, f2, -np.inf)
        nxt = (tied & (f2_tied == f2_tied.max(axis=1, keepdims=True))).argmax(axis=1)
        ts.append(t_min)
        sess.append(idx)
        before.append(cur)
        after.append(nxt)
        multi.append(tied.sum(axis=1) > 1)
        cur = nxt
        t_prev = t_min
    if not ts:
        empty = np.zeros(0, dtype=np.intp)
        return start, np.zeros(0), empty, empty, empty, np.zeros(0, dtype=bool)
    return (
        start,
        np.concatenate(ts),
        np.concatenate(sess),
        np.concatenate(before),
        np.concatenate(after),
        np.concatenate(multi),
    )


def _prefilter_2d(points: np.ndarray) -> np.ndarray:
    """``[N, 2]`` -> ``[N]`` bool, a superset of the non-dominated rows (sort and running max)."""
    finite = np.isfinite(points).all(axis=1)
    idx = np.flatnonzero(finite)
    order = idx[np.lexsort((-points[idx, 1], -points[idx, 0]))]  # utility desc, then DER desc
    der = points[order, 1]
    best_before = np.concatenate([[-np.inf], np.maximum.accumulate(der)[:-1]])
    out = np.zeros(points.shape[0], dtype=bool)
    out[order[der >= best_before]] = True
    return out


def _simplest_decimal(lo: float, hi: float) -> float | None:
    """The number in [lo, hi] with the fewest decimals (at most 12), if any."""
    for digits in range(1, DIRECTION_DECIMALS + 1):
        step = 10.0**-digits
        v = round(math.ceil(lo / step - 1e-9) * step, digits)
        if v <= hi:
            return v
    return None


def _alphas_k2(t: np.ndarray) -> np.ndarray:
    """Directions ``[N, 2]`` = (1 - t, t), t rounded to the platform's 12 decimals."""
    t = np.round(np.asarray(t, dtype=np.float64), DIRECTION_DECIMALS)
    return np.column_stack([1.0 - t, t])


def _points(values: np.ndarray, groups: np.ndarray, n_groups: int, n_sessions: int) -> np.ndarray:
    """Group utility sums ``[N, G]`` -> (utility, DER) ``[N, 2]``."""
    counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = values / np.where(counts > 0, counts, np.nan)
    return np.column_stack([values.sum(axis=1) / n_sessions, der_batch(means)])


def _sweep_k2(platform: Platform) -> tuple[np.ndarray, np.ndarray, str]:
    """Every state the sweep of t in [0, 1] finds (see the module docstring): directions t ``[N]``
    and their (utility, DER) ``[N, 2]``, each equal to ``platform.evaluate`` at (1 - t, t)."""
    log = platform.log
    n_s, n_g, groups = log.n_sessions, log.n_groups, log.group
    # The platform combines the scores in float64 at directions rounded to 12 decimals, so it can
    # tell apart breakpoints 1e-12 apart, whatever the scores' dtype: float32 ties that rounding
    # blurs by ~1e-8 are distinct breakpoints with reachable states between them, not one tie.
    # The same rounding blurs each tie over about _TIE_TOL: its probes serve that neighbourhood.
    tol = _TIE_TOL
    start, t, sess, before, after, multi = _hull_events(log.scores.astype(np.float64), log.mask, tol)
    order = np.argsort(t, kind="stable")
    t, sess, before, after, multi = t[order], sess[order], before[order], after[order], multi[order]
    n_e = t.size

    # Clusters of breakpoints: a new one wherever the gap exceeds tol.
    new = np.ones(n_e, dtype=bool)
    new[1:] = np.diff(t) > tol
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, n_e - 1) if n_e else first
    lo, hi = t[first], t[last]

    # Group-utility sums after each event: the start state plus cumulative switches.
    value = np.einsum("smk,sk->sm", log.labels.astype(np.float64), platform.preferences[groups])
    hidden = log.hidden_value()  # Appendix D's hidden outcome, valued like the platform does
    if hidden is not None:
        value += hidden
    base = np.bincount(groups, weights=value[np.arange(n_s), start], minlength=n_g)
    delta = np.zeros((n_e, n_g))
    delta[np.arange(n_e), groups[sess]] = value[sess, after] - value[sess, before]
    after_event = base + np.cumsum(delta, axis=0)  # [E, G]

    # Open intervals: (0, lo_0), (hi_c, lo_c+1), ..., (hi_last, 1), at a direction strictly inside.
    interval_sums = np.vstack([base[None], after_event[last]])
    left, right = np.concatenate([[0.0], hi]), np.concatenate([lo, [1.0]])
    mid = np.round(0.5 * (left + right), DIRECTION_DECIMALS)
    inside = (mid > left) & (mid < right)
    interval_t = mid[inside]
    interval_points = _points(interval_sums[inside], groups, n_g, n_s)

    # Ties where several sessions switch at once, or more than two candidates tie: serve a few
    # directions across the (blurred) tie to the sessions switching near it, the rest unchanged.
    tie_t, tie_sums = [], []
    n_at = np.diff(np.append(first, n_e))
    multi_c = np.logical_or.reduceat(multi, first) if n_e else np.zeros(0, dtype=bool)
    for c in np.flatnonzero((n_at > 1) | multi_c):
        e0 = int(np.searchsorted(t, lo[c] - tol, side="left"))
        e1 = int(np.searchsorted(t, hi[c] + tol, side="right"))
        ses, pos = np.unique(sess[e0:e1], return_index=True)
        prior = before[e0:e1][pos]  # each session's slot before the window
        rest = (base if e0 == 0 else after_event[e0 - 1]) - np.bincount(
            groups[ses], weights=value[ses, prior], minlength=n_g
        )
        probes = [lo[c], 0.5 * (lo[c] + hi[c]), hi[c]]
        simple = _simplest_decimal(lo[c] - tol, hi[c] + tol)
        if simple is not None:
            probes.append(simple)
        alphas = _alphas_k2(np.array(probes))
        slots = platform.serve(alphas, sessions=ses)  # [P, n]
        sums = rest + np.stack(
            [np.bincount(groups[ses], weights=value[ses, row], minlength=n_g) for row in slots]
        )
        tie_t.append(alphas[:, 1])
        tie_sums.append(sums)
    tie_t_arr = np.concatenate(tie_t) if tie_t else np.zeros(0)
    tie_points = _points(np.vstack(tie_sums), groups, n_g, n_s) if tie_sums else np.zeros((0, 2))

    # The endpoints, served by the platform (ties in one score: its lowest-slot rule).
    ev = platform.evaluate(_alphas_k2(np.array([0.0, 1.0])))
    end_points = np.column_stack([ev.utility, ev.der])

    cand_t = np.concatenate([[0.0, 1.0], interval_t, tie_t_arr])
    cand_points = np.vstack([end_points, interval_points, tie_points])
    return cand_t, cand_points, f"exact ({first.size} breakpoints)"


def _exact_k2(platform: Platform) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The sweep's non-dominated states, served again on the whole pool; see the module docstring."""
    cand_t, cand_points, resolution = _sweep_k2(platform)
    # Pre-select on the sweep's values, then serve the survivors on the whole pool.
    keep = _prefilter_2d(cand_points)
    keep[np.flatnonzero(keep)[~pareto_mask(cand_points[keep])]] = False
    keep[:2] = True
    alphas = _alphas_k2(cand_t[keep])
    ev = platform.evaluate(alphas)
    served = np.column_stack([ev.utility, ev.der])
    states = np.vstack([cand_points, served])
    return alphas, served, states, resolution
