"""Serve many K = 2 directions at once by sweeping each session's breakpoints (issue 17, item 5).

The platform serves ``argmax_j fl(fl(u a_j) + fl(v b_j))`` (lowest slot on ties) for the rounded
direction w = (u, v) of alpha (:func:`sysfair.system.platform.directions`), a_j, b_j the two scores. In
exact arithmetic the served item depends only on t = v / (u + v) and changes only at each
session's breakpoints: as t goes 0 -> 1 the argmax walks the upper-right convex hull of the
session's (a, b) points (the walk of :mod:`sysfair.system.oracle`). :class:`DirectionSweep` finds these
breakpoints once per pool; then the slots served for A directions follow from the events between
consecutive sorted t's, with no scoring.

**Identical to the platform, ties included.** Float rounding (and the tie rule) can only decide
differently from exact arithmetic where two candidates' exact scores are within the rounding
error of the platform's two products and one sum. For every stretch of t where the walk claims
vertex p, and every other valid candidate j, the t where ``c_p - c_j <= B`` (B = 64 eps times
the scores' magnitude, well above that error) is computed; being linear in t it is one end of the
stretch, so per session the doubtful t's are one short zone around each breakpoint (and t = 0 or
1 when scores tie there). Every (session, direction) in a zone is served again with the
platform's own float arithmetic; everywhere else p's float score strictly beats every other
candidate's, so the platform serves p. Exact duplicates of p in a higher slot lose to p (same
floats, lowest slot wins) and are the one exception that needs no zone. alpha = 0 serves each
session's first valid slot, as the platform does. The served values are then reduced by the
platform's own matrix product in the platform's own chunks of alphas, so the numbers are
bit-identical to the direct path's for the same call. (BLAS may round a row differently when it
is reduced alone or with others, so the direct path itself can differ in the last bits between
``evaluate(alpha)`` and ``evaluate([alpha, ...])``; the sweep keeps exactly that behaviour.)

Requires finite scores with magnitude <= 1e300 (no overflow in the platform's arithmetic);
:meth:`DirectionSweep.supports` tells, and the platform falls back to direct serving otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["DirectionSweep"]

_EPS = float(np.finfo(np.float64).eps)
_MARGIN = 64.0  # B = _MARGIN * eps * magnitude: >= 50x the platform's worst rounding gap
_WIDEN = 1e-14  # zones widened by this much in t (t in [0, 1]) on top of B
_RUN_CHUNK = 1 << 20  # (run, candidate) pairs per chunk when computing the zones
_CHECKPOINT_BYTES = 64 << 20  # memory for stored slot rows when directions are served out of order


class DirectionSweep:
    """The breakpoints and doubtful zones of a K = 2 pool, computed once, alpha-independent.

    Args:
        scores: ``[2, S, m]`` float64 scores (the platform's array, label-major).
        mask: ``[S, m]`` bool, valid slots (>= 1 per session).
        penalty: ``[S, m]`` 0 / -inf the platform adds to the combined scores, or None (all valid).
    """

    def __init__(self, scores: np.ndarray, mask: np.ndarray, penalty: np.ndarray | None) -> None:
        self.a, self.b = scores[0], scores[1]
        self.mask, self.penalty = mask, penalty
        n_s, m = mask.shape
        self.m = m
        self.row_base = np.arange(n_s, dtype=np.intp) * m
        start, tau, sess, slot = _hull_walk(self.a, self.b, mask)
        self.start_flat = self.row_base + start
        self.first_valid_flat = self.row_base + mask.argmax(axis=1)  # served at alpha = 0
        order = np.argsort(tau, kind="stable")  # a session's events keep their walk order
        self.tau, self.ev_sess = tau[order], sess[order]
        self.ev_flat = self.row_base[self.ev_sess] + slot[order]
        self.ev_next = _next_of_same_session(self.ev_sess)
        self.zone_sess, self.zone_lo, self.zone_hi = self._zones(start, tau, sess, slot)

    @staticmethod
    def supports(scores: np.ndarray) -> bool:
        """True if every score is finite and at most 1e300 in magnitude (no overflow when served)."""
        return bool(np.isfinite(scores).all() and np.abs(scores).max(initial=0.0) <= 1e300)

    # -- set-up --------------------------------------------------------------------------------

    def _zones(
        self, start: np.ndarray, tau: np.ndarray, sess: np.ndarray, slot: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Doubtful t-zones ``(session [Z], lo [Z], hi [Z])``: one around each breakpoint, plus t = 0, 1."""
        n_s = start.size
        # Runs: the stretch [lo, hi] of t where the walk claims vertex p, per session in walk order.
        walk = np.lexsort((np.arange(tau.size), sess))  # events by session, then walk order
        run_sess = np.concatenate([np.arange(n_s), sess[walk]])
        run_p = np.concatenate([start, slot[walk]])
        run_lo = np.concatenate([np.zeros(n_s), tau[walk]])
        # by session, its first run first, then walk order
        order = np.lexsort((np.arange(run_sess.size), np.arange(run_sess.size) >= n_s, run_sess))
        run_sess, run_p, run_lo = run_sess[order], run_p[order], run_lo[order]
        last = np.append(run_sess[1:] != run_sess[:-1], True)
        run_hi = np.where(last, 1.0, np.append(run_lo[1:], 1.0))
        left, right = self._run_ends(run_sess, run_p, run_lo, run_hi)
        # Around the breakpoint between run r and r + 1: [right end of r, left end of r + 1].
        between = ~last
        z_lo = np.minimum(right[:-1][between[:-1]], run_hi[:-1][between[:-1]])
        z_hi = np.maximum(left[1:][between[:-1]], run_hi[:-1][between[:-1]])
        z_sess = run_sess[:-1][between[:-1]]
        first = np.append(True, last[:-1])
        # The first run's left end and the last run's right end, where a zone exists.
        f_has = first & (left > -np.inf)
        l_has = last & (right < np.inf)
        zone_sess = np.concatenate([z_sess, run_sess[f_has], run_sess[l_has]])
        zone_lo = np.concatenate([z_lo, run_lo[f_has], right[l_has]])
        zone_hi = np.concatenate([z_hi, left[f_has], run_hi[l_has]])
        return zone_sess, zone_lo - _WIDEN, zone_hi + _WIDEN

    def _run_ends(
        self, run_sess: np.ndarray, run_p: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per run: doubtful zone ends ``left [R]`` (doubt on [lo, left]) and ``right [R]`` ([right, hi]).

        ``left = -inf`` / ``right = +inf`` where no candidate comes within B of p at that end. B is
        per session: 64 eps times twice its largest valid |score| (>= the pair's magnitude).
        """
        n_r, m = run_sess.size, self.m
        left, right = np.full(n_r, -np.inf), np.full(n_r, np.inf)
        step = max(1, _RUN_CHUNK // m)
        magnitude = np.empty(self.mask.shape[0])  # [S] largest valid |score|, block by block
        for c in range(0, magnitude.size, step):
            block = np.maximum(np.abs(self.a[c : c + step]), np.abs(self.b[c : c + step]))
            magnitude[c : c + step] = block.max(axis=1, where=self.mask[c : c + step], initial=0.0)
        bound = _MARGIN * _EPS * 2.0 * magnitude + 1e-290  # [S]
        slots = np.arange(m)
        for c in range(0, n_r, step):
            s, p = run_sess[c : c + step], run_p[c : c + step]
            da = self.a[s, p][:, None] - self.a[s]  # [c, m]; c_p - c_j = da + t * slope
            db = self.b[s, p][:, None] - self.b[s]
            slope = (db - da) + 0.0  # + 0.0: a -0.0 slope (signed zero scores) counts as 0
            # Others: valid, not p, and not an exact duplicate of p in a higher slot (p wins that tie).
            other = self.mask[s] & ~((da == 0) & (db == 0) & (slots >= p[:, None]))
            with np.errstate(divide="ignore", invalid="ignore"):
                t_star = (bound[s, None] - da) / slope  # slope 0: +inf if doubtful throughout
            rising = other & (slope >= 0)  # doubtful for t <= t_star
            r_lo, r_hi = lo[c : c + step], hi[c : c + step]
            reach = np.fmax.reduce(np.where(rising, t_star, -np.inf), axis=1)  # NaN (g = B): no doubt
            left[c : c + step] = np.where(reach >= r_lo, np.minimum(reach, r_hi), -np.inf)
            reach = np.fmin.reduce(np.where(other & ~rising, t_star, np.inf), axis=1)  # t >= t_star
            right[c : c + step] = np.where(reach <= r_hi, np.maximum(reach, r_lo), np.inf)
        return left, right

    # -- serving -------------------------------------------------------------------------------

    def chunks(
        self, w: np.ndarray, step: int, payload: np.ndarray | None = None
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """What the platform serves to every session, for directions ``w [A, 2]``.

        Yields ``(rows of w, served [a, S])`` in the platform's chunks (``step`` rows, in order;
        with ``step = 1`` in increasing t): the flat index ``s * m + slot`` of the served candidate,
        or ``payload[flat]`` if a flat ``payload [S * m]`` is given (e.g. the realised values: then
        no per-direction gather). Buffers are reused: read each yielded array (never write it)
        before asking for the next.
        """
        uniq, inverse = np.unique(w, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        total = uniq.sum(axis=1)
        zero = total == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(zero, np.inf, uniq[:, 1] / total)  # alpha = 0 sorts last, handled apart
        sorted_u = np.argsort(t, kind="stable")
        n_dir = int((~zero).sum())
        pos = np.empty(uniq.shape[0], dtype=np.intp)
        pos[sorted_u] = np.arange(uniq.shape[0])
        t_sorted = t[sorted_u[:n_dir]]
        w_sorted = uniq[sorted_u[:n_dir]]
        ev_pos = np.searchsorted(self.tau, t_sorted, side="right")  # events applied per direction
        fix_ptr, fix_sess, fix_flat = self._fixes(t_sorted, w_sorted)

        def mapped(flat: np.ndarray) -> np.ndarray:
            return flat if payload is None else np.take(payload, flat, mode="clip")

        zero_row, fix_val = mapped(self.first_valid_flat).copy(), mapped(fix_flat)
        states = _States(
            mapped(self.start_flat), self.ev_sess, mapped(self.ev_flat), self.ev_next, ev_pos, step
        )
        n_a = w.shape[0]
        if step == 1:  # one direction per chunk: any order gives the same chunks, so walk t upwards
            for i in np.argsort(pos[inverse], kind="stable"):
                k, part = pos[inverse[i]], slice(int(i), int(i) + 1)
                if k >= n_dir:  # alpha = 0
                    yield part, zero_row[None]
                    continue
                row = states.advance(k)  # the cursor's own array: fixed for this direction, then restored
                lo, hi = fix_ptr[k], fix_ptr[k + 1]
                fixed = fix_sess[lo:hi]
                saved = row[fixed]
                row[fixed] = fix_val[lo:hi]
                yield part, row[None]
                row[fixed] = saved
            return
        out = np.empty((step, self.row_base.size), dtype=zero_row.dtype)  # reused chunk after chunk
        for a in range(0, n_a, step):
            rows = range(a, min(a + step, n_a))
            for r, i in enumerate(rows):
                k = pos[inverse[i]]
                if k >= n_dir:  # alpha = 0
                    out[r] = zero_row
                    continue
                states.write(k, out[r])
                lo, hi = fix_ptr[k], fix_ptr[k + 1]
                out[r, fix_sess[lo:hi]] = fix_val[lo:hi]
            yield slice(a, a + len(rows)), out[: len(rows)]

    def _fixes(self, t_sorted: np.ndarray, w_sorted: np.ndarray) -> tuple[np.ndarray, ...]:
        """(session, direction) pairs in a doubtful zone, served by the platform's arithmetic.

        Returns ``ptr [D + 1]`` (pairs of direction k: ``ptr[k]:ptr[k + 1]``), ``sess [P]``, ``flat [P]``.
        """
        n_dir = t_sorted.size
        i0 = np.searchsorted(t_sorted, self.zone_lo, side="left")
        i1 = np.searchsorted(t_sorted, self.zone_hi, side="right")
        counts = np.maximum(i1 - i0, 0)
        hit = counts > 0
        counts, i0, zs = counts[hit], i0[hit], self.zone_sess[hit]
        n_pairs = int(counts.sum())
        offsets = np.cumsum(counts) - counts
        k = np.arange(n_pairs) - np.repeat(offsets - i0, counts)
        sess = np.repeat(zs, counts)
        key = np.unique(k.astype(np.int64) * self.row_base.size + sess)  # sorted by direction
        k, sess = key // self.row_base.size, key % self.row_base.size
        flat = np.empty(k.size, dtype=np.intp)
        step = max(1, _RUN_CHUNK // self.m)
        for c in range(0, k.size, step):
            kk, ss = k[c : c + step], sess[c : c + step]
            combined = w_sorted[kk, 0:1] * self.a[ss]  # the platform's arithmetic, op by op
            combined += w_sorted[kk, 1:2] * self.b[ss]
            if self.penalty is not None:
                combined += self.penalty[ss]
            flat[c : c + step] = self.row_base[ss] + combined.argmax(axis=1)
        ptr = np.searchsorted(k, np.arange(n_dir + 1), side="left")
        return ptr, sess.astype(np.intp), flat


class _States:
    """What is served at each sorted direction before the zone fixes: start + events up to it.

    Rows are rebuilt from stored checkpoints (every ``spacing`` directions, within
    ``_CHECKPOINT_BYTES``) plus the events since; a cursor makes walking upwards incremental.

    Args:
        start: ``[S]`` served just after t = 0; ev_sess, ev_val, ev_next: ``[E]`` per event (sorted
        by t) its session, what it serves, the index of the session's next event; ev_pos:
        ``[D]`` events applied at each sorted direction; step: the platform's chunk size.
    """

    def __init__(
        self,
        start: np.ndarray,
        ev_sess: np.ndarray,
        ev_val: np.ndarray,
        ev_next: np.ndarray,
        ev_pos: np.ndarray,
        step: int,
    ) -> None:
        self.ev_sess, self.ev_val, self.ev_next, self.ev_pos = ev_sess, ev_val, ev_next, ev_pos
        n_dir = ev_pos.size
        per_row = max(1, start.nbytes)
        # directions served in order (step 1): the cursor alone suffices, one checkpoint
        self.spacing = max(1, -(-n_dir * per_row // _CHECKPOINT_BYTES)) if step > 1 else max(1, n_dir)
        self.checkpoints: list[np.ndarray] = []
        state = start.copy()
        done = 0
        for k in range(0, n_dir, self.spacing):
            self._apply(state, done, int(ev_pos[k]))
            done = int(ev_pos[k])
            self.checkpoints.append(state.copy())
        self.cursor = -1
        self.state = state

    def _apply(self, state: np.ndarray, e0: int, e1: int) -> None:
        """Apply events ``[e0, e1)`` (sorted by t): each session's last one wins."""
        if e1 <= e0:
            return
        last = self.ev_next[e0:e1] >= e1
        state[self.ev_sess[e0:e1][last]] = self.ev_val[e0:e1][last]

    def advance(self, k: int) -> np.ndarray:
        """Move the cursor up to sorted direction ``k`` and return its array (not a copy)."""
        base = (k // self.spacing) * self.spacing
        if not (base <= self.cursor <= k):
            self.state[:] = self.checkpoints[k // self.spacing]
            self.cursor = base
        self._apply(self.state, int(self.ev_pos[self.cursor]), int(self.ev_pos[k]))
        self.cursor = k
        return self.state

    def write(self, k: int, out: np.ndarray) -> None:
        """Write what is served at sorted direction ``k`` into ``out [S]``.

        Walking upwards moves the cursor (one copy per direction); a jump back starts from the
        checkpoint at or below ``k`` and edits ``out`` alone, leaving the cursor where it was.
        """
        base = (k // self.spacing) * self.spacing
        if base <= self.cursor <= k:
            self._apply(self.state, int(self.ev_pos[self.cursor]), int(self.ev_pos[k]))
            self.cursor = k
            out[:] = self.state
        elif self.cursor < base:  # moving up past a checkpoint: restart the cursor from it
            self.state[:] = self.checkpoints[k // self.spacing]
            self.cursor = base
            self.write(k, out)
        else:
            out[:] = self.checkpoints[k // self.spacing]
            self._apply(out, int(self.ev_pos[base]), int(self.ev_pos[k]))


def _next_of_same_session(sess: np.ndarray) -> np.ndarray:
    """``[E]``: index of the next event of the same session (E if none), events sorted by t."""
    n_e = sess.size
    order = np.lexsort((np.arange(n_e), sess))
    nxt = np.full(n_e, n_e, dtype=np.intp)
    same = sess[order[1:]] == sess[order[:-1]]
    nxt[order[:-1][same]] = order[1:][same]
    return nxt


def _hull_walk(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each session's served vertex as t goes 0 -> 1 (exact float comparisons, no tolerance).

    Args:
        a, b: ``[S, m]`` float64 scores; mask: ``[S, m]`` valid slots.

    Returns:
        start ``[S]`` slot claimed just after t = 0 (highest a, then highest b, then lowest slot);
        per event ``[E]``, in walk order: t (non-decreasing per session), session, slot after.
    """
    n_s, m = mask.shape
    block = max(1, _RUN_CHUNK // max(1, m))  # sessions per block: bounded memory
    parts = [
        _hull_walk_block(a[s : s + block], b[s : s + block], mask[s : s + block])
        for s in range(0, n_s, block)
    ]
    starts = [p[0] for p in parts]
    offsets = range(0, n_s, block)
    return (
        np.concatenate(starts) if parts else np.zeros(0, dtype=np.intp),
        np.concatenate([np.zeros(0)] + [p[1] for p in parts]),
        np.concatenate(
            [np.zeros(0, dtype=np.intp)] + [p[2] + o for p, o in zip(parts, offsets, strict=True)]
        ),
        np.concatenate([np.zeros(0, dtype=np.intp)] + [p[3] for p in parts]),
    )


def _hull_walk_block(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_hull_walk` on one block of sessions (session ids local to the block)."""
    f1 = np.where(mask, a, -np.inf)
    f2 = np.where(mask, b, -np.inf)
    top1 = f1 == f1.max(axis=1, keepdims=True)
    f2_top = np.where(top1, f2, -np.inf)
    start = (top1 & (f2_top == f2_top.max(axis=1, keepdims=True))).argmax(axis=1)
    idx = np.arange(a.shape[0])  # block rows still walking
    cur, t_prev = start.copy(), np.zeros(a.shape[0])
    ts, sess, slots = [], [], []
    while idx.size:
        rows = np.arange(idx.size)
        c1, c2 = f1[rows, cur][:, None], f2[rows, cur][:, None]
        up = f2 > c2  # masked slots are -inf: never up
        d1 = np.where(up, np.maximum(c1 - f1, 0.0), 0.0)
        with np.errstate(invalid="ignore"):
            t = np.where(up, d1 / (d1 + (f2 - c2)), np.inf)
        t_min = t.min(axis=1)
        active = np.isfinite(t_min)
        if not active.all():
            idx, f1, f2, cur, t_prev = idx[active], f1[active], f2[active], cur[active], t_prev[active]
            t, up, t_min = t[active], up[active], t_min[active]
            if not idx.size:
                break
        tied = up & (t == t_min[:, None])
        f2_tied = np.where(tied, f2, -np.inf)
        nxt = (tied & (f2_tied == f2_tied.max(axis=1, keepdims=True))).argmax(axis=1)
        t_prev = np.maximum(t_min, t_prev)
        ts.append(t_prev.copy())
        sess.append(idx)
        slots.append(nxt)
        cur = nxt
    if not ts:
        return start, np.zeros(0), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return start, np.concatenate(ts), np.concatenate(sess), np.concatenate(slots)
