"""Random retrieval: m rows of the session's corpus, uniformly without replacement."""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.retrievers.base import RetrievalInputs


class RandomRetriever:
    """Slots in random order; a corpus smaller than m leaves padded slots (-1) at the end."""

    def __init__(self, cfg: Any) -> None:
        self.m = int(cfg.m)

    def retrieve(
        self,
        session: np.ndarray,
        n_sessions: int,
        rng: np.random.Generator,
        *,
        inputs: RetrievalInputs | None = None,
    ) -> np.ndarray:
        """Row indices ``[S, m]`` for sessions ``0..S-1`` of ``session [N]``; -1 = no candidate.

        ``inputs`` is accepted for a uniform interface and ignored.
        """
        order = np.lexsort((rng.random(session.shape[0]), session))  # by session, random within
        sorted_session = session[order]
        starts = np.searchsorted(sorted_session, np.arange(n_sessions))
        rank = np.arange(order.shape[0])
        rank -= starts[sorted_session]  # in place: one [N] temporary fewer on a 20M-row pool
        keep = rank < self.m
        if not keep.all():  # corpora larger than m: keep each session's first m rows
            sorted_session, rank, order = sorted_session[keep], rank[keep], order[keep]
        slots = np.full((n_sessions, self.m), -1, dtype=np.int64)
        slots[sorted_session, rank] = order
        return slots
