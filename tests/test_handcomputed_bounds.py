"""Theorem 3.1's bound and its best scale, worked out by hand (issue 18)."""

from __future__ import annotations

import numpy as np
import pytest

from sysfair.audit.bounds import preference_bound

# Two sessions, K = 2. |Y - f| = 1/2 everywhere, shared-space weights 1 : 3, so E_S|Y - f| = (1/2, 1/2)
# and E_S f = (1/2, 1/2). alpha = (2, 2); alpha*(0) = (0.4, 6), alpha*(1) = (1, 1).
Y = np.array([[1.0, 0.0], [0.0, 1.0]])
F = np.full((2, 2), 0.5)
KW = dict(
    labels_served=Y,
    scores_served=F,
    alpha=np.array([2.0, 2.0]),
    preference_reference=np.array([0.4, 6.0]),
    preference_other=np.array([1.0, 1.0]),
    weights=np.array([1.0, 3.0]),
)


def test_terms_at_alpha_as_given() -> None:
    b = preference_bound(**KW, term5=0.0)
    t = b.per_label.set_index("label")
    # misspecification |alpha*(1) - alpha*(0)| E|Y - f|: 0.6/2, 5/2
    assert t["misspecification"].tolist() == pytest.approx([0.3, 2.5], abs=1e-12)
    # |alpha - alpha*(0)| E f: 1.6/2, 4/2; |alpha - alpha*(1)| E f: 1/2, 1/2
    assert t["serving_vs_reference"].tolist() == pytest.approx([0.8, 2.0], abs=1e-12)
    assert t["serving_vs_other"].tolist() == pytest.approx([0.5, 0.5], abs=1e-12)
    assert t["bound"].tolist() == pytest.approx([1.6, 5.0], abs=1e-12)
    assert b.bound == pytest.approx(6.6, abs=1e-12)
    assert t.index.tolist() == ["y1", "y2"]


def test_best_scale_is_a_breakpoint_of_group_one() -> None:
    """Serving part at c alpha: (|2c-0.4| + |2c-1| + |2c-6| + |2c-1|) / 2, least at
    c = 1/2 = alpha*_k(1) / alpha_k (2.8, against 3.8 at c = 1, 3.4 at 0.2 and 7.8 at 3):
    only a breakpoint of group 1 finds it."""
    b = preference_bound(**KW, term5=0.0)
    assert b.scale == pytest.approx(0.5, abs=1e-12)
    assert b.bound_best_scale == pytest.approx(2.8 + 2.8, abs=1e-12)
    assert b.per_label["bound_best_scale"].tolist() == pytest.approx([0.6, 5.0], abs=1e-12)


def test_respected_compares_term5_with_the_bound_at_the_best_scale() -> None:
    assert preference_bound(**KW, term5=5.6).respected
    assert preference_bound(**KW, term5=-5.6).respected
    assert not preference_bound(**KW, term5=5.6 + 1e-9).respected
    assert not preference_bound(**KW, term5=-6.0).respected


def test_zero_weight_labels_have_no_breakpoint_and_c_one_wins_ties() -> None:
    kw = {**KW, "alpha": np.array([0.0, 2.0]), "preference_reference": np.array([0.4, 1.0])}
    b = preference_bound(**kw, term5=0.0)
    # serving part: (0.4 + 1 + |2c-1| + |2c-1|)/2, flat-free minimum at c = 1/2; label 1 adds no candidate
    assert b.scale == pytest.approx(0.5)
    flat = {**KW, "alpha": np.array([1.0, 1.0]), "preference_reference": np.array([0.5, 0.5])}
    flat["preference_other"] = np.array([2.0, 2.0])  # flat on [1/2, 2]: c = 1 (alpha as given) is kept
    assert preference_bound(**flat, term5=0.0).scale == 1.0
