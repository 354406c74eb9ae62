"""Scorers: K models f_k(X, Z) ~ P(Y_k = 1), fitted on the model split."""

from __future__ import annotations

from typing import Any

from sysfair.scorers.multitask_cf import MultitaskCFScorer
from sysfair.scorers.random_forest import RandomForestScorer

__all__ = ["MultitaskCFScorer", "RandomForestScorer", "make_scorer"]

Scorer = RandomForestScorer | MultitaskCFScorer


def make_scorer(cfg: Any, seed: int) -> Scorer:
    """The scorer named by ``cfg.name``."""
    return {"random_forest": RandomForestScorer, "multitask_cf": MultitaskCFScorer}[cfg.name](cfg, seed=seed)
