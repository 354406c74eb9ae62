"""Shared-space weights from a propensity model (DESIGN.md §2, paper §3).

With e(x) = P(G = 1 | x) and pi = P(G = 1) over the pooled sessions of two groups,
a = e / pi = p(x | 1) / p(x) and b = (1 - e) / (1 - pi) = p(x | 0) / p(x), so the weight

    w(x) = a b / (a + b) = p(x|1) p(x|0) / (p(x) (p(x|1) + p(x|0)))

turns the pooled distribution p(x) into the shared space S_X(x) ∝ p(x|1) p(x|0) / (p(x|1) + p(x|0)):
E_S[h] = sum_i w_i h(x_i) / sum_i w_i. With identical covariate distributions w is constant and
S_X is the pooled population; where one group has no support w -> 0.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sysfair.audit.errors import AuditError

__all__ = ["effective_sample_size", "fit_propensity", "make_propensity_model", "shared_space_weights"]


def make_propensity_model(
    name: str, params: Mapping[str, Any] | None = None, *, seed: int = 0
) -> ClassifierMixin:
    """A fresh scikit-learn classifier for e(x).

    ``name``: ``logistic_regression`` (standardised features, L2, the default),
    ``gradient_boosting`` (HistGradientBoostingClassifier, early stopping on a 10% split),
    ``random_forest`` (100 trees, min_samples_leaf=20 so leaf frequencies are usable
    probabilities), or a dotted path to any classifier class with ``predict_proba``. ``params``
    are passed to the classifier.
    """
    params = dict(params or {})
    if name == "logistic_regression":
        return make_pipeline(StandardScaler(), LogisticRegression(**{"max_iter": 1000, **params}))
    if name == "gradient_boosting":
        return HistGradientBoostingClassifier(**{"early_stopping": True, "random_state": seed, **params})
    if name == "random_forest":
        defaults = {"n_estimators": 100, "min_samples_leaf": 20, "n_jobs": 1, "random_state": seed}
        return RandomForestClassifier(**{**defaults, **params})
    module, _, cls = name.rpartition(".")
    try:
        model = getattr(importlib.import_module(module), cls)(**params)
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise AuditError(f"audit.propensity={name!r} cannot be built: {exc}") from exc
    if not is_classifier(model) or not hasattr(model, "predict_proba"):
        raise AuditError(f"audit.propensity={name!r} is not a scikit-learn classifier with predict_proba")
    return model


def fit_propensity(
    *,
    features: np.ndarray,
    treated: np.ndarray,
    model: ClassifierMixin,
    folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """e(x_i) = P(G = 1 | x_i) for each session: ``features [n, d]``, ``treated [n]`` bool -> ``[n]``.

    ``folds >= 2``: cross-fitted (each session's e from a model that did not see it), which keeps
    flexible models (forests, boosting) from memorising the groups; ``folds`` is capped at the
    smaller group's size. ``folds <= 1``: fit once, predict in-sample. With no feature columns
    (d = 0) e is the constant share of group 1.
    """
    x = np.asarray(features, dtype=np.float64)
    t = np.asarray(treated, dtype=bool)
    if x.ndim != 2 or x.shape[0] != t.shape[0]:
        raise ValueError(f"features must be [n, d] with n = len(treated); got {x.shape} and {t.shape}")
    pi = float(t.mean())
    if x.shape[1] == 0:
        return np.full(t.shape[0], pi)
    n_min = int(min(t.sum(), (~t).sum()))
    if n_min < 2:
        raise AuditError("the propensity model needs at least 2 sessions of each group")
    k = min(folds, n_min)
    # One thread: the propensity models are small, and OpenMP/BLAS threads oversubscribe shared cores.
    with threadpool_limits(limits=1):
        if k >= 2:
            cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            proba = cross_val_predict(clone(model), x, t.astype(int), cv=cv, method="predict_proba")
        else:
            proba = clone(model).fit(x, t.astype(int)).predict_proba(x)
    return proba[:, 1]


def shared_space_weights(*, propensity: np.ndarray, treated: np.ndarray, clip: float = 1e-3) -> np.ndarray:
    """Session weights ``[n]`` of the shared space: ab/(a+b), a = e/pi, b = (1-e)/(1-pi).

    Args:
        propensity: ``[n]`` e(x_i), clipped to ``[clip, 1 - clip]`` before use.
        treated: ``[n]`` bool, True for sessions of group 1; pi = its mean.
        clip: keeps a and b finite where a group has (estimated) no support.
    """
    t = np.asarray(treated, dtype=bool)
    pi = float(t.mean())
    if not 0.0 < pi < 1.0:
        raise AuditError("shared-space weights need sessions of both groups")
    e = np.clip(np.asarray(propensity, dtype=np.float64), clip, 1.0 - clip)
    a = e / pi
    b = (1.0 - e) / (1.0 - pi)
    return a * b / (a + b)


def effective_sample_size(*, weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 of ``weights [n]``."""
    w = np.asarray(weights, dtype=np.float64)
    denom = float((w**2).sum())
    return float(w.sum() ** 2 / denom) if denom > 0 else 0.0
