"""The Python API (re-exported by ``sysfair``): configs without Hydra, systems, experiments as
DataFrames. Live studies are :mod:`sysfair.study`."""

from sysfair.api.config import SysfairConfig, default_cache_dir, load_config
from sysfair.api.results import ExperimentResults, read_experiment, run_experiment
from sysfair.api.system import System

__all__ = [
    "ExperimentResults",
    "SysfairConfig",
    "System",
    "default_cache_dir",
    "load_config",
    "read_experiment",
    "run_experiment",
]
