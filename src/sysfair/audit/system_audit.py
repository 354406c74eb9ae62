"""The system-level audit of one serving configuration alpha on a CandidateLog (issue 6).

:func:`audit_log` computes every table from plain inputs (a log, the group preferences, an
:class:`AuditConfig`); :func:`sysfair.audit.run.run_audit` adds config composition, the report
folder and MLflow.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sysfair.audit.bounds import PreferenceBound, preference_bound
from sysfair.audit.config import AuditConfig
from sysfair.audit.decomposition import (
    GapDecomposition,
    orient_pair,
    served_utilities,
    utility_gap_decomposition,
)
from sysfair.audit.errors import AuditError
from sysfair.audit.hidden import HiddenAttribution, hidden_attributions, with_hidden
from sysfair.audit.lemma import lemma_check
from sysfair.audit.propensity import fit_propensity, make_propensity_model, shared_space_weights
from sysfair.audit.retrieval import RetrievalGap, retrieval_gap, session_retrieval_quality
from sysfair.audit.uncertainty import bootstrap_standard_errors
from sysfair.system.candidates import CandidateLog
from sysfair.system.groupwise import group_counts, group_means
from sysfair.system.model_audit import model_audit
from sysfair.system.platform import Platform

__all__ = ["SystemAudit", "audit_log", "audit_pairs", "resolve_alpha"]


@dataclass(frozen=True)
class SystemAudit:
    """Every number the audit reports (tables are pandas DataFrames).

    Attributes:
        alpha: ``[K]`` audited serving weights.
        label_names: K names.
        groups: one row per group: group, sessions, prevalence, utility (own alpha*), q_m, and
            auc_<label>, ece_<label> per label.
        system: overall utility, DER, sessions, groups.
        model: the model-level audit table (:func:`sysfair.system.model_audit.model_audit`).
        decompositions, bounds, retrieval: one entry per audited pair.
        lemma: Lemma 2.3 table, one row per group.
        weights: per pair ``(reference, other)`` -> (session indices ``[n]``, weights ``[n]``).
        hidden: per pair, the hidden outcome's part of the gap (Appendix D); empty without one.
    """

    alpha: np.ndarray
    label_names: tuple[str, ...]
    preferences: np.ndarray
    groups: pd.DataFrame
    system: dict[str, float]
    model: pd.DataFrame
    decompositions: list[GapDecomposition]
    bounds: list[PreferenceBound]
    retrieval: list[RetrievalGap]
    lemma: pd.DataFrame
    weights: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(repr=False, default_factory=dict)
    propensity: str = "logistic_regression"
    hidden: list[HiddenAttribution] = field(default_factory=list)


def resolve_alpha(alpha: list[float] | None, n_labels: int) -> np.ndarray:
    """The audited weights ``[K]``: ``alpha`` as given, or uniform 1/K for ``None``."""
    if alpha is None:
        return np.full(n_labels, 1.0 / n_labels)
    a = np.asarray(alpha, dtype=np.float64)
    if a.shape != (n_labels,):
        raise AuditError(f"audit.alpha={list(alpha)} needs {n_labels} weights, one per label")
    if np.any(a < 0) or not np.isfinite(a).all() or a.sum() <= 0:
        raise AuditError(f"audit.alpha={list(alpha)} must be finite, >= 0 and not all 0")
    return a


def audit_pairs(counts: np.ndarray, config: AuditConfig, group_utility: np.ndarray) -> list[tuple[int, int]]:
    """(group 0, group 1) pairs to decompose, in the paper's orientation (:func:`orient_pair`).

    ``group_utility [G]``: each group's utility at the audited alpha (its own alpha*), which
    decides the disadvantaged group 0 under ``audit.disadvantaged_group=auto``. Raises
    :class:`AuditError` when a pair is undefined.
    """
    n_groups = counts.shape[0]
    present = np.flatnonzero(counts > 0)
    if present.size < 2:
        only = ", ".join(f"group {g}" for g in present) or "no group"
        raise AuditError(
            f"the utility-gap decomposition compares two groups, but the log has sessions of {only} "
            f"only (n_groups={n_groups}): E_1[U_1] - E_0[U_0] and the shared space S_X need sessions "
            "of both groups"
        )
    named = config.disadvantaged()
    if named is not None and (named >= n_groups or counts[named] == 0):
        raise AuditError(
            f"audit.disadvantaged_group={named}: the log has no sessions of group {named} (groups with "
            f"sessions: {present.tolist()}); name one of them, or use auto"
        )
    if config.pair is not None:
        a, b = (int(x) for x in config.pair)
        if max(a, b) >= n_groups:
            raise AuditError(f"audit.pair={[a, b]}: the log has groups 0..{n_groups - 1}")
        candidates = [(a, b)]
    else:
        candidates = list(itertools.combinations(present.tolist(), 2))  # groups with sessions
    pairs = []
    for a, b in candidates:
        for g in (a, b):
            if counts[g] < config.min_group_sessions:
                raise AuditError(
                    f"group {g} has {int(counts[g])} sessions, fewer than audit.min_group_sessions="
                    f"{config.min_group_sessions}: its mean utility, its propensity model and the shared "
                    "space S_X it spans cannot be estimated, so the decomposition of the gap between "
                    f"groups {a} and {b} is undefined. Use more sessions, lower audit.min_group_sessions, "
                    "or audit another pair with audit.pair=[a,b]"
                )
        pairs.append(
            orient_pair(pair=(a, b), group_utility=group_utility, disadvantaged=config.disadvantaged())
        )
    return pairs


def _group_table(
    log: CandidateLog, group_utility: np.ndarray, quality: np.ndarray, model: pd.DataFrame
) -> pd.DataFrame:
    counts = group_counts(groups=log.group, n_groups=log.n_groups)
    q_m = group_means(values=quality, groups=log.group, n_groups=log.n_groups)
    rows = []
    for g in range(log.n_groups):
        row: dict[str, object] = {
            "group": g,
            "sessions": int(counts[g]),
            "prevalence": counts[g] / max(log.n_sessions, 1),
            "utility": float(group_utility[g]),
            "q_m": float(q_m[g]),
        }
        part = model[model["group"] == str(g)]
        for r in part.itertuples():
            row[f"auc_{r.label}"] = r.auc
            row[f"ece_{r.label}"] = r.ece
        rows.append(row)
    return pd.DataFrame(rows)


def audit_log(
    log: CandidateLog,
    *,
    preferences: np.ndarray,
    config: AuditConfig,
    seed: int = 0,
) -> SystemAudit:
    """Audit serving weights ``config.alpha`` on ``log`` under ``preferences [G, K]``.

    Raises :class:`AuditError` if fewer than two groups have sessions or a group of an audited
    pair has fewer than ``config.min_group_sessions`` sessions.
    """
    config.check(log.n_labels)
    prefs = np.asarray(preferences, dtype=np.float64)
    alpha = resolve_alpha(None if config.alpha is None else list(config.alpha), log.n_labels)
    counts = group_counts(groups=log.group, n_groups=log.n_groups)
    platform = Platform(log, prefs)
    ev = platform.evaluate(alpha)
    pairs = audit_pairs(counts, config, ev.group_utility[0])
    slots = platform.serve(alpha)  # [S]
    rows = np.arange(log.n_sessions)
    labels_served = log.labels[rows, slots].astype(np.float64)  # [S, K]
    scores_served = log.scores[rows, slots].astype(np.float64)
    hidden_served = None if log.hidden is None else log.hidden[rows, slots].astype(np.float64)
    y_all, f_all, a_all, p_all, names_all = with_hidden(
        labels_served, scores_served, alpha, prefs, log.label_names, hidden_served, log.hidden_weights
    )
    utilities = served_utilities(labels_served=y_all, preferences=p_all)  # [S, G]
    quality = session_retrieval_quality(labels=log.labels, mask=log.mask)
    model = model_audit(log, n_bins=config.n_bins)

    decompositions, bounds, gaps, weights = [], [], [], {}
    propensity_model = make_propensity_model(config.propensity, config.propensity_params, seed=seed)
    for ref, other in pairs:
        idx = np.flatnonzero((log.group == ref) | (log.group == other))
        is_other = log.group[idx] == other
        e = fit_propensity(
            features=log.session_features[idx],
            treated=is_other,
            model=propensity_model,
            folds=config.propensity_folds,
            seed=seed,
        )
        w = shared_space_weights(propensity=e, treated=is_other, clip=config.propensity_clip)
        weights[(ref, other)] = (idx, w)
        pair_inputs = {
            "utility_reference": utilities[idx, ref],
            "utility_other": utilities[idx, other],
            "is_other": is_other,
            "weights": w,
        }
        dec = utility_gap_decomposition(**pair_inputs, reference=ref, other=other)
        if config.n_bootstrap:
            se = bootstrap_standard_errors(**pair_inputs, n_resamples=config.n_bootstrap, seed=seed)
            dec = replace(dec, **{f"se_{term}": value for term, value in se.items()})
        decompositions.append(dec)
        bounds.append(
            preference_bound(
                labels_served=y_all[idx],
                scores_served=f_all[idx],
                alpha=a_all,
                preference_reference=p_all[ref],
                preference_other=p_all[other],
                weights=w,
                term5=dec.term5,
                label_names=names_all,
                reference=ref,
                other=other,
            )
        )
        gaps.append(
            retrieval_gap(
                quality=quality[idx],
                is_other=is_other,
                weights=w,
                preference_other=prefs[other],
                term4=dec.term4,
                reference=ref,
                other=other,
            )
        )
    hidden = hidden_attributions(hidden_served, log.group, log.hidden_weights, decompositions)
    lemma = lemma_check(platform, grid_points=config.lemma_grid_points, tolerance=config.lemma_tolerance)
    system = {
        "utility": float(ev.utility[0]),
        "der": float(ev.der[0]),
        "sessions": float(log.n_sessions),
        "groups_present": float((counts > 0).sum()),
    }
    return SystemAudit(
        alpha=alpha,
        label_names=log.label_names,
        preferences=prefs,
        groups=_group_table(log, ev.group_utility[0], quality, model),
        system=system,
        model=model,
        decompositions=decompositions,
        bounds=bounds,
        retrieval=gaps,
        lemma=lemma,
        weights=weights,
        propensity=config.propensity,
        hidden=hidden,
    )
