"""Datasets: each turns a config into :class:`Interactions` (candidate rows with labels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.data.base import Interactions
from sysfair.data.synthetic import make_synthetic, make_synthetic_paper

__all__ = ["Interactions", "load_dataset"]

_LOADERS = {"synthetic": make_synthetic, "synthetic_paper": make_synthetic_paper}


def load_dataset(cfg: Any, rng: np.random.Generator) -> Interactions:
    """Build the dataset named by ``cfg.name``."""
    return _LOADERS[cfg.name](cfg, rng)
