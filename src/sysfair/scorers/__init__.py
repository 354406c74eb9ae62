"""Scorers: K models f_k(X, Z) ~ P(Y_k = 1), fitted on the model split.

Every option of the ``scorer`` group is a config dataclass in :mod:`sysfair.scorers.configs` whose
``_target_`` names its class, built as ``cls(cfg, seed=seed)``.
"""

from __future__ import annotations

from typing import Any

from sysfair.checks import build
from sysfair.scorers.configs import SCORER_SCHEMAS
from sysfair.scorers.multitask_cf import MultitaskCFScorer
from sysfair.scorers.random_forest import RandomForestScorer

__all__ = ["SCORER_SCHEMAS", "MultitaskCFScorer", "RandomForestScorer", "make_scorer"]

Scorer = Any  # an object with fit(data, rows) -> self and the predictions the build step reads


def make_scorer(cfg: Any, seed: int) -> Scorer:
    """The scorer ``cfg`` names (its ``_target_``, else its registered option's class)."""
    return build(cfg, "scorer")(cfg, seed=seed)
