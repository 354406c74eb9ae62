"""The ask/tell contract every optimizer of serving weights follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Observation:
    """What one iteration observes on its batch: utility, DER and ``[G]`` group utilities."""

    utility: float
    der: float
    group_utility: np.ndarray


class Optimizer(ABC):
    """Proposes serving weights alpha ``[K]`` inside ``bounds [2, K]`` (row 0 lower, row 1 upper).

    ``ask()`` returns the next alpha; ``tell(alpha, observation)`` records its outcome. The same
    seed gives the same sequence of proposals for the same observations.
    """

    def __init__(self, *, bounds: np.ndarray, seed: int) -> None:
        self.bounds = np.asarray(bounds, dtype=np.float64)
        self.seed = seed
        self.alphas: list[np.ndarray] = []
        self.observations: list[Observation] = []

    @property
    def n_labels(self) -> int:
        return self.bounds.shape[1]

    @abstractmethod
    def ask(self) -> np.ndarray:
        """Next serving weights ``[K]``."""

    def diagnostics(self) -> dict[str, float]:
        """Counters worth logging (e.g. GP fit fallbacks); empty for optimizers without any."""
        return {}

    def tell(self, alpha: np.ndarray, observation: Observation) -> None:
        """Record the outcome of serving ``alpha``."""
        self.alphas.append(np.asarray(alpha, dtype=np.float64).copy())
        self.observations.append(observation)
