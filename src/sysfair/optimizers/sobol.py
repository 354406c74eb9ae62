"""Quasi-random search: a scrambled Sobol sequence over the search cube (also BO's initial design)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.quasirandom import SobolEngine

from sysfair.optimizers.base import Optimizer
from sysfair.optimizers.space import AlphaSpace

__all__ = ["SobolSearch", "SobolStream"]


class SobolStream:
    """Successive points ``[D]`` of one scrambled Sobol sequence in the unit cube (seeded)."""

    def __init__(self, dim: int, seed: int) -> None:
        self._engine = SobolEngine(dimension=dim, scramble=True, seed=seed)

    def next(self) -> np.ndarray:
        return self._engine.draw(1, dtype=torch.float64).numpy()[0]


class SobolSearch(Optimizer):
    """alpha from a scrambled Sobol sequence over ``optimizer.space``, independent of observations."""

    def __init__(self, *, bounds: np.ndarray, seed: int, config: Any) -> None:
        super().__init__(bounds=bounds, seed=seed, config=config)
        self.space = AlphaSpace(self.bounds, config.space, config.floor)
        self._stream = SobolStream(self.space.dim, seed)

    def ask(self) -> np.ndarray:
        return self.space.to_alpha(self._stream.next())
