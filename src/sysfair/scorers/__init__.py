"""Scorers: K models f_k(X, Z) ~ P(Y_k = 1), fitted on the model split.

Every option of the ``scorer`` group is a config dataclass in :mod:`sysfair.scorers.configs` whose
``_target_`` names its class, built as ``cls(cfg, seed=seed)``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sysfair.checks import build
from sysfair.scorers.configs import SCORER_SCHEMAS

if TYPE_CHECKING:
    from sysfair.scorers.multitask_cf import MultitaskCFScorer
    from sysfair.scorers.random_forest import RandomForestScorer

__all__ = ["SCORER_SCHEMAS", "MultitaskCFScorer", "RandomForestScorer", "make_scorer"]

# implementations load on first use (torch, scikit-learn): importing the package stays cheap
_LAZY = {
    "MultitaskCFScorer": "sysfair.scorers.multitask_cf",
    "RandomForestScorer": "sysfair.scorers.random_forest",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Scorer = Any  # an object with fit(data, rows) -> self and the predictions the build step reads


def make_scorer(cfg: Any, seed: int) -> Scorer:
    """The scorer ``cfg`` names (its ``_target_``, else its registered option's class)."""
    return build(cfg, "scorer")(cfg, seed=seed)
