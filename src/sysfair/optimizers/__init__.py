"""Optimizers of the global serving weights alpha, all behind ask/tell.

The Bayesian optimizers import torch and BoTorch; their modules load on first use, so importing
this package stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from sysfair.optimizers.base import Observation, Optimizer
from sysfair.optimizers.random import RandomSearch

__all__ = ["OPTIMIZERS", "Observation", "Optimizer", "RandomSearch", "make_optimizer"]

Factory = Callable[[Any, np.ndarray, int], Optimizer]


def _lazy(module: str, cls: str) -> Factory:
    """Factory of ``sysfair.optimizers.<module>.<cls>(bounds=, seed=, config=)``, imported on call."""

    def factory(cfg: Any, bounds: np.ndarray, seed: int) -> Optimizer:
        kind = getattr(importlib.import_module(f"sysfair.optimizers.{module}"), cls)
        return kind(bounds=bounds, seed=seed, config=cfg)

    return factory


# name -> factory(cfg, bounds [2, K], seed)
OPTIMIZERS: dict[str, Factory] = {
    "random": lambda cfg, bounds, seed: RandomSearch(bounds=bounds, seed=seed),
    "sobol": _lazy("sobol", "SobolSearch"),
    "ei": _lazy("ei", "ExpectedImprovement"),
    "constrained_ei": _lazy("constrained_ei", "ConstrainedExpectedImprovement"),
    "parego": _lazy("parego", "ParEGO"),
    "fair_ehvi": _lazy("fair", "FairEHVI"),
    "fair_nehvi": _lazy("fair", "FairNEHVI"),
}


def make_optimizer(cfg: Any, n_labels: int, seed: int) -> Optimizer:
    """The optimizer named by ``cfg.name`` on the box ``[cfg.lower, cfg.upper]^K``."""
    bounds = np.array([[cfg.lower] * n_labels, [cfg.upper] * n_labels], dtype=np.float64)
    return OPTIMIZERS[cfg.name](cfg, bounds, seed)
