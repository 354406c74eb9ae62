"""Platform: serve the top-1 candidate by sum_k alpha_k f_k and value it with each group's alpha*.

Serving follows Definition 2.1 of the paper with one global alpha. Only alpha's direction matters
(Lemma 2.3), so alpha is served as ``alpha / sum(alpha)`` rounded to 12 decimals: alpha and c*alpha
(c > 0) then serve bit-identical items. alpha = 0 scores every candidate 0.

Ties are broken deterministically: the lowest slot index among the tied candidates is served.
The random retriever stores candidates in random slot order, so this equals a fixed random
tie-break per session.

Many alphas at once: for K = 2 on the whole pool, from ``SWEEP_MIN_ALPHAS`` alphas on, the served
slots come from a breakpoint sweep (:class:`sysfair.system.direction_sweep.DirectionSweep`, built once
per platform) instead of scoring every candidate for every alpha; the slots, the tie rule and
every returned number are bit-identical to the direct path's for the same call (same reduction,
same chunks of alphas).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sysfair.system.candidates import CandidateLog
from sysfair.system.direction_sweep import DirectionSweep
from sysfair.system.memory import release_freed_memory
from sysfair.system.metrics import der_batch

__all__ = ["Evaluation", "Platform", "directions"]

_CHUNK_ELEMENTS = 1 << 23  # 64 MB of float64 combined scores per chunk
# K = 2, whole pool: from this many alphas on, serve by the breakpoint sweep (its one-off set-up
# costs about 30 alphas served directly); once it is built, from SWEEP_BUILT_MIN_ALPHAS on.
SWEEP_MIN_ALPHAS = 48
SWEEP_BUILT_MIN_ALPHAS = 4


DIRECTION_DECIMALS = 12  # served directions are rounded to this many decimals


def directions(alphas: np.ndarray) -> np.ndarray:
    """Scale-free serving weights ``[A, K]``: alpha / sum(alpha), rounded to 12 decimals."""
    total = alphas.sum(axis=-1, keepdims=True)
    weights = np.divide(alphas, total, out=np.zeros_like(alphas), where=total > 0)
    return np.round(weights, DIRECTION_DECIMALS)


@dataclass(frozen=True)
class Evaluation:
    """Outcome of serving A weight vectors to a set of sessions.

    Attributes:
        utility: ``[A]`` mean realised utility over the sessions (each valued by its own group).
        der: ``[A]`` DER of the group means (1 = equal; NaN if fewer than 2 groups present).
        group_utility: ``[A, G]`` mean realised utility per group (NaN for an absent group).
    """

    utility: np.ndarray
    der: np.ndarray
    group_utility: np.ndarray

    def __getitem__(self, i: int) -> Evaluation:
        return Evaluation(self.utility[i : i + 1], self.der[i : i + 1], self.group_utility[i : i + 1])


class Platform:
    """Evaluates global serving weights on a :class:`CandidateLog` under group preferences.

    Args:
        log: the candidates, scores and labels of S sessions.
        preferences: ``[G, K]`` true weights alpha*(g) of each group, all > 0.
    """

    def __init__(self, log: CandidateLog, preferences: np.ndarray) -> None:
        preferences = np.asarray(preferences, dtype=np.float64)
        if preferences.shape != (log.n_groups, log.n_labels):
            raise ValueError(
                f"preferences must have shape (groups, labels) = {(log.n_groups, log.n_labels)}, "
                f"got {preferences.shape}"
            )
        self.log = log
        self.preferences = preferences
        # value[s, j]: realised utility of serving slot j to session s, under s's own group weights.
        self._value = np.einsum("smk,sk->sm", log.labels, preferences[log.group])
        hidden = log.hidden_value()  # Appendix D: an outcome valued but not scored
        if hidden is not None:
            self._value += hidden
        self._penalty = None if log.mask.all() else np.where(log.mask, 0.0, -np.inf)
        # [K, S, m] float64: combined scores are summed label by label in float64, elementwise, so
        # an item's score never depends on how many alphas or sessions are served in one call.
        self._scores = np.ascontiguousarray(np.moveaxis(log.scores, -1, 0), dtype=np.float64)
        self._onehot = np.eye(log.n_groups)[log.group]
        self._sweep: DirectionSweep | None = None  # built on first use (K = 2, many alphas)
        self._sweepable: bool | None = None  # scores finite and not huge (checked on first use)
        self._lean = False  # True for a copy made by for_workers()

    @property
    def n_sessions(self) -> int:
        return self.log.n_sessions

    def for_workers(self) -> Platform:
        """A copy to ship to trial workers: the same serving arrays (shared, not copied), the same
        numbers, but its ``log`` keeps only the mask and groups (scores, labels and item ids read
        as zeros of the same shapes, never pickled) and the sweep is rebuilt where needed. A
        million sessions x 20 then ship ~0.5 GB instead of ~1.2 GB (memory-mapped by loky)."""
        release_freed_memory()  # workers start next: hand back what audit and oracle freed
        lean = object.__new__(Platform)
        lean.__dict__.update(self.__dict__)
        lean._sweep, lean._lean = None, True
        lean.log = _lean_log(_log_parts(self.log))
        return lean

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if state.get("_lean"):
            state["log"] = _log_parts(state["log"])  # the stand-in arrays are rebuilt, not shipped
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if state.get("_lean"):
            self.log = _lean_log(state["log"])

    def _slot_chunks(
        self, alphas: np.ndarray, sessions: np.ndarray | None
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield (rows of alphas, served slots ``[a, B]``) chunk by chunk, bounding memory."""
        _check(alphas)
        w = directions(alphas)[:, :, None, None]  # [A, K, 1, 1]
        scores = self._scores if sessions is None else self._scores[:, sessions]  # [K, B, m]
        penalty = self._penalty
        if penalty is not None and sessions is not None:
            penalty = penalty[sessions]
        n_k, n_s, m = scores.shape
        step = _step(n_s, m)
        for a in range(0, w.shape[0], step):
            combined = w[a : a + step, 0] * scores[0]  # [a, B, m]
            for k in range(1, n_k):
                combined += w[a : a + step, k] * scores[k]
            if penalty is not None:
                combined += penalty
            yield slice(a, a + step), combined.argmax(axis=-1)

    def _swept(self, alphas: np.ndarray, sessions: np.ndarray | None) -> bool:
        """Whether to serve ``alphas [A, K]`` by the breakpoint sweep (K = 2, whole pool, many)."""
        if sessions is not None or self.log.n_labels != 2:
            return False
        if alphas.shape[0] < (SWEEP_BUILT_MIN_ALPHAS if self._sweep is not None else SWEEP_MIN_ALPHAS):
            return False
        if self._sweep is None and self._sweepable is None:
            self._sweepable = DirectionSweep.supports(self._scores)
            if self._sweepable:
                self._sweep = DirectionSweep(self._scores, self.log.mask, self._penalty)
        return self._sweep is not None

    def _sweep_chunks(
        self, alphas: np.ndarray, payload: np.ndarray | None = None
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield (rows of alphas, served ``s * m + slot`` or ``payload[s * m + slot]`` ``[a, S]``).

        The chunks are :meth:`_slot_chunks`' (same rows, same order).
        """
        assert self._sweep is not None
        step = _step(self.n_sessions, self.log.n_slots)
        yield from self._sweep.chunks(directions(alphas), step, payload)

    def serve(self, alphas: np.ndarray, sessions: np.ndarray | None = None) -> np.ndarray:
        """Slot served to each session: ``alphas [A, K]`` (or ``[K]``) -> ``[A, B]`` (or ``[B]``)."""
        alphas = np.asarray(alphas, dtype=np.float64)
        alphas2 = np.atleast_2d(alphas)
        if self._swept(alphas2, sessions):
            _check(alphas2)  # the direct path checks in _slot_chunks
            out = np.empty((alphas2.shape[0], self.n_sessions), dtype=np.intp)
            for part, flat in self._sweep_chunks(alphas2):
                out[part] = flat % self.log.n_slots
        else:
            out = np.concatenate([slots for _, slots in self._slot_chunks(alphas2, sessions)])
        return out[0] if alphas.ndim == 1 else out

    def evaluate(self, alphas: np.ndarray, sessions: np.ndarray | None = None) -> Evaluation:
        """Serve ``alphas [A, K]`` (or ``[K]``) to ``sessions`` (default: the whole pool)."""
        alphas = np.atleast_2d(np.asarray(alphas, dtype=np.float64))
        value = self._value if sessions is None else self._value[sessions]
        onehot = self._onehot if sessions is None else self._onehot[sessions]
        rows = np.arange(value.shape[0])
        sums = np.empty((alphas.shape[0], onehot.shape[1]))
        if self._swept(alphas, sessions):
            _check(alphas)  # the direct path checks in _slot_chunks
            # the same [a, B] matrices of served values as below: bit-identical sums
            for part, served in self._sweep_chunks(alphas, self._value.reshape(-1)):
                sums[part] = served @ onehot
        else:
            for part, slots in self._slot_chunks(alphas, sessions):
                sums[part] = value[rows, slots] @ onehot  # realised utility [a, B] summed per group
        counts = onehot.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            group_utility = sums / np.where(counts > 0, counts, np.nan)
        utility = sums.sum(axis=1) / value.shape[0]
        return Evaluation(utility, der_batch(group_utility), group_utility)


def _log_parts(log: CandidateLog) -> tuple:
    """What a worker's Platform needs of its log: shapes, mask, groups, names."""
    return log.scores.shape, log.mask, log.group, log.label_names, log.n_groups, log.meta


def _lean_log(parts: tuple) -> CandidateLog:
    """A CandidateLog of ``parts`` whose scores, labels and item ids are zero-stride zeros."""
    (s, m, k), mask, group, label_names, n_groups, meta = parts
    zeros = np.broadcast_to(np.float32(0.0), (s, m, k))
    return CandidateLog(
        scores=zeros,
        labels=zeros,
        mask=mask,
        group=group,
        session_features=np.zeros((s, 0), dtype=np.float32),
        item_ids=np.broadcast_to(np.int64(-1), (s, m)),
        label_names=label_names,
        n_groups=n_groups,
        meta={**meta, "lean": "scores, labels and item ids left with the main process"},
    )


def _check(alphas: np.ndarray) -> None:
    """Raise ``ValueError`` unless every serving weight is finite and >= 0."""
    if np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
        raise ValueError(f"serving weights alpha must be finite and >= 0, got {alphas}")


def _step(n_sessions: int, m: int) -> int:
    """Alphas per chunk: at most ``_CHUNK_ELEMENTS`` combined scores at once."""
    return max(1, _CHUNK_ELEMENTS // max(1, n_sessions * m))
