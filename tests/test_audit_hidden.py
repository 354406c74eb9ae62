"""Appendix D: a hidden outcome (valued by the groups, modelled by no scorer) and its part of the gap."""

from __future__ import annotations

import numpy as np
import pytest

from sysfair.audit.config import AuditConfig
from sysfair.audit.system_audit import audit_log
from sysfair.audit.tables import format_audit
from sysfair.data.configs import SyntheticConfig
from sysfair.data.synthetic import make_synthetic
from sysfair.errors import SysfairError
from sysfair.retrievers.configs import RandomRetrieverConfig
from sysfair.scorers.configs import RandomForestConfig
from sysfair.system.build import build_candidate_log
from sysfair.system.candidates import CandidateLog
from sysfair.system.oracle import oracle_front
from sysfair.system.platform import Platform

# alpha*(g) of the observable labels; group 1 values label 2 twice as much
PREFS = np.array([[1.0, 1.0], [1.0, 2.0]])
HIDDEN_WEIGHTS = np.array([0.5, 2.0])  # alpha*_h(0), alpha*_h(1)


def hand_log(hidden: bool = True) -> CandidateLog:
    """16 sessions (8 per group), 2 slots; slot 0 always served (scores 0.9 vs 0.1), labels (1, 1).

    Y_h of the served slot: 4 of 8 in group 0 (rate 0.5), 6 of 8 in group 1 (rate 0.75); the unserved
    slot has Y_h = 1 everywhere (it must not count). By hand:
    U_0 = 1 + 1 + 0.5 * 0.5 = 2.25, U_1 = 1 + 2 + 2.0 * 0.75 = 4.5, gap 2.25 (group 0 disadvantaged),
    hidden part 2.0 * 0.75 - 0.5 * 0.5 = 1.25, observable part 3 - 2 = 1.0.
    """
    s = 16
    group = np.repeat([0, 1], 8)
    scores = np.zeros((s, 2, 2), dtype=np.float32)
    scores[:, 0], scores[:, 1] = 0.9, 0.1
    labels = np.zeros((s, 2, 2), dtype=np.float32)
    labels[:, 0] = 1.0
    y_h = np.ones((s, 2), dtype=np.float32)
    y_h[:, 0] = np.r_[[1, 0, 1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 1, 1, 0, 1]]
    rng = np.random.default_rng(0)
    return CandidateLog(
        scores=scores,
        labels=labels,
        mask=np.ones((s, 2), dtype=bool),
        group=group,
        session_features=rng.standard_normal((s, 2)).astype(np.float32),
        item_ids=np.tile(np.arange(2), (s, 1)),
        label_names=("y1", "y2"),
        n_groups=2,
        hidden=y_h if hidden else None,
        hidden_weights=HIDDEN_WEIGHTS if hidden else None,
    )


CONFIG = AuditConfig(min_group_sessions=2, n_bootstrap=0, propensity_folds=0, lemma_grid_points=11)


def test_hidden_part_of_the_gap_by_hand() -> None:
    audit = audit_log(hand_log(), preferences=PREFS, config=CONFIG)
    np.testing.assert_allclose(audit.groups["utility"], [2.25, 4.5])
    (dec,), (h,) = audit.decompositions, audit.hidden
    assert (dec.reference, dec.other) == (0, 1)
    assert dec.total == pytest.approx(2.25)
    assert (h.rate_reference, h.rate_other) == (0.5, 0.75)
    assert h.hidden_gap == pytest.approx(1.25)
    assert h.observable_gap == pytest.approx(1.0)
    assert h.share == pytest.approx(1.25 / 2.25)
    # Theorem 3.1 gains a "hidden" row and still bounds term (5)
    (bound,) = audit.bounds
    assert bound.per_label["label"].tolist() == ["y1", "y2", "hidden"]
    assert bound.respected
    assert "Hidden outcome (Appendix D" in format_audit(audit)


def test_without_hidden_outcome_the_gap_is_observable_only() -> None:
    audit = audit_log(hand_log(hidden=False), preferences=PREFS, config=CONFIG)
    assert audit.hidden == []
    assert audit.decompositions[0].total == pytest.approx(1.0)
    assert audit.bounds[0].per_label["label"].tolist() == ["y1", "y2"]
    assert "Hidden outcome" not in format_audit(audit)


def test_platform_values_the_hidden_outcome_and_the_log_round_trips(tmp_path) -> None:
    log = hand_log()
    ev = Platform(log, PREFS).evaluate(np.array([0.5, 0.5]))
    np.testing.assert_allclose(ev.group_utility[0], [2.25, 4.5])
    log.save(tmp_path / "log.npz")
    back = CandidateLog.load(tmp_path / "log.npz")
    np.testing.assert_array_equal(back.hidden, log.hidden)
    np.testing.assert_array_equal(back.hidden_weights, HIDDEN_WEIGHTS)
    np.testing.assert_array_equal(log.subset(np.arange(8, 16)).hidden, log.hidden[8:])
    hand_log(hidden=False).save(tmp_path / "plain.npz")
    assert CandidateLog.load(tmp_path / "plain.npz").hidden is None


def test_synthetic_hidden_outcome_leaves_the_observable_data_unchanged() -> None:
    off = make_synthetic(SyntheticConfig(n_sessions=200), np.random.default_rng(3))
    on = make_synthetic(
        SyntheticConfig(n_sessions=200, hidden_outcome=[1.0, 0.2], hidden_correlation=0.9),
        np.random.default_rng(3),
    )
    assert off.hidden is None and off.hidden_weights is None
    np.testing.assert_array_equal(on.features, off.features)
    np.testing.assert_array_equal(on.labels, off.labels)
    assert on.hidden.shape == (4000,) and set(np.unique(on.hidden)) == {0.0, 1.0}
    np.testing.assert_array_equal(on.hidden_weights, [1.0, 0.2])
    # its latent follows label 1's: Y_h agrees with Y_1 far more than with Y_2 (latent corr -0.8)
    assert np.corrcoef(on.hidden, on.labels[:, 0])[0, 1] > 0.4 > np.corrcoef(on.hidden, on.labels[:, 1])[0, 1]


def test_build_carries_the_hidden_outcome_and_checks_its_weights() -> None:
    dataset = SyntheticConfig(n_sessions=60, hidden_outcome=[1.0, 0.0])
    scorer = RandomForestConfig(n_estimators=5, n_jobs=1)
    log = build_candidate_log(dataset, scorer, RandomRetrieverConfig(), [0.8, 0.2], seed=0)
    assert log.hidden is not None and log.hidden.shape == log.mask.shape
    assert log.n_labels == 2  # no scorer for the hidden outcome
    plain = build_candidate_log(
        SyntheticConfig(n_sessions=60), scorer, RandomRetrieverConfig(), [0.8, 0.2], seed=0
    )
    np.testing.assert_array_equal(plain.scores, log.scores)
    value = Platform(log, PREFS).evaluate(np.array([0.5, 0.5])).utility[0]
    assert value > Platform(plain, PREFS).evaluate(np.array([0.5, 0.5])).utility[0]
    with pytest.raises(SysfairError, match="one weight per group"):
        build_candidate_log(dataset, scorer, RandomRetrieverConfig(), [0.5, 0.3, 0.2], seed=0)


def test_exact_oracle_front_values_the_hidden_outcome() -> None:
    """Every direction of a dense grid is weakly dominated by the exact front (hidden outcome included)."""
    rng = np.random.default_rng(5)
    s, m = 300, 5
    log = CandidateLog(
        scores=rng.random((s, m, 2)).astype(np.float32),
        labels=(rng.random((s, m, 2)) < 0.4).astype(np.float32),
        mask=np.ones((s, m), dtype=bool),
        group=(rng.random(s) < 0.3).astype(np.int64),
        session_features=np.zeros((s, 0), dtype=np.float32),
        item_ids=np.tile(np.arange(m), (s, 1)),
        label_names=("y1", "y2"),
        n_groups=2,
        hidden=(rng.random((s, m)) < 0.5).astype(np.float32),
        hidden_weights=np.array([0.0, 3.0]),
    )
    platform = Platform(log, np.array([[0.9, 0.1], [0.1, 0.9]]))
    front = oracle_front(platform)
    exact = platform.evaluate(front.alphas)
    np.testing.assert_allclose(front.points, np.column_stack([exact.utility, exact.der]), atol=1e-12)
    t = np.linspace(0, 1, 2001)
    ev = platform.evaluate(np.column_stack([1 - t, t]))
    grid = np.column_stack([ev.utility, ev.der])
    dominated = (front.points[None, :, :] >= grid[:, None, :] - 1e-12).all(axis=2).any(axis=1)
    assert dominated.all()
