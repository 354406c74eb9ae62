"""trials.backend: the same seed gives the same numbers on loky, Ray and Dask; the pool ships once."""

from __future__ import annotations

import builtins
import importlib.util
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from conftest import TINY, random_log
from mlflow.tracking import MlflowClient

from sysfair.errors import ConfigError
from sysfair.experiment.backends import BackendMissing, trial_backend
from sysfair.experiment.config import TrialsConfig
from sysfair.experiment.runner import run_experiment
from sysfair.experiment.trials import TrialResult, iter_trials
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS
from sysfair.system.platform import Platform

pytestmark = pytest.mark.xdist_group("cluster")  # one worker for every local cluster and server

# Ray reads this when imported: a one-node cluster bound to 127.0.0.1, not the network address.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
HAVE_RAY = importlib.util.find_spec("ray") is not None
HAVE_DASK = importlib.util.find_spec("distributed") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason='ray not installed (pip install -e ".[cluster]")')
needs_dask = pytest.mark.skipif(not HAVE_DASK, reason='dask not installed (pip install -e ".[cluster]")')

PREFERENCES = np.array([[0.9, 0.1], [0.1, 0.9]])
FIELDS = ("alphas", "observed_utility", "observed_der", "exact_utility", "exact_der", "exact_group_utility")


class CountingPlatform(Platform):
    """A Platform that counts how often the main process pickles what it ships to the workers
    (its ``for_workers()`` copy); workers rebuild a plain Platform."""

    pickled = 0

    def for_workers(self) -> Platform:
        shipped = super().for_workers()
        shipped.__class__ = _CountedShipment
        return shipped


class _CountedShipment(Platform):
    def __reduce__(self) -> tuple[Any, ...]:
        CountingPlatform.pickled += 1
        return (object.__new__, (Platform,), self.__getstate__())


def _trials(backend: str, address: str | None = None, n_jobs: int = 2) -> TrialsConfig:
    return TrialsConfig(
        n_trials=6, n_iterations=2, batch_size=40, n_jobs=n_jobs, seed=11, backend=backend, address=address
    )


def _run(backend: str, address: str | None = None, n_jobs: int = 2) -> tuple[list[TrialResult], int]:
    """The trials on ``backend`` and how many times the platform was pickled for it."""
    CountingPlatform.pickled = 0
    platform = CountingPlatform(random_log(n_sessions=300, m=6, seed=4), PREFERENCES)
    results = list(iter_trials(platform, OPTIMIZER_SCHEMAS["sobol"](), _trials(backend, address, n_jobs)))
    return results, CountingPlatform.pickled


def _assert_same(a: list[TrialResult], b: list[TrialResult]) -> None:
    assert [r.index for r in a] == [r.index for r in b] == list(range(6))
    for x, y in zip(a, b, strict=True):
        assert x.seed == y.seed
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(x, name), getattr(y, name), err_msg=name)


@pytest.fixture(scope="module")
def reference() -> list[TrialResult]:
    """The trials in the main process (n_jobs=1, loky: no worker at all).

    loky workers (n_jobs=2) give these same numbers: test_experiment's any-n_jobs test.
    """
    results, pickled = _run("loky", n_jobs=1)
    assert pickled == 0
    # the trials differ from each other, so equality below is not trivially true
    assert not np.array_equal(results[0].alphas, results[1].alphas)
    return results


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """One local Dask cluster (2 single-threaded worker processes) for the module."""
    if not HAVE_DASK:
        pytest.skip('dask not installed (pip install -e ".[cluster]")')
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster


@pytest.mark.slow
@needs_ray
def test_ray_same_numbers_pool_put_once_and_local_cluster_shut_down(reference: list[TrialResult]) -> None:
    import ray

    assert not ray.is_initialized()
    results, pickled = _run("ray")
    assert ray._private.services.get_node_ip_address() == "127.0.0.1"  # loopback only
    _assert_same(reference, results)
    assert pickled == 1  # one ray.put, not one pickle per task (6 tasks)
    assert not ray.is_initialized()  # the local cluster started for the run is gone


@pytest.mark.slow
@needs_dask
def test_dask_at_an_address_same_numbers_pool_scattered_once(
    reference: list[TrialResult], dask_cluster: Any
) -> None:
    results, pickled = _run("dask", address=dask_cluster.scheduler_address)
    _assert_same(reference, results)
    # one broadcast (dask's tokenize pickles once, then at most once per worker): not once per task
    assert 1 <= pickled <= 3
    assert len(dask_cluster.scheduler.workers) == 2  # an existing cluster is left running


@pytest.mark.slow
@needs_dask
def test_experiment_on_dask_logs_from_the_main_process(compose_cfg, dask_cluster: Any) -> None:
    overrides = [o for o in TINY if not o.startswith("trials.n_jobs")]
    address = dask_cluster.scheduler_address
    result = run_experiment(
        compose_cfg(*overrides, "trials.backend=dask", f"trials.address={address}", "trials.n_jobs=2")
    )
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["trials.backend"] == "dask"
    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    assert len(children) == 2


def test_missing_engine_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    monkeypatch.setattr("importlib.import_module", lambda name: no_ray(name))
    with pytest.raises(BackendMissing, match=r'pip install -e "\.\[cluster\]"'):
        with trial_backend("ray", None, 2, object()):
            pass


def test_config_rejects_unknown_or_uninstalled_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="trials.backend='spark'"):
        TrialsConfig(backend="spark").check()
    with pytest.raises(ConfigError, match="trials.address='tcp://x:8786'.*backend=loky"):
        TrialsConfig(address="tcp://x:8786").check()
    TrialsConfig(backend="loky").check()
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r'distributed is not installed: pip install -e "\.\[cluster\]"'):
        TrialsConfig(backend="dask").check()
