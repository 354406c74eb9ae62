"""The Hydra config store: the top-level schema and every group's options, registered once.

The options themselves are declared beside their implementations (``sysfair.data.configs``,
``sysfair.optimizers.configs``, ...) and collected in :data:`sysfair.experiment.config.SCHEMAS`;
only this module (the command-line edge) knows Hydra's ConfigStore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from sysfair.audit.config import AuditConfig
from sysfair.experiment.config import SCHEMAS as EXPERIMENT_SCHEMAS

SCHEMAS: dict[str, dict[str, type]] = {**EXPERIMENT_SCHEMAS, "audit": {"default": AuditConfig}}


@dataclass
class Config:
    dataset: Any = MISSING
    scorer: Any = MISSING
    retriever: Any = MISSING
    preferences: Any = MISSING
    optimizer: Any = MISSING
    trials: Any = MISSING
    tracking: Any = MISSING
    audit: Any = MISSING
    mode: str = "experiment"  # experiment: optimise alpha over trials | audit: audit one alpha
    seed: int = 0  # system seed: data generation, model split, scorers, retrieval, groups
    cache_dir: str = ".sysfair_cache"  # CandidateLog cache, relative to the launch folder
    progress: bool = True  # show progress bars


def register_configs() -> None:
    """Register every schema as ``schema/<group>/<name>``; the YAML option ``<group>/<name>`` extends it."""
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    for group, options in SCHEMAS.items():
        for name, node in options.items():
            cs.store(group=f"schema/{group}", name=name, node=node)
