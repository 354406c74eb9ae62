"""System audit: known answers (decomposition, weights, bounds, retrieval), errors, run_audit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import TINY, random_log
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf
from scipy.stats import norm

from sysfair.audit import AuditConfig, AuditError, audit_log, run_audit
from sysfair.audit.bounds import preference_bound
from sysfair.audit.decomposition import utility_gap_decomposition
from sysfair.audit.propensity import (
    fit_propensity,
    make_propensity_model,
    shared_space_weights,
)
from sysfair.audit.report import format_audit
from sysfair.errors import ConfigError, SysfairError
from sysfair.experiment import record as rec
from sysfair.retrievers import RandomRetriever, RetrievalInputs, SingleLabelRetriever
from sysfair.system.candidates import CandidateLog
from sysfair.system.platform import Platform

OPPOSED = np.array([[0.9, 0.1], [0.1, 0.9]])


def _with_features(log: CandidateLog, features: np.ndarray) -> CandidateLog:
    return CandidateLog(
        scores=log.scores,
        labels=log.labels,
        mask=log.mask,
        group=log.group,
        session_features=features.astype(np.float32),
        item_ids=log.item_ids,
        label_names=log.label_names,
        n_groups=log.n_groups,
    )


def test_propensity_weights_match_the_analytic_density_ratio() -> None:
    """Two Gaussians N(0,1) and N(1,1), pi = 0.3: logistic regression is well specified."""
    rng = np.random.default_rng(0)
    n, pi = 8000, 0.3
    treated = rng.random(n) < pi
    x = rng.standard_normal(n) + treated
    p1, p0 = norm.pdf(x, 1.0), norm.pdf(x)
    pi_hat = treated.mean()
    p = pi_hat * p1 + (1 - pi_hat) * p0
    true_w = p1 * p0 / (p * (p1 + p0))  # = ab/(a+b) with the true e(x)
    # the formula ab/(a+b) on the true propensity is exactly the density expression
    true_e = pi_hat * p1 / p
    assert np.allclose(shared_space_weights(propensity=true_e, treated=treated, clip=1e-12), true_w)
    e_hat = fit_propensity(
        features=x[:, None], treated=treated, model=make_propensity_model("logistic_regression"), folds=5
    )
    w_hat = shared_space_weights(propensity=e_hat, treated=treated)
    rel = np.abs(w_hat / true_w - 1.0)
    assert np.max(rel[np.abs(x - 0.5) < 1.5]) < 0.1 and np.median(rel) < 0.03
    assert np.corrcoef(w_hat, true_w)[0, 1] > 0.99
    # the shared space is centred between the groups: weighted mean of x ~ 0.5
    assert abs(np.average(x, weights=w_hat) - 0.5) < 0.05


def test_identical_feature_distributions_make_terms_4_and_6_vanish() -> None:
    log = random_log(n_sessions=6000, m=6, seed=1)  # features independent of the group
    audit = audit_log(log, preferences=OPPOSED, config=AuditConfig(alpha=[0.5, 0.5]))
    d = audit.decompositions[0]
    assert d.effective_sample_size > 0.99 * log.n_sessions  # weights ~ constant
    se = np.sqrt(0.25 / min(d.n_reference, d.n_other))  # utilities lie in [0, 1]
    assert abs(d.term4) < 3 * se and abs(d.term6) < 3 * se
    # a covariate shift in X that drives the outcomes makes term (4) large
    rng = np.random.default_rng(1)
    shifted_features = log.group[:, None] + 0.3 * rng.standard_normal((log.n_sessions, 1))
    minority = int(np.argmin(np.bincount(log.group)))
    bad = log.group == minority  # its sessions (and covariates) get worse candidates
    labels = log.labels.copy()
    labels[bad] *= rng.random(labels[bad].shape) < 0.5
    shifted = _with_features(log, shifted_features)
    shifted = CandidateLog(**{**shifted.__dict__, "labels": labels})
    d2 = audit_log(shifted, preferences=OPPOSED, config=AuditConfig(alpha=[0.5, 0.5])).decompositions[0]
    # paper orientation: the minority is the disadvantaged group 0; its covariates, term (6) =
    # E_S[U_0] - E_0[U_0], carry the loss
    assert d2.reference == minority and d2.term6 > 0.1


def test_identical_preferences_make_term_5_exactly_zero() -> None:
    log = random_log(n_sessions=800, seed=2)
    same = np.array([[0.3, 0.7], [0.3, 0.7]])
    audit = audit_log(log, preferences=same, config=AuditConfig(alpha=[0.8, 0.2], min_group_sessions=10))
    assert audit.decompositions[0].term5 == 0.0
    assert audit.bounds[0].respected


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_terms_add_up_to_the_gap_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 500
    u0, u1 = rng.random(n), rng.random(n) * 2
    other = rng.random(n) < 0.3
    w = rng.random(n)
    d = utility_gap_decomposition(utility_reference=u0, utility_other=u1, is_other=other, weights=w)
    assert d.term4 + d.term5 + d.term6 == pytest.approx(d.total, abs=1e-12)
    assert d.total == pytest.approx(u1[other].mean() - u0[~other].mean())
    log = _with_features(random_log(n_sessions=600, k=3, seed=seed), rng.standard_normal((600, 2)))
    prefs = rng.random((2, 3)) + 0.05
    for propensity in ("logistic_regression", "gradient_boosting"):
        cfg = AuditConfig(alpha=list(rng.random(3) + 0.1), propensity=propensity, min_group_sessions=10)
        for dec in audit_log(log, preferences=prefs, config=cfg, seed=seed).decompositions:
            assert abs(dec.residual) < 1e-12
            assert dec.term4 + dec.term5 + dec.term6 == pytest.approx(dec.total, abs=1e-12)


def test_group_0_is_the_disadvantaged_group_and_printed_check() -> None:
    log = random_log(n_sessions=900, seed=3)
    group = np.where(np.arange(900) < 600, 1, 0)  # group 1 is the larger one here
    labels = log.labels.copy()
    labels[group == 1] = 0.0  # ... and gets nothing: it is the disadvantaged group
    log = CandidateLog(**{**log.__dict__, "group": group, "labels": labels})
    audit = audit_log(log, preferences=OPPOSED, config=AuditConfig())
    d = audit.decompositions[0]
    assert (d.reference, d.other) == (1, 0) and d.n_reference == 600
    assert d.mean_reference == 0.0 and d.total > 0  # E_1[U_1] - E_0[U_0] >= 0 under auto
    text = format_audit(audit)
    assert "check (1, 0): (4) + (5) + (6)" in text and "|difference|" in text
    assert "group 0 = disadvantaged group of each pair: group 1 vs group 0" in text
    named = audit_log(log, preferences=OPPOSED, config=AuditConfig(disadvantaged_group=0)).decompositions[0]
    assert (named.reference, named.other) == (0, 1) and named.total == pytest.approx(-d.total)
    assert np.allclose(audit.alpha, [0.5, 0.5])  # alpha: null -> uniform


def test_theorem_3_1_bound_on_a_hand_computed_case() -> None:
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    f = np.array([[0.5, 0.5], [0.5, 0.5]])
    b = preference_bound(
        labels_served=y,
        scores_served=f,
        alpha=np.array([0.5, 0.5]),
        preference_reference=np.array([0.9, 0.1]),
        preference_other=np.array([0.1, 0.9]),
        weights=np.ones(2),
        term5=0.0,
    )
    # misspecification: 0.8 * 0.5 per label; serving: (0.4 + 0.4) * 0.5 per label
    assert np.allclose(b.per_label["misspecification"], [0.4, 0.4])
    assert np.allclose(b.per_label["serving_vs_reference"] + b.per_label["serving_vs_other"], [0.4, 0.4])
    assert b.bound == pytest.approx(1.6) and b.bound_best_scale <= b.bound + 1e-12
    log = random_log(n_sessions=1000, seed=4)
    for bound in audit_log(log, preferences=OPPOSED, config=AuditConfig(alpha=[3.0, 1.0])).bounds:
        assert bound.respected and abs(bound.term5) <= bound.bound + 1e-12


def _single_label_log(retriever, seed: int = 0) -> CandidateLog:
    """Sessions whose covariate x drives both the group and the label structure of the corpus.

    x ~ N(0, 1) (group 0, 80%) or N(2, 1) (group 1, 20%). Each session's corpus of 100 items has
    calibrated scores f and labels Y ~ Bernoulli(f). With probability sigmoid(3 (x - 1)) the
    session is "exclusive": its items are good at label 1 or at label 2, never both; otherwise
    the two scores are independent. Retrieval by label 1 then leaves group-1-like sessions with
    no item good at label 2, the label group 1 values.
    """
    rng = np.random.default_rng(seed)
    n_s, corpus = 3000, 100
    group = (rng.random(n_s) < 0.2).astype(int)
    x = rng.standard_normal(n_s) + 2.0 * group
    exclusive = rng.random(n_s) < 1 / (1 + np.exp(-3 * (x - 1.0)))
    session = np.repeat(np.arange(n_s), corpus)
    u1, u2 = rng.random(session.size), rng.random(session.size)
    f1 = u1
    f2 = np.where(exclusive[session], 1.0 - u1, u2)
    scores = np.column_stack([f1, f2])
    labels = (rng.random(scores.shape) < scores).astype(float)
    inputs = RetrievalInputs(
        np.zeros((session.size, 1)), x[:, None], lambda labels: scores[:, labels or [0, 1]], ("y1", "y2")
    )
    slots = retriever.retrieve(session, n_s, rng, inputs=inputs)
    return CandidateLog(
        scores=scores[slots].astype(np.float32),
        labels=labels[slots].astype(np.float32),
        mask=slots >= 0,
        group=group,
        session_features=x[:, None].astype(np.float32),
        item_ids=slots,
        label_names=("y1", "y2"),
        n_groups=2,
    )


@pytest.mark.parametrize("label", [1, 0])  # 1: the label the minority values; 0: the majority's
def test_single_label_retrieval_creates_a_retrieval_gap_and_the_theorem_3_3_bound(label: int) -> None:
    cfg = AuditConfig(alpha=[0.5, 0.5], lemma_grid_points=21, disadvantaged_group=1)
    retriever = SingleLabelRetriever(SimpleNamespace(m=10, label=label))
    ranked = audit_log(_single_label_log(retriever), preferences=OPPOSED, config=cfg)
    rand = audit_log(
        _single_label_log(RandomRetriever(SimpleNamespace(m=10))), preferences=OPPOSED, config=cfg
    )
    gap, base = ranked.retrieval[0], rand.retrieval[0]
    # the data's group 1 (the minority, worse candidate sets) is named the paper's group 0
    assert (gap.reference, gap.other) == (1, 0)
    assert gap.q_other - gap.q_reference > 0.2  # the paper's group 1 has the better candidate sets
    assert gap.epsilon > 0.1 and gap.informative
    assert gap.epsilon > base.epsilon + 0.1  # the retriever, not the corpus, makes the gap
    # Theorem 3.3 as the paper states it: term (4) = E_1[U_1] - E_S[U_1] >= epsilon * min_k alpha*_k(1)
    assert gap.measured == pytest.approx(ranked.decompositions[0].term4)
    assert gap.measured >= gap.lower_bound and gap.holds
    if label == 0:
        assert ranked.decompositions[0].total > 0  # retrieval for the majority's label: minority loses


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        (np.zeros(300, dtype=int), "only"),
        (np.r_[np.zeros(290), np.ones(10)].astype(int), "min_group_sessions"),
    ],
)
def test_undefined_decomposition_raises_a_clear_error(groups: np.ndarray, match: str) -> None:
    log = random_log(n_sessions=300, seed=5)
    log = CandidateLog(**{**log.__dict__, "group": groups})
    with pytest.raises(AuditError, match=match) as info:
        audit_log(log, preferences=OPPOSED, config=AuditConfig(min_group_sessions=50))
    assert isinstance(info.value, SysfairError)
    assert "undefined" in str(info.value) or "need sessions of both groups" in str(info.value)


def test_pairs_skip_groups_without_sessions() -> None:
    """3 configured groups, group 1 absent: the default audits the one pair present, (0, 2)."""
    log = random_log(n_sessions=300, seed=6)
    groups = np.where(np.arange(300) < 200, 0, 2)
    log = CandidateLog(**{**log.__dict__, "group": groups, "n_groups": 3})
    prefs = np.array([[0.9, 0.1], [0.5, 0.5], [0.1, 0.9]])
    audit = audit_log(log, preferences=prefs, config=AuditConfig(min_group_sessions=50))
    utility = audit.groups.set_index("group")["utility"]
    group0 = 0 if utility[0] <= utility[2] else 2  # the disadvantaged one of the pair present
    assert [(d.reference, d.other) for d in audit.decompositions] == [(group0, 2 - group0)]


def test_config_checks() -> None:
    with pytest.raises(ConfigError, match="audit.alpha"):
        AuditConfig(alpha=[0.0, 0.0]).check(2)
    with pytest.raises(ConfigError, match="audit.alpha"):
        AuditConfig(alpha=[1.0, 1.0, 1.0]).check(2)
    with pytest.raises(ConfigError, match="audit.propensity"):
        AuditConfig(propensity="svm").check(2)
    with pytest.raises(ConfigError, match="audit.pair"):
        AuditConfig(pair=[1, 1]).check(2)
    model = make_propensity_model("sklearn.tree.DecisionTreeClassifier", {"max_depth": 2})
    assert model.get_params()["max_depth"] == 2
    with pytest.raises(AuditError):
        make_propensity_model("sklearn.linear_model.LinearRegression")


def test_lemma_check_with_calibrated_scorers() -> None:
    """Calibrated scores: alpha*(g) is within 3% of the best direction (hand cases that fail and
    hold exactly: test_handcomputed_audit.py)."""
    log = random_log(n_sessions=3000, m=10, seed=6)  # calibrated scores, labels ~ Bernoulli(score)
    lemma = audit_log(log, preferences=OPPOSED, config=AuditConfig()).lemma
    assert list(lemma["group"]) == [0, 1]
    # the utility at alpha*(g), served independently of the audit
    at_star = Platform(log, OPPOSED).evaluate(OPPOSED).group_utility
    assert lemma["utility_at_alpha_star"].tolist() == pytest.approx([at_star[0, 0], at_star[1, 1]], abs=1e-12)
    # the best grid direction is another one, but only by sampling noise
    assert (lemma["regret"] > 0).any()
    assert (lemma["relative_regret"] < 0.03).all() and lemma["holds"].all()


@pytest.mark.slow
def test_run_audit_end_to_end(compose_cfg, tmp_path: Path) -> None:
    cfg = compose_cfg(*[o for o in TINY if not o.startswith("trials")], "dataset.n_sessions=400")
    OmegaConf.set_struct(cfg, False)
    cfg.audit = OmegaConf.structured(
        AuditConfig(alpha=[0.6, 0.4], min_group_sessions=20, lemma_grid_points=51)
    )
    result = run_audit(cfg, launch_dir=tmp_path)
    files = {p.name for p in result.report_dir.iterdir()}
    assert {"report.md", "decomposition.png", "reliability.png", "retrieval_quality.png"} <= files
    report = (result.report_dir / "report.md").read_text()
    assert "Utility-gap decomposition" in report and "Sum check" in report
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["mode"] == "audit"
    d = result.audit.decompositions[0]
    term4 = run.data.metrics[rec.audit_metric("gap", f"{d.reference}_{d.other}_term4")]
    assert term4 == pytest.approx(d.term4)
    assert rec.model_metric("y1", 0, "auc") in run.data.metrics
    assert {a.path for a in client.list_artifacts(result.run_id)} >= {"report.md", "decomposition.png"}
    # an undefined decomposition fails the run, with a clear error
    cfg.audit.min_group_sessions = 10_000
    with pytest.raises(AuditError):
        run_audit(cfg, launch_dir=tmp_path)
    runs = client.search_runs([run.info.experiment_id], order_by=["attributes.start_time DESC"])
    assert runs[0].info.status == "FAILED" and runs[0].data.tags["mode"] == "audit"
