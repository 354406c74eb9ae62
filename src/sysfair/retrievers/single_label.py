"""Single-label retrieval: top-m of the session's corpus by one scorer's prediction.

The common practice of tuning retrieval for one outcome (e.g. clicks). The candidates then serve
the groups that value that label well and the others poorly: a lever on the retrieval term of the
utility-gap decomposition (DESIGN.md §2, Definition 3.2 / Theorem 3.3).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from sysfair.checks import require
from sysfair.errors import SysfairError
from sysfair.retrievers.base import RetrievalInputs, top_m_per_session

log = logging.getLogger(__name__)


class SingleLabelRetriever:
    """Rows ranked by f_label (the fitted scorer of label ``cfg.label``, 0-based), top m kept."""

    def __init__(self, cfg: Any) -> None:
        self.m = int(cfg.m)
        self.label = int(cfg.label)

    def retrieve(
        self,
        session: np.ndarray,
        n_sessions: int,
        rng: np.random.Generator,
        *,
        inputs: RetrievalInputs | None = None,
    ) -> np.ndarray:
        """Row indices ``[S, m]`` (-1 = padding); needs ``inputs`` for the scores."""
        if inputs is None:
            raise SysfairError("retriever=single_label needs the scorers' predictions (inputs=None given)")
        n_labels = len(inputs.label_names)
        require(
            0 <= self.label < n_labels,
            "retriever.label",
            self.label,
            f"a label index in 0..{n_labels - 1} (labels: {', '.join(inputs.label_names)})",
        )
        corpus = np.bincount(session, minlength=n_sessions)
        if corpus.size and corpus.max() <= self.m:
            log.warning(
                "retriever=single_label keeps every candidate: no corpus exceeds m=%d (largest %d); "
                "raise dataset.corpus_size (e.g. 200) to make retrieval select",
                self.m,
                int(corpus.max()),
            )
        return top_m_per_session(
            session=session, n_sessions=n_sessions, key=inputs.label_scores(self.label), m=self.m, rng=rng
        )
