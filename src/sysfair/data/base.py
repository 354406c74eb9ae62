"""Interactions: candidate rows (one per session x corpus item) with features and labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Interactions:
    """N candidate rows of S sessions, K labels.

    Attributes:
        features: ``[N, d]`` float, features of the (session, item) pair.
        labels: ``[N, K]`` float in {0, 1}.
        session: ``[N]`` int in ``0..S-1``, the session whose corpus holds the row.
        item: ``[N]`` int, item id.
        label_names: K names.
        label_features: per label k, the columns of ``features`` scorer k uses.
        session_features: ``[S, d_s]`` float, covariates X of each session.
        user: ``[N]`` int user id of each row, or None (needed by collaborative-filtering scorers).
        session_group: ``[S]`` int group hint of each session (e.g. gender), -1 = unknown, or None.
            Used only with ``preferences.assignment=attribute``; by default
            :func:`sysfair.system.build.build_candidate_log` assigns groups at random with
            ``preferences.prevalences`` (the paper scrambles groups so Y | X is group-free).
        hidden: ``[N]`` float in {0, 1}, an outcome no scorer models (Appendix D), or None.
        hidden_weights: ``[G]`` alpha*_hidden(g), each group's weight on ``hidden`` (None iff
            ``hidden`` is None).
    """

    features: np.ndarray
    labels: np.ndarray
    session: np.ndarray
    item: np.ndarray
    label_names: tuple[str, ...]
    label_features: tuple[np.ndarray, ...]
    session_features: np.ndarray
    user: np.ndarray | None = None
    session_group: np.ndarray | None = None
    hidden: np.ndarray | None = None
    hidden_weights: np.ndarray | None = None

    @property
    def n_sessions(self) -> int:
        return self.session_features.shape[0]

    @property
    def n_labels(self) -> int:
        return self.labels.shape[1]

    def rows_of(self, sessions: np.ndarray) -> np.ndarray:
        """Row indices whose session is in the boolean mask ``sessions [S]``."""
        return np.flatnonzero(sessions[self.session])
