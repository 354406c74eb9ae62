"""What a retriever may look at, and the per-session top-m selection shared by the ranked retrievers.

Every retriever has one method::

    retrieve(session [N], n_sessions, rng, *, inputs: RetrievalInputs | None = None) -> [S, m]

returning row indices into the N pool rows (-1 = padded slot). ``inputs`` carries what ranked
retrievers need about the rows; the random retriever ignores it. Scores are computed lazily and per
label, so a retriever that never asks for them (random, embedding_knn) costs no scorer predictions
and one ranking by a single label (single_label) costs one scorer's predictions on the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["RetrievalInputs", "top_m_per_session"]


@dataclass(eq=False)
class RetrievalInputs:
    """The N pool rows as a retriever sees them (no labels: retrieval must not peek at outcomes).

    Attributes:
        features: ``[N, d]`` features of each (session, item) row, or a function returning them,
            called on first use of :attr:`row_features` (the random retriever never asks, so a
            large pool's features are not copied for it).
        session_features: ``[S, d_s]`` covariates X of each session.
        predict: ``predict(labels)`` returns the fitted scorers' predictions ``[N, len(labels)]`` for
            the rows, label indices ``labels`` (None = all K); see :meth:`scores`, :meth:`label_scores`.
        label_names: K label names, in score-column order.
    """

    features: np.ndarray | Callable[[], np.ndarray]
    session_features: np.ndarray
    predict: Callable[[Sequence[int] | None], np.ndarray]
    label_names: tuple[str, ...] = ()
    _row_features: np.ndarray | None = field(default=None, repr=False)
    _scores: np.ndarray | None = field(default=None, repr=False)

    @property
    def row_features(self) -> np.ndarray:
        """``[N, d]`` features of each row, computed on first use if given as a function."""
        if self._row_features is None:
            self._row_features = np.asarray(self.features() if callable(self.features) else self.features)
        return self._row_features

    _label_scores: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def scores(self) -> np.ndarray:
        """Scorer predictions ``[N, K]`` of every row, computed on first use and cached."""
        if self._scores is None:
            self._scores = np.asarray(self.predict(None))
        return self._scores

    def label_scores(self, label: int) -> np.ndarray:
        """Predictions ``[N]`` of scorer ``label`` alone (one scorer's cost), cached."""
        if self._scores is not None:
            return self._scores[:, label]
        if label not in self._label_scores:
            self._label_scores[label] = np.asarray(self.predict([label]))[:, 0]
        return self._label_scores[label]

    @property
    def has_scores(self) -> bool:
        """True once :meth:`scores` has been computed (build reuses them for the CandidateLog)."""
        return self._scores is not None


def top_m_per_session(
    *, session: np.ndarray, n_sessions: int, key: np.ndarray, m: int, rng: np.random.Generator
) -> np.ndarray:
    """The m rows with the largest ``key`` in each session, in random slot order.

    Args:
        session: ``[N]`` session of each row, in ``0..n_sessions-1``.
        n_sessions: S.
        key: ``[N]`` ranking key (larger = retrieved first); ties are broken at random.
        m: slots per session.
        rng: draws the tie-break and the slot order.

    Returns:
        ``[S, m]`` row indices, -1 on padded slots (a corpus smaller than m). The retrieved rows are
        shuffled into random slots, so the platform's lowest-slot tie rule stays a random tie-break
        (as with the random retriever) instead of favouring the retrieval key.
    """
    n = session.shape[0]
    order = np.lexsort((rng.random(n), -np.asarray(key, dtype=np.float64), session))
    sorted_session = session[order]
    starts = np.searchsorted(sorted_session, np.arange(n_sessions))
    rank = np.arange(n) - starts[sorted_session]
    keep = rank < m
    slots = np.full((n_sessions, m), -1, dtype=np.int64)
    slots[sorted_session[keep], rank[keep]] = order[keep]
    # Random slot order among the valid slots; padding stays at the end.
    noise = np.where(slots >= 0, rng.random(slots.shape), np.inf)
    perm = np.argsort(noise, axis=1, kind="stable")
    return np.take_along_axis(slots, perm, axis=1)
