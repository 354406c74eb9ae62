"""The one group-wise mean/gap function, checked by hand."""

from __future__ import annotations

import numpy as np

from sysfair.system.groupwise import group_counts, group_gap, group_means


def test_weighted_means_counts_and_gap_by_hand() -> None:
    values = np.array([1.0, 3.0, 2.0, 0.0, 6.0])
    groups = np.array([0, 0, 1, 1, 3])  # group 2 empty
    np.testing.assert_array_equal(group_counts(groups=groups, n_groups=4), [2, 2, 0, 1])
    means = group_means(values=values, groups=groups, n_groups=4, weights=np.array([3.0, 1.0, 0.0, 0.0, 2.0]))
    # group 0: (3*1 + 1*3) / 4 = 1.5; group 1: weights sum to 0 -> NaN; group 3: 6
    np.testing.assert_array_equal(means[[0, 3]], [1.5, 6.0])
    assert np.isnan(means[1]) and np.isnan(means[2])
    assert group_gap(means=means) == 4.5
    assert group_gap(means=np.array([np.nan, 2.0])) == 0.0
    assert np.isnan(group_gap(means=np.array([np.nan, np.nan])))
    np.testing.assert_array_equal(group_gap(means=np.array([[1.0, 4.0], [2.0, np.nan]])), [3.0, 0.0])


def test_means_keep_the_bits_of_a_plain_mean() -> None:
    """float32 values: each group's mean is numpy's own mean of its entries, not a float64 re-sum."""
    rng = np.random.default_rng(3)
    values = rng.random(1001).astype(np.float32)
    groups = rng.integers(0, 3, 1001)
    out = group_means(values=values, groups=groups, n_groups=3)
    for g in range(3):
        assert out[g] == float(values[groups == g].mean())
    assert not np.array_equal(out, group_means(values=values.astype(np.float64), groups=groups, n_groups=3))
