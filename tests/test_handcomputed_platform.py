"""Hand-computed platform cases (issue 18): utility and DER with unequal group sizes, batches,
absent groups, many alphas in one call, chunking, and the DER edge cases in batch form.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sysfair.system.platform as platform_module
from sysfair.system.candidates import CandidateLog
from sysfair.system.metrics import der, der_batch, group_means
from sysfair.system.platform import Platform, directions

EXACT = 1e-12
# group 0 (0.9, 0.1), group 1 (0.1, 0.9), group 2 (0.5, 0.5) has no session
PREFS3 = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]])


def _unequal_log() -> CandidateLog:
    """Four sessions, groups 0, 0, 0, 1 (group 2 configured but absent).

    Slot 0 scores (3/4, 1/4), slot 1 (1/4, 3/4): alpha = (1, 0) serves slot 0, (0, 1) slot 1.
    Labels (slot 0; slot 1): s0 (1,0; 0,1), s1 (1,1; 0,0), s2 (0,0; 0,1), s3 (0,1; 1,0).
    """
    scores = np.tile(np.array([[0.75, 0.25], [0.25, 0.75]], dtype=np.float32), (4, 1, 1))
    labels = np.array(
        [[[1, 0], [0, 1]], [[1, 1], [0, 0]], [[0, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=np.float32
    )
    return CandidateLog(
        scores=scores,
        labels=labels,
        mask=np.ones((4, 2), dtype=bool),
        group=np.array([0, 0, 0, 1]),
        session_features=np.zeros((4, 0), dtype=np.float32),
        item_ids=np.arange(8).reshape(4, 2),
        label_names=("y1", "y2"),
        n_groups=3,
    )


def test_utility_is_the_session_mean_not_the_mean_of_group_means() -> None:
    platform = Platform(_unequal_log(), PREFS3)
    ev = platform.evaluate(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]]))
    # alpha = (1, 0): values s0 0.9, s1 1.0, s2 0, s3 (group 1) 0.9
    #   group means (1.9/3, 0.9, NaN); utility 2.8 / 4 = 0.7 (the mean of group means is 0.767)
    #   DER of (19/30, 27/30): shares 19/46, 27/46 -> 1 - 2 * 2 * (4/46)^2 = 513/529
    # alpha = (0, 1): values s0 0.1, s1 0, s2 0.1, s3 0.1
    #   group means (1/15, 1/10, NaN); utility 0.3 / 4; shares 2/5, 3/5 -> DER 0.96
    np.testing.assert_allclose(ev.utility, [0.7, 0.075, 0.7], atol=EXACT)
    np.testing.assert_allclose(
        ev.group_utility[:, :2], [[1.9 / 3, 0.9], [1 / 15, 0.1], [1.9 / 3, 0.9]], atol=EXACT
    )
    assert np.isnan(ev.group_utility[:, 2]).all()
    np.testing.assert_allclose(ev.der, [513 / 529, 0.96, 513 / 529], atol=EXACT)
    one = ev[1]  # indexing keeps the row as a batch of one
    assert one.utility.shape == one.der.shape == (1,) and one.group_utility.shape == (1, 3)
    assert one.utility[0] == pytest.approx(0.075, abs=EXACT)
    assert one.der[0] == pytest.approx(0.96, abs=EXACT)
    np.testing.assert_allclose(one.group_utility[0, :2], [1 / 15, 0.1], atol=EXACT)


def test_a_batch_is_valued_on_its_own_sessions_and_groups() -> None:
    platform = Platform(_unequal_log(), PREFS3)
    alpha = np.array([1.0, 0.0])
    ev = platform.evaluate(alpha, np.array([1, 3]))  # s1 (group 0) and s3 (group 1)
    assert ev.utility[0] == pytest.approx(0.95, abs=EXACT)
    np.testing.assert_allclose(ev.group_utility[0, :2], [1.0, 0.9], atol=EXACT)
    assert ev.der[0] == pytest.approx(1 - 1 / 361, abs=EXACT)  # 1 - 4 (0.05 / 1.9)^2
    only_group0 = platform.evaluate(alpha, np.array([0, 1, 2]))
    assert only_group0.utility[0] == pytest.approx(1.9 / 3, abs=EXACT)
    assert np.isnan(only_group0.der[0]) and np.isnan(only_group0.group_utility[0, 1])
    np.testing.assert_array_equal(
        platform.serve(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([3, 0])), [[0, 0], [1, 1]]
    )


def test_chunked_evaluation_equals_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    s, m = 30, 5
    scores = rng.random((s, m, 2)).astype(np.float32)
    mask = np.ones((s, m), dtype=bool)
    mask[::4, 0] = False
    log = CandidateLog(
        scores=scores,
        labels=(rng.random((s, m, 2)) < scores).astype(np.float32),
        mask=mask,
        group=rng.integers(2, size=s),
        session_features=np.zeros((s, 0), dtype=np.float32),
        item_ids=np.arange(s * m).reshape(s, m),
        label_names=("y1", "y2"),
        n_groups=2,
    )
    prefs = np.array([[0.9, 0.1], [0.2, 0.8]])
    alphas = rng.random((7, 2))
    batch = np.arange(0, s, 2)
    whole = Platform(log, prefs)
    one = whole.evaluate(alphas)
    one_batch = whole.evaluate(alphas, batch)
    monkeypatch.setattr(platform_module, "_CHUNK_ELEMENTS", 2 * s * m)  # two alphas per chunk
    chunked = Platform(log, prefs)
    for got, want in ((chunked.evaluate(alphas), one), (chunked.evaluate(alphas, batch), one_batch)):
        # the served items are identical; the sums may differ in the last bit (BLAS order)
        np.testing.assert_allclose(got.utility, want.utility, rtol=1e-14, atol=0)
        np.testing.assert_allclose(got.group_utility, want.group_utility, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(chunked.serve(alphas), whole.serve(alphas))
    # the masked slot 0 is never served, with or without a batch
    assert not np.any(whole.serve(alphas)[:, ::4] == 0)
    assert not np.any(whole.serve(alphas, np.arange(0, s, 4)) == 0)
    # a one-alpha serve returns [B], not [1, B]
    assert whole.serve(alphas[0]).shape == (s,)
    np.testing.assert_array_equal(whole.serve(alphas[0]), whole.serve(alphas[:1])[0])


def test_directions_are_rounded_to_12_decimals() -> None:
    out = directions(np.array([[1.0, 2.0], [2.0, 6.0], [0.0, 0.0], [0.0, 3.0]]))
    np.testing.assert_array_equal(
        out, [[0.333333333333, 0.666666666667], [0.25, 0.75], [0.0, 0.0], [0.0, 1.0]]
    )


@pytest.mark.parametrize("bad", [np.array([np.nan, 1.0]), np.array([np.inf, 1.0]), np.array([0.5, -1e-9])])
def test_non_finite_or_negative_alpha_rejected(bad: np.ndarray) -> None:
    platform = Platform(_unequal_log(), PREFS3)
    with pytest.raises(ValueError, match="finite and >= 0"):
        platform.evaluate(bad)


def test_der_batch_edge_cases_in_one_call() -> None:
    mu = np.array(
        [
            [0.0, 0.0, 0.0],  # all zero: 1 (equal, nothing)
            [1.0, np.nan, 1.0],  # an absent group is left out: 2 equal groups
            [np.nan, np.nan, 1.0],  # one group present: undefined
            [3.0, 1.0, np.nan],  # shares 3/4, 1/4 -> 1 - 2 * 2 * (1/4)^2 = 0.75
            [0.0, 0.0, 2.0],  # one group has everything: 0
            [0.0, np.nan, 0.0],  # all present zero, one absent: 1
        ]
    )
    np.testing.assert_allclose(der_batch(mu), [1.0, 1.0, np.nan, 0.75, 0.0, 1.0], atol=EXACT)
    assert der(group_utility=np.array([3.0, 1.0])) == pytest.approx(0.75, abs=EXACT)
    # four groups: shares (0.4, 0.3, 0.2, 0.1); squared deviations from 1/4 sum to 0.05; x 4/3
    assert der(group_utility=np.array([4.0, 3.0, 2.0, 1.0])) == pytest.approx(1 - 0.2 / 3, abs=EXACT)
    with pytest.raises(ValueError, match="at least 2 groups"):
        der_batch(np.float64(1.0))
    with pytest.raises(ValueError, match="non-negative"):
        der_batch(np.array([[0.5, 0.5], [0.2, -0.1]]))
    np.testing.assert_array_equal(der_batch(np.array([[np.nan, 2.0], [np.nan, np.nan]])), [np.nan, np.nan])


def test_group_means_batch_by_hand() -> None:
    values = np.array([[1.0, 3.0, 2.0, 0.0, 4.0, 5.0], [0.0, 0.0, 1.0, 1.0, 1.0, 0.5]])
    groups = np.array([0, 0, 1, 1, 0, 3])  # group 3 has one session, group 2 none
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty group is NaN, silently
        out = group_means(values=values, groups=groups, n_groups=4)
    np.testing.assert_allclose(out[:, [0, 1, 3]], [[8 / 3, 1.0, 5.0], [1 / 3, 1.0, 0.5]], atol=EXACT)
    assert np.isnan(out[:, 2]).all()


def test_absent_groups_and_zero_totals_raise_no_warning() -> None:
    """NaN for an absent group and DER 1 for all-zero means are defined results, not accidents."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(der_batch(np.array([[0.0, 0.0], [np.nan, 1.0]])), [1.0, np.nan])
        ev = Platform(_unequal_log(), PREFS3).evaluate(np.array([1.0, 0.0]), np.array([0, 1, 2]))
    assert np.isnan(ev.der[0]) and np.isnan(ev.group_utility[0, 1:]).all()
