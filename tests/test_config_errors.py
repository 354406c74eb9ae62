"""Bad configuration fails at start-up with one message naming the key, the value, what is allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TINY
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf.errors import ConfigKeyError, ValidationError

from sysfair.errors import ConfigError
from sysfair.experiment.runner import run_experiment

REPO = Path(__file__).resolve().parents[1]


def test_option_names_of_the_interface_compose(compose_cfg) -> None:
    cfg = compose_cfg(
        "dataset=synthetic",
        "optimizer=random",
        "trials=paper",
        "trials.n_jobs=2",
        "trials.seed=4",
        "tracking.uri=sqlite:///x.db",
    )
    assert (cfg.trials.n_trials, cfg.trials.n_iterations) == (20, 20)
    assert cfg.tracking.uri == "sqlite:///x.db" and cfg.trials.seed == 4
    smoke = compose_cfg("trials=smoke", "dataset=synthetic_paper")
    assert (smoke.trials.n_trials, smoke.trials.n_iterations) == (2, 7)  # 2 GP steps (issue 15)
    assert smoke.dataset.name == "synthetic_paper"


def test_unknown_option(compose_cfg) -> None:
    with pytest.raises(MissingConfigException, match="Available options"):
        compose_cfg("dataset=nope")


def test_typo_and_wrong_type(compose_cfg) -> None:
    with pytest.raises((ConfigCompositionException, ConfigKeyError), match="n_sesions"):
        compose_cfg("dataset.n_sesions=10")
    with pytest.raises((ConfigCompositionException, ValidationError), match="n_iterations"):
        compose_cfg("trials.n_iterations=many")


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("preferences.prevalences=[1.2,-0.2]", "preferences.prevalences[1]", ">= 0"),
        ("dataset.label_correlation=-0.2 dataset.n_labels=3", "preferences.weights[0]", "3 weights"),
        ("trials.batch_size=100000", "trials.batch_size", "at most the"),
        ("trials.n_iterations=0", "trials.n_iterations", ">= 1"),
        ("preferences.weights=[[1,0],[0,1]]", "preferences.weights[0][1]", "> 0"),
        ("optimizer=fair_ehvi optimizer.hvi=exact", "optimizer.hvi", "'inclusion_exclusion'"),
    ],
)
def test_clear_error_and_nothing_written(compose_cfg, override: str, key: str, allowed: str) -> None:
    cfg = compose_cfg(*TINY, *override.split())
    with pytest.raises(ConfigError) as info:
        run_experiment(cfg)
    message = str(info.value)
    assert message.startswith(key + "=") and allowed in message
    assert not Path(cfg.tracking.uri.removeprefix("sqlite:///")).exists()  # no MLflow store touched


@pytest.mark.slow
def test_cli_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *TINY, "trials.n_iterations=0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "trials.n_iterations=0 is not allowed" in proc.stderr
    assert "Traceback" not in proc.stderr
