"""Optimizers of the global serving weights alpha, all behind ask/tell.

Every option of the ``optimizer`` group is a config dataclass in :mod:`sysfair.optimizers.configs`
whose ``_target_`` names its class; :func:`make_optimizer` builds whatever ``_target_`` names, so a
user's class (``optimizer._target_=my_module.MyOptimizer``) needs no edit of sysfair. The Bayesian
optimizers import torch and BoTorch; their modules load on first use, so importing this package
stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from sysfair.checks import build
from sysfair.optimizers.base import Observation, Optimizer
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS
from sysfair.optimizers.random import RandomSearch

__all__ = ["OPTIMIZERS", "Observation", "Optimizer", "RandomSearch", "make_optimizer", "optimizer_bounds"]

Factory = Callable[[Any, np.ndarray, int], Optimizer]


def _construct(cfg: Any, bounds: np.ndarray, seed: int) -> Optimizer:
    """``cls(bounds=, seed=, config=)`` of the class ``cfg._target_`` names (imported on call)."""
    return build(cfg, "optimizer")(bounds=bounds, seed=seed, config=cfg)


class _Factories(Mapping[str, Factory]):
    """name -> factory(cfg, bounds [2, K], seed) of every registered optimizer option (live view)."""

    def __getitem__(self, name: str) -> Factory:
        if name not in OPTIMIZER_SCHEMAS:
            raise KeyError(name)
        return _construct

    def __iter__(self) -> Iterator[str]:
        return iter(list(OPTIMIZER_SCHEMAS))

    def __len__(self) -> int:
        return len(OPTIMIZER_SCHEMAS)


OPTIMIZERS: Mapping[str, Factory] = _Factories()


def optimizer_bounds(cfg: Any, n_labels: int) -> np.ndarray:
    """The search space: the box ``[cfg.lower, cfg.upper]^K`` as ``[2, K]`` (row 0 lower, row 1 upper)."""
    return np.array([[cfg.lower] * n_labels, [cfg.upper] * n_labels], dtype=np.float64)


def make_optimizer(cfg: Any, n_labels: int, seed: int) -> Optimizer:
    """The optimizer ``cfg`` names (its ``_target_``, else its registered option's) on its box.

    It gets only its own option's config and the search space, never the whole experiment config.
    """
    return _construct(cfg, optimizer_bounds(cfg, n_labels), seed)
