"""The O(N log N) two-objective Pareto mask against BoTorch's ``is_non_dominated`` (the old path)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from botorch.utils.multi_objective.box_decompositions.dominated import DominatedPartitioning
from botorch.utils.multi_objective.pareto import is_non_dominated

from sysfair.system.pareto import hypervolume, pareto_mask


def botorch_mask(points: np.ndarray) -> np.ndarray:
    """The previous ``pareto_mask``: finite rows through BoTorch (deduplicate=True), others False."""
    points = np.asarray(points, dtype=np.float64)
    out = np.zeros(points.shape[0], dtype=bool)
    finite = np.isfinite(points).all(axis=1)
    if finite.any():
        out[finite] = is_non_dominated(torch.from_numpy(points[finite])).numpy()
    return out


def lattice_points(rng: np.random.Generator, n: int, levels: int) -> np.ndarray:
    """``[n, 2]`` on a coarse lattice: many ties in each coordinate and many identical rows."""
    return rng.integers(levels, size=(n, 2)) / levels


def test_hand_made_front_with_duplicates() -> None:
    points = np.array(
        [
            [1.0, 0.0],  # 0: front
            [0.5, 0.5],  # 1: front (first copy)
            [0.5, 0.5],  # 2: duplicate of 1 -> dropped
            [0.5, 0.4],  # 3: dominated by 1 (same x, lower y)
            [0.4, 0.5],  # 4: dominated by 1 (same y, lower x)
            [0.0, 1.0],  # 5: front
            [np.nan, 2.0],  # 6: non-finite -> never on the front
            [np.inf, 0.0],  # 7: non-finite
            [1.0, 0.0],  # 8: duplicate of 0 -> dropped
        ]
    )
    expected = [True, True, False, False, False, True, False, False, False]
    np.testing.assert_array_equal(pareto_mask(points), expected)
    np.testing.assert_array_equal(botorch_mask(points), expected)


def test_signed_zeros_are_duplicates() -> None:
    points = np.array([[-0.0, 1.0], [0.0, 1.0], [1.0, -0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(pareto_mask(points), [True, False, True, False])
    np.testing.assert_array_equal(pareto_mask(points), botorch_mask(points))


@pytest.mark.parametrize("n", [1, 2, 7, 300, 1000, 1500])
@pytest.mark.parametrize("levels", [2, 5, 40, 0])
def test_matches_botorch_on_random_sets(n: int, levels: int) -> None:
    """Both BoTorch paths (pairwise for n <= 1000, loop above) on ties, duplicates and NaN."""
    rng = np.random.default_rng(n * 100 + levels)
    for _ in range(5):
        points = lattice_points(rng, n, levels) if levels else rng.normal(size=(n, 2))
        if n > 2:
            points[rng.integers(n, size=n // 3)] = points[rng.integers(n, size=n // 3)]  # duplicates
            points[rng.integers(n, size=max(1, n // 50)), rng.integers(2)] = np.nan
        ours = pareto_mask(points)
        np.testing.assert_array_equal(ours, botorch_mask(points))
        # and it is a front: every dropped finite row is weakly dominated by a kept row
        kept = points[ours]
        finite = np.isfinite(points).all(axis=1)
        for row in points[finite & ~ours]:
            assert ((kept >= row).all(axis=1)).any()


def test_empty_and_all_nan() -> None:
    assert pareto_mask(np.zeros((0, 2))).shape == (0,)
    np.testing.assert_array_equal(pareto_mask(np.full((3, 2), np.nan)), [False, False, False])


def test_three_objectives_still_use_botorch() -> None:
    rng = np.random.default_rng(5)
    points = lattice_points(rng, 200, 4)
    points = np.column_stack([points, rng.integers(3, size=200)])
    np.testing.assert_array_equal(pareto_mask(points), botorch_mask(points))


@pytest.mark.parametrize("n", [1, 5, 400, 1500])
@pytest.mark.parametrize("levels", [3, 30, 0])
def test_hypervolume_identical_to_botorch(n: int, levels: int) -> None:
    """The 2-D partitioning with the sort-based filter gives BoTorch's float, bit for bit."""
    rng = np.random.default_rng(n + levels)
    for _ in range(3):
        points = lattice_points(rng, n, levels) if levels else rng.normal(size=(n, 2))
        if n > 2:
            points[rng.integers(n, size=n // 3)] = points[rng.integers(n, size=n // 3)]
        reference = np.quantile(points, 0.2, axis=0)  # some points below the reference
        botorch = DominatedPartitioning(
            ref_point=torch.as_tensor(reference), Y=torch.from_numpy(points)
        ).compute_hypervolume()
        assert hypervolume(points, reference) == float(botorch)
    assert hypervolume(np.array([[0.5, 0.5], [1.0, 0.25]]), np.zeros(2)) == 0.25 + 0.5 * 0.25
