"""sysfair: system-level fairness for multi-stage recommenders (simulate, audit, tune serving weights).

The Python API, importable without Hydra; ``import sysfair`` loads nothing heavy, each name below
loads its module (torch, BoTorch, MLflow as needed) on first use:

* :func:`load_config`, :class:`SysfairConfig`: a system and experiment config from plain
  dataclasses, a YAML file and/or ``key=value`` overrides;
* :class:`System`: build (or load from the cache) a recommender system, evaluate serving weights
  alpha on it (utility, DER, per-group utilities), its exact Pareto front, simulated live buckets;
* :func:`run_experiment`, :func:`read_experiment`, :class:`ExperimentResults`: run the optimizer
  trials (logged to MLflow) and get pandas DataFrames, now or later from the MLflow store;
* :class:`Study`, :func:`optimizer_config`: a live A/B study of serving weights kept in MLflow;
* :func:`default_cache_dir`: where built systems are cached unless told otherwise.

See the README's "Python API" section and ``examples/``.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("sysfair")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

# public name -> module that defines it (imported on first access, PEP 562)
_LAZY = {
    "ExperimentResults": "sysfair.api.results",
    "System": "sysfair.api.system",
    "Study": "sysfair.study",
    "SysfairConfig": "sysfair.api.config",
    "default_cache_dir": "sysfair.api.config",
    "load_config": "sysfair.api.config",
    "optimizer_config": "sysfair.study",
    "read_experiment": "sysfair.api.results",
    "run_experiment": "sysfair.api.results",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sysfair' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
