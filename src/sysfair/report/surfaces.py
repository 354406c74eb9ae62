"""Noise-free utility and DER surfaces over alpha (paper Figures 5-8), for K = 2 labels.

The CandidateLog is rebuilt from the run's logged ``config.yaml`` through the on-disk cache
(:func:`sysfair.experiment.candidate_log`), so nothing is retrained when the cache is there.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sysfair.experiment.config import SCHEMAS
from sysfair.system.cache import CacheMissError
from sysfair.system.platform import Platform

__all__ = ["Surface", "rebuild_platform", "surface"]

_PARTS = ("dataset", "scorer", "retriever", "preferences")


@dataclass(frozen=True)
class Surface:
    """Utility and DER of alpha = (a1, a2) on a grid of the box [0, 1]^2 (alpha = 0 is NaN)."""

    grid: np.ndarray  # [n] values of each alpha coordinate
    utility: np.ndarray  # [n, n], [i, j] = alpha (grid[j], grid[i]) (rows: alpha_2, cols: alpha_1)
    der: np.ndarray  # [n, n]


def _config(config_yaml: str) -> Any:
    """The parts of a logged config that determine the CandidateLog, as schema objects."""
    stored = OmegaConf.create(config_yaml)
    parts: dict[str, Any] = {}
    for part in _PARTS:
        node = stored[part]
        schema = SCHEMAS[part].get(str(node.get("name")))
        if schema is None:
            raise KeyError(f"{part} {node.get('name')!r} has no schema in this sysfair version")
        parts[part] = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), node))
    return SimpleNamespace(**parts, seed=int(stored.seed), cache_dir=str(stored.cache_dir))


def rebuild_platform(config_yaml: str, launch_dirs: list[Path]) -> tuple[Platform, Path]:
    """The Platform of a logged config, from the first launch folder whose cache holds its log.

    A relative ``cache_dir`` is resolved against each of ``launch_dirs`` in turn; only a cache
    hit is accepted (a miss would retrain the scorers). Raises ``LookupError`` if none hits.
    """
    from sysfair.experiment.candidates import candidate_log

    cfg = _config(config_yaml)
    tried = []
    for folder in launch_dirs:
        cache = Path(cfg.cache_dir) if Path(cfg.cache_dir).is_absolute() else folder / cfg.cache_dir
        tried.append(str(cache))
        if cfg.dataset.name != "logged" and not cache.is_dir():
            continue
        probe = SimpleNamespace(**{**vars(cfg), "cache_dir": str(cache)})
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                log = candidate_log(probe, folder, build=False)  # a report never retrains scorers
        except CacheMissError:
            continue
        return Platform(log, np.asarray(cfg.preferences.weights, dtype=float)), cache
    raise LookupError(f"no cached CandidateLog for this config in {', '.join(dict.fromkeys(tried))}")


def surface(platform: Platform, n: int = 41) -> Surface:
    """Evaluate every alpha of an ``n x n`` grid of [0, 1]^2 on the whole pool (noise-free)."""
    if platform.log.n_labels != 2:
        raise ValueError("surfaces are drawn for K = 2 labels only")
    grid = np.linspace(0.0, 1.0, n)
    a1, a2 = np.meshgrid(grid, grid)
    alphas = np.column_stack([a1.ravel(), a2.ravel()])
    nonzero = alphas.sum(axis=1) > 0
    utility = np.full(alphas.shape[0], np.nan)
    der = np.full(alphas.shape[0], np.nan)
    ev = platform.evaluate(alphas[nonzero])
    utility[nonzero], der[nonzero] = ev.utility, ev.der
    return Surface(grid, utility.reshape(n, n), der.reshape(n, n))
