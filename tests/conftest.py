"""Shared fixtures: small hand-made CandidateLogs and Hydra configs composed in a temp folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from sysfair.cli.app import CONF_DIR  # registers the structured configs
from sysfair.system.candidates import CandidateLog


def ml100k_path() -> Path:
    """The shared MovieLens 100K folder: $SYSFAIR_DATA_DIR/ml-100k, else ../shared/data/ml-100k."""
    env = os.environ.get("SYSFAIR_DATA_DIR")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return base / "ml-100k"


ML100K = ml100k_path()
needs_ml100k = pytest.mark.skipif(
    not (ML100K / "u.data").is_file(), reason=f"MovieLens 100K not found at {ML100K} (set SYSFAIR_DATA_DIR)"
)

# Overrides that make a full experiment take seconds.
TINY = [
    "dataset.n_sessions=300",
    "scorer.n_estimators=10",
    "scorer.n_jobs=1",
    "trials=smoke",
    "trials.batch_size=50",
    "trials.n_jobs=1",
    "progress=false",
]


def random_log(
    n_sessions: int = 200, m: int = 6, k: int = 2, n_groups: int = 2, seed: int = 0
) -> CandidateLog:
    """A log with uniform scores and Bernoulli(score) labels (calibrated scorers)."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n_sessions, m, k)).astype(np.float32)
    return CandidateLog(
        scores=scores,
        labels=(rng.random(scores.shape) < scores).astype(np.float32),
        mask=np.ones((n_sessions, m), dtype=bool),
        group=rng.integers(n_groups, size=n_sessions),
        session_features=rng.random((n_sessions, 3)).astype(np.float32),
        item_ids=rng.integers(1000, size=(n_sessions, m)),
        label_names=tuple(f"y{i + 1}" for i in range(k)),
        n_groups=n_groups,
    )


@pytest.fixture
def compose_cfg(tmp_path: Path) -> Callable[..., DictConfig]:
    """Compose ``conf/config.yaml`` with overrides; cache and MLflow store live in tmp_path."""

    def _compose(*overrides: str) -> DictConfig:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(
                config_name="config",
                overrides=[
                    f"cache_dir={tmp_path / 'cache'}",
                    f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
                    *overrides,
                ],
            )

    return _compose


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Without pytest-xdist (installed by the ``dev`` extra) the suite runs in one process: the
    xdist options of ``addopts`` are accepted and ignored instead of failing the command line."""
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist fallback", "pytest-xdist is not installed: one process")
    # "-n" is a lowercase short option, which pytest keeps for plugins that register it privately
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None, help="ignored")
    group.addoption("--maxprocesses", dest="maxprocesses", default=None, help="ignored")
    group.addoption("--dist", dest="dist", default="no", help="ignored")


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("xdist"):
        config.addinivalue_line("markers", "xdist_group(name): pytest-xdist's scheduling group")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) one worker runs a whole module, so that module-
    scoped fixtures are built once; modules marked ``xdist_group("cluster")`` (Ray, Dask,
    PostgreSQL, MLflow servers) share one worker, so that no two local clusters run at once."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
