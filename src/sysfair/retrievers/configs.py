"""Config schemas of the ``retriever`` group."""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import require


@dataclass
class RandomRetrieverConfig:
    """m candidates drawn uniformly without replacement from the session's corpus."""

    name: str = "random"
    m: int = 20

    def check(self) -> None:
        require(self.m >= 1, "retriever.m", self.m, "an integer >= 1")


@dataclass
class SingleLabelRetrieverConfig:
    """Top-m of the session's corpus by the fitted scorer of one label (0-based ``label``).

    Retrieval only selects when the corpus is larger than m: use it with e.g.
    ``dataset.corpus_size=200``. The label index is checked against the dataset when retrieving.
    """

    name: str = "single_label"
    m: int = 20
    label: int = 0  # index of the label whose scorer ranks the corpus (0 = first label)

    def check(self) -> None:
        require(self.m >= 1, "retriever.m", self.m, "an integer >= 1")
        require(self.label >= 0, "retriever.label", self.label, "a label index >= 0 (0 = first label)")


@dataclass
class EmbeddingKnnRetrieverConfig:
    """Top-m of the session's corpus by inner product of session and item embeddings.

    ``item_embedding``: ``projection`` (row features mapped into the session-feature space by ridge
    regression, any dataset) or ``aligned`` (the last d_s row-feature columns; MovieLens, synthetic).
    See :mod:`sysfair.retrievers.embedding_knn`.
    """

    name: str = "embedding_knn"
    m: int = 20
    item_embedding: str = "projection"
    normalize: bool = False  # true: cosine similarity instead of the inner product
    ridge: float = 1.0  # L2 penalty of the projection, relative to the mean feature variance

    def check(self) -> None:
        require(self.m >= 1, "retriever.m", self.m, "an integer >= 1")
        require(
            self.item_embedding in ("projection", "aligned"),
            "retriever.item_embedding",
            self.item_embedding,
            "'projection' or 'aligned'",
        )
        require(self.ridge > 0, "retriever.ridge", self.ridge, "a number > 0")


RETRIEVER_SCHEMAS: dict[str, type] = {
    "random": RandomRetrieverConfig,
    "single_label": SingleLabelRetrieverConfig,
    "embedding_knn": EmbeddingKnnRetrieverConfig,
}
