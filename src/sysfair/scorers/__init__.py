"""Scorers: K models f_k(X, Z) ~ P(Y_k = 1), fitted on the model split.

Every option of the ``scorer`` group is a config dataclass in :mod:`sysfair.scorers.configs` whose
``_target_`` names its class, built as ``cls(cfg, seed=seed)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sysfair.checks import build, lazy_exports
from sysfair.scorers.configs import SCORER_SCHEMAS

if TYPE_CHECKING:
    from sysfair.scorers.multitask_cf import MultitaskCFScorer
    from sysfair.scorers.random_forest import RandomForestScorer

__all__ = ["SCORER_SCHEMAS", "MultitaskCFScorer", "RandomForestScorer", "make_scorer"]

# implementations load on first use (torch, scikit-learn): importing the package stays cheap
__getattr__ = lazy_exports(
    __name__,
    {
        "MultitaskCFScorer": "sysfair.scorers.multitask_cf.MultitaskCFScorer",
        "RandomForestScorer": "sysfair.scorers.random_forest.RandomForestScorer",
    },
)

Scorer = Any  # an object with fit(data, rows) -> self and the predictions the build step reads


def make_scorer(cfg: Any, seed: int) -> Scorer:
    """The scorer ``cfg`` names (its ``_target_``, else its registered option's class)."""
    return build(cfg, "scorer")(cfg, seed=seed)
