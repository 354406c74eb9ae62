"""Bad input values of issue 14, item 1: each one ConfigError naming the key, the value as a plain
number and what is allowed, before any work (weights inf/nan/huge/all-zero, prevalences, reference
point, seeds, bounds, a group too small for the batches, a batch larger than the pool)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import TINY
from omegaconf import OmegaConf

from sysfair.data.configs import MovieLensConfig, SyntheticConfig
from sysfair.errors import ConfigError
from sysfair.experiment.config import PreferencesConfig, TrialsConfig, check_config
from sysfair.experiment.pool_checks import _batch_without_a_group, check_pool
from sysfair.experiment.runner import run_experiment


def _message(obj_or_cfg, n_labels: int | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        check_config(obj_or_cfg) if n_labels is None else obj_or_cfg.check(n_labels)
    return str(info.value)


@pytest.mark.parametrize(
    ("weights", "key", "allowed"),
    [
        ([[float("inf"), 1.0], [1.0, 1.0]], "preferences.weights[0][0]=inf", "> 0 and <= 1e+06"),
        ([[float("nan"), 1.0], [1.0, 1.0]], "preferences.weights[0][0]=nan", "> 0"),
        ([[1e9, 1.0], [1.0, 1.0]], "preferences.weights[0][0]=1000000000.0", "<= 1e+06"),
        ([[0.0, 0.0], [1.0, 1.0]], "preferences.weights[0][0]=0.0", "> 0"),
        ([[1.0, 1.0], 2.0], "preferences.weights[1]=2.0", "a list"),
    ],
)
def test_bad_preference_weights(weights, key: str, allowed: str) -> None:
    message = _message(PreferencesConfig(weights=weights), 2)
    assert message.startswith(key + " is not allowed") and allowed in message


def test_prevalences_and_reference_point_and_seed(compose_cfg) -> None:
    cases = {
        "preferences.prevalences=[1,0]": "preferences.prevalences[1]=0.0 is not allowed: a share > 0",
        "trials.reference_point=[nan,nan]": "trials.reference_point[0]=nan is not allowed",
        "trials.seed=-1": "trials.seed=-1 is not allowed: an integer in [0, 4294967295]",
        "seed=-1": "seed=-1 is not allowed: an integer in [0, 4294967295]",
        "optimizer.upper=inf": "optimizer.upper=inf is not allowed: a number > 0",
        "optimizer.lower=2 optimizer.upper=1": (
            "optimizer.upper=1.0 is not allowed: a number > optimizer.lower=2.0"
        ),
        "retriever=single_label retriever.label=2": "retriever.label=2 is not allowed: a label index in 0..1",
        "dataset=logged": "dataset.path='???' is not allowed: a value",
    }
    for overrides, start in cases.items():
        assert _message(compose_cfg(*overrides.split())).startswith(start), overrides


def _pool_cfg(dataset, batch_size: int, n_trials: int = 3, n_iterations: int = 5) -> SimpleNamespace:
    trials = TrialsConfig(batch_size=batch_size, n_trials=n_trials, n_iterations=n_iterations)
    return SimpleNamespace(dataset=dataset, trials=trials, preferences=PreferencesConfig())


def test_batch_size_suggestions_name_only_existing_keys() -> None:
    with pytest.raises(ConfigError) as info:
        check_pool(_pool_cfg(MovieLensConfig(), 500), 300)
    assert "dataset.n_sessions" not in str(info.value) and "lower trials.batch_size" in str(info.value)
    with pytest.raises(ConfigError, match="raise dataset.n_sessions"):
        check_pool(_pool_cfg(SyntheticConfig(), 500), 300)


def test_group_too_small_for_the_batches_names_a_batch_size_that_works() -> None:
    group = np.zeros(400, dtype=int)
    group[::40] = 1  # 10 of 400 sessions in group 1
    pool = SimpleNamespace(n_sessions=400, group=group)
    cfg = _pool_cfg(SyntheticConfig(), 20)
    with pytest.raises(ConfigError) as info:
        check_pool(cfg, pool)
    message = str(info.value)
    assert message.startswith("trials.batch_size=20 is not allowed") and "no session of group 1" in message
    works = int(message.split("trials.batch_size=")[-1].split()[0])
    assert 20 < works <= 400
    assert _batch_without_a_group(cfg.trials, group, 2, works) is None  # the suggestion holds
    check_pool(_pool_cfg(SyntheticConfig(), works), pool)
    with pytest.raises(
        ConfigError, match=r"^preferences.prevalences=\[0.8, 0.2\] is not allowed: .*group 1 has none"
    ):
        check_pool(cfg, SimpleNamespace(n_sessions=400, group=np.zeros(400, dtype=int)))


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("trials.batch_size=2", "trials.batch_size"),
        ("preferences.prevalences=[0.999,0.001]", "preferences.prevalences"),
    ],
)
def test_pool_checks_run_before_the_store(compose_cfg, override: str, key: str) -> None:
    cfg = compose_cfg(*TINY, override)
    with pytest.raises(ConfigError) as info:
        run_experiment(cfg)
    assert str(info.value).startswith(key + "=")
    assert not Path(cfg.tracking.uri.removeprefix("sqlite:///")).exists()
    OmegaConf.to_object(cfg)  # the config itself composes
