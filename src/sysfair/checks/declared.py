"""A field's declaration (its default and allowed values) and the one checker that writes every message.

A field carries its allowed values next to its default::

    n_sessions: int = param(5000, Interval(int, 10, None, closed="left"))

:func:`check_declared` checks every declared field of a config dataclass and raises
:class:`ConfigError` with one line naming the key, the value (plain numbers) and what is allowed.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from sysfair.checks.constraints import Constraint, Each, require

__all__ = ["check_declared", "check_value", "declaration", "param"]


def param(default: Any, *rules: Constraint, nullable: bool = False, env: str | None = None) -> Any:
    """A dataclass field with its default and its allowed values.

    Every one of ``rules`` must hold; ``nullable`` also allows null (None), which skips them. A list
    or dict default is copied for each instance. ``env`` names an environment variable whose value,
    when set, replaces the default on the command line (a Hydra ``oc.env`` interpolation).
    """
    meta = {"rules": tuple(rules), "nullable": nullable, "env": env}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def declaration(cls: type, name: str) -> Mapping[str, Any]:
    """The rules of field ``name`` of dataclass ``cls``: its own, else those of the nearest base class.

    A subclass may change a default with a plain ``name: int = 5`` and keeps the base's rules.
    """
    for klass in cls.__mro__:
        f = getattr(klass, "__dataclass_fields__", {}).get(name)
        if f is not None and "rules" in f.metadata:
            return f.metadata
    return {}


def check_value(meta: Mapping[str, Any], key: str, value: Any) -> None:
    """Check ``value`` against the declaration ``meta`` of :func:`param`; messages name ``key``."""
    rules: tuple[Constraint, ...] = meta.get("rules", ())
    nullable = bool(meta.get("nullable"))
    if value is None and nullable:
        return
    for rule in rules:
        if nullable and not isinstance(rule, Each) and not rule.ok(value):
            require(False, key, value, "null or " + rule.allowed)
        rule.check(key, value)


def check_declared(obj: Any, prefix: str) -> None:
    """Check every field of the dataclass ``obj`` against its declared rules (key ``prefix.field``)."""
    for f in dataclasses.fields(obj):
        check_value(declaration(type(obj), f.name), f"{prefix}.{f.name}", getattr(obj, f.name))
