"""Serving (argmax, ties, masks), scale invariance, Lemma 2.3, and batch evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_log

from sysfair.system.candidates import CandidateLog
from sysfair.system.platform import Platform

PREFS = np.array([[0.9, 0.1], [0.1, 0.9]])


def _log(scores: np.ndarray, labels: np.ndarray, mask: np.ndarray, group: np.ndarray) -> CandidateLog:
    s, m, k = scores.shape
    return CandidateLog(
        scores=scores.astype(np.float32),
        labels=labels.astype(np.float32),
        mask=mask,
        group=group,
        session_features=np.zeros((s, 0), dtype=np.float32),
        item_ids=np.arange(s * m).reshape(s, m),
        label_names=tuple(f"y{i}" for i in range(k)),
        n_groups=2,
    )


def test_serves_argmax_of_weighted_sum() -> None:
    scores = np.array([[[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]]])  # exact in binary
    log = _log(scores, scores, np.ones((1, 3), bool), np.array([0]))
    platform = Platform(log, PREFS)
    assert platform.serve(np.array([1.0, 0.0]))[0] == 0
    assert platform.serve(np.array([0.0, 1.0]))[0] == 1
    assert platform.serve(np.array([0.5, 0.5]))[0] == 0  # all score 0.5: tie -> lowest slot
    assert platform.serve(np.array([1.0, 1.2]))[0] == 1


def test_ties_go_to_lowest_slot_and_zero_alpha_serves_first_valid() -> None:
    scores = np.array([[[0.3, 0.3], [0.3, 0.3], [0.1, 0.1]]])
    platform = Platform(_log(scores, scores, np.ones((1, 3), bool), np.array([1])), PREFS)
    assert platform.serve(np.array([0.4, 0.6]))[0] == 0
    assert platform.serve(np.zeros(2))[0] == 0


def test_padded_slots_are_never_served() -> None:
    scores = np.array([[[0.1, 0.1], [0.9, 0.9], [0.99, 0.99]], [[0.2, 0.1], [0.1, 0.3], [0.9, 0.9]]])
    mask = np.array([[True, True, False], [True, True, False]])
    platform = Platform(_log(scores, scores, mask, np.array([0, 1])), PREFS)
    np.testing.assert_array_equal(platform.serve(np.array([0.5, 0.5])), [1, 1])
    np.testing.assert_array_equal(platform.serve(np.array([1.0, 0.0])), [1, 0])
    np.testing.assert_array_equal(platform.serve(np.zeros(2)), [0, 0])


def test_utility_and_der_hand_computed() -> None:
    # session 0 (group 0) and session 1 (group 1); alpha = (1, 0) serves slot 0 in both.
    scores = np.array([[[0.9, 0.0], [0.1, 0.5]], [[0.8, 0.2], [0.3, 0.9]]])
    labels = np.array([[[1, 0], [0, 1]], [[1, 1], [0, 1]]])
    platform = Platform(_log(scores, labels, np.ones((2, 2), bool), np.array([0, 1])), PREFS)
    ev = platform.evaluate(np.array([1.0, 0.0]))
    # group 0 gets 0.9*1 + 0.1*0 = 0.9; group 1 gets 0.1*1 + 0.9*1 = 1.0
    np.testing.assert_allclose(ev.group_utility[0], [0.9, 1.0])
    assert ev.utility[0] == pytest.approx(0.95)
    shares = np.array([0.9, 1.0]) / 1.9
    assert ev.der[0] == pytest.approx(1 - 2 * ((shares - 0.5) ** 2).sum())


def test_scale_invariance() -> None:
    platform = Platform(random_log(n_sessions=500, m=20), PREFS)
    rng = np.random.default_rng(1)
    for _ in range(20):
        alpha = rng.random(2)
        for c in (1e-3, 0.37, 3.0, 1234.5):
            np.testing.assert_array_equal(platform.serve(alpha), platform.serve(c * alpha))


def test_many_alphas_in_one_call_match_one_by_one() -> None:
    platform = Platform(random_log(n_sessions=300, m=10, k=3, n_groups=3), np.ones((3, 3)))
    alphas = np.random.default_rng(2).random((25, 3))
    together = platform.evaluate(alphas)
    for i, alpha in enumerate(alphas):
        alone = platform.evaluate(alpha)
        assert together.utility[i] == pytest.approx(alone.utility[0])
        assert together.der[i] == pytest.approx(alone.der[0])


def test_batch_evaluation_uses_only_the_batch() -> None:
    log = random_log(n_sessions=100, m=5)
    platform = Platform(log, PREFS)
    batch = np.arange(0, 100, 3)
    sub = Platform(log.subset(batch), PREFS)
    alpha = np.array([0.3, 0.7])
    assert platform.evaluate(alpha, batch).utility[0] == pytest.approx(sub.evaluate(alpha).utility[0])


def test_absent_group_in_batch_gives_nan_group_mean() -> None:
    log = random_log(n_sessions=50, m=4)
    batch = np.flatnonzero(log.group == 0)
    ev = Platform(log, PREFS).evaluate(np.array([0.5, 0.5]), batch)
    assert np.isnan(ev.group_utility[0, 1]) and np.isnan(ev.der[0])


def test_lemma_2_3_true_preferences_maximise_group_utility() -> None:
    """Calibrated scores (labels = expected outcomes) and full retrieval: alpha*(g) is optimal."""
    rng = np.random.default_rng(3)
    scores = rng.random((400, 8, 2))
    log = _log(scores, scores, np.ones((400, 8), bool), rng.integers(2, size=400))
    platform = Platform(log, PREFS)
    grid = np.stack([np.cos(t := np.linspace(0, np.pi / 2, 301)), np.sin(t)], axis=1)
    on_grid = platform.evaluate(grid).group_utility
    at_truth = platform.evaluate(PREFS).group_utility
    for g in range(2):
        assert at_truth[g, g] >= on_grid[:, g].max() - 1e-6
        assert at_truth[g, g] > on_grid[:, g].min() + 0.01  # the lemma has teeth here


def test_preferences_shape_checked() -> None:
    with pytest.raises(ValueError, match="shape"):
        Platform(random_log(), np.ones((2, 3)))


def test_negative_alpha_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        Platform(random_log(), PREFS).serve(np.array([1.0, -0.5]))
