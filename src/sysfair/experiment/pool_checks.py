"""Config checks that need the serving pool: the batch fits, and every batch holds every group.

Run once the CandidateLog is built (or known by its session count), before any trial.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sysfair.checks import require
from sysfair.system.groupwise import group_counts

__all__ = ["check_pool"]


def check_pool(cfg: Any, pool: Any) -> None:
    """Checks that need the serving pool: ``pool`` is its CandidateLog (or just its session count).

    The batch must fit in the pool, every group must have sessions, and every batch of every trial
    (the batches are known in advance: common random numbers) must hold a session of every group,
    else that batch's DER is undefined; the error then names a batch size that works.
    """
    n_sessions = int(pool) if isinstance(pool, int | np.integer) else int(pool.n_sessions)
    b = cfg.trials.batch_size
    raise_pool = " or raise dataset.n_sessions" if hasattr(cfg.dataset, "n_sessions") else ""
    require(
        b <= n_sessions,
        "trials.batch_size",
        b,
        f"at most the {n_sessions} sessions of the serving pool (lower trials.batch_size{raise_pool})",
    )
    group = getattr(pool, "group", None)
    if group is None:
        return
    counts = group_counts(groups=np.asarray(group), n_groups=len(cfg.preferences.prevalences))
    for g, n in enumerate(counts):
        require(
            n > 0,
            "preferences.prevalences",
            list(cfg.preferences.prevalences),
            f"shares that give every group sessions: group {g} has none of the {n_sessions} serving "
            f"sessions (raise its share{raise_pool})",
        )
    missing = _batch_without_a_group(cfg.trials, np.asarray(group), len(counts), b)
    if missing is None:
        return
    trial, iteration, g = missing
    works = _smallest_working_batch(cfg.trials, np.asarray(group), len(counts), b, n_sessions)
    fix = (
        f"trials.batch_size={works} gives every group a session in every batch"
        if works
        else (f"no batch size up to the pool's {n_sessions} sessions does{raise_pool.replace(' or', '; ')}")
    )
    require(
        False,
        "trials.batch_size",
        b,
        f"a batch size whose batches hold every group: batch {iteration} of trial {trial} has no "
        f"session of group {g}, so its DER is undefined; {fix}",
    )


def _batch_without_a_group(
    trials: Any, group: np.ndarray, n_groups: int, b: int
) -> tuple[int, int, int] | None:
    """(trial, iteration, group) of the first batch of size ``b`` missing a group, or None."""
    from sysfair.experiment.trials import trial_batches

    for i in range(int(trials.n_trials)):
        batches = trial_batches(int(trials.seed) + i, int(trials.n_iterations), b, group.size)
        for t, batch in enumerate(batches):
            present = group_counts(groups=group[batch], n_groups=n_groups)
            if (present == 0).any():
                return i, t, int(np.argmin(present))
    return None


def _smallest_working_batch(trials: Any, group: np.ndarray, n_groups: int, b: int, n: int) -> int | None:
    """The smallest batch size above ``b`` (binary search) whose batches all hold every group."""
    if _batch_without_a_group(trials, group, n_groups, n) is not None:
        return None
    lo, hi = b, n  # lo fails, hi works
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _batch_without_a_group(trials, group, n_groups, mid) is None:
            hi = mid
        else:
            lo = mid
    return hi
