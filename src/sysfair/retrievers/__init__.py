"""Retrievers: pick m candidate rows out of each session's corpus.

All share ``retrieve(session [N], n_sessions, rng, *, inputs=None) -> [S, m]`` row indices
(-1 = padding); ``inputs`` (:class:`RetrievalInputs`) gives ranked retrievers the rows' features
and, lazily, the scorers' predictions. Every option of the ``retriever`` group is a config
dataclass in :mod:`sysfair.retrievers.configs` whose ``_target_`` names its class, built as ``cls(cfg)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sysfair.checks import build, lazy_exports
from sysfair.retrievers.base import RetrievalInputs, top_m_per_session
from sysfair.retrievers.configs import RETRIEVER_SCHEMAS

if TYPE_CHECKING:
    from sysfair.retrievers.embedding_knn import EmbeddingKnnRetriever
    from sysfair.retrievers.random import RandomRetriever
    from sysfair.retrievers.single_label import SingleLabelRetriever

__all__ = [
    "RETRIEVER_SCHEMAS",
    "EmbeddingKnnRetriever",
    "RandomRetriever",
    "RetrievalInputs",
    "Retriever",
    "SingleLabelRetriever",
    "make_retriever",
    "top_m_per_session",
]

Retriever = Any  # an object with retrieve(session, n_sessions, rng, *, inputs=None) -> [S, m]

# implementations load on first use: importing the package stays cheap
__getattr__ = lazy_exports(
    __name__,
    {
        "EmbeddingKnnRetriever": "sysfair.retrievers.embedding_knn.EmbeddingKnnRetriever",
        "RandomRetriever": "sysfair.retrievers.random.RandomRetriever",
        "SingleLabelRetriever": "sysfair.retrievers.single_label.SingleLabelRetriever",
    },
)


def make_retriever(cfg: Any) -> Retriever:
    """The retriever ``cfg`` names (its ``_target_``, else its registered option's class)."""
    return build(cfg, "retriever")(cfg)
