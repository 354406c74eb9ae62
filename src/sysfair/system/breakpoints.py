"""The K = 2 hull walk of every session and its doubtful t-zones, in one vectorised pass.

Set-up of :class:`sysfair.system.direction_sweep.DirectionSweep` (see its docstring for why the
zones make the sweep identical to the platform). For t = v / (u + v) going 0 -> 1 the exact argmax
of ``(1 - t) a_j + t b_j`` walks the upper-right convex hull of a session's (a, b) points; each
vertex p claims a run [lo, hi] of t, and within it the doubtful t's, where another valid candidate
j comes within B of p (``c_p - c_j <= B``, linear in t), are one stretch at each end of the run.

**Fewer candidates.** A candidate j dominated by a valid k with a margin above 2B in both scores
(``a_k - a_j > 2B`` and ``b_k - b_j > 2B``) is never served and never doubtful: where k is not
doubtful against p, ``c_p - c_j > c_p - c_k + B > B``, and if k is p, ``c_p - c_j > B`` outright.
Such j are dropped before the walk, with three witnesses k per session that no candidate can
dominate (highest a, highest b, highest a + b); on uniform scores this keeps ~4 of 20 candidates.
The remaining candidates keep their slot order (lowest slot first), and sessions with the same
number of them are walked together in dense blocks, every run's zone ends computed as it is walked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Breakpoints", "breakpoints"]

_EPS = float(np.finfo(np.float64).eps)
_MARGIN = 64.0  # B = _MARGIN * eps * magnitude: >= 50x the platform's worst rounding gap
_WIDEN = 1e-14  # zones widened by this much in t (t in [0, 1]) on top of B
_RUN_CHUNK = 1 << 20  # (session, candidate) pairs per block: bounds the set-up's memory


@dataclass(frozen=True)
class Breakpoints:
    """What a pool's sessions serve as t goes 0 -> 1, and where float rounding may disagree.

    Attributes:
        start: ``[S]`` slot claimed just after t = 0 (highest a, then highest b, then lowest slot).
        tau, sess, slot: ``[E]`` per event, in walk order (each session's t non-decreasing): the t
            where the session switches, the session, the slot it serves from then on.
        next_event: ``[E]`` index of the session's next event (E if none).
        zone_sess, zone_lo, zone_hi: ``[Z]`` doubtful t-intervals (widened), any order.
    """

    start: np.ndarray
    tau: np.ndarray
    sess: np.ndarray
    slot: np.ndarray
    next_event: np.ndarray
    zone_sess: np.ndarray
    zone_lo: np.ndarray
    zone_hi: np.ndarray


class _Collector:
    """Appends the walk's output block by block; events get global indices in walk order."""

    def __init__(self, n_sessions: int) -> None:
        self.start = np.zeros(n_sessions, dtype=np.intp)
        self.ev: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.links: list[tuple[np.ndarray, np.ndarray]] = []  # (event, its session's next event)
        self.zones: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_events = 0

    def events(self, tau: np.ndarray, sess: np.ndarray, slot: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Record events; ``last [e]``: the session's previous event (-1 if none). Returns their ids."""
        ids = np.arange(self.n_events, self.n_events + tau.size)
        self.n_events += tau.size
        self.ev.append((tau, sess, slot))
        had = last >= 0
        self.links.append((last[had], ids[had]))
        return ids

    def result(self) -> Breakpoints:
        def cat(parts: list, i: int, dtype: type) -> np.ndarray:
            return np.concatenate([np.zeros(0, dtype=dtype)] + [p[i] for p in parts])

        nxt = np.full(self.n_events, self.n_events, dtype=np.intp)
        nxt[cat(self.links, 0, np.intp)] = cat(self.links, 1, np.intp)
        return Breakpoints(
            self.start,
            cat(self.ev, 0, np.float64),
            cat(self.ev, 1, np.intp),
            cat(self.ev, 2, np.intp),
            nxt,
            cat(self.zones, 0, np.intp),
            cat(self.zones, 1, np.float64) - _WIDEN,
            cat(self.zones, 2, np.float64) + _WIDEN,
        )


def breakpoints(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> Breakpoints:
    """Walk every session's hull (exact float comparisons) and find its doubtful zones.

    Args:
        a, b: ``[S, m]`` float64 finite scores; mask: ``[S, m]`` valid slots (>= 1 per session).
    """
    n_s, m = mask.shape
    out = _Collector(n_s)
    step = max(1, _RUN_CHUNK // max(1, m))
    for s0 in range(0, n_s, step):
        rows = slice(s0, s0 + step)
        a_rows, b_rows = a[rows], b[rows]
        keep, bound = _candidates(a_rows, b_rows, mask[rows])
        count = keep.sum(axis=1)
        order = np.argsort(count, kind="stable")
        edges = np.flatnonzero(np.diff(count[order])) + 1
        for group in np.split(order, edges):  # sessions with the same number of candidates
            width = int(count[group[0]])
            slots = np.nonzero(keep[group])[1].reshape(group.size, width)  # slot order per row
            slots = np.ascontiguousarray(slots.T)  # [c, n], C order: the walk's arrays follow it
            local = group[None, :]
            _walk(a_rows[local, slots], b_rows[local, slots], slots, bound[group], group + s0, out)
    return out.result()


def _candidates(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``keep [n, m]``: valid and not dominated by a witness with margin 2B; ``bound [n]``: B.

    B is per session: 64 eps times twice an upper bound of its largest valid |score| (its highest
    valid score, or the block's lowest valid score negated if that is larger). ``a_j < fl(a_k -
    2B)`` implies ``a_k - a_j > 2B - eps |a_k| > B`` exactly.
    """
    all_valid = bool(mask.all())
    f1 = a if all_valid else np.where(mask, a, -np.inf)
    f2 = b if all_valid else np.where(mask, b, -np.inf)
    rows = np.arange(a.shape[0])
    witnesses = [key.argmax(axis=1) for key in (f1, f2, f1 + f2)]  # valid, dominated by none
    high = np.maximum(f1[rows, witnesses[0]], f2[rows, witnesses[1]])  # [n] highest valid score
    low = min(a.min(where=mask, initial=np.inf), b.min(where=mask, initial=np.inf))
    bound = _MARGIN * _EPS * 2.0 * np.maximum(high, -low) + 1e-290  # [n]
    drop = np.zeros(a.shape, dtype=bool)
    for k in witnesses:
        below = f1 < (f1[rows, k] - 2.0 * bound)[:, None]  # invalid slots: -inf, always below
        below &= f2 < (f2[rows, k] - 2.0 * bound)[:, None]
        drop |= below
    return ~drop, bound


def _first(sel: np.ndarray) -> np.ndarray:
    """``[c, n]`` bool -> ``[n]`` index of the first True along axis 0 (c if none)."""
    return np.where(sel, np.arange(sel.shape[0])[:, None], sel.shape[0]).min(axis=0)


def _walk(
    a: np.ndarray, b: np.ndarray, slots: np.ndarray, bound: np.ndarray, sess: np.ndarray, out: _Collector
) -> None:
    """Walk sessions whose candidates are the rows of ``a, b [c, n]`` (valid, slot order).

    Candidates along axis 0, so that the reductions over them are elementwise. ``slots [c, n]``
    maps them to slots, ``bound [n]`` is B, ``sess [n]`` the session ids. Each iteration handles
    one run per still-walking session: its zone ends, then its next event.
    """
    c, n = a.shape
    cols = np.arange(c)[:, None]
    top = a == a.max(axis=0)
    b_top = np.where(top, b, -np.inf)
    cur = _first(top & (b_top == b_top.max(axis=0)))
    out.start[sess] = slots[cur, np.arange(n)]
    idx = np.arange(n)  # sessions (columns) still walking
    lo = np.zeros(n)  # the current run starts at t = lo
    prev_right = np.full(n, np.nan)  # the previous run's right zone end (NaN: first run)
    last_ev = np.full(n, -1, dtype=np.intp)
    while idx.size:
        r = np.arange(idx.size)
        da = a[cur, r] - a  # c_p - c_j = da + t * slope
        db = b[cur, r] - b
        up = db < 0  # candidates with a higher b: the walk goes on to one of them
        with np.errstate(invalid="ignore", divide="ignore"):
            d1 = np.maximum(da, 0.0)
            t = np.where(up, d1 / (d1 - db), np.inf)
            t_min = t.min(axis=0)
            more = np.isfinite(t_min)
            hi = np.where(more, np.maximum(t_min, lo), 1.0)
            left, right = _run_ends(da, db, cols >= cur, bound, lo, hi)
        _zones(out, sess[idx], lo, hi, left, right, prev_right, more)
        if not more.any():
            break
        b_tied = np.where(t == t_min, b, -np.inf)  # tied (hence up) where the walk goes on
        nxt = _first(b_tied == b_tied.max(axis=0))[more]  # highest b, then lowest slot
        idx = idx[more]
        a, b, slots, bound = a[:, more], b[:, more], slots[:, more], bound[more]
        last_ev = out.events(hi[more], sess[idx], slots[nxt, np.arange(idx.size)], last_ev[more])
        cur, lo, prev_right = nxt, hi[more], right[more]


def _run_ends(
    da: np.ndarray, db: np.ndarray, higher: np.ndarray, bound: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per run of p on [lo, hi]: doubt on [lo, left] and [right, hi] (``-inf`` / ``+inf``: none).

    ``da, db [c, n]``: p's scores minus each candidate's; ``higher [c, n]``: candidate in a slot
    >= p's (an exact duplicate there loses to p, so it is no doubt).
    """
    slope = db - da
    slope += 0.0  # a -0.0 slope (signed zero scores) counts as 0
    duplicate = da == 0
    duplicate &= db == 0
    duplicate &= higher
    t_star = bound - da
    t_star /= slope  # slope 0: +inf if doubtful throughout
    rising = (slope >= 0) > duplicate  # doubtful for t <= t_star (a & ~b on booleans)
    reach = np.fmax.reduce(np.where(rising, t_star, -np.inf), axis=0)  # NaN (g = B): no doubt
    left = np.where(reach >= lo, np.minimum(reach, hi), -np.inf)
    reach = np.fmin.reduce(np.where(slope < 0, t_star, np.inf), axis=0)  # t >= t_star
    right = np.where(reach <= hi, np.maximum(reach, lo), np.inf)
    return left, right


def _zones(
    out: _Collector,
    sess: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    prev_right: np.ndarray,
    more: np.ndarray,
) -> None:
    """Record the zones this iteration closes: around the breakpoint at lo (or t = 0's, if any
    doubt), and at a session's last run t = 1's, if any doubt."""
    first = np.isnan(prev_right)
    has = ~first | (left > -np.inf)
    z_lo = np.where(first, lo, np.minimum(prev_right, lo))
    z_hi = np.maximum(left, lo)
    end = ~more & (right < np.inf)
    out.zones.append(
        (
            np.concatenate([sess[has], sess[end]]),
            np.concatenate([z_lo[has], right[end]]),
            np.concatenate([z_hi[has], hi[end]]),
        )
    )
