"""Property-based checks of the config check (hypothesis).

1. Any override set drawn from every config group's keys, with valid, boundary and invalid values
   of the right type (Hydra rejects wrong types itself), either passes :func:`check_config` or
   raises sysfair's :class:`ConfigError` whose message names a drawn key; never another exception.
2. A few accepted override sets run end to end on a tiny system: either a ConfigError before any
   work (checks that need the serving pool) or a FINISHED run without a NaN metric.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
from conftest import TINY
from hydra import compose, initialize_config_dir
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sysfair.checks import AnyOf, Each, Interval, Options, declaration
from sysfair.cli.app import CONF_DIR
from sysfair.cli.schema import schemas
from sysfair.errors import ConfigError
from sysfair.experiment.config import check_config
from sysfair.experiment.runner import run_experiment

BUILT_IN = {
    group: {n: s for n, s in table.items() if s.__module__.startswith("sysfair.")}
    for group, table in schemas().items()
}
PRESETS = {"trials": ["smoke"]}  # YAML presets of conf/<group>/
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-9, -1e-9, 1e6, 1e308, -1e308, math.nan, math.inf, -math.inf]
INTS = [0, 1, 2, 3, -1, -2, 10**12, -(10**12), 2**31 - 1, 2**32, 2**63 - 1]
WORDS = ["junk", "", "sweep", "box", "der"]


def _intervals(meta: Any) -> list[Interval]:
    rules = list(meta.get("rules", ()))
    out = []
    while rules:
        rule = rules.pop()
        if isinstance(rule, Interval):
            out.append(rule)
        elif isinstance(rule, AnyOf):
            rules += list(rule.rules)
        elif isinstance(rule, Each):
            rules.append(rule.rule)
    return out


def _options(meta: Any) -> list[Any]:
    found: list[Any] = []
    rules = list(meta.get("rules", ()))
    while rules:
        rule = rules.pop()
        if isinstance(rule, Options):
            found += list(rule.values)
        elif isinstance(rule, AnyOf | Each):
            rules += list(rule.rules) if isinstance(rule, AnyOf) else [rule.rule]
    return found


def _numbers(kind: type, meta: Any) -> st.SearchStrategy:
    """Boundary values of the declared intervals (on, just inside, just outside) plus specials."""
    edges: list[float] = []
    for iv in _intervals(meta):
        for b in (iv.left, iv.right):
            if b is not None:
                edges += (
                    [b - 1, b, b + 1]
                    if kind is int
                    else [b, np.nextafter(b, -np.inf), np.nextafter(b, np.inf)]
                )
    if kind is int:
        return st.sampled_from(INTS + [int(e) for e in edges if abs(e) < 2**63])
    return st.sampled_from(FLOATS + [float(e) for e in edges])


def _values(schema: type, f: dataclasses.Field, hint: Any) -> st.SearchStrategy | None:
    """Type-correct values of field ``f``: valid, boundary and invalid; None to skip the field."""
    meta = declaration(schema, f.name)
    args = typing.get_args(hint)
    nullable = type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if args and nullable else hint
    origin = typing.get_origin(base)
    if f.name == "_target_":
        choice: st.SearchStrategy = st.sampled_from(
            [f.default, "nowhere.Nothing", "sysfair.optimizers.random.RandomSearch", "no_dots"]
        )
    elif base is bool:
        choice = st.booleans()
    elif base in (int, float):
        choice = _numbers(base, meta)
    elif base is str:
        opts = _options(meta)
        if not opts:
            return None  # free text (names, paths, URIs): nothing to check
        choice = st.sampled_from(opts + WORDS)
    elif origin is list:
        (item,) = typing.get_args(base) or (Any,)
        if item is str:
            elem = st.sampled_from(_options(meta) + WORDS)
        elif item is int:
            elem = st.sampled_from(INTS)
        elif item is float:
            elem = _numbers(float, meta)
        else:  # list[Any]: rows of numbers (preferences.weights)
            elem = st.lists(st.one_of(_numbers(float, meta), st.sampled_from(INTS[:6])), max_size=4)
        choice = st.lists(elem, max_size=4)
    else:
        return None  # dicts (audit.propensity_params)
    return st.one_of(st.none(), choice) if nullable or f.default is None else choice


def _fmt(value: Any) -> str:
    """A value in Hydra's override grammar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else "inf"
            if value == math.inf
            else "-inf"
            if value == -math.inf
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(_fmt(v) for v in value) + "]"
    return "'" + str(value).replace("'", "") + "'"


@st.composite
def override_sets(draw: st.DrawFn, groups: dict[str, dict[str, type]] = BUILT_IN) -> list[tuple[str, str]]:
    """(key, override) pairs: an option per group, then a few of its fields with drawn values."""
    chosen: list[tuple[str, str]] = []
    for group, table in groups.items():
        names = sorted(table) + PRESETS.get(group, [])
        name = draw(st.sampled_from(names))
        chosen.append((group, f"{group}={name}"))
        schema = table.get(name) or next(iter(table.values()))
        hints = typing.get_type_hints(schema)
        fields = [f for f in dataclasses.fields(schema) if f.name != "name"]
        for f in draw(st.lists(st.sampled_from(fields), max_size=3, unique_by=lambda f: f.name)):
            strategy = _values(schema, f, hints[f.name])
            if strategy is not None:
                chosen.append((f"{group}.{f.name}", f"{group}.{f.name}={_fmt(draw(strategy))}"))
    for key, strategy in (
        ("seed", st.sampled_from(INTS)),
        ("mode", st.sampled_from(["experiment", "audit", "junk"])),
    ):
        if draw(st.booleans()):
            chosen.append((key, f"{key}={_fmt(draw(strategy))}"))
    return chosen


def _check(cfg: Any) -> Any:
    obj = check_config(cfg)
    obj.audit.check(obj.dataset.n_labels)
    return obj


def _names_a_drawn_key(error: ConfigError, keys: list[str]) -> bool:
    message = str(error)
    blamed = error.key.split("[")[0]
    if not message.startswith(f"{error.key}="):
        return False
    # the drawn key itself, a drawn key named in the rule (cross-field), or a value left missing
    return blamed in keys or any(k in message for k in keys if "." in k) or error.value == "???"


@pytest.fixture(scope="module")
def hydra_conf():
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        yield


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=override_sets())
def test_config_check_passes_or_names_a_key(hydra_conf, drawn: list[tuple[str, str]]) -> None:
    keys = [k for k, _ in drawn]
    cfg = compose(config_name="config", overrides=[o for _, o in drawn])
    try:
        _check(cfg)
        event("passes")
    except ConfigError as error:
        event("ConfigError")
        assert _names_a_drawn_key(error, keys), (str(error), drawn)
        assert "np.float64" not in str(error) and "np.int64" not in str(error)


# ---- end to end on a tiny system ---------------------------------------------------------------

CHEAP = {  # keys that keep the tiny system tiny, with valid, boundary and invalid values
    "preferences.weights": st.lists(
        st.lists(st.sampled_from([1e-9, 0.1, 0.5, 1.0, 3.0, 1e6]), min_size=2, max_size=2),
        min_size=2,
        max_size=2,
    ),
    "preferences.prevalences": st.sampled_from([[0.5, 0.5], [0.8, 0.2], [0.99, 0.01], [0.999, 0.001]]),
    "trials.seed": st.sampled_from([0, 1, 2**31 - 1, 2**32 - 2]),
    "trials.batch_size": st.sampled_from([1, 2, 10, 50, 240]),
    "trials.n_iterations": st.sampled_from([1, 2, 4]),
    "trials.reference_point": st.sampled_from([None, [0.0, 0.0], [-1.0, -1.0]]),
    "optimizer.lower": st.sampled_from([0.0, 0.5, 1e-6]),
    "optimizer.upper": st.sampled_from([1.0, 2.0, 1e6]),
    "seed": st.sampled_from([0, 2**31 - 1]),
}


@st.composite
def cheap_sets(draw: st.DrawFn) -> list[str]:
    optimizer = draw(st.sampled_from(["random", "sobol"]))
    keys = draw(st.lists(st.sampled_from(sorted(CHEAP)), min_size=1, max_size=4, unique=True))
    return [f"optimizer={optimizer}"] + [f"{k}={_fmt(draw(CHEAP[k]))}" for k in keys]


@pytest.mark.slow  # about 10 tiny experiments: 30-100 s
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=cheap_sets())
def test_accepted_configs_finish_without_nan(hydra_conf, tmp_path_factory, drawn: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("e2e")
    cfg = compose(
        config_name="config",
        overrides=[
            f"cache_dir={tmp.parent / 'cache'}",
            f"tracking.uri=sqlite:///{tmp / 'mlflow.db'}",
            *TINY,
            *drawn,
        ],
    )
    try:
        _check(cfg)
    except ConfigError as error:
        event(f"rejected by check_config: {error.key.split('[')[0]}")
        return  # rejected before any work (the property above covers its message)
    try:
        result = run_experiment(cfg, launch_dir=tmp)
    except ConfigError as error:  # a check that needs the serving pool: still before the store
        event(f"rejected by check_pool: {error.key.split('[')[0]}")
        assert not Path(tmp / "mlflow.db").exists(), str(error)
        return
    client = mlflow.MlflowClient(result.tracking_uri)
    runs = client.search_runs(client.get_run(result.run_id).info.experiment_id)
    assert {r.info.status for r in runs} == {"FINISHED"}
    for run in runs:
        bad = {k: v for k, v in run.data.metrics.items() if not np.isfinite(v)}
        assert not bad, (drawn, bad)
    for trial in result.trials:
        for values in (trial.observed_utility, trial.observed_der, trial.exact_utility, trial.exact_der):
            assert np.isfinite(values).all(), drawn
    assert np.isfinite(result.summary.to_numpy()).all(), drawn
    event("FINISHED, no NaN")
