"""The option registry: config dataclasses that check themselves and name their implementation.

An option of a config group (a dataset, a scorer, a retriever, a preference set, an optimizer...) is
one dataclass deriving from :class:`Checked`; it registers itself with :func:`register`, under its
group (``group`` class variable) and its ``name`` default. The implementation is named by the
``_target_`` field (a dotted path), so a user can also swap it from the command line
(``optimizer._target_=my_module.MyOptimizer``). The Hydra ConfigStore
(:mod:`sysfair.cli.schema`), the ``*_SCHEMAS`` tables and the code factories all read this registry.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, ClassVar, TypeVar

from sysfair.checks.constraints import require
from sysfair.checks.declared import check_declared
from sysfair.errors import ConfigError

__all__ = [
    "Checked",
    "build",
    "default_target",
    "lazy_exports",
    "locate",
    "option_name",
    "options",
    "register",
    "target_of",
]

T = TypeVar("T")


class Checked:
    """Mixin of config dataclasses: ``check()`` runs the declared rules, then ``check_consistency()``.

    ``group`` is the config group (the key prefix of messages and the registry's group).
    """

    group: ClassVar[str] = "?"

    def check(self) -> None:
        """Raise :class:`ConfigError` on the first value that is not allowed."""
        check_declared(self, self.group)
        target = getattr(self, "_target_", None)
        if target is not None and target != default_target(type(self)):
            build(self, self.group)  # a user's implementation: importable before any work
        self.check_consistency()

    def check_consistency(self) -> None:
        """Rules between fields (e.g. lower < upper); none by default."""


_OPTIONS: dict[str, dict[str, type]] = {}


def options(group: str) -> dict[str, type]:
    """The live table ``name -> config class`` of ``group`` (filled as option modules are imported)."""
    return _OPTIONS.setdefault(group, {})


def option_name(cls: type) -> str:
    """The option's name: the default of its ``name`` field."""
    found = {f.name: f for f in dataclasses.fields(cls)}
    if "name" not in found or not isinstance(found["name"].default, str):
        raise TypeError(f'{cls.__qualname__} needs a field `name: str = "<option name>"`')
    return found["name"].default


def register(cls: type[T]) -> type[T]:
    """Class decorator: make the config dataclass ``cls`` an option of ``cls.group`` named ``cls.name``.

    Registering another class under a taken name is an error (a module imported twice replaces
    its own class).
    """
    group = getattr(cls, "group", "?")
    if group == "?":
        raise TypeError(f"{cls.__qualname__} must set the class variable `group` (e.g. 'dataset')")
    name = option_name(cls)
    table = options(group)
    old = table.get(name)
    if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"{group} option {name!r} is already {old.__module__}.{old.__qualname__}")
    table[name] = cls
    return cls


def default_target(cls: type) -> str | None:
    """The implementation a config class names by default (its ``_target_`` field's default)."""
    for f in dataclasses.fields(cls):
        if f.name == "_target_":
            return f.default if isinstance(f.default, str) else None
    return None


def target_of(cfg: Any, group: str) -> str:
    """The implementation's dotted path of ``cfg``: its ``_target_``, else its registered option's."""
    target = getattr(cfg, "_target_", None)
    if target is None:
        schema = options(group).get(getattr(cfg, "name", None))
        target = None if schema is None else default_target(schema)
    require(
        target is not None,
        f"{group}.name",
        getattr(cfg, "name", None),
        f"one of {sorted(options(group))}, or set {group}._target_ to your implementation",
    )
    return str(target)


def locate(path: str) -> Any:
    """The object at the dotted ``path`` (``package.module.Name``); ImportError if there is none."""
    module, _, attr = path.rpartition(".")
    if not module:
        raise ImportError(f"{path!r} is not a dotted path")
    try:
        found = importlib.import_module(module)
    except ImportError:
        found = locate(module)  # e.g. package.module.Class.attribute
    except Exception as exc:  # the module exists but fails on import
        raise ImportError(f"importing {module} failed: {type(exc).__name__}: {exc}") from exc
    if not hasattr(found, attr):
        raise ImportError(f"{module} has no attribute {attr!r}")
    return getattr(found, attr)


def lazy_exports(package: str, names: dict[str, str]) -> Any:
    """A module ``__getattr__`` (PEP 562) for ``package``: ``names`` maps a name to its dotted path,
    located on first access, so importing the package does not import its implementations."""

    def __getattr__(name: str) -> Any:
        if name in names:
            return locate(names[name])
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def build(cfg: Any, group: str) -> Any:
    """The implementation ``cfg`` names (class or function), located; ConfigError if it cannot be."""
    target = target_of(cfg, group)
    try:
        return locate(target)
    except ImportError as exc:
        raise ConfigError(f"{group}._target_", target, f"an importable class or function ({exc})") from None
