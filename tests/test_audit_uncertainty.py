"""Bootstrap standard errors of the gap decomposition against analytic values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_log

from sysfair.audit import AuditConfig, audit_log
from sysfair.audit.uncertainty import bootstrap_standard_errors

OPPOSED = np.array([[0.9, 0.1], [0.1, 0.9]])


def _pair(n0: int = 600, n1: int = 200, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    g1 = np.r_[np.zeros(n0, bool), np.ones(n1, bool)]
    return {
        "utility_reference": rng.random(n0 + n1),
        "utility_other": rng.random(n0 + n1) * 2.0,
        "is_other": g1,
        "weights": rng.uniform(0.2, 1.0, n0 + n1),
    }


def test_gap_standard_error_matches_the_analytic_value() -> None:
    """Stratified bootstrap of a difference of group means: SE^2 = var_1/n_1 + var_0/n_0 (ddof 0)."""
    pair = _pair()
    se = bootstrap_standard_errors(**pair, n_resamples=4000, seed=1)
    g1 = pair["is_other"]
    u0, u1 = pair["utility_reference"][~g1], pair["utility_other"][g1]
    want = np.sqrt(u1.var() / u1.size + u0.var() / u0.size)
    assert se["total"] == pytest.approx(want, rel=0.06)
    assert all(se[t] > 0 for t in ("term4", "term5", "term6"))


def test_identical_preferences_give_a_zero_term5_error_and_seeds_reproduce() -> None:
    pair = _pair()
    pair["utility_other"] = pair["utility_reference"]
    se = bootstrap_standard_errors(**pair, n_resamples=200, seed=3)
    assert se["term5"] == 0.0
    assert se == bootstrap_standard_errors(**pair, n_resamples=200, seed=3)
    assert se != bootstrap_standard_errors(**pair, n_resamples=200, seed=4)
    assert all(np.isnan(v) for v in bootstrap_standard_errors(**pair, n_resamples=0, seed=3).values())


def test_audit_reports_standard_errors_only_when_asked() -> None:
    log = random_log(n_sessions=400, seed=2)
    with_se = audit_log(log, preferences=OPPOSED, config=AuditConfig(n_bootstrap=50))
    (d,) = with_se.decompositions
    assert 0 < d.se_total < 0.2 and 0 < d.se_term5
    (plain,) = audit_log(log, preferences=OPPOSED, config=AuditConfig(n_bootstrap=0)).decompositions
    assert np.isnan(plain.se_total) and plain.total == d.total


def test_n_bootstrap_is_checked() -> None:
    from sysfair.errors import ConfigError

    with pytest.raises(ConfigError, match="audit.n_bootstrap"):
        AuditConfig(n_bootstrap=1).check(2)
