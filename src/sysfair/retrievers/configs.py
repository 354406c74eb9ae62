"""Config schemas of the ``retriever`` group.

A retriever option is one ``@register``-ed dataclass: ``name`` is the option, ``_target_`` the class
``(cfg) -> .retrieve(session, n_sessions, rng, *, inputs=None)``, each field's ``param(...)`` its
allowed values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sysfair.checks import (
    AT_LEAST_1,
    NON_NEGATIVE_INT,
    POSITIVE,
    Checked,
    Options,
    Target,
    options,
    param,
    register,
)


@dataclass
class RetrieverConfig(Checked):
    """Fields every retriever has: ``m`` candidates per session."""

    group: ClassVar[str] = "retriever"

    name: str = "?"
    _target_: str = param("?", Target())  # the retriever class, built as cls(cfg)
    m: int = param(20, AT_LEAST_1)


@register
@dataclass
class RandomRetrieverConfig(RetrieverConfig):
    """m candidates drawn uniformly without replacement from the session's corpus."""

    name: str = "random"
    _target_: str = "sysfair.retrievers.random.RandomRetriever"


@register
@dataclass
class SingleLabelRetrieverConfig(RetrieverConfig):
    """Top-m of the session's corpus by the fitted scorer of one label (0-based ``label``).

    Retrieval only selects when the corpus is larger than m: use it with e.g.
    ``dataset.corpus_size=200``. The label index is checked against the dataset when retrieving.
    """

    name: str = "single_label"
    _target_: str = "sysfair.retrievers.single_label.SingleLabelRetriever"
    # index of the label whose scorer ranks the corpus (0 = first label)
    label: int = param(0, NON_NEGATIVE_INT)


@register
@dataclass
class EmbeddingKnnRetrieverConfig(RetrieverConfig):
    """Top-m of the session's corpus by inner product of session and item embeddings.

    ``item_embedding``: ``projection`` (row features mapped into the session-feature space by ridge
    regression, any dataset) or ``aligned`` (the last d_s row-feature columns; MovieLens, synthetic).
    See :mod:`sysfair.retrievers.embedding_knn`.
    """

    name: str = "embedding_knn"
    _target_: str = "sysfair.retrievers.embedding_knn.EmbeddingKnnRetriever"
    item_embedding: str = param("projection", Options(("projection", "aligned")))
    normalize: bool = False  # true: cosine similarity instead of the inner product
    # L2 penalty of the projection, relative to the mean feature variance
    ridge: float = param(1.0, POSITIVE)


# name -> schema of every registered retriever option (live: options registered later appear here)
RETRIEVER_SCHEMAS: dict[str, type] = options("retriever")
