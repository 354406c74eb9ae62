"""Datasets: each turns a config into :class:`Interactions` (candidate rows with labels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.data.base import Interactions
from sysfair.data.marketbias import load_marketbias
from sysfair.data.movielens import load_movielens
from sysfair.data.synthetic import make_synthetic, make_synthetic_paper

__all__ = ["Interactions", "load_dataset"]

# "logged" is not here: it yields a CandidateLog directly (sysfair.system.logged.load_logged).
_LOADERS = {
    "synthetic": make_synthetic,
    "synthetic_paper": make_synthetic_paper,
    "movielens": load_movielens,
    "modcloth": load_marketbias,
    "electronics": load_marketbias,
}


def load_dataset(cfg: Any, rng: np.random.Generator) -> Interactions:
    """Build the dataset named by ``cfg.name``."""
    return _LOADERS[cfg.name](cfg, rng)
