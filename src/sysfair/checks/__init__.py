"""Config checking and the option registry (foundation: every stage may import it).

:mod:`sysfair.checks.constraints`: constraints (:class:`Interval`, :class:`Options`, ...) and the
rules many groups share (``AT_LEAST_1``, ``N_JOBS``, ``SEED``, ...). :mod:`sysfair.checks.declared`:
:func:`param` to declare them next to a field's default, and the one checker that writes every
message. :mod:`sysfair.checks.options`: the registry of every config group's options.
"""

from __future__ import annotations

from sysfair.checks.constraints import (
    AT_LEAST_1,
    FINITE,
    MAX_SEED,
    N_JOBS,
    NON_NEGATIVE,
    NON_NEGATIVE_INT,
    POSITIVE,
    SEED,
    AnyOf,
    Constraint,
    Each,
    Interval,
    Length,
    Options,
    Target,
    plain,
    require,
)
from sysfair.checks.declared import check_declared, check_value, declaration, param
from sysfair.checks.options import (
    Checked,
    build,
    default_target,
    lazy_exports,
    locate,
    option_name,
    options,
    register,
    target_of,
)

__all__ = [
    "AT_LEAST_1",
    "FINITE",
    "MAX_SEED",
    "N_JOBS",
    "NON_NEGATIVE",
    "NON_NEGATIVE_INT",
    "POSITIVE",
    "SEED",
    "AnyOf",
    "Checked",
    "Constraint",
    "Each",
    "Interval",
    "Length",
    "Options",
    "Target",
    "build",
    "check_declared",
    "check_value",
    "declaration",
    "default_target",
    "lazy_exports",
    "locate",
    "option_name",
    "options",
    "param",
    "plain",
    "register",
    "require",
    "target_of",
]
