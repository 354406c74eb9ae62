"""Retrievers: pick m candidate rows out of each session's corpus.

All share ``retrieve(session [N], n_sessions, rng, *, inputs=None) -> [S, m]`` row indices
(-1 = padding); ``inputs`` (:class:`RetrievalInputs`) gives ranked retrievers the rows' features
and, lazily, the scorers' predictions.
"""

from __future__ import annotations

from typing import Any

from sysfair.retrievers.base import RetrievalInputs, top_m_per_session
from sysfair.retrievers.embedding_knn import EmbeddingKnnRetriever
from sysfair.retrievers.random import RandomRetriever
from sysfair.retrievers.single_label import SingleLabelRetriever

__all__ = [
    "EmbeddingKnnRetriever",
    "RandomRetriever",
    "RetrievalInputs",
    "Retriever",
    "SingleLabelRetriever",
    "make_retriever",
    "top_m_per_session",
]

Retriever = RandomRetriever | SingleLabelRetriever | EmbeddingKnnRetriever

_RETRIEVERS: dict[str, type] = {
    "random": RandomRetriever,
    "single_label": SingleLabelRetriever,
    "embedding_knn": EmbeddingKnnRetriever,
}


def make_retriever(cfg: Any) -> Retriever:
    """The retriever named by ``cfg.name``."""
    return _RETRIEVERS[cfg.name](cfg)
