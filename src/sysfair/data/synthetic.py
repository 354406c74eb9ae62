"""Synthetic datasets: the paper's recipe and sysfair's default with a utility-DER trade-off."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm
from sklearn.datasets import make_classification

from sysfair.data.base import Interactions


def _blocks(n_sessions: int, corpus_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Session id and item id of i.i.d. rows grouped in consecutive blocks."""
    n = n_sessions * corpus_size
    return np.repeat(np.arange(n_sessions), corpus_size), np.arange(n)


def _session_means(features: np.ndarray, session: np.ndarray, n_sessions: int) -> np.ndarray:
    """Mean feature vector of each session's corpus: ``[S, d]``."""
    sums = np.zeros((n_sessions, features.shape[1]))
    np.add.at(sums, session, features)
    return sums / np.bincount(session, minlength=n_sessions)[:, None]


def make_synthetic(cfg: Any, rng: np.random.Generator) -> Interactions:
    """Correlated latent qualities -> noisy labels and noisy features (see SyntheticConfig)."""
    k, n = cfg.n_labels, cfg.n_sessions * cfg.corpus_size
    rho = cfg.correlation
    cov = np.full((k, k), rho) + (1 - rho) * np.eye(k)
    latent = rng.standard_normal((n, k)) @ np.linalg.cholesky(cov).T
    label_sd = 1.0 / cfg.class_sep
    threshold = norm.ppf(1 - cfg.base_rate) * np.sqrt(1 + label_sd**2)
    labels = (latent + label_sd * rng.standard_normal((n, k)) > threshold).astype(np.float64)
    label_features = []
    width = cfg.n_informative + cfg.n_noise_features
    features = np.empty((n, k * width))  # filled block by block: no second copy of [N, d]
    for j in range(k):
        start, mid = j * width, j * width + cfg.n_informative
        features[:, start:mid] = latent[:, [j]] + cfg.feature_noise * rng.standard_normal(
            (n, cfg.n_informative)
        )
        features[:, mid : start + width] = rng.standard_normal((n, cfg.n_noise_features))
        label_features.append(np.arange(start, start + width))
    session, item = _blocks(cfg.n_sessions, cfg.corpus_size)
    hidden = _hidden_outcome(cfg, latent[:, 0], label_sd, threshold, rng)
    return Interactions(
        features=features,
        labels=labels,
        session=session,
        item=item,
        label_names=tuple(f"y{j + 1}" for j in range(k)),
        label_features=tuple(label_features),
        session_features=_session_means(features, session, cfg.n_sessions),
        hidden=hidden,
        hidden_weights=None if hidden is None else np.asarray(cfg.hidden_outcome, dtype=np.float64),
    )


def _hidden_outcome(
    cfg: Any, latent_1: np.ndarray, label_sd: float, threshold: float, rng: np.random.Generator
) -> np.ndarray | None:
    """Appendix D's hidden outcome ``[N]`` in {0, 1}, or None when ``cfg.hidden_outcome`` is null.

    Its latent quality is ``c L_1 + sqrt(1 - c^2) Z`` (c = ``hidden_correlation``, Z ~ N(0, 1)),
    thresholded with the labels' noise and base rate. Drawn after everything else, so the
    observable data are the same with and without it.
    """
    if getattr(cfg, "hidden_outcome", None) is None:
        return None
    c, n = cfg.hidden_correlation, latent_1.shape[0]
    latent = c * latent_1 + np.sqrt(1.0 - c**2) * rng.standard_normal(n)
    return (latent + label_sd * rng.standard_normal(n) > threshold).astype(np.float64)


def make_synthetic_paper(cfg: Any, rng: np.random.Generator) -> Interactions:
    """One independent ``make_classification`` dataset per label; row i is candidate i."""
    n = cfg.n_sessions * cfg.corpus_size
    labels, label_features = [], []
    features = np.empty((n, cfg.n_labels * cfg.n_features))  # filled block by block
    for j in range(cfg.n_labels):
        x, y = make_classification(
            n_samples=n,
            n_features=cfg.n_features,
            n_informative=cfg.n_informative,
            class_sep=cfg.class_sep,
            flip_y=cfg.flip_y,
            random_state=int(rng.integers(2**31 - 1)),
        )
        features[:, j * cfg.n_features : (j + 1) * cfg.n_features] = x
        labels.append(y)
        label_features.append(np.arange(j * cfg.n_features, (j + 1) * cfg.n_features))
    session, item = _blocks(cfg.n_sessions, cfg.corpus_size)
    return Interactions(
        features=features,
        labels=np.stack(labels, axis=1).astype(np.float64),
        session=session,
        item=item,
        label_names=tuple(f"y{j + 1}" for j in range(cfg.n_labels)),
        label_features=tuple(label_features),
        session_features=_session_means(features, session, cfg.n_sessions),
    )
