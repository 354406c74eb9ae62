"""One scikit-learn random forest per label."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from tqdm.auto import tqdm

from sysfair.data.base import Interactions

_PREDICT_CHUNK = 1 << 20  # rows predicted at once
_NODE_BYTES = 80  # sklearn's tree node (64 B) and its two-class value entry (16 B)
_WARN_BYTES = 8e9  # warn above this bound, summed over the labels
log = logging.getLogger(__name__)


def forest_bytes_bound(cfg: Any, n_rows: int) -> float:
    """Upper bound on one label's forest in bytes: per tree at most 2 nodes per distinct bootstrap
    row (~63% of ``n_rows``) over ``min_samples_leaf``, and 2^(max_depth+1) nodes; ~80 B a node."""
    leaves = np.ceil(0.632 * n_rows / cfg.min_samples_leaf)
    nodes = 2 * leaves if cfg.max_depth is None else min(2 * leaves, 2.0 ** (cfg.max_depth + 1))
    return float(cfg.n_estimators * nodes * _NODE_BYTES)


class RandomForestScorer:
    """K independent forests; forest k sees ``data.label_features[k]`` and predicts P(Y_k = 1)."""

    def __init__(self, cfg: Any, *, seed: int) -> None:
        self.cfg, self.seed = cfg, seed
        self.models_: list[RandomForestClassifier] = []

    def fit(self, data: Interactions, rows: np.ndarray) -> RandomForestScorer:
        bound = forest_bytes_bound(self.cfg, rows.size) * data.n_labels
        if bound > _WARN_BYTES:
            log.warning(
                "random_forest: %d trees per label on %d rows may grow to %.0f GB (fully grown trees "
                "hold up to ~2 nodes per distinct row); if memory runs short, bound them, e.g. "
                "scorer.max_depth=12 scorer.n_estimators=30, or lower scorer.max_train_rows",
                self.cfg.n_estimators,
                rows.size,
                bound / 1e9,
            )
        self.models_ = []
        labels = enumerate(data.label_features)
        # a bar on a terminal only (tqdm's disable=None): one forest per label
        for k, cols in tqdm(
            labels,
            desc="training random_forest",
            unit="label",
            total=data.n_labels,
            leave=False,
            disable=None,
        ):
            model = RandomForestClassifier(
                n_estimators=self.cfg.n_estimators,
                max_depth=self.cfg.max_depth,
                min_samples_leaf=self.cfg.min_samples_leaf,
                n_jobs=self.cfg.n_jobs,
                random_state=self.seed + k,
            )
            model.fit(data.features[np.ix_(rows, cols)], data.labels[rows, k])
            self.models_.append(model)
        return self

    def predict(
        self, data: Interactions, rows: np.ndarray, labels: Sequence[int] | None = None
    ) -> np.ndarray:
        """P(Y_k = 1) for each row and label k in ``labels`` (None = all K): ``[len(rows), len(labels)]``."""
        labels = range(len(self.models_)) if labels is None else labels
        out = np.empty((rows.shape[0], len(labels)))
        for j, k in enumerate(labels):  # only the asked forests run: each costs a full pass
            model, cols = self.models_[k], data.label_features[k]
            positive = np.flatnonzero(model.classes_ == 1.0)
            if not positive.size:
                out[:, j] = 0.0
                continue
            # rows in chunks: each row's prediction is its own, and the features of 20M rows are
            # not copied at once (a 1M-session pool)
            for start in range(0, rows.shape[0], _PREDICT_CHUNK):
                chunk = rows[start : start + _PREDICT_CHUNK]
                out[start : start + chunk.shape[0], j] = model.predict_proba(
                    data.features[np.ix_(chunk, cols)]
                )[:, positive[0]]
        return out
