"""Exact Pareto oracle: K = 2 sweep against brute force, K = 3 grid, hypervolume regret."""

from __future__ import annotations

import numpy as np
import pytest

from sysfair.system.candidates import CandidateLog
from sysfair.system.oracle import OracleFront, hypervolume_regret, oracle_front, simplex_grid
from sysfair.system.oracle_k2 import _hull_events
from sysfair.system.pareto import staircase
from sysfair.system.platform import Platform

PREFERENCES_2 = np.array([[0.9, 0.1], [0.1, 0.9]])
TOL = 1e-12


def random_log(
    n_sessions: int, m: int, k: int, seed: int, *, decimals: int | None = None, dtype: type = np.float64
) -> CandidateLog:
    """A hand-made pool: random scores (optionally rounded, like forest votes), correlated labels."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(size=(n_sessions, m, k))
    if decimals is not None:
        scores = np.round(scores, decimals)
    labels = (rng.uniform(size=(n_sessions, m, k)) < scores).astype(np.float64)
    mask = np.ones((n_sessions, m), dtype=bool)
    mask[::7, -1] = False  # some padded slots
    scores[~mask] = 0.0
    labels[~mask] = 0.0
    group = (rng.uniform(size=n_sessions) < 0.3).astype(np.int64)
    group[:2] = [0, 1]
    return CandidateLog(
        scores=scores.astype(dtype),
        labels=labels.astype(dtype),
        mask=mask,
        group=group,
        session_features=np.zeros((n_sessions, 0)),
        item_ids=np.arange(n_sessions * m).reshape(n_sessions, m),
        label_names=tuple(f"y{j + 1}" for j in range(k)),
        n_groups=2,
    )


def grid_points(platform: Platform, n: int) -> np.ndarray:
    """(utility, DER) ``[n, 2]`` of n evenly spaced directions (1 - t, t), t in [0, 1]."""
    t = np.linspace(0.0, 1.0, n)
    ev = platform.evaluate(np.column_stack([1.0 - t, t]))
    return np.column_stack([ev.utility, ev.der])


def dominates(a: np.ndarray, b: np.ndarray, tol: float = TOL) -> np.ndarray:
    """``[N, 2]`` x ``[P, 2]`` -> ``[N, P]``: a_i strictly dominates b_j by more than tol."""
    ge = (a[:, None, :] >= b[None, :, :] - tol).all(axis=-1)
    gt = (a[:, None, :] > b[None, :, :] + tol).any(axis=-1)
    return ge & gt


def weakly_dominated(a: np.ndarray, b: np.ndarray, tol: float = TOL) -> np.ndarray:
    """``[N]``: a_i is <= some row of b in both coordinates (within tol)."""
    return (b[None, :, :] >= a[:, None, :] - tol).all(axis=-1).any(axis=1)


def check_front(front: OracleFront, k: int) -> None:
    p = front.points.shape[0]
    assert p >= 1
    assert front.alphas.shape == (p, k)
    assert np.all(front.alphas >= 0)
    np.testing.assert_allclose(front.alphas.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(np.diff(front.points[:, 0]) > 0)  # sorted by utility, no duplicates
    assert np.all(np.diff(front.points[:, 1]) < 0)  # hence non-dominated
    assert np.all(front.reference <= front.points.min(axis=0))
    assert front.hypervolume >= 0
    np.testing.assert_array_equal(front.max_utility, front.points[-1])
    np.testing.assert_array_equal(front.max_der, front.points[0])
    assert front.alpha_max_utility.shape == front.alpha_max_der.shape == (k,)


def sorted_front(points: np.ndarray) -> np.ndarray:
    """Brute-force non-dominated rows of ``[N, 2]``, sorted by utility (one per distinct point)."""
    best, out = -np.inf, []
    for i in np.lexsort((-points[:, 1], -points[:, 0])):
        if points[i, 1] > best:
            out.append(points[i])
            best = points[i, 1]
    return np.array(out[::-1])


def test_exact_front_equals_fine_grid_on_small_pool() -> None:
    log = random_log(60, 6, 2, seed=2)
    platform = Platform(log, PREFERENCES_2)
    # Precondition: all breakpoints lie further apart than the grid's step, so the grid visits
    # every interval and both fronts must coincide.
    _, t, *_ = _hull_events(log.scores, log.mask, 1e-12)
    assert np.diff(np.sort(np.concatenate([[0.0, 1.0], t]))).min() > 2.0 / 20000
    front = oracle_front(platform)
    check_front(front, 2)
    assert front.resolution == f"exact ({t.size} breakpoints)"
    assert front.points.shape[0] >= 5
    grid_front = sorted_front(grid_points(platform, 20001))
    assert grid_front.shape == front.points.shape
    np.testing.assert_allclose(grid_front, front.points, rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("n_sessions", "m", "decimals", "dtype"),
    [(300, 10, None, np.float64), (300, 10, 2, np.float32)],
    ids=["continuous", "votes_float32"],
)
def test_no_grid_point_dominates_the_oracle(
    n_sessions: int, m: int, decimals: int | None, dtype: type
) -> None:
    log = random_log(n_sessions, m, 2, seed=7, decimals=decimals, dtype=dtype)
    platform = Platform(log, PREFERENCES_2)
    front = oracle_front(platform)
    check_front(front, 2)
    grid = grid_points(platform, 20001)
    assert not dominates(grid, front.points).any()
    assert weakly_dominated(grid, front.points).all()
    assert np.all(front.reference <= grid.min(axis=0) + TOL)
    # Front points are exactly what the platform serves at their alphas.
    ev = platform.evaluate(front.alphas)
    np.testing.assert_allclose(np.column_stack([ev.utility, ev.der]), front.points, rtol=0, atol=TOL)


def test_hypervolume_regret() -> None:
    platform = Platform(random_log(200, 8, 2, seed=11), PREFERENCES_2)
    front = oracle_front(platform)
    assert front.hypervolume > 0
    assert hypervolume_regret(front, front.points) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(5):
        ev = platform.evaluate(rng.uniform(size=2))
        regret = hypervolume_regret(front, np.column_stack([ev.utility, ev.der]))
        assert 0.0 < regret <= 1.0
    assert hypervolume_regret(front, np.zeros((0, 2))) == 1.0
    assert hypervolume_regret(front, front.reference[None]) == 1.0
    # Part of the front: strictly between 0 and 1, and more points never hurt.
    half = hypervolume_regret(front, front.points[::2])
    assert 0.0 <= half < 1.0
    assert hypervolume_regret(front, front.points[::4]) >= half - 1e-12


def test_k3_grid_front() -> None:
    log = random_log(150, 8, 3, seed=5)
    preferences = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]])
    platform = Platform(log, preferences)
    front = oracle_front(platform, grid_points=400)
    check_front(front, 3)
    assert front.resolution.startswith("grid of ")
    n = int(front.resolution.split()[2])
    assert 300 <= n <= 400
    # Every grid direction was served: random directions never beat the grid front by much,
    # and the grid's own directions never beat it at all.
    grid = simplex_grid(3, 26)
    ev = platform.evaluate(grid)
    pts = np.column_stack([ev.utility, ev.der])
    assert weakly_dominated(pts, front.points).all()
    assert np.all(front.reference <= pts.min(axis=0) + TOL)


def test_simplex_grid() -> None:
    g = simplex_grid(3, 4)
    # every (a, b, c) / 4 with a + b + c = 4, once
    want = {(a / 4, b / 4, (4 - a - b) / 4) for a in range(5) for b in range(5 - a)}
    assert g.shape == (15, 3) and {tuple(r) for r in g} == want
    two = [[0, 1], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25], [1, 0]]
    np.testing.assert_array_equal(simplex_grid(2, 4), two)


def test_oracle_needs_two_groups() -> None:
    log = random_log(30, 4, 2, seed=1)
    one = CandidateLog(
        scores=log.scores,
        labels=log.labels,
        mask=log.mask,
        group=np.zeros(30, dtype=np.int64),
        session_features=log.session_features,
        item_ids=log.item_ids,
        label_names=log.label_names,
        n_groups=2,
    )
    with pytest.raises(ValueError, match="2 groups"):
        oracle_front(Platform(one, PREFERENCES_2))


def test_staircase_traces_the_dominated_region_boundary() -> None:
    """step(where="pre") over staircase(front): height over (x[i-1], x[i]] is the i-th point's DER."""
    front = np.array([[0.7, 0.2], [0.5, 0.9], [0.6, 0.5]])
    x, y = staircase(front)
    np.testing.assert_array_equal(x, [0.5, 0.6, 0.7])
    np.testing.assert_array_equal(y, [0.9, 0.5, 0.2])
    # the best DER attainable at utility >= 0.65 is 0.2 (only the point (0.7, 0.2) reaches it)
    assert y[np.searchsorted(x, 0.65)] == 0.2
