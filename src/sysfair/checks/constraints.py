"""Declared constraints of config fields and the words they put in error messages.

A constraint says which values a field allows (:class:`Interval`, :class:`Options`, ...) and, in
``allowed``, says it in words; :func:`require` raises the one-line :class:`ConfigError`. The
constants at the end are the rules many groups share (one definition each).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from sysfair.errors import ConfigError

__all__ = [
    "AT_LEAST_1",
    "FINITE",
    "MAX_SEED",
    "NON_NEGATIVE",
    "NON_NEGATIVE_INT",
    "N_JOBS",
    "POSITIVE",
    "SEED",
    "AnyOf",
    "Constraint",
    "Each",
    "Interval",
    "Length",
    "Options",
    "Target",
    "plain",
    "require",
]


def plain(value: Any) -> Any:
    """``value`` with numpy scalars/arrays and OmegaConf containers as plain Python (for messages)."""
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalar or array
        return value.tolist()
    if isinstance(value, str | bytes | bool | int | float) or value is None:
        return value
    if isinstance(value, dict) or (hasattr(value, "items") and hasattr(value, "keys")):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) or hasattr(value, "__iter__"):
        return [plain(v) for v in value]
    return value


def require(ok: bool, key: str, value: object, allowed: str) -> None:
    """Raise :class:`ConfigError` naming ``key``, ``value`` and what is allowed unless ``ok``."""
    if not ok:
        raise ConfigError(key, plain(value), allowed)


class Constraint:
    """One rule a value may satisfy; ``allowed`` says it in words for the error message."""

    allowed: str = ""

    def ok(self, value: Any) -> bool:
        raise NotImplementedError

    def check(self, key: str, value: Any) -> None:
        """Raise :class:`ConfigError` on ``key`` unless the rule holds (containers name the element)."""
        require(self.ok(value), key, value, self.allowed)


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _num(x: float) -> str:
    """A bound as written by a person: 1, 0.5, 1e-06."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


@dataclass(frozen=True)
class Interval(Constraint):
    """A finite ``int`` or ``float`` between ``left`` and ``right`` (None: unbounded on that side).

    ``closed``: which ends belong to the interval: ``left``, ``right``, ``both`` or ``neither``
    (scikit-learn's convention). Floats must be finite (NaN and infinities never pass); an int
    field takes only integers, a float field any finite real.
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"

    def ok(self, value: Any) -> bool:
        if self.kind is int and not _is_int(value):
            return False
        if not _is_real(value) or not math.isfinite(value):
            return False
        lo_closed = self.closed in ("left", "both")
        hi_closed = self.closed in ("right", "both")
        if self.left is not None and not (value >= self.left if lo_closed else value > self.left):
            return False
        return self.right is None or (value <= self.right if hi_closed else value < self.right)

    @property
    def allowed(self) -> str:  # type: ignore[override]
        what = "an integer" if self.kind is int else "a number"
        lo_closed = self.closed in ("left", "both")
        hi_closed = self.closed in ("right", "both")
        if self.left is not None and self.right is not None:
            lb, rb = "[" if lo_closed else "(", "]" if hi_closed else ")"
            return f"{what} in {lb}{_num(self.left)}, {_num(self.right)}{rb}"
        if self.left is not None:
            return f"{what} {'>=' if lo_closed else '>'} {_num(self.left)}"
        if self.right is not None:
            return f"{what} {'<=' if hi_closed else '<'} {_num(self.right)}"
        return f"a finite {what.removeprefix('a ').removeprefix('an ')}"


@dataclass(frozen=True)
class Options(Constraint):
    """One of ``values`` (compared with ==)."""

    values: tuple[Any, ...]

    def ok(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"one of {tuple(self.values)}"


@dataclass(frozen=True)
class Length(Constraint):
    """A list with ``min`` to ``max`` entries (None: no upper limit)."""

    min: int = 0
    max: int | None = None
    what: str = "entries"

    def ok(self, value: Any) -> bool:
        if isinstance(value, str) or not hasattr(value, "__len__"):
            return False
        return len(value) >= self.min and (self.max is None or len(value) <= self.max)

    @property
    def allowed(self) -> str:  # type: ignore[override]
        if self.max == self.min:
            return f"a list of {self.min} {self.what}"
        if self.max is None:
            return f"a list of at least {self.min} {self.what}"
        return f"a list of {self.min} to {self.max} {self.what}"


@dataclass(frozen=True)
class Each(Constraint):
    """Every entry of a list satisfies ``rule``; an error names the entry (``key[i]``)."""

    rule: Constraint

    def ok(self, value: Any) -> bool:
        return hasattr(value, "__iter__") and not isinstance(value, str) and all(map(self.rule.ok, value))

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"a list, each entry {self.rule.allowed}"

    def check(self, key: str, value: Any) -> None:
        require(hasattr(value, "__iter__") and not isinstance(value, str), key, value, self.allowed)
        for i, v in enumerate(value):
            self.rule.check(f"{key}[{i}]", v)


@dataclass(frozen=True)
class Target(Constraint):
    """The dotted path ``package.module.Name`` of a class or function (imported by :meth:`Checked.check`)."""

    allowed: str = "the dotted path of a class or function (package.module.Name)"

    def ok(self, value: Any) -> bool:
        parts = value.split(".") if isinstance(value, str) else []
        return len(parts) >= 2 and all(p.isidentifier() for p in parts)


@dataclass(frozen=True)
class AnyOf(Constraint):
    """Alternatives: the value passes if one of ``rules`` does; ``words`` may replace their text."""

    rules: tuple[Constraint, ...]
    words: str | None = None

    def ok(self, value: Any) -> bool:
        return any(r.ok(value) for r in self.rules)

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return self.words or " or ".join(r.allowed for r in self.rules)


# ---- rules shared by many groups -----------------------------------------------------------------

AT_LEAST_1 = Interval(int, 1, None, closed="left")
NON_NEGATIVE_INT = Interval(int, 0, None, closed="left")
POSITIVE = Interval(float, 0, None, closed="neither")
NON_NEGATIVE = Interval(float, 0, None, closed="left")
FINITE = Interval(float, None, None)
N_JOBS = AnyOf((Interval(int, None, -1), Interval(int, 1, None)), words="a non-zero integer (-1 = all cores)")
MAX_SEED = 2**32 - 1  # numpy and scikit-learn seeds
SEED = Interval(int, 0, MAX_SEED)
