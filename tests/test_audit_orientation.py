"""The audit in the paper's orientation (Section 3.1): group 0 is the disadvantaged group."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_log

from sysfair.audit import AuditConfig, AuditError, audit_log
from sysfair.audit.decomposition import orient_pair, utility_gap_decomposition
from sysfair.audit.retrieval import retrieval_gap
from sysfair.system.candidates import CandidateLog

OPPOSED = np.array([[0.9, 0.1], [0.1, 0.9]])


def test_orient_pair_by_utility_and_by_name() -> None:
    utility = np.array([0.7, 0.4, 0.4])
    assert orient_pair(pair=(0, 1), group_utility=utility) == (1, 0)  # group 1 has less
    assert orient_pair(pair=(1, 0), group_utility=utility) == (1, 0)  # order of the pair is irrelevant
    assert orient_pair(pair=(2, 1), group_utility=utility) == (1, 2)  # tie: the lower id is group 0
    assert orient_pair(pair=(0, 1), group_utility=utility, disadvantaged=0) == (0, 1)
    assert orient_pair(pair=(0, 1), group_utility=utility, disadvantaged=2) == (1, 0)  # not in the pair
    assert orient_pair(pair=(1, 2), group_utility=utility, disadvantaged=0) == (1, 2)  # not in it: auto


def test_hand_computed_two_group_example_in_the_paper_orientation() -> None:
    """Four sessions: group A (ids 0, 1) and group B (ids 2, 3), non-uniform shared-space weights.

    Served-item utilities under each group's weights (U_A, U_B):
      s0 (A): (0.2, 0.6)   s1 (A): (0.4, 0.8)   s2 (B): (0.9, 0.3)   s3 (B): (0.7, 0.5)
    Own-group means: E_A[U_A] = 0.3, E_B[U_B] = 0.4, so A is disadvantaged: group 0 = A, group 1 = B.
    Weights w = (1, 3, 3, 1) / 8 on s0..s3:
      E_S[U_B] = (0.6 + 2.4 + 0.9 + 0.5) / 8 = 0.55,   E_S[U_A] = (0.2 + 1.2 + 2.7 + 0.7) / 8 = 0.6
      gap  = E_1[U_1] - E_0[U_0] = 0.4 - 0.3 = 0.1
      (4)  = E_1[U_1] - E_S[U_1] = 0.4 - 0.55 = -0.15
      (5)  = E_S[U_1] - E_S[U_0] = 0.55 - 0.6 = -0.05
      (6)  = E_S[U_0] - E_0[U_0] = 0.6 - 0.3 = 0.3
    """
    u_a = np.array([0.2, 0.4, 0.9, 0.7])
    u_b = np.array([0.6, 0.8, 0.3, 0.5])
    group = np.array([0, 0, 1, 1])  # data labels: A = 0, B = 1
    own = np.array([u_a[group == 0].mean(), u_b[group == 1].mean()])
    g0, g1 = orient_pair(pair=(0, 1), group_utility=own)
    assert (g0, g1) == (0, 1)
    w = np.array([1.0, 3.0, 3.0, 1.0])
    d = utility_gap_decomposition(
        utility_reference=u_a, utility_other=u_b, is_other=group == g1, weights=w, reference=g0, other=g1
    )
    assert d.total == pytest.approx(0.1)
    assert d.term4 == pytest.approx(-0.15)
    assert d.term5 == pytest.approx(-0.05)
    assert d.term6 == pytest.approx(0.3)
    # Theorem 3.3 with Q_m: group 1 (B) has Q = (2, 1) -> 1.5; S_X: (1*1 + 3*1 + 3*2 + 1*1)/8 = 11/8
    q = np.array([1.0, 1.0, 2.0, 1.0])
    gap = retrieval_gap(
        quality=q, is_other=group == g1, weights=w, preference_other=np.array([0.3, 0.6]), term4=d.term4
    )
    assert gap.q_other == pytest.approx(1.5) and gap.q_shared == pytest.approx(11 / 8)
    assert gap.epsilon == pytest.approx(1.5 - 11 / 8)  # Q_m(group 1) - Q_m(S_X)
    assert gap.lower_bound == pytest.approx((1.5 - 11 / 8) * 0.3)
    assert gap.measured == pytest.approx(-0.15) and gap.informative and not gap.holds


def _swap_labels(log: CandidateLog) -> CandidateLog:
    return CandidateLog(**{**log.__dict__, "group": 1 - log.group})


@pytest.mark.parametrize("seed", [0, 1])
def test_swapping_group_labels_swaps_only_the_names(seed: int) -> None:
    rng = np.random.default_rng(seed)
    log = random_log(n_sessions=1200, m=6, seed=seed)
    features = log.group[:, None] + rng.standard_normal((log.n_sessions, 2))  # X shifts with the group
    log = CandidateLog(**{**log.__dict__, "session_features": features.astype(np.float32)})
    cfg = AuditConfig(alpha=[0.7, 0.3], n_bootstrap=0, lemma_grid_points=11)
    a = audit_log(log, preferences=OPPOSED, config=cfg, seed=seed)
    b = audit_log(_swap_labels(log), preferences=OPPOSED[::-1].copy(), config=cfg, seed=seed)
    da, db = a.decompositions[0], b.decompositions[0]
    assert (db.reference, db.other) == (1 - da.reference, 1 - da.other)
    for name in ("total", "term4", "term5", "term6", "mean_reference", "mean_other", "shared_other"):
        assert getattr(db, name) == pytest.approx(getattr(da, name), abs=1e-12), name
    ra, rb = a.retrieval[0], b.retrieval[0]
    assert rb.epsilon == pytest.approx(ra.epsilon, abs=1e-12) and rb.holds == ra.holds
    assert b.bounds[0].bound == pytest.approx(a.bounds[0].bound, abs=1e-12)
    assert da.total >= 0  # auto: group 0 has the lower utility


def test_unknown_disadvantaged_group_is_a_clear_error() -> None:
    log = random_log(n_sessions=300, seed=4)
    with pytest.raises(AuditError, match="audit.disadvantaged_group=5"):
        audit_log(log, preferences=OPPOSED, config=AuditConfig(disadvantaged_group=5))
