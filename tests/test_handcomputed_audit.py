"""Hand-computed audit cases (issue 18): every term of the gap decomposition with non-uniform
shared-space weights, weights from known propensities, and the audit's wiring of them.

The identity (4) + (5) + (6) = gap telescopes for *any* weights, so these tests check each term
and each shared-space mean against numbers worked out by hand (fractions in the comments).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from sysfair.audit import AuditConfig, audit_log
from sysfair.audit.decomposition import orient_pair, served_utilities, utility_gap_decomposition
from sysfair.audit.errors import AuditError
from sysfair.audit.propensity import effective_sample_size, fit_propensity, shared_space_weights
from sysfair.audit.retrieval import retrieval_gap, session_retrieval_quality
from sysfair.system.candidates import CandidateLog

EXACT = 1e-12


# ---- the decomposition on its own: five sessions, weights 1, 2, 1, 3, 3 -------------------------

U0 = np.array([1.0, 0.0, 0.5, 0.2, 0.4])  # U_0(s): every session valued under alpha*(0)
U1 = np.array([0.0, 1.0, 0.5, 0.8, 1.0])  # U_1(s): under alpha*(1)
IS_OTHER = np.array([False, False, False, True, True])  # sessions 3, 4 belong to group 1
W = np.array([1.0, 2.0, 1.0, 3.0, 3.0])  # shared-space weights, sum 10


def test_every_term_by_hand_with_non_uniform_weights() -> None:
    d = utility_gap_decomposition(
        utility_reference=U0, utility_other=U1, is_other=IS_OTHER, weights=W, reference=4, other=7
    )
    # E_1[U_1] = (0.8 + 1.0) / 2 = 0.9;  E_0[U_0] = (1 + 0 + 0.5) / 3 = 0.5
    assert d.mean_other == pytest.approx(0.9, abs=EXACT)
    assert d.mean_reference == pytest.approx(0.5, abs=EXACT)
    # E_S[U_1] = (1*0 + 2*1 + 1*0.5 + 3*0.8 + 3*1) / 10 = 7.9 / 10
    # E_S[U_0] = (1*1 + 2*0 + 1*0.5 + 3*0.2 + 3*0.4) / 10 = 3.3 / 10
    assert d.shared_other == pytest.approx(0.79, abs=EXACT)
    assert d.shared_reference == pytest.approx(0.33, abs=EXACT)
    assert d.total == pytest.approx(0.4, abs=EXACT)
    assert d.term4 == pytest.approx(0.11, abs=EXACT)  # 0.9 - 0.79
    assert d.term5 == pytest.approx(0.46, abs=EXACT)  # 0.79 - 0.33
    assert d.term6 == pytest.approx(-0.17, abs=EXACT)  # 0.33 - 0.5
    assert abs(d.residual) < EXACT
    assert d.effective_sample_size == pytest.approx(100 / 24, abs=EXACT)  # 10^2 / (1+4+1+9+9)
    assert (d.reference, d.other, d.n_reference, d.n_other) == (4, 7, 3, 2)
    assert np.isnan(d.se_total) and np.isnan(d.se_term4)  # no bootstrap asked for
    assert d.as_dict()["term5"] == d.term5


def test_only_the_weights_ratio_matters_and_uniform_weights_differ() -> None:
    base = utility_gap_decomposition(utility_reference=U0, utility_other=U1, is_other=IS_OTHER, weights=W)
    assert (base.reference, base.other) == (0, 1)  # the defaults
    scaled = utility_gap_decomposition(
        utility_reference=U0, utility_other=U1, is_other=IS_OTHER, weights=7.5 * W
    )
    for name in ("term4", "term5", "term6", "total", "effective_sample_size"):
        assert getattr(scaled, name) == pytest.approx(getattr(base, name), abs=EXACT)
    flat = utility_gap_decomposition(
        utility_reference=U0, utility_other=U1, is_other=IS_OTHER, weights=np.ones(5)
    )
    # uniform: E_S[U_1] = 3.3 / 5 = 0.66, E_S[U_0] = 2.1 / 5 = 0.42
    assert (flat.term4, flat.term5, flat.term6) == pytest.approx((0.24, 0.24, -0.08), abs=EXACT)
    assert flat.total == pytest.approx(base.total, abs=EXACT)  # the gap does not see the weights
    # a zero weight removes a session from S_X (but not from its group mean)
    zero = utility_gap_decomposition(
        utility_reference=U0, utility_other=U1, is_other=IS_OTHER, weights=np.array([0, 2, 1, 3, 3.0])
    )
    # E_S[U_1] = 7.9 / 9, E_S[U_0] = 2.3 / 9
    assert zero.term5 == pytest.approx(5.6 / 9, abs=EXACT)
    assert zero.mean_reference == pytest.approx(0.5, abs=EXACT)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": -W}, "shared-space weights"),
        ({"weights": np.zeros(5)}, "shared-space weights"),
        ({"is_other": np.zeros(5, dtype=bool)}, "both groups"),
        ({"is_other": np.ones(5, dtype=bool)}, "both groups"),
        ({"weights": W[:4]}, "one length"),
        ({"utility_other": U1[:4]}, "one length"),
    ],
)
def test_decomposition_rejects_bad_inputs(kwargs: dict[str, np.ndarray], match: str) -> None:
    inputs = {"utility_reference": U0, "utility_other": U1, "is_other": IS_OTHER, "weights": W, **kwargs}
    with pytest.raises(ValueError, match=match):
        utility_gap_decomposition(**inputs)


def test_decomposition_rejects_two_dimensional_inputs() -> None:
    with pytest.raises(ValueError, match="one length"):
        utility_gap_decomposition(
            utility_reference=U0[None],
            utility_other=U1[None],
            is_other=IS_OTHER[None],
            weights=W[None],
        )


def test_served_utilities_and_orientation_by_hand() -> None:
    labels = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    prefs = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    np.testing.assert_allclose(
        served_utilities(labels_served=labels, preferences=prefs),
        [[0.9, 0.2, 0.5], [0.1, 0.8, 0.5], [1.0, 1.0, 1.0]],
        atol=EXACT,
    )
    utility = np.array([0.5, 0.3, 0.3])  # paper orientation: group 0 of a pair has the lower utility
    assert orient_pair(pair=(0, 1), group_utility=utility) == (1, 0)
    assert orient_pair(pair=(1, 0), group_utility=utility) == (1, 0)
    assert orient_pair(pair=(2, 1), group_utility=utility) == (1, 2)  # a tie: the lower id
    assert orient_pair(pair=(0, 2), group_utility=utility) == (2, 0)


# ---- shared-space weights from known propensities ------------------------------------------------


def test_shared_space_weights_by_hand() -> None:
    # pi = 2/5; a = e / pi, b = (1 - e) / (1 - pi), w = ab / (a + b)
    treated = np.array([False, False, False, True, True])
    e = np.array([0.2, 0.5, 0.4, 0.8, 0.5])
    w = shared_space_weights(propensity=e, treated=treated)
    # e=0.2: a=1/2, b=4/3 -> 4/11;  e=0.5: a=5/4, b=5/6 -> 1/2;  e=0.4: a=b=1 -> 1/2;
    # e=0.8: a=2, b=1/3 -> 2/7
    np.testing.assert_allclose(w, [4 / 11, 1 / 2, 1 / 2, 2 / 7, 1 / 2], rtol=0, atol=EXACT)
    # clipping: e = 0 and e = 1 become clip and 1 - clip, so both weights stay > 0
    clipped = shared_space_weights(propensity=np.array([0.0, 1.0, 0.5, 0.5]), treated=treated[1:], clip=0.1)
    # pi = 1/2: w = 2 e (1 - e): e = 0.1 -> 0.18, e = 0.9 -> 0.18, e = 0.5 -> 0.5
    np.testing.assert_allclose(clipped, [0.18, 0.18, 0.5, 0.5], rtol=0, atol=EXACT)
    with pytest.raises(AuditError, match="both groups"):
        shared_space_weights(propensity=e, treated=np.ones(5, dtype=bool))
    with pytest.raises(AuditError, match="both groups"):
        shared_space_weights(propensity=e, treated=np.zeros(5, dtype=bool))
    assert effective_sample_size(weights=np.array([1.0, 2.0, 1.0, 3.0, 3.0])) == pytest.approx(100 / 24)
    assert effective_sample_size(weights=np.zeros(3)) == 0.0


class FeatureIsPropensity(ClassifierMixin, BaseEstimator):
    """A propensity 'model' that reads e(x) = P(G = 1 | x) off the first feature column."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> FeatureIsPropensity:
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        e = np.asarray(x, dtype=np.float64)[:, 0]
        return np.column_stack([1.0 - e, e])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] > 0.5).astype(int)


def test_fit_propensity_passes_the_models_probability_through() -> None:
    x = np.array([[0.1], [0.3], [0.6], [0.9], [0.2], [0.7]])
    treated = np.array([0, 0, 0, 1, 1, 1], dtype=bool)
    for folds in (0, 1, 2, 5):
        e = fit_propensity(features=x, treated=treated, model=FeatureIsPropensity(), folds=folds)
        np.testing.assert_allclose(e, x[:, 0], atol=EXACT)
    # no feature columns: e is the constant share of group 1
    np.testing.assert_allclose(
        fit_propensity(features=np.zeros((6, 0)), treated=treated, model=FeatureIsPropensity()), 0.5
    )
    with pytest.raises(AuditError, match="at least 2 sessions"):
        fit_propensity(
            features=x, treated=np.array([0, 0, 0, 0, 0, 1], dtype=bool), model=FeatureIsPropensity()
        )
    with pytest.raises(ValueError, match=r"\[n, d\]"):
        fit_propensity(features=x[:, 0], treated=treated, model=FeatureIsPropensity())


# ---- the audit end to end on a six-session log where the propensity weights matter ----------------
#
# Slot 0 scores (0.75, 0.75) and slot 1 (0.25, 0.25): every alpha > 0 serves slot 0.
# Groups 0, 0, 0, 1, 1, 1 (pi = 1/2, so w = 2 e (1 - e)), e(x) = x = 1/4, 1/2, 1/2, 1/2, 3/4, 3/4
# -> w = 3/8, 1/2, 1/2, 1/2, 3/8, 3/8 = (3, 4, 4, 4, 3, 3) / 8, sum 21/8.
# Served labels Y: (1,0), (0,1), (1,1), (0,1), (1,0), (0,0); alpha*(0) = (0.9, 0.1), alpha*(1) = (0.1, 0.9)
# U_0 = 0.9, 0.1, 1, 0.1, 0.9, 0      U_1 = 0.1, 0.9, 1, 0.9, 0.1, 0
# E_0[U_0] = 2/3, E_1[U_1] = 1/3, gap = -1/3
# E_S[U_1] = (0.3 + 3.6 + 4 + 3.6 + 0.3 + 0) / 21 = 59/105
# E_S[U_0] = (2.7 + 0.4 + 4 + 0.4 + 2.7 + 0) / 21 = 51/105
# (4) = 1/3 - 59/105 = -24/105, (5) = 8/105, (6) = 51/105 - 2/3 = -19/105
# With uniform weights (5) would be 0 (both means 1/2): here the weights decide term (5).

OPPOSED = np.array([[0.9, 0.1], [0.1, 0.9]])
E = np.array([0.25, 0.5, 0.5, 0.5, 0.75, 0.75])
SERVED = np.array([[1, 0], [0, 1], [1, 1], [0, 1], [1, 0], [0, 0]], dtype=np.float32)
OTHER_SLOT = np.array([[1, 1], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]], dtype=np.float32)


def _six_session_log() -> CandidateLog:
    scores = np.zeros((6, 2, 2), dtype=np.float32)
    scores[:, 0] = 0.75
    scores[:, 1] = 0.25
    labels = np.stack([SERVED, OTHER_SLOT], axis=1)
    return CandidateLog(
        scores=scores,
        labels=labels,
        mask=np.ones((6, 2), dtype=bool),
        group=np.array([0, 0, 0, 1, 1, 1]),
        session_features=E[:, None].astype(np.float32),
        item_ids=np.arange(12).reshape(6, 2),
        label_names=("y1", "y2"),
        n_groups=2,
    )


def _audit(alpha: list[float]) -> object:
    cfg = AuditConfig(
        alpha=alpha,
        propensity=f"{__name__}.FeatureIsPropensity",
        propensity_folds=2,
        min_group_sessions=2,
        n_bootstrap=0,
        lemma_grid_points=11,
        disadvantaged_group=0,  # name group 0 (auto would pick group 1, whose utility is lower)
    )
    return audit_log(_six_session_log(), preferences=OPPOSED, config=cfg)


def test_audit_decomposition_with_propensity_weights_by_hand() -> None:
    audit = _audit([0.5, 0.5])
    idx, w = audit.weights[(0, 1)]
    np.testing.assert_array_equal(idx, np.arange(6))
    np.testing.assert_allclose(w, np.array([3, 4, 4, 4, 3, 3]) / 8, atol=EXACT)
    (d,) = audit.decompositions
    assert (d.reference, d.other) == (0, 1)  # audit.disadvantaged_group=0 names the paper's group 0
    assert d.mean_reference == pytest.approx(2 / 3, abs=EXACT)
    assert d.mean_other == pytest.approx(1 / 3, abs=EXACT)
    assert d.shared_other == pytest.approx(59 / 105, abs=EXACT)
    assert d.shared_reference == pytest.approx(51 / 105, abs=EXACT)
    assert d.total == pytest.approx(-1 / 3, abs=EXACT)
    assert d.term4 == pytest.approx(-24 / 105, abs=EXACT)
    assert d.term5 == pytest.approx(8 / 105, abs=EXACT)
    assert d.term6 == pytest.approx(-19 / 105, abs=EXACT)
    assert d.effective_sample_size == pytest.approx(441 / 75, abs=EXACT)  # 21^2 / (9+16+16+16+9+9)
    # the system row: each session valued by its own group; DER of (2/3, 1/3) = 1 - 2 (1/36 + 1/36)
    assert audit.system["utility"] == pytest.approx(0.5, abs=EXACT)
    assert audit.system["der"] == pytest.approx(8 / 9, abs=EXACT)
    assert audit.groups["utility"].tolist() == pytest.approx([2 / 3, 1 / 3], abs=EXACT)


def test_audit_retrieval_gap_with_propensity_weights_by_hand() -> None:
    (gap,) = _audit([0.5, 0.5]).retrieval
    # Q_m per session = max over both slots of y1 + y2 = 2, 1, 2, 1, 1, 0
    assert gap.q_reference == pytest.approx(5 / 3, abs=EXACT)
    assert gap.q_other == pytest.approx(2 / 3, abs=EXACT)
    assert gap.q_shared == pytest.approx(25 / 21, abs=EXACT)  # (6 + 4 + 8 + 4 + 3 + 0) / 21
    assert gap.epsilon == pytest.approx(-11 / 21, abs=EXACT)  # Q_m(group 1) - Q_m(S_X)
    assert gap.min_preference_other == pytest.approx(0.1)
    assert gap.lower_bound == pytest.approx(-11 / 210, abs=EXACT)
    assert gap.measured == pytest.approx(-24 / 105, abs=EXACT)  # term (4)
    assert not gap.informative and gap.holds  # group 1's candidate sets are worse: no bound


def test_audit_preference_bound_with_propensity_weights_by_hand() -> None:
    (bound,) = _audit([0.25, 0.75]).bounds  # alpha > 0 still serves slot 0: f = 3/4 on both labels
    table = bound.per_label.set_index("label")
    # misspecification_k = |0.1 - 0.9| E_S|Y_k - 3/4|:
    #   y1: (3/4 + 3 + 1 + 3 + 3/4 + 9/4) / 21 = 43/84 -> 43/105;  y2: 39/84 -> 13/35
    assert table.loc["y1", "misspecification"] == pytest.approx(43 / 105, abs=EXACT)
    assert table.loc["y2", "misspecification"] == pytest.approx(13 / 35, abs=EXACT)
    # serving terms: |alpha_k - alpha*_k(g)| * 3/4
    assert table["serving_vs_reference"].tolist() == pytest.approx([0.65 * 0.75, 0.65 * 0.75], abs=EXACT)
    assert table["serving_vs_other"].tolist() == pytest.approx([0.15 * 0.75, 0.15 * 0.75], abs=EXACT)
    assert bound.bound == pytest.approx(43 / 105 + 13 / 35 + 1.2, abs=EXACT)
    assert bound.term5 == pytest.approx(8 / 105, abs=EXACT)
    assert bound.respected


def test_session_retrieval_quality_ignores_padded_slots() -> None:
    labels = np.array([[[1, 1], [0, 1], [1, 0]], [[0, 0], [1, 0], [1, 1]]], dtype=float)
    mask = np.array([[False, True, True], [True, True, False]])
    np.testing.assert_array_equal(session_retrieval_quality(labels=labels, mask=mask), [1.0, 1.0])
    np.testing.assert_array_equal(
        session_retrieval_quality(labels=labels, mask=np.ones((2, 3), bool)), [2, 2]
    )


def test_retrieval_gap_by_hand_when_the_bound_fails_and_when_it_is_uninformative() -> None:
    q = np.array([1.0, 0.0, 1.0, 2.0])
    other = np.array([False, False, True, True])
    w = np.array([1.0, 1.0, 2.0, 0.0])
    # Q over S_X = (1 + 0 + 2 + 0) / 4 = 0.75; Q_other = 1.5; epsilon = 0.75; bound = 0.75 * 0.2 = 0.15
    gap = retrieval_gap(
        quality=q, is_other=other, weights=w, preference_other=np.array([0.2, 0.8]), term4=0.1
    )
    assert (gap.q_shared, gap.q_other, gap.q_reference) == pytest.approx((0.75, 1.5, 0.5), abs=EXACT)
    assert gap.epsilon == pytest.approx(0.75, abs=EXACT)
    assert gap.lower_bound == pytest.approx(0.15, abs=EXACT)
    assert gap.measured == pytest.approx(0.1, abs=EXACT)  # term (4) itself
    assert gap.informative and not gap.holds  # 0.1 < 0.15
    assert (gap.reference, gap.other) == (0, 1)  # the defaults
    exactly = retrieval_gap(
        quality=q, is_other=other, weights=w, preference_other=np.array([0.2, 0.8]), term4=0.15
    )
    assert exactly.holds  # measured = bound counts as holding
    # group 1 worse served than S_X: epsilon < 0, the bound says nothing and "holds"
    worse = retrieval_gap(
        quality=np.array([2.0, 1.0, 0.0, 1.0]),
        is_other=other,
        weights=w,
        preference_other=np.array([0.2, 0.8]),
        term4=-0.3,
    )
    assert worse.epsilon == pytest.approx(-0.25, abs=EXACT)  # group 1: 0.5, S_X: (2 + 1 + 0) / 4
    assert not worse.informative and worse.holds
    zero = retrieval_gap(
        quality=np.array([1.0, 1.0, 1.0, 1.0]),
        is_other=other,
        weights=w,
        preference_other=np.array([0.2, 0.8]),
        term4=0.3,
    )
    assert zero.epsilon == 0.0 and not zero.informative and zero.holds
    # epsilon = 0 exactly: the bound is 0 and says nothing, even where term (4) is negative
    zero_negative = retrieval_gap(
        quality=np.ones(4), is_other=other, weights=w, preference_other=np.array([0.2, 0.8]), term4=-0.3
    )
    assert zero_negative.lower_bound == 0.0 and zero_negative.holds


# ---- Lemma 2.3 check on a pool where it fails and on one where it holds ------------------------------


def _lemma_log(labels: list) -> CandidateLog:
    """Two sessions (groups 0, 1) with the same items P = (3/4, 1/4) and Q = (1/4, 3/4)."""
    scores = np.tile(np.array([[0.75, 0.25], [0.25, 0.75]], dtype=np.float32), (2, 1, 1))
    return CandidateLog(
        scores=scores,
        labels=np.asarray(labels, dtype=np.float32),
        mask=np.ones((2, 2), dtype=bool),
        group=np.array([0, 1]),
        session_features=np.zeros((2, 0), dtype=np.float32),
        item_ids=np.arange(4).reshape(2, 2),
        label_names=("y1", "y2"),
        n_groups=2,
    )


def test_lemma_check_by_hand_when_scores_mislead_and_when_they_do_not() -> None:
    from sysfair.audit.lemma import lemma_check
    from sysfair.system.platform import Platform

    # Mislabelled items: P has Y = (0, 1), Q has Y = (1, 0). alpha*(0) = (0.9, 0.1) serves P to
    # group 0's session (0.7 > 0.3), worth 0.1; serving Q (first reached on the list at alpha*(1))
    # is worth 0.9: regret 0.8, relative 8/9. Symmetrically for group 1.
    wrong = lemma_check(Platform(_lemma_log([[[0, 1], [1, 0]]] * 2), OPPOSED), grid_points=11)
    assert wrong["group"].tolist() == [0, 1]
    assert wrong["utility_at_alpha_star"].tolist() == pytest.approx([0.1, 0.1], abs=EXACT)
    assert wrong["best_utility"].tolist() == pytest.approx([0.9, 0.9], abs=EXACT)
    assert wrong["regret"].tolist() == pytest.approx([0.8, 0.8], abs=EXACT)
    assert wrong["relative_regret"].tolist() == pytest.approx([8 / 9, 8 / 9], abs=EXACT)
    assert wrong["holds"].tolist() == [False, False]
    assert wrong["alpha_star"].tolist() == [[0.9, 0.1], [0.1, 0.9]]
    assert wrong["best_alpha"].tolist() == [[0.1, 0.9], [0.9, 0.1]]
    # Labels that agree with the scores: alpha*(g) serves each group its best item, regret 0.
    right = lemma_check(Platform(_lemma_log([[[1, 0], [0, 1]]] * 2), OPPOSED), grid_points=11)
    assert right["utility_at_alpha_star"].tolist() == pytest.approx([0.9, 0.9], abs=EXACT)
    assert right["regret"].tolist() == [0.0, 0.0] and right["holds"].tolist() == [True, True]
    # a tolerance above the relative regret makes the failing case hold
    loose = lemma_check(Platform(_lemma_log([[[0, 1], [1, 0]]] * 2), OPPOSED), grid_points=11, tolerance=0.9)
    assert loose["holds"].tolist() == [True, True]


def test_preference_bound_best_scale_by_hand() -> None:
    """alpha = (0.05, 0.05) is too small: the bound is lower at c * alpha with c = 18 (or 2).

    Y = (1, 0), (0, 1); f = (1/2, 1/4) for both; weights 1, 3 -> E_S f = (1/2, 1/4),
    E_S|Y - f| = (1/2, (1/4 + 3 * 3/4) / 4 = 5/8); misspecification = 0.8 * that = (0.4, 0.5).
    At c = 1: serving terms (0.85 * 1/2, 0.05 * 1/4) vs group 0 and (0.05 * 1/2, 0.85 * 1/4) vs
    group 1 -> bound 0.9 + 0.425 + 0.0125 + 0.025 + 0.2125 = 1.575. Every c with 0.1 <= 0.05 c <= 0.9
    gives 0.8 * (1/2 + 1/4) = 0.6 instead: 1.5; the first such breakpoint tried is 0.9 / 0.05 = 18.
    """
    from sysfair.audit.bounds import preference_bound

    inputs = {
        "labels_served": np.array([[1.0, 0.0], [0.0, 1.0]]),
        "scores_served": np.array([[0.5, 0.25], [0.5, 0.25]]),
        "preference_reference": np.array([0.9, 0.1]),
        "preference_other": np.array([0.1, 0.9]),
        "weights": np.array([1.0, 3.0]),
        "label_names": ("watch", "like"),
        "reference": 2,
        "other": 5,
    }
    b = preference_bound(alpha=np.array([0.05, 0.05]), term5=1.5, **inputs)
    table = b.per_label.set_index("label")
    assert list(table.index) == ["watch", "like"] and (b.reference, b.other) == (2, 5)
    assert table["misspecification"].tolist() == pytest.approx([0.4, 0.5], abs=EXACT)
    assert table["serving_vs_reference"].tolist() == pytest.approx([0.425, 0.0125], abs=EXACT)
    assert table["serving_vs_other"].tolist() == pytest.approx([0.025, 0.2125], abs=EXACT)
    assert table["bound"].tolist() == pytest.approx([0.85, 0.725], abs=EXACT)
    assert b.bound == pytest.approx(1.575, abs=EXACT)
    assert b.scale == pytest.approx(18.0, abs=EXACT)
    assert b.bound_best_scale == pytest.approx(1.5, abs=EXACT)
    assert table["bound_best_scale"].tolist() == pytest.approx([0.8, 0.7], abs=EXACT)
    assert b.term5 == 1.5 and b.respected  # |term5| equal to the bound counts as respected
    assert preference_bound(alpha=np.array([0.05, 0.05]), term5=-1.5, **inputs).respected
    assert not preference_bound(alpha=np.array([0.05, 0.05]), term5=1.51, **inputs).respected
    # a zero weight has no breakpoint: c in {1, 18, 2}; the second label's serving terms are
    # (0.1 + 0.9) * 1/4 whatever c
    zero = preference_bound(alpha=np.array([0.05, 0.0]), term5=0.0, **inputs)
    assert zero.scale == pytest.approx(18.0, abs=EXACT)
    assert zero.bound == pytest.approx(0.9 + 0.45 + 0.25, abs=EXACT)
    assert zero.bound_best_scale == pytest.approx(0.9 + 0.4 + 0.25, abs=EXACT)
    # already at a good scale: c = 1 is kept on ties
    assert preference_bound(alpha=np.array([0.5, 0.5]), term5=0.0, **inputs).scale == 1.0
    # default label names
    plain = {k: v for k, v in inputs.items() if k != "label_names"}
    assert preference_bound(alpha=np.array([0.5, 0.5]), term5=0.0, **plain).per_label["label"].tolist() == [
        "y1",
        "y2",
    ]
