"""Optimizers of the global serving weights alpha, all behind ask/tell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sysfair.optimizers.base import Observation, Optimizer
from sysfair.optimizers.random import RandomSearch

__all__ = ["OPTIMIZERS", "Observation", "Optimizer", "RandomSearch", "make_optimizer"]

# name -> factory(cfg, bounds [2, K], seed)
OPTIMIZERS: dict[str, Callable[[Any, np.ndarray, int], Optimizer]] = {
    "random": lambda cfg, bounds, seed: RandomSearch(bounds=bounds, seed=seed),
}


def make_optimizer(cfg: Any, n_labels: int, seed: int) -> Optimizer:
    """The optimizer named by ``cfg.name`` on the box ``[cfg.lower, cfg.upper]^K``."""
    bounds = np.array([[cfg.lower] * n_labels, [cfg.upper] * n_labels], dtype=np.float64)
    return OPTIMIZERS[cfg.name](cfg, bounds, seed)
