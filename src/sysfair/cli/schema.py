"""The Hydra config store: the top-level schema and every group's options, registered from one place.

Each option is declared once, as a ``@register``-ed config dataclass beside its implementation
(``sysfair.data.configs``, ``sysfair.optimizers.configs``, ...; see :mod:`sysfair.checks`).
:func:`register_configs` stores every registered option twice in Hydra's ConfigStore: as the
group option ``<group>/<name>`` (what ``dataset=movielens`` selects; no YAML file needed) and as
``schema/<group>/<name>``, which a YAML preset under ``conf/<group>/`` may extend
(``conf/trials/smoke.yaml``). Only this module (the command-line edge) knows Hydra.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

import sysfair.audit.config  # noqa: F401  (registers the audit option)
import sysfair.experiment.config  # noqa: F401  (registers every experiment group's options)
from sysfair.checks import declaration, options

GROUPS = ("dataset", "scorer", "retriever", "preferences", "optimizer", "trials", "tracking", "audit")


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


def schemas() -> dict[str, dict[str, type]]:
    """group -> name -> config class of every registered option (user options included)."""
    return {group: dict(options(group)) for group in GROUPS}


def node_of(schema: type) -> DictConfig:
    """The structured config of ``schema``; fields declared with ``env=`` read that variable when set."""
    node = OmegaConf.structured(schema)
    for f in dataclasses.fields(schema):
        env = declaration(schema, f.name).get("env")
        if env:
            node[f.name] = "${oc.env:" + env + "," + str(f.default) + "}"
    return node


def register_configs() -> None:
    """Store every registered option as ``<group>/<name>`` and ``schema/<group>/<name>``.

    Call it again after importing a module that registers more options (it is idempotent).
    """
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    for group, table in schemas().items():
        for name, schema in table.items():
            node = node_of(schema)
            cs.store(group=f"schema/{group}", name=name, node=node)
            cs.store(group=group, name=name, node=node)
