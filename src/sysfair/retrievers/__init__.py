"""Retrievers: pick m candidate rows out of each session's corpus.

All share ``retrieve(session [N], n_sessions, rng, *, inputs=None) -> [S, m]`` row indices
(-1 = padding); ``inputs`` (:class:`RetrievalInputs`) gives ranked retrievers the rows' features
and, lazily, the scorers' predictions. Every option of the ``retriever`` group is a config
dataclass in :mod:`sysfair.retrievers.configs` whose ``_target_`` names its class, built as ``cls(cfg)``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sysfair.checks import build
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
_LAZY = {
    "EmbeddingKnnRetriever": "sysfair.retrievers.embedding_knn",
    "RandomRetriever": "sysfair.retrievers.random",
    "SingleLabelRetriever": "sysfair.retrievers.single_label",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_retriever(cfg: Any) -> Retriever:
    """The retriever ``cfg`` names (its ``_target_``, else its registered option's class)."""
    return build(cfg, "retriever")(cfg)
