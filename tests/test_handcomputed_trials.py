"""The trial protocol (issue 18): trial i uses seed + i, the optimizer is told the batch values,
the scores use the noise-free values on the whole pool, and the summaries by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import random_log
from threadpoolctl import threadpool_info

import sysfair.experiment.trials as trials
from sysfair.experiment.trials import (
    TrialResult,
    iter_trials,
    noise_free_scores,
    run_trial,
    trial_batches,
)
from sysfair.optimizers import make_optimizer
from sysfair.optimizers.configs import RandomSearchConfig, SobolConfig
from sysfair.system.oracle import OracleFront
from sysfair.system.platform import Platform

EXACT = 1e-12
PREFS = np.array([[0.9, 0.1], [0.1, 0.9]])


def _cfg(**kw: object) -> SimpleNamespace:
    return SimpleNamespace(
        **{"seed": 5, "n_iterations": 4, "batch_size": 30, "n_trials": 3, "n_jobs": 1, **kw}
    )


def _platform() -> Platform:
    return Platform(random_log(n_sessions=200, m=6, seed=3), PREFS)


class Recording:
    """Wraps an optimizer and records every ask and tell."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.told: list[tuple[np.ndarray, object]] = []

    def ask(self) -> np.ndarray:
        return self.inner.ask()

    def tell(self, alpha: np.ndarray, observation: object) -> None:
        self.told.append((np.array(alpha), observation))
        self.inner.tell(alpha, observation)

    def diagnostics(self) -> dict[str, float]:
        return {"n_fallbacks": 2.0}


def test_trial_i_uses_seed_plus_i_batches_and_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    platform = _platform()
    made: list[tuple[object, int, int]] = []
    recorders: list[Recording] = []

    def factory(cfg: object, n_labels: int, seed: int) -> Recording:
        made.append((cfg, n_labels, seed))
        recorders.append(Recording(make_optimizer(cfg, n_labels, seed)))
        return recorders[-1]

    monkeypatch.setattr(trials, "make_optimizer", factory)
    opt_cfg = RandomSearchConfig()
    result = run_trial(platform, opt_cfg, _cfg(), 2)
    assert (result.index, result.seed) == (2, 7)
    assert made == [(opt_cfg, 2, 7)]
    # the alphas are the asks of a fresh optimizer seeded 7
    fresh = make_optimizer(opt_cfg, 2, 7)
    np.testing.assert_array_equal(result.alphas, np.stack([fresh.ask() for _ in range(4)]))
    batches = trial_batches(7, 4, 30, platform.n_sessions)
    told = recorders[0].told
    assert len(told) == 4
    for t, batch in enumerate(batches):
        ev = platform.evaluate(result.alphas[t], batch)
        assert result.observed_utility[t] == ev.utility[0]
        assert result.observed_der[t] == ev.der[0]
        np.testing.assert_array_equal(result.observed_group_utility[t], ev.group_utility[0])
        # the optimizer is told the batch's observation, not the noise-free value
        alpha, obs = told[t]
        np.testing.assert_array_equal(alpha, result.alphas[t])
        assert (obs.utility, obs.der) == (ev.utility[0], ev.der[0])
        np.testing.assert_array_equal(obs.group_utility, ev.group_utility[0])
    exact = platform.evaluate(result.alphas)  # noise-free: the whole pool
    np.testing.assert_array_equal(result.exact_utility, exact.utility)
    np.testing.assert_array_equal(result.exact_der, exact.der)
    np.testing.assert_array_equal(result.exact_group_utility, exact.group_utility)
    assert np.abs(result.exact_utility - result.observed_utility).max() > 1e-3  # batches are not the pool
    assert result.diagnostics == {"n_fallbacks": 2.0}
    assert result.ask_seconds.shape == (4,) and np.all(result.ask_seconds >= 0)
    assert result.seconds >= result.ask_seconds.sum()


def test_trial_batches_shared_across_optimizers() -> None:
    """Trial i of two different optimizers observes the same user batches (common random numbers)."""
    platform = _platform()
    cfg = _cfg()
    runs = {
        name: run_trial(platform, c, cfg, 1)
        for name, c in (("random", RandomSearchConfig()), ("sobol", SobolConfig()))
    }
    assert not np.allclose(runs["random"].alphas, runs["sobol"].alphas)  # different proposals
    batches = trial_batches(6, 4, 30, platform.n_sessions)
    for result in runs.values():
        for t, batch in enumerate(batches):
            assert result.observed_utility[t] == platform.evaluate(result.alphas[t], batch).utility[0]
    # a serving weight valued on another trial's batches would give other numbers
    other = trial_batches(7, 4, 30, platform.n_sessions)
    r = runs["random"]
    assert any(r.observed_utility[t] != platform.evaluate(r.alphas[t], other[t]).utility[0] for t in range(4))


def test_trial_batches_are_distinct_sorted_sessions_per_iteration() -> None:
    a = trial_batches(5, 6, 30, 200)
    assert a.shape == (6, 30)
    assert np.all(np.diff(a, axis=1) > 0)  # sorted, no session twice in a batch
    assert a.min() >= 0 and a.max() < 200
    assert len({tuple(row) for row in a}) == 6  # a new batch each iteration
    np.testing.assert_array_equal(a, trial_batches(5, 6, 30, 200))
    assert not np.array_equal(a, trial_batches(6, 6, 30, 200))
    full = trial_batches(0, 2, 10, 10)  # a batch of the whole pool is every session
    np.testing.assert_array_equal(full, np.tile(np.arange(10), (2, 1)))


def test_iter_trials_in_order_and_in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    platform = _platform()
    opt_cfg = RandomSearchConfig()
    serial = list(iter_trials(platform, opt_cfg, _cfg()))
    assert [r.index for r in serial] == [0, 1, 2] and [r.seed for r in serial] == [5, 6, 7]
    for r in serial:
        np.testing.assert_array_equal(r.alphas, run_trial(platform, opt_cfg, _cfg(), r.index).alphas)

    # n_jobs > 1: every trial goes through _run_in_worker under joblib with n_jobs workers
    seen: dict[str, object] = {}

    class FakeParallel:
        def __init__(self, n_jobs: int, return_as: str, backend: object = None) -> None:
            seen["n_jobs"], seen["return_as"] = n_jobs, return_as

        def __call__(self, tasks):  # noqa: ANN001, ANN204
            for func, args, kwargs in tasks:
                seen.setdefault("funcs", []).append(func)
                yield func(*args, **kwargs)

    threads_in_worker: list[tuple[int, list[int]]] = []
    original_run = trials.run_trial

    def spy(*args: object) -> TrialResult:
        blas = [lib["num_threads"] for lib in threadpool_info()]
        threads_in_worker.append((torch.get_num_threads(), blas))
        return original_run(*args)

    monkeypatch.setattr(trials, "Parallel", FakeParallel)
    monkeypatch.setattr(trials, "run_trial", spy)
    before = torch.get_num_threads()
    try:
        parallel = list(iter_trials(platform, opt_cfg, _cfg(n_jobs=2)))
    finally:
        torch.set_num_threads(before)
    assert seen["n_jobs"] == 2 and seen["return_as"] == "generator_unordered"  # live record
    assert [f.__name__ for f in seen["funcs"]] == ["_run_in_worker"] * 3
    assert [r.index for r in parallel] == [0, 1, 2]
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a.observed_utility, b.observed_utility)
    for torch_threads, blas in threads_in_worker:
        assert torch_threads == 1 and all(n == 1 for n in blas)


def test_in_process_trials_run_on_one_thread_as_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # n_jobs=1 runs the trials here, held to one torch and BLAS thread like a worker (small GP fits
    # ran ~3x slower with threads fighting over the cores), and gives the thread count back after
    seen: list[tuple[int, list[int]]] = []
    original_run = trials.run_trial

    def spy(*args: object) -> TrialResult:
        seen.append((torch.get_num_threads(), [lib["num_threads"] for lib in threadpool_info()]))
        return original_run(*args)

    monkeypatch.setattr(trials, "run_trial", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        between: list[int] = []
        for _ in iter_trials(_platform(), RandomSearchConfig(), _cfg()):
            between.append(torch.get_num_threads())  # the consumer (MLflow, the bar) is not capped
        assert between == [2, 2, 2]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert len(seen) == 3
    for torch_threads, blas in seen:
        assert torch_threads == 1 and all(n == 1 for n in blas)


# ---- summaries by hand ---------------------------------------------------------------------------


def _result(exact: np.ndarray, observed: np.ndarray) -> TrialResult:
    t = exact.shape[0]
    return TrialResult(
        index=0,
        seed=0,
        alphas=np.ones((t, 2)),
        observed_utility=observed[:, 0],
        observed_der=observed[:, 1],
        observed_group_utility=np.zeros((t, 2)),
        exact_utility=exact[:, 0],
        exact_der=exact[:, 1],
        exact_group_utility=np.zeros((t, 2)),
        ask_seconds=np.zeros(t),
        seconds=1.5,
        diagnostics={"n_fallbacks": 1.0},
    )


EXACT_POINTS = np.array([[0.2, 0.9], [0.5, 0.4], [0.3, 0.3]])
OBSERVED_POINTS = np.array([[0.25, 0.8], [0.6, 0.5], [0.1, 0.2]])


def test_noise_free_scores_by_hand() -> None:
    scores = noise_free_scores(EXACT_POINTS[:, 0], EXACT_POINTS[:, 1], np.zeros(2))
    # HV above (0, 0): 0.5 * 0.4 + 0.2 * (0.9 - 0.4) = 0.30
    assert scores == pytest.approx({"best_utility": 0.5, "best_der": 0.9, "hypervolume": 0.30}, abs=EXACT)
    with_nan = noise_free_scores(np.array([0.2, np.nan]), np.array([np.nan, 0.7]), np.zeros(2))
    assert with_nan["best_utility"] == 0.2 and with_nan["best_der"] == 0.7 and with_nan["hypervolume"] == 0.0


def test_summary_uses_the_given_reference_and_the_oracle_for_regret() -> None:
    oracle = OracleFront(
        alphas=np.array([[0.5, 0.5]]),
        points=np.array([[0.6, 0.9]]),
        reference=np.zeros(2),
        hypervolume=0.54,
        max_utility=np.array([0.6, 0.9]),
        alpha_max_utility=np.array([0.5, 0.5]),
        max_der=np.array([0.6, 0.9]),
        alpha_max_der=np.array([0.5, 0.5]),
        resolution="test",
    )
    result = _result(EXACT_POINTS, OBSERVED_POINTS)
    summary = result.summary(np.array([0.1, 0.1]), oracle)
    # HV above (0.1, 0.1): (0.5 - 0.1)(0.4 - 0.1) + (0.2 - 0.1)(0.9 - 0.4) = 0.12 + 0.05
    assert summary["hypervolume"] == pytest.approx(0.17, abs=EXACT)
    # observed: (0.6 - 0.1)(0.5 - 0.1) + (0.25 - 0.1)(0.8 - 0.5) = 0.2 + 0.045
    assert summary["observed_hypervolume"] == pytest.approx(0.245, abs=EXACT)
    # regret against the oracle's own reference (0, 0): 1 - 0.30 / 0.54 = 4/9
    assert summary["hypervolume_regret"] == pytest.approx(4 / 9, abs=EXACT)
    assert summary["best_utility"] == 0.5 and summary["best_der"] == 0.9
    assert summary["seconds"] == 1.5 and summary["n_fallbacks"] == 1.0
    assert "hypervolume_regret" not in result.summary(np.zeros(2))
    assert result.summary(np.zeros(2))["hypervolume"] == pytest.approx(0.30, abs=EXACT)


class _FakeBackend:
    """What trial_backend yields, recording how it was opened."""

    def __init__(self, name: str, n_jobs: int, payload: object) -> None:
        self.name, self.n_jobs, self.payload = name, n_jobs, payload
        self.joblib_backend, self.return_as = f"{name}-engine", "generator"


def _route(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Replace the engine, joblib and the worker kill by recorders; returns what they saw."""
    from contextlib import contextmanager

    seen: dict[str, object] = {"closed": False, "killed": 0}

    @contextmanager
    def fake_backend(backend, address, n_jobs, shipped):  # noqa: ANN001, ANN202
        seen["opened"] = (backend, address, n_jobs)
        yield _FakeBackend(backend, n_jobs, shipped)

    class FakeParallel:
        def __init__(self, n_jobs: int, return_as: str, backend: object = None) -> None:
            seen["parallel"], seen["joblib_backend"] = (n_jobs, return_as), backend

        def __call__(self, tasks):  # noqa: ANN001, ANN204
            try:
                for func, args, kwargs in tasks:
                    yield func(*args, **kwargs)
            except GeneratorExit:
                seen["closed"] = True
                raise

    def kill() -> None:
        seen["killed"] = int(seen["killed"]) + 1

    monkeypatch.setattr(trials, "trial_backend", fake_backend)
    monkeypatch.setattr(trials, "Parallel", FakeParallel)
    monkeypatch.setattr(trials, "_kill_workers", kill)
    return seen


def test_trials_go_to_the_configured_engine_and_address(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _route(monkeypatch)
    cfg = _cfg(n_jobs=2, backend="ray", address="ray://head:10001")
    out = list(iter_trials(_platform(), RandomSearchConfig(), cfg))
    assert seen["opened"] == ("ray", "ray://head:10001", 2)
    assert seen["parallel"] == (2, "generator")  # the engine's own return_as off loky
    assert seen["joblib_backend"] == "ray-engine"  # joblib runs on the engine's backend
    assert [r.index for r in out] == [0, 1, 2]
    # Dask runs on its workers even for n_jobs = 1 (joblib would not start any for the others)
    seen.pop("opened")
    list(iter_trials(_platform(), RandomSearchConfig(), _cfg(n_jobs=1, backend="dask")))
    assert seen["opened"] == ("dask", None, 1)


def test_one_job_or_one_trial_never_starts_an_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _route(monkeypatch)
    list(iter_trials(_platform(), RandomSearchConfig(), _cfg(n_jobs=1, backend="loky")))
    list(iter_trials(_platform(), RandomSearchConfig(), _cfg(n_jobs=2, backend="ray"), indices=[1]))
    assert "opened" not in seen and "parallel" not in seen
    list(iter_trials(_platform(), RandomSearchConfig(), _cfg(n_jobs=2), indices=[0, 1]))  # loky default
    assert seen["opened"] == ("loky", None, 2) and seen["parallel"] == (2, "generator_unordered")


def test_stopping_early_closes_the_stream_and_kills_loky_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _route(monkeypatch)
    stream = iter_trials(_platform(), RandomSearchConfig(), _cfg(n_jobs=2))
    first = next(stream)
    stream.close()  # the consumer stops (Ctrl-C, an error in the record)
    assert first.index == 0 and seen["closed"] is True and seen["killed"] == 1
    seen.update(closed=False, killed=0)
    stream = iter_trials(_platform(), RandomSearchConfig(), _cfg(n_jobs=2, backend="dask"))
    next(stream)
    stream.close()
    assert seen["closed"] is True and seen["killed"] == 0  # only loky's workers are ours to kill


def test_trial_seconds_are_its_own_duration() -> None:
    result = run_trial(_platform(), RandomSearchConfig(), _cfg(), 0)
    assert 0.0 < result.seconds < 60.0
