"""Config checking and the option registry (foundation: every stage may import it).

:mod:`sysfair.checks.rules`: declared constraints (:class:`Interval`, :class:`Options`, ...),
:func:`param` to declare them next to a field's default, and the one checker that writes every
message. :mod:`sysfair.checks.options`: the registry of every config group's options.
"""

from __future__ import annotations

from sysfair.checks.options import (
    Checked,
    build,
    default_target,
    locate,
    option_name,
    options,
    register,
    target_of,
)
from sysfair.checks.rules import (
    AnyOf,
    Constraint,
    Each,
    Interval,
    Length,
    Options,
    Satisfies,
    Target,
    check_declared,
    check_value,
    declaration,
    param,
    plain,
    require,
)

__all__ = [
    "AnyOf",
    "Checked",
    "Constraint",
    "Each",
    "Interval",
    "Length",
    "Options",
    "Satisfies",
    "Target",
    "build",
    "check_declared",
    "check_value",
    "declaration",
    "default_target",
    "locate",
    "option_name",
    "options",
    "param",
    "plain",
    "register",
    "require",
    "target_of",
]
