"""Trials: one seed, one optimizer, n iterations of ask -> serve a batch -> tell.

Trial i uses seed ``trials.seed + i`` for its user batches and for its optimizer, for every
method (common random numbers). Workers compute; they never touch MLflow.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from sysfair.experiment.backends import fetch, trial_backend
from sysfair.optimizers import Observation, make_optimizer
from sysfair.system.oracle import OracleFront, hypervolume_regret
from sysfair.system.pareto import hypervolume
from sysfair.system.platform import Platform

__all__ = [
    "TrialResult",
    "capped_n_jobs",
    "iter_trials",
    "noise_free_scores",
    "run_trial",
    "trial_batches",
    "usable_cores",
]

log = logging.getLogger(__name__)


def noise_free_scores(
    exact_utility: np.ndarray, exact_der: np.ndarray, reference: np.ndarray
) -> dict[str, float]:
    """Best utility, best DER and hypervolume above ``reference [2]`` of a trial's tried alphas ``[T]``."""
    return {
        "best_utility": float(np.nanmax(exact_utility)),
        "best_der": float(np.nanmax(exact_der)),
        "hypervolume": hypervolume(np.column_stack([exact_utility, exact_der]), reference),
    }


@dataclass(frozen=True)
class TrialResult:
    """Everything one trial produced; T iterations, K labels, G groups."""

    index: int
    seed: int
    alphas: np.ndarray  # [T, K] proposed serving weights
    observed_utility: np.ndarray  # [T] on the iteration's batch
    observed_der: np.ndarray  # [T]
    observed_group_utility: np.ndarray  # [T, G]
    exact_utility: np.ndarray  # [T] the same alphas, noise-free on the whole pool
    exact_der: np.ndarray  # [T]
    exact_group_utility: np.ndarray  # [T, G]
    ask_seconds: np.ndarray  # [T] time spent in ask()
    seconds: float  # wall time of the whole trial
    diagnostics: dict[str, float]  # the optimizer's counters (GP fallbacks, duplicates, warnings)
    observed_at: np.ndarray | None = None  # [T] wall-clock time (s since the epoch) of each observation

    def summary(self, reference: np.ndarray, oracle: OracleFront | None = None) -> dict[str, float]:
        """Final scores of the trial, on the noise-free re-evaluation of the alphas it tried.

        ``hypervolume_regret`` = 1 - HV(tried alphas) / HV(oracle front), both bounded by the
        oracle's reference point (the worst utility and worst DER achievable).
        """
        exact = np.column_stack([self.exact_utility, self.exact_der])
        observed = np.column_stack([self.observed_utility, self.observed_der])
        out = {
            **noise_free_scores(self.exact_utility, self.exact_der, reference),
            "observed_hypervolume": hypervolume(observed, reference),
            "seconds": self.seconds,
        }
        if oracle is not None:
            out["hypervolume_regret"] = hypervolume_regret(oracle, exact)
        return {**out, **self.diagnostics}

    def convergence(self, reference: np.ndarray, oracle: OracleFront | None = None) -> dict[str, np.ndarray]:
        """Per iteration t ``[T]``: hypervolume of the noise-free values of the alphas tried up to
        t (best so far), and 1 - that / HV(oracle front) when the oracle is known."""
        exact = np.column_stack([self.exact_utility, self.exact_der])
        steps = range(1, exact.shape[0] + 1)
        out = {"best_hypervolume": np.array([hypervolume(exact[:t], reference) for t in steps])}
        if oracle is not None:
            out["hypervolume_regret"] = np.array([hypervolume_regret(oracle, exact[:t]) for t in steps])
        return out


def trial_batches(seed: int, n_iterations: int, batch_size: int, n_sessions: int) -> np.ndarray:
    """The user batches ``[T, B]`` of the trial with ``seed``, the same for every optimizer."""
    rng = np.random.default_rng(seed)
    return np.stack(
        [np.sort(rng.choice(n_sessions, size=batch_size, replace=False)) for _ in range(n_iterations)]
    )


def run_trial(platform: Platform, optimizer_cfg: Any, trials_cfg: Any, index: int) -> TrialResult:
    """Run trial ``index`` of the protocol in ``trials_cfg``."""
    seed = int(trials_cfg.seed) + index
    start = time.perf_counter()
    batches = trial_batches(seed, trials_cfg.n_iterations, trials_cfg.batch_size, platform.n_sessions)
    optimizer = make_optimizer(optimizer_cfg, platform.log.n_labels, seed)
    alphas, ask_seconds, observed, observed_at = [], [], [], []
    for batch in batches:
        t0 = time.perf_counter()
        alpha = np.asarray(optimizer.ask(), dtype=np.float64)
        ask_seconds.append(time.perf_counter() - t0)
        ev = platform.evaluate(alpha, batch)
        obs = Observation(float(ev.utility[0]), float(ev.der[0]), ev.group_utility[0])
        observed_at.append(time.time())
        optimizer.tell(alpha, obs)
        alphas.append(alpha)
        observed.append(obs)
    alphas_arr = np.stack(alphas)
    exact = platform.evaluate(alphas_arr)
    return TrialResult(
        index=index,
        seed=seed,
        alphas=alphas_arr,
        observed_utility=np.array([o.utility for o in observed]),
        observed_der=np.array([o.der for o in observed]),
        observed_group_utility=np.stack([o.group_utility for o in observed]),
        exact_utility=exact.utility,
        exact_der=exact.der,
        exact_group_utility=exact.group_utility,
        ask_seconds=np.array(ask_seconds),
        seconds=time.perf_counter() - start,
        diagnostics=optimizer.diagnostics(),
        observed_at=np.array(observed_at),
    )


@contextmanager
def one_thread() -> Iterator[None]:
    """torch and BLAS held to one thread, torch's count restored after: a trial's small GP fits
    run ~3x faster than with threads fighting over the cores, in a worker and in this process."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def _run_in_worker(platform: Any, optimizer_cfg: Any, trials_cfg: Any, index: int) -> TrialResult:
    """One trial with torch and BLAS capped at one thread (parallel trials share the cores)."""
    platform = fetch(platform)  # the shipped Platform (from Ray's object store on trials.backend=ray)
    with one_thread():
        return run_trial(platform, optimizer_cfg, trials_cfg, index)


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def capped_n_jobs(requested: int, n_left: int, cores: int | None = None) -> int:
    """min(requested, trials left, usable cores); joblib's negative counts (-1 = all cores) are
    resolved first. Logs one warning when more workers than cores were asked for."""
    cores = usable_cores() if cores is None else cores
    wanted = requested if requested > 0 else max(1, cores + 1 + requested)
    if wanted > cores:
        log.warning(
            "trials.n_jobs=%d is more than the %d usable cores: running at most %d trials at a time",
            requested,
            cores,
            cores,
        )
    return max(1, min(wanted, n_left, cores))


def _kill_workers() -> None:
    """Stop joblib's reusable loky workers now (after an interruption), not at their idle timeout."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def iter_trials(
    platform: Platform,
    optimizer_cfg: Any,
    trials_cfg: Any,
    indices: Iterable[int] | None = None,
    n_jobs: int | None = None,
) -> Iterator[TrialResult]:
    """Yield each trial's result as soon as it ends (any order when parallel), ``n_jobs`` at a time.

    ``indices``: the trials to run (default: all of ``trials_cfg.n_trials``); ``n_jobs``: worker
    processes (default ``trials_cfg.n_jobs``; 1 runs them in this process). If the consumer
    stops early or an exception (Ctrl-C) arrives, the workers are killed.
    """
    todo = list(range(int(trials_cfg.n_trials)) if indices is None else indices)
    n_jobs = int(trials_cfg.n_jobs if n_jobs is None else n_jobs)
    backend = getattr(trials_cfg, "backend", "loky")
    if backend != "dask" and (n_jobs == 1 or len(todo) <= 1):  # joblib would run these in-process
        for i in todo:
            with one_thread():  # as in a worker (same numbers, checked by tests/test_backends.py)
                result = run_trial(platform, optimizer_cfg, trials_cfg, i)
            yield result
        return
    # Cluster hook (sysfair.experiment.backends): loky / Ray / Dask; the Platform is shipped once.
    shipped = platform.for_workers()  # the serving arrays only, shared with the workers
    with trial_backend(backend, getattr(trials_cfg, "address", None), n_jobs, shipped) as b:
        return_as = "generator_unordered" if b.name == "loky" else b.return_as
        parallel = Parallel(n_jobs=b.n_jobs, backend=b.joblib_backend, return_as=return_as)
        results = parallel(delayed(_run_in_worker)(b.payload, optimizer_cfg, trials_cfg, i) for i in todo)
        try:
            yield from results
        except BaseException:
            if hasattr(results, "close"):
                results.close()
            if b.name == "loky":
                _kill_workers()
            raise
