"""A recommender system as one object: build or load it, evaluate serving weights on it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.api.config import SysfairConfig, load_config, resolve_cache_dir
from sysfair.errors import ConfigError
from sysfair.system.candidates import CandidateLog
from sysfair.system.platform import Platform

__all__ = ["System"]


def as_config(config: SysfairConfig | str | Path | None) -> SysfairConfig:
    """A checked config from a SysfairConfig, a YAML path, or None (the defaults)."""
    if config is None or isinstance(config, str | Path):
        return load_config(config)
    if not isinstance(config, SysfairConfig):
        raise ConfigError("config", type(config).__name__, "a SysfairConfig, a YAML file path or None")
    config.check()
    return config


class System:
    """A CandidateLog (what the retriever and scorers produce for every session) and the groups'
    true preferences: everything needed to value serving weights alpha.

    Build one with :meth:`build` (from a config; cached on disk) or :meth:`from_log`.

    Attributes:
        log: the :class:`~sysfair.system.candidates.CandidateLog` (S sessions, m slots, K labels).
        preferences: ``[G, K]`` true weights alpha*(g) of each group.
        platform: the :class:`~sysfair.system.platform.Platform` serving it.
        cache_dir: the cache folder the log was loaded from or written to (None for from_log).
    """

    def __init__(self, log: CandidateLog, preferences: np.ndarray, cache_dir: Path | None = None) -> None:
        self.log = log
        self.platform = Platform(log, np.asarray(preferences, dtype=np.float64))
        self.preferences = self.platform.preferences
        self.cache_dir = cache_dir
        self._oracle: Any = None

    @classmethod
    def from_log(cls, log: CandidateLog, preferences: np.ndarray | list[list[float]]) -> System:
        """A system from a CandidateLog you already have (e.g. production logs)."""
        return cls(log, np.asarray(preferences, dtype=np.float64))

    @classmethod
    def build(
        cls, config: SysfairConfig | str | Path | None = None, *, cache_dir: str | Path | None = None
    ) -> System:
        """Build the system ``config`` describes, or load it from the cache.

        ``config``: a :class:`SysfairConfig`, a YAML file or None (the defaults). The cache folder
        is ``cache_dir``, else ``config.cache_dir``, else :func:`~sysfair.api.config.default_cache_dir`;
        where it is, and whether the entry was loaded or built, is printed to stderr. Building
        trains the scorers (seconds on tiny data, about a minute on the default synthetic data).
        """
        from sysfair.experiment.runner import candidate_log

        cfg = as_config(config)
        folder = resolve_cache_dir(cache_dir, cfg.cache_dir)
        print(f"CandidateLog cache folder: {folder}", file=sys.stderr)
        log = candidate_log(replace(cfg, cache_dir=str(folder)), Path.cwd())
        return cls(log, np.asarray(cfg.preferences.weights, dtype=np.float64), folder)

    # ----- facts ---------------------------------------------------------------------------------
    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(self.log.label_names)

    @property
    def n_groups(self) -> int:
        return int(self.log.n_groups)

    @property
    def n_sessions(self) -> int:
        return int(self.log.n_sessions)

    def _alphas(self, alphas: Any) -> np.ndarray:
        a = np.atleast_2d(np.asarray(alphas, dtype=np.float64))
        k = len(self.label_names)
        if a.ndim != 2 or a.shape[1] != k:
            raise ConfigError(
                "alpha", np.asarray(alphas).tolist(), f"{k} weights per row, one per label {self.label_names}"
            )
        if not np.isfinite(a).all() or (a < 0).any():
            raise ConfigError("alpha", np.asarray(alphas).tolist(), "finite weights >= 0")
        return a

    # ----- evaluation ----------------------------------------------------------------------------
    def evaluate(self, alphas: Any, sessions: np.ndarray | None = None) -> pd.DataFrame:
        """Serve ``alphas`` (``[K]`` or ``[A, K]``) to ``sessions`` (default: every session).

        One row per alpha: ``alpha_<label>``, ``utility`` (mean realised utility, each session
        valued by its own group's alpha*), ``der`` (1 = equal group utilities) and
        ``utility_group<g>`` (mean utility of group g; NaN if absent).
        """
        a = self._alphas(alphas)
        ev = self.platform.evaluate(a, sessions)
        table = pd.DataFrame({f"alpha_{n}": a[:, k] for k, n in enumerate(self.label_names)})
        table["utility"] = ev.utility
        table["der"] = ev.der
        for g in range(self.n_groups):
            table[f"utility_group{g}"] = ev.group_utility[:, g]
        return table

    def oracle(self) -> Any:
        """The exact noise-free Pareto front over alpha (:class:`~sysfair.system.oracle.OracleFront`)."""
        if self._oracle is None:
            from sysfair.system.oracle import oracle_front

            self._oracle = oracle_front(self.platform)
        return self._oracle

    def oracle_front(self) -> pd.DataFrame:
        """The exact front as a table: ``alpha_<label>``, ``utility``, ``der`` (by utility)."""
        front = self.oracle()
        table = pd.DataFrame({f"alpha_{n}": front.alphas[:, k] for k, n in enumerate(self.label_names)})
        table["utility"] = front.points[:, 0]
        table["der"] = front.points[:, 1]
        return table

    def hypervolume_regret(self, alphas: Any) -> float:
        """1 - HV / HV(exact front) of ``alphas [A, K]`` served noise-free to every session.

        The score experiments report (``hypervolume_regret``): 0 = the whole exact front reached.
        """
        from sysfair.system.oracle import hypervolume_regret

        ev = self.platform.evaluate(self._alphas(alphas))
        return hypervolume_regret(self.oracle(), np.column_stack([ev.utility, ev.der]))

    def bucket(self, alpha: Any, n_sessions: int, seed: int) -> dict[str, list[float]]:
        """Simulate one live A/B bucket: serve ``alpha [K]`` to ``n_sessions`` random sessions.

        Returns what a live bucket reports, ready for :meth:`Study.tell <sysfair.study.Study.tell>`:
        ``group_utility`` (mean session utility per group), ``group_sessions`` and
        ``group_variance`` (variance of the session utilities, ddof=1; 0 for a single session).
        """
        a = self._alphas(alpha)[0]
        if not 1 <= n_sessions <= self.n_sessions:
            raise ConfigError(
                "n_sessions", n_sessions, f"between 1 and the {self.n_sessions} sessions of the pool"
            )
        sessions = np.sort(
            np.random.default_rng(seed).choice(self.n_sessions, size=n_sessions, replace=False)
        )
        slots = self.platform.serve(a, sessions)  # [B]
        group = self.log.group[sessions]
        labels = self.log.labels[sessions, slots].astype(np.float64)  # [B, K]
        value = (labels * self.preferences[group]).sum(axis=1)  # each session valued by its group
        hidden = self.log.hidden_value()  # Appendix D's hidden outcome, if the log has one
        if hidden is not None:
            value += hidden[sessions, slots]
        counts = np.bincount(group, minlength=self.n_groups)
        means, variances = [], []
        for g in range(self.n_groups):
            v = value[group == g]
            means.append(float(v.mean()) if v.size else float("nan"))
            variances.append(float(v.var(ddof=1)) if v.size > 1 else 0.0)
        return {
            "group_utility": means,
            "group_sessions": [int(c) for c in counts],
            "group_variance": variances,
        }
