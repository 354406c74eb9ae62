"""Extending sysfair from outside: a toy dataset and a toy optimizer defined in this test module.

Nothing in sysfair is edited. Each new option is one config dataclass (its defaults and allowed
values declared next to each field, its implementation named by ``_target_``) plus its
implementation; ``register`` adds it to its group and ``register_configs`` to Hydra's ConfigStore,
so ``dataset=toy_blocks optimizer=toy_grid`` composes and runs. (In your own code decorate the
classes with ``@register``; here registration happens in a fixture and is undone afterwards, so
other test modules keep seeing only the built-in options.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import TINY
from omegaconf import OmegaConf
from test_optimizer_contract import (
    check_same_seed_same_proposals,
    check_shapes_and_bounds,
    check_unknown_alpha_refused,
)

from sysfair.checks import Interval, options, param, register
from sysfair.cli.schema import register_configs
from sysfair.data.base import Interactions
from sysfair.data.configs import DatasetConfig
from sysfair.errors import ConfigError
from sysfair.experiment.config import check_config
from sysfair.experiment.runner import run_experiment
from sysfair.optimizers.base import Optimizer
from sysfair.optimizers.configs import OptimizerConfig

# ---- a toy dataset: one config class + one loader ----------------------------------------------


@dataclass
class ToyBlocksConfig(DatasetConfig):
    """Sessions of ``corpus_size`` candidates; label k = latent quality k above 0.5, seen with noise."""

    name: str = "toy_blocks"
    _target_: str = f"{__name__}.make_toy_blocks"
    n_sessions: int = param(300, Interval(int, 10, None))
    corpus_size: int = param(12, Interval(int, 1, None))
    noise: float = param(0.3, Interval(float, 0, None))  # sd of the noise on the scorers' features


def make_toy_blocks(cfg: ToyBlocksConfig, rng: np.random.Generator) -> Interactions:
    """The loader ``(cfg, rng) -> Interactions`` that ``_target_`` names."""
    n = cfg.n_sessions * cfg.corpus_size
    latent = rng.normal(size=(n, cfg.n_labels))
    labels = (latent + 0.5 * rng.normal(size=latent.shape) > 0.5).astype(np.float64)
    features = latent + cfg.noise * rng.normal(size=latent.shape)
    return Interactions(
        features=features,
        labels=labels,
        session=np.repeat(np.arange(cfg.n_sessions), cfg.corpus_size),
        item=np.arange(n),
        label_names=tuple(f"y{k + 1}" for k in range(cfg.n_labels)),
        label_features=tuple(np.array([k]) for k in range(cfg.n_labels)),
        session_features=rng.normal(size=(cfg.n_sessions, 2)),
    )


# ---- a toy optimizer: one config class + one ask/tell class ------------------------------------


@dataclass
class ToyGridConfig(OptimizerConfig):
    """Walk a seeded shuffle of ``n_points`` directions between label 1 and the other labels."""

    name: str = "toy_grid"
    _target_: str = f"{__name__}.ToyGrid"
    n_points: int = param(5, Interval(int, 2, None))


class ToyGrid(Optimizer):
    """alpha_t = lower + (upper - lower) * (s, 1 - s, ..., 1 - s), s from a shuffled grid (floor 1e-6)."""

    def __init__(self, *, bounds: np.ndarray, seed: int, config: Any) -> None:
        super().__init__(bounds=bounds, seed=seed, config=config)
        n = getattr(config, "n_points", 5)  # also runs under other options' configs (_target_ override)
        self._grid = np.random.default_rng(seed).permutation(np.linspace(0.0, 1.0, n))

    def ask(self) -> np.ndarray:
        s = self._grid[len(self.alphas) % self._grid.size]
        lo, hi = self.bounds
        share = np.r_[s, np.full(self.n_labels - 1, 1.0 - s)]
        return np.maximum(lo + (hi - lo) * share, lo + 1e-6 * (hi - lo))


@pytest.fixture
def toy_options():
    """Register the toy options (as ``@register`` would at import) and remove them afterwards."""
    register(ToyBlocksConfig)
    register(ToyGridConfig)
    register_configs()
    yield
    options("dataset").pop("toy_blocks")
    options("optimizer").pop("toy_grid")


def _grid_alphas(seed: int, n: int, n_points: int = 5) -> np.ndarray:
    opt = ToyGrid(
        bounds=np.array([[0.0, 0.0], [1.0, 1.0]]), seed=seed, config=ToyGridConfig(n_points=n_points)
    )
    out = []
    for _ in range(n):
        a = opt.ask()
        opt.tell(a, None)  # type: ignore[arg-type]
        out.append(a)
    return np.stack(out)


def test_toy_dataset_and_optimizer_run_an_experiment(toy_options, compose_cfg) -> None:
    cfg = compose_cfg("dataset=toy_blocks", "optimizer=toy_grid", "optimizer.n_points=3", *TINY)
    assert cfg.dataset._target_ == "test_extensions.make_toy_blocks" and cfg.dataset.noise == 0.3
    result = run_experiment(cfg)
    assert len(result.trials) == 2
    for trial in result.trials:  # the proposals are the toy optimizer's, trial i seeded seed + i
        assert np.array_equal(trial.alphas, _grid_alphas(trial.seed, cfg.trials.n_iterations, n_points=3))
        assert np.isfinite(trial.exact_utility).all() and np.isfinite(trial.exact_der).all()
    import mlflow

    run = mlflow.MlflowClient(result.tracking_uri).get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["dataset"] == "toy_blocks" and run.data.tags["optimizer"] == "toy_grid"
    assert run.data.params["optimizer._target_"] == "test_extensions.ToyGrid"


def test_toy_options_are_checked_from_their_declarations(toy_options, compose_cfg) -> None:
    for override, message in [
        ("optimizer.n_points=1", "optimizer.n_points=1 is not allowed: an integer >= 2"),
        ("dataset.noise=-0.5", "dataset.noise=-0.5 is not allowed: a number >= 0"),
        ("dataset.n_labels=1", "dataset.n_labels=1 is not allowed: an integer >= 2"),
        ("optimizer.upper=inf", "optimizer.upper=inf is not allowed: a number > 0"),
    ]:
        obj = OmegaConf.to_object(compose_cfg("dataset=toy_blocks", "optimizer=toy_grid", override))
        with pytest.raises(ConfigError) as info:
            check_config(obj)
        assert str(info.value) == message


def test_own_optimizer_class_through_target_only(compose_cfg) -> None:
    """``optimizer._target_=module.Class`` runs a user's class with the chosen option's config."""
    cfg = compose_cfg("optimizer=random", "optimizer._target_=test_extensions.ToyGrid", *TINY)
    result = run_experiment(cfg)
    assert np.array_equal(
        result.trials[0].alphas, _grid_alphas(result.trials[0].seed, cfg.trials.n_iterations)
    )


def test_unimportable_target_fails_before_any_work(compose_cfg) -> None:
    cfg = compose_cfg("optimizer._target_=nowhere.Nothing", *TINY)
    with pytest.raises(
        ConfigError, match=r"^optimizer._target_='nowhere.Nothing' is not allowed: an importable"
    ):
        run_experiment(cfg)
    assert not Path(cfg.tracking.uri.removeprefix("sqlite:///")).exists()  # no MLflow store touched


def test_toy_optimizer_meets_the_contract() -> None:
    def make(n_labels: int = 2, seed: int = 0, lower: float = 0.0, upper: float = 1.0) -> Optimizer:
        bounds = np.array([[lower] * n_labels, [upper] * n_labels])
        return ToyGrid(bounds=bounds, seed=seed, config=ToyGridConfig(lower=lower, upper=upper))

    check_shapes_and_bounds(make)
    check_same_seed_same_proposals(make)
    check_unknown_alpha_refused(make)
