"""Config schemas of the ``scorer`` group.

A scorer option is one ``@register``-ed dataclass: ``name`` is the option, ``_target_`` the class
``(cfg, seed=) -> .fit(data, rows) / .predict(...)``, each field's ``param(...)`` its allowed values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sysfair.checks import (
    AT_LEAST_1,
    N_JOBS,
    NON_NEGATIVE,
    POSITIVE,
    Checked,
    Interval,
    Target,
    options,
    param,
    register,
)


@dataclass
class ScorerConfig(Checked):
    """Fields every scorer has."""

    group: ClassVar[str] = "scorer"

    name: str = "?"
    _target_: str = param("?", Target())  # the scorer class, built as cls(cfg, seed=seed)
    # train on at most this many rows, drawn at random from the model sessions' rows (null: all).
    # Above today's sizes (MovieLens 1M, marketBias), so their numbers do not change; a dataset may
    # set a lower cap of its own (synthetic: dataset.max_train_rows = 20,000), the smaller one wins.
    max_train_rows: int | None = param(1_000_000, AT_LEAST_1, nullable=True)


@register
@dataclass
class RandomForestConfig(ScorerConfig):
    """One scikit-learn random forest per label, predicting P(Y_k = 1)."""

    name: str = "random_forest"
    _target_: str = "sysfair.scorers.random_forest.RandomForestScorer"
    n_estimators: int = param(300, AT_LEAST_1)
    max_depth: int | None = param(None, AT_LEAST_1, nullable=True)
    min_samples_leaf: int = param(1, AT_LEAST_1)
    # cores used to fit and predict; results do not depend on it
    n_jobs: int = param(-1, N_JOBS)


@register
@dataclass
class MultitaskCFConfig(ScorerConfig):
    """Torch multi-task collaborative filtering: shared user/item embeddings, one head per label."""

    name: str = "multitask_cf"
    _target_: str = "sysfair.scorers.multitask_cf.MultitaskCFScorer"
    embedding_dim: int = param(32, AT_LEAST_1)
    hidden: int = param(32, AT_LEAST_1)  # units of each label's hidden layer
    use_features: bool = False  # also feed each head its standardised label_features columns
    learning_rate: float = param(0.01, POSITIVE)
    weight_decay: float = param(1e-5, NON_NEGATIVE)
    batch_size: int = param(4096, AT_LEAST_1)
    max_epochs: int = param(50, AT_LEAST_1)
    patience: int = param(3, AT_LEAST_1)  # epochs without validation improvement before stopping
    # training rows held out for early stopping
    validation_fraction: float = param(0.1, Interval(float, 0, 1, closed="left"))
    n_threads: int = 2  # torch threads while fitting/predicting (<= 0: leave torch's setting)


# name -> schema of every registered scorer option (live: options registered later appear here)
SCORER_SCHEMAS: dict[str, type] = options("scorer")
