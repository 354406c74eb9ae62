"""Declared checks (sysfair.checks): every bad value is one ConfigError naming the key, the value
as a plain number and what is allowed (the bad inputs of issue 14: tests/reliability/test_bad_inputs.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sysfair.checks import Checked, Each, Interval, Options, param, plain, register
from sysfair.data.configs import SyntheticConfig
from sysfair.errors import ConfigError
from sysfair.experiment.config import (
    check_config,
)


def _message(obj_or_cfg, n_labels: int | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        check_config(obj_or_cfg) if n_labels is None else obj_or_cfg.check(n_labels)
    return str(info.value)


def test_interval_words_and_limits() -> None:
    rule = Interval(int, 1, None, closed="left")
    assert rule.allowed == "an integer >= 1"
    assert [rule.ok(v) for v in (1, 0, 2.0, True, np.int64(3))] == [True, False, False, False, True]
    half_open = Interval(float, 0, 1, closed="left")
    assert half_open.allowed == "a number in [0, 1)"
    assert [half_open.ok(v) for v in (0.0, 1.0, float("nan"), float("inf"), 0)] == [
        True,
        False,
        False,
        False,
        True,
    ]
    assert Interval(float, 0, None, closed="neither").allowed == "a number > 0"
    assert Options(("a", "b")).allowed == "one of ('a', 'b')"


def test_plain_numbers_in_messages() -> None:
    assert plain(np.float64("nan")) != plain(np.float64("nan"))  # still a float nan, not np.float64(nan)
    assert repr(plain([np.float64(1.5), np.int64(2)])) == "[1.5, 2]"
    cfg = SyntheticConfig(class_sep=np.float64("nan"))
    with pytest.raises(ConfigError) as info:
        cfg.check()
    assert str(info.value) == "dataset.class_sep=nan is not allowed: a number > 0"


def test_subclass_keeps_the_rules_of_the_field_it_redefaults() -> None:
    @dataclass
    class Base(Checked):
        group = "toy"
        name: str = "base"
        level: int = param(3, Interval(int, 1, 5))
        kinds: list = param(["a"], Each(Options(("a", "b"))))

    @dataclass
    class Child(Base):
        name: str = "child"
        level: int = 4  # new default, same rule

    with pytest.raises(ConfigError, match=r"^toy.level=9 is not allowed: an integer in \[1, 5\]$"):
        Child(level=9).check()
    with pytest.raises(ConfigError, match=r"^toy.kinds\[1\]='c' is not allowed"):
        Child(kinds=["a", "c"]).check()
    register(Child)
    with pytest.raises(ValueError, match="already"):
        register(type("Child", (Child,), {"__module__": "elsewhere"}))
