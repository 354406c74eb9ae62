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

from sysfair.system.breakpoints import breakpoints

__all__ = ["DirectionSweep"]

_RUN_CHUNK = 1 << 20  # (session, candidate) pairs per chunk when re-serving doubtful pairs
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
        found = breakpoints(self.a, self.b, mask)
        self.start_flat = self.row_base + found.start
        self.first_valid_flat = self.row_base + mask.argmax(axis=1)  # served at alpha = 0
        order = np.argsort(found.tau, kind="stable")  # a session's events keep their walk order
        self.tau, self.ev_sess = found.tau[order], found.sess[order]
        self.ev_flat = self.row_base[self.ev_sess] + found.slot[order]
        sorted_pos = np.empty(order.size + 1, dtype=np.intp)  # walk index -> sorted index (E: none)
        sorted_pos[order] = np.arange(order.size)
        sorted_pos[-1] = order.size
        self.ev_next = sorted_pos[found.next_event[order]]  # the session's next event, sorted index
        self.zone_sess, self.zone_lo, self.zone_hi = found.zone_sess, found.zone_lo, found.zone_hi

    @staticmethod
    def supports(scores: np.ndarray) -> bool:
        """True if every score is finite and at most 1e300 in magnitude (no overflow when served)."""
        if scores.size == 0:
            return True
        low, high = float(scores.min()), float(scores.max())  # NaN if any score is NaN
        return bool(np.isfinite(low) and np.isfinite(high) and max(-low, high) <= 1e300)

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
        i0 = np.searchsorted(t_sorted, self.zone_lo, side="left")  # first direction >= lo
        hit = np.flatnonzero(t_sorted[np.minimum(i0, n_dir - 1)] <= self.zone_hi) if n_dir else i0[:0]
        hit = hit[i0[hit] < n_dir]  # zones holding a direction (most hold none)
        i0, zs = i0[hit], self.zone_sess[hit]
        counts = np.searchsorted(t_sorted, self.zone_hi[hit], side="right") - i0
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
    ``_CHECKPOINT_BYTES``) plus the events since; with ``step = 1`` a cursor walks upwards.

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
        """Write what is served at sorted direction ``k`` into ``out [S]``: the checkpoint at or
        below ``k`` (one copy) plus the events since (any order of directions costs the same)."""
        base = (k // self.spacing) * self.spacing
        out[:] = self.checkpoints[k // self.spacing]
        self._apply(out, int(self.ev_pos[base]), int(self.ev_pos[k]))
