"""Scorers: K models f_k(X, Z) ~ P(Y_k = 1), fitted on the model split."""

from __future__ import annotations

from typing import Any

from sysfair.scorers.random_forest import RandomForestScorer

__all__ = ["RandomForestScorer", "make_scorer"]


def make_scorer(cfg: Any, seed: int) -> RandomForestScorer:
    """The scorer named by ``cfg.name``."""
    return {"random_forest": RandomForestScorer}[cfg.name](cfg, seed=seed)
