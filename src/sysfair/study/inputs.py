"""What :meth:`Study.tell <sysfair.study.study.Study.tell>` is given, checked before anything is recorded.

Values come per group, by name (a mapping) or in the study's group order (a list); every bad
value is a :class:`StudyError` naming the group, the value, what is allowed and the arm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from sysfair.study.config import StudyConfig, StudyError

__all__ = ["GroupValues", "checked_tell", "group_vector"]

GroupValues = Mapping[str, float] | Sequence[float]


def group_vector(config: StudyConfig, what: str, values: GroupValues | None, arm: str) -> np.ndarray | None:
    """``values`` (by group name, or a list in the study's group order) as ``[G]`` floats."""
    if values is None:
        return None
    groups = list(config.groups)
    if isinstance(values, Mapping):
        by_name = {str(k): v for k, v in values.items()}
        names = list(by_name)
        unknown = [g for g in names if g not in groups]
        if unknown:
            raise StudyError(
                f"{what}: group {unknown[0]!r} is not a group of study {config.name!r} "
                f"(groups: {', '.join(groups)}); nothing recorded for arm {arm!r}"
            )
        missing = [g for g in groups if g not in names]
        if missing:
            raise StudyError(
                f"{what}: no value for group {missing[0]!r}; give every group of study {config.name!r} "
                f"({', '.join(groups)}); nothing recorded for arm {arm!r}"
            )
        raw = [by_name[g] for g in groups]
    else:
        raw = list(values)
        if len(raw) != len(groups):
            raise StudyError(
                f"{what}: {len(raw)} values for the {len(groups)} groups of study {config.name!r} "
                f"({', '.join(groups)}, in this order); nothing recorded for arm {arm!r}"
            )
    try:
        return np.array([float(v) for v in raw], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StudyError(f"{what}={raw!r}: numbers expected; nothing recorded for arm {arm!r}") from exc


def checked_tell(
    config: StudyConfig,
    arm: str,
    group_utility: GroupValues,
    group_sessions: GroupValues,
    group_variance: GroupValues | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The told values as ``[G]`` arrays (utility, sessions, variance or None); StudyError on any bad one."""
    groups = list(config.groups)
    u = group_vector(config, "group_utility", group_utility, arm)
    n = group_vector(config, "group_sessions", group_sessions, arm)
    v = group_vector(config, "group_variance", group_variance, arm)
    assert u is not None and n is not None
    for g, x in zip(groups, u.tolist(), strict=True):
        if not math.isfinite(x) or x < 0:
            raise StudyError(
                f"group_utility[{g!r}]={x!r} is not allowed: a finite mean utility >= 0 (DER needs "
                f"non-negative utilities); nothing recorded for arm {arm!r}"
            )
        if v is None and x > config.utility_max:
            raise StudyError(
                f"group_utility[{g!r}]={x!r} exceeds the study's utility_max={config.utility_max}, "
                "which bounds the variance when none is given: pass group_variance; nothing recorded "
                f"for arm {arm!r}"
            )
    for g, x in zip(groups, n.tolist(), strict=True):
        if not math.isfinite(x) or x < 1 or x != int(x):
            raise StudyError(
                f"group_sessions[{g!r}]={x!r} is not allowed: a whole number of sessions >= 1 (a group "
                f"with no sessions has no utility to report); nothing recorded for arm {arm!r}"
            )
    if v is not None:
        for g, x in zip(groups, v.tolist(), strict=True):
            if not math.isfinite(x) or x < 0:
                raise StudyError(
                    f"group_variance[{g!r}]={x!r} is not allowed: a finite variance >= 0 of the session "
                    f"utilities; nothing recorded for arm {arm!r}"
                )
    return u, n, v
