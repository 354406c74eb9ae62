"""Configs without Hydra: the same schemas as ``sysfair run``, from dataclasses, YAML or overrides.

A config file has one entry per config group; a group is an option name (its defaults) or a
mapping whose optional ``name`` picks the option and whose other keys override its fields::

    dataset: {name: synthetic, n_sessions: 1500}
    scorer: {n_estimators: 20}        # the default option (random_forest) with one change
    optimizer: fair_nehvi
    trials: smoke                     # the options of conf/<group>/*.yaml work too
    seed: 0

Unknown keys, wrong types and out-of-range values fail with one line naming the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sysfair.audit.config import AuditConfig
from sysfair.errors import ConfigError
from sysfair.experiment.config import SCHEMAS as EXPERIMENT_SCHEMAS
from sysfair.experiment.config import check_config

__all__ = ["GROUPS", "SysfairConfig", "default_cache_dir", "load_config", "resolve_cache_dir"]

SCHEMAS: dict[str, dict[str, type]] = {**EXPERIMENT_SCHEMAS, "audit": {"default": AuditConfig}}
# the default option of each group, as in conf/config.yaml
DEFAULTS = {
    "dataset": "synthetic",
    "scorer": "random_forest",
    "retriever": "random",
    "preferences": "opposed",
    "optimizer": "random",
    "trials": "paper",
    "tracking": "mlflow",
    "audit": "default",
}
GROUPS = tuple(DEFAULTS)
CONF_DIR = Path(__file__).resolve().parents[3] / "conf"  # a checkout's YAML options, if present
CACHE_ENV = "SYSFAIR_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where the Python API caches built systems unless given ``cache_dir``.

    ``$SYSFAIR_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/sysfair`` (``~/.cache/sysfair``): one
    per user, so notebooks in any folder share what is built. (``sysfair run`` keeps its own
    default, ``.sysfair_cache/`` in the launch folder; pass that path to reuse its entries.)
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (Path(base).expanduser() / "sysfair").resolve()


def resolve_cache_dir(given: str | Path | None, config_value: str | None) -> Path:
    """The cache folder in force: ``given``, else the config's ``cache_dir``, else the default."""
    chosen = given if given is not None else config_value
    return Path(chosen).expanduser().resolve() if chosen else default_cache_dir()


def _option(group: str, name: str) -> Any:
    """The dataclass instance of option ``name`` of ``group`` (schema, or a conf/ YAML option)."""
    options = SCHEMAS[group]
    if name in options:
        return options[name]()
    path = CONF_DIR / group / f"{name}.yaml"
    if path.is_file():
        node = OmegaConf.load(path)
        base = next(
            (d.split("/")[-1].split("@")[0] for d in node.get("defaults", []) if isinstance(d, str)), None
        )
        if base in options:
            extra = OmegaConf.masked_copy(node, [k for k in node if k != "defaults"])
            return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(options[base]), extra))
    known = sorted({*options, *(p.stem for p in (CONF_DIR / group).glob("*.yaml"))})
    raise ConfigError(group, name, f"one of {', '.join(known)}")


def _group_node(group: str, value: Any, current: Any) -> Any:
    """Apply one group's value (an option name, a mapping, or a dataclass) to ``current``."""
    if isinstance(value, str):
        return _option(group, value)
    if hasattr(value, "__dataclass_fields__"):
        return value
    if isinstance(value, dict | DictConfig):
        value = dict(value)
        name = value.pop("name", None)
        base = _option(group, name) if name is not None and name != current.name else current
        try:
            merged = OmegaConf.merge(OmegaConf.structured(base), value)
        except OmegaConfBaseException as exc:
            where = getattr(exc, "full_key", None) or getattr(exc, "key", None)
            raise ConfigError(f"{group}.{where}" if where else group, value, _reason(exc)) from None
        return OmegaConf.to_object(merged)
    raise ConfigError(group, value, "an option name or a mapping of its fields")


def _reason(exc: OmegaConfBaseException) -> str:
    text = str(exc).splitlines()[0]
    return f"{text} (see the schema's fields)"


@dataclass
class SysfairConfig:
    """Everything a system and an experiment are built from (the fields of ``sysfair run``'s config).

    Each group holds a schema instance: e.g. ``SysfairConfig(dataset=SyntheticConfig(n_sessions=1500))``
    (schemas in ``sysfair.data.configs``, ``sysfair.scorers.configs``, ``sysfair.retrievers.configs``,
    ``sysfair.optimizers.configs``, ``sysfair.experiment.config``). ``cache_dir: None`` means
    :func:`default_cache_dir`.
    """

    dataset: Any = field(default_factory=lambda: _option("dataset", DEFAULTS["dataset"]))
    scorer: Any = field(default_factory=lambda: _option("scorer", DEFAULTS["scorer"]))
    retriever: Any = field(default_factory=lambda: _option("retriever", DEFAULTS["retriever"]))
    preferences: Any = field(default_factory=lambda: _option("preferences", DEFAULTS["preferences"]))
    optimizer: Any = field(default_factory=lambda: _option("optimizer", DEFAULTS["optimizer"]))
    trials: Any = field(default_factory=lambda: _option("trials", DEFAULTS["trials"]))
    tracking: Any = field(default_factory=lambda: _option("tracking", DEFAULTS["tracking"]))
    audit: Any = field(default_factory=lambda: _option("audit", DEFAULTS["audit"]))
    mode: str = "experiment"
    seed: int = 0  # system seed: data generation, model split, scorers, retrieval, groups
    cache_dir: str | None = None  # CandidateLog cache; None: default_cache_dir()
    progress: bool = True

    def check(self) -> None:
        """Every range and consistency check of ``sysfair run`` (raises ConfigError)."""
        check_config(self)

    def replace(self, *overrides: str, **groups: Any) -> SysfairConfig:
        """A copy with ``key=value`` overrides (``"trials.n_trials=3"``, ``"optimizer=ei"``) and groups
        given by keyword (``optimizer="fair_nehvi"`` or a schema instance)."""
        return _apply(self, list(overrides), groups)


_TOP = {f.name for f in fields(SysfairConfig)} - set(GROUPS)


def _apply(cfg: SysfairConfig, overrides: list[str], groups: dict[str, Any]) -> SysfairConfig:
    values = {f.name: getattr(cfg, f.name) for f in fields(SysfairConfig)}
    for key, value in groups.items():
        if key in GROUPS:
            values[key] = _group_node(key, value, values[key])
        elif key in _TOP:
            values[key] = value
        else:
            raise ConfigError(key, value, f"a config group ({', '.join(GROUPS)}) or one of {sorted(_TOP)}")
    for item in overrides:
        if "=" not in item:
            raise ConfigError(item, None, "an override KEY=VALUE, e.g. trials.n_trials=3 or optimizer=ei")
        key, raw = item.split("=", 1)
        key = key.strip()
        value = OmegaConf.to_container(OmegaConf.from_dotlist([f"v={raw}"]))["v"]  # YAML typing
        group, _, rest = key.partition(".")
        if group in GROUPS and not rest:
            values[group] = _group_node(group, str(value), values[group])
        elif group in GROUPS:
            node: dict[str, Any] = {}
            cursor = node
            parts = rest.split(".")
            for part in parts[:-1]:
                cursor = cursor.setdefault(part, {})
            cursor[parts[-1]] = value
            values[group] = _group_node(group, node, values[group])
        elif key in _TOP:
            values[key] = value
        else:
            raise ConfigError(key, raw, f"a key under one of {', '.join(GROUPS)} or one of {sorted(_TOP)}")
    return SysfairConfig(**values)


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> SysfairConfig:
    """A checked :class:`SysfairConfig` from a YAML file (optional) and ``key=value`` overrides.

    No Hydra: the file's groups and the overrides are merged onto the same schemas
    ``sysfair run`` uses (module doc). ``path=None`` starts from the defaults of ``sysfair run``.
    """
    cfg = SysfairConfig()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError("path", str(path), "an existing YAML config file")
        try:
            data = OmegaConf.to_container(OmegaConf.load(path))
        except OmegaConfBaseException as exc:
            raise ConfigError("path", str(path), f"valid YAML ({exc})") from None
        if not isinstance(data, dict):
            raise ConfigError("path", str(path), "a YAML mapping of config groups")
        for entry in data.pop("defaults", []) or []:  # Hydra-style "- dataset: synthetic" entries
            for group, name in entry.items() if isinstance(entry, dict) else []:
                if group in GROUPS and group not in data:
                    data[group] = name
                elif group in GROUPS and isinstance(data[group], dict) and "name" not in data[group]:
                    data[group] = {"name": name, **data[group]}
        cfg = _apply(cfg, [], data)
    cfg = _apply(cfg, list(overrides), {})
    cfg.check()
    return cfg
