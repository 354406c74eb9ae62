"""Datasets: each turns a config into :class:`Interactions` (candidate rows with labels).

Every option of the ``dataset`` group is a config dataclass in :mod:`sysfair.data.configs` whose
``_target_`` names its loader ``(cfg, rng) -> Interactions`` (imported on first use).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.checks import build
from sysfair.data.base import Interactions
from sysfair.data.configs import DATASET_SCHEMAS

__all__ = ["DATASET_SCHEMAS", "Interactions", "load_dataset"]


def load_dataset(cfg: Any, rng: np.random.Generator) -> Interactions:
    """Build the dataset ``cfg`` names (its ``_target_``, else its registered option's loader).

    The ``logged`` option is not loaded here: it yields a CandidateLog directly
    (:func:`sysfair.system.logged.load_logged`).
    """
    return build(cfg, "dataset")(cfg, rng)
