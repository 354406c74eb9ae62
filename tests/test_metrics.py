"""DER (DESIGN.md §2) on hand-computed cases and its defined edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from sysfair.system.metrics import der, der_batch, group_means


def test_equal_means_give_one() -> None:
    assert der(group_utility=np.array([0.3, 0.3])) == pytest.approx(1.0)
    assert der(group_utility=np.array([2.0, 2.0, 2.0])) == pytest.approx(1.0)


def test_one_group_with_everything_gives_zero() -> None:
    assert der(group_utility=np.array([0.7, 0.0])) == pytest.approx(0.0)
    assert der(group_utility=np.array([0.0, 0.0, 5.0])) == pytest.approx(0.0)


def test_two_groups_hand_computed() -> None:
    # shares 0.6, 0.4 -> deviations +-0.1 -> 1 - 2/1 * 0.02 = 0.96
    assert der(group_utility=np.array([0.6, 0.4])) == pytest.approx(0.96)


def test_three_groups_hand_computed() -> None:
    # shares .5 .3 .2; squared deviations from 1/3: 1/36 + 1/900 + 4/225 = 0.0466667; x 3/2 = 0.07
    assert der(group_utility=np.array([5.0, 3.0, 2.0])) == pytest.approx(0.93)


def test_scale_free() -> None:
    mu = np.array([0.2, 0.5, 0.9])
    assert der(group_utility=mu) == pytest.approx(der(group_utility=10 * mu))


def test_all_zero_is_equal() -> None:
    assert der(group_utility=np.zeros(2)) == 1.0


def test_absent_group_is_left_out() -> None:
    assert der(group_utility=np.array([0.6, np.nan, 0.4])) == pytest.approx(0.96)
    assert np.isnan(der(group_utility=np.array([0.6, np.nan])))


def test_negative_utility_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        der(group_utility=np.array([0.5, -0.1]))


def test_batch_matches_single() -> None:
    mu = np.random.default_rng(0).random((7, 3))
    np.testing.assert_allclose(der_batch(mu), [der(group_utility=row) for row in mu])


def test_der_needs_two_groups() -> None:
    with pytest.raises(ValueError, match="at least 2 groups"):
        der(group_utility=np.array([1.0]))


def test_group_means_hand_computed() -> None:
    out = group_means(values=np.array([1.0, 3.0, 2.0, 0.0]), groups=np.array([0, 0, 1, 1]), n_groups=3)
    np.testing.assert_allclose(out[:2], [2.0, 1.0])
    assert np.isnan(out[2])
