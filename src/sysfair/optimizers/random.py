"""Random search: the paper's baseline."""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.optimizers.base import Optimizer


class RandomSearch(Optimizer):
    """alpha ~ Uniform(bounds), independent of the observations (``config`` has nothing it uses)."""

    def __init__(self, *, bounds: np.ndarray, seed: int, config: Any = None) -> None:
        super().__init__(bounds=bounds, seed=seed, config=config)
        self._rng = np.random.default_rng(seed)

    def ask(self) -> np.ndarray:
        lo, hi = self.bounds
        return lo + (hi - lo) * self._rng.random(self.n_labels)
