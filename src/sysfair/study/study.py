"""A live A/B study of serving weights: ask a round of arms, deploy them, tell what each bucket saw.

Each round, :meth:`Study.ask` proposes q serving weights alpha (arms) to deploy side by side,
each to its own slice of live traffic; when a bucket has run, :meth:`Study.tell` records the mean
utility per user group with the number of sessions behind it (and, optionally, the variance of
the session utilities). The study lives in an MLflow store (:mod:`sysfair.study.store`), so any
process, on any day, continues it with :meth:`Study.open`; no state is held in memory between
calls, and the same store gives the same next round in any process.

Example::

    study = Study.create("homepage", groups=["women", "men"], labels=["watch", "like"],
                         tracking_uri="sqlite:///studies.db")
    arms = study.ask(n_arms=4)                    # DataFrame: arm, round, alpha_watch, alpha_like
    study.tell("1-1", group_utility={"women": 0.61, "men": 0.55},
               group_sessions={"women": 120, "men": 480})
    study.front()                                 # non-dominated arms with their estimates
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.study.config import StudyConfig, StudyError, optimizer_config, search_space
from sysfair.study.inputs import GroupValues, checked_tell
from sysfair.study.noise import ArmEstimate, arm_estimate
from sysfair.study.store import ArmRecord, StudyStore
from sysfair.study.tables import arms_table, front_table, status_table

__all__ = ["Study", "default_tracking_uri"]


def default_tracking_uri() -> str:
    """``sqlite:///<current folder>/mlflow.db``, the store ``sysfair run`` uses by default."""
    return f"sqlite:///{(Path.cwd() / 'mlflow.db').as_posix()}"


class Study:
    """A persistent live study; make one with :meth:`create`, continue it with :meth:`open`."""

    def __init__(self, store: StudyStore, config: StudyConfig) -> None:
        self._store, self.config = store, config
        self.space = search_space(config.optimizer, len(config.labels))

    # ----- lifecycle -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        name: str,
        *,
        groups: Sequence[str],
        labels: Sequence[str] = ("y1", "y2"),
        optimizer: Any = None,
        seed: int = 0,
        utility_max: float = 1.0,
        tracking_uri: str | None = None,
    ) -> Study:
        """A new study named ``name`` in ``tracking_uri`` (default :func:`default_tracking_uri`).

        ``optimizer``: an optimizer schema, e.g. ``optimizer_config("fair_nehvi", n_init=4)``
        (default: Fair-BO ``fair_nehvi``). See :class:`~sysfair.study.config.StudyConfig`.
        """
        config = StudyConfig(
            name=name,
            groups=[str(g) for g in groups],
            labels=[str(k) for k in labels],
            optimizer=optimizer if optimizer is not None else optimizer_config("fair_nehvi"),
            seed=int(seed),
            utility_max=float(utility_max),
        )
        try:
            config.check()
        except ValueError as exc:
            raise StudyError(str(exc)) from exc
        store = StudyStore(tracking_uri or default_tracking_uri(), name)
        store.create(config)
        return cls(store, config)

    @classmethod
    def open(cls, name: str, tracking_uri: str | None = None) -> Study:
        """The study ``name`` stored in ``tracking_uri`` (default :func:`default_tracking_uri`)."""
        store = StudyStore(tracking_uri or default_tracking_uri(), name)
        return cls(store, store.config())

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def tracking_uri(self) -> str:
        return self._store.tracking_uri

    # ----- ask / tell ----------------------------------------------------------------------------
    def _estimate(self, arm: ArmRecord) -> ArmEstimate:
        assert arm.told is not None
        return arm_estimate(
            np.asarray(arm.told["group_utility"]),
            np.asarray(arm.told["group_sessions"]),
            None if arm.told["group_variance"] is None else np.asarray(arm.told["group_variance"]),
            self.config.utility_max,
        )

    def ask(self, n_arms: int = 1) -> pd.DataFrame:
        """Propose one round of ``n_arms`` arms (a joint batch) and record them as pending.

        Returns one row per arm: ``arm`` (its id, for :meth:`tell`), ``round``, ``alpha_<label>``
        (the serving weights to deploy) and ``source`` (``sobol``, ``random`` or the acquisition).
        """
        if isinstance(n_arms, bool) or not isinstance(n_arms, int | np.integer) or n_arms < 1:
            raise StudyError(f"n_arms={n_arms!r} is not allowed: an integer >= 1 (arms deployed this round)")
        start = time.perf_counter()
        arms = self._store.arms()
        dim = self.space.dim
        asked_u = np.array([a.u for a in arms], dtype=np.float64).reshape(-1, dim)
        told = [(a, self._estimate(a)) for a in arms if a.told is not None]
        rows = [(a.u, (e.utility, e.der), (e.utility_variance, e.der_variance)) for a, e in told]
        rows = [r for r in rows if all(math.isfinite(v) for v in (*r[1], *r[2]))]
        told_data = (
            np.array([r[0] for r in rows], dtype=np.float64).reshape(-1, dim),
            np.array([r[1] for r in rows], dtype=np.float64).reshape(-1, 2),
            np.array([r[2] for r in rows], dtype=np.float64).reshape(-1, 2),
        )
        pending_u = np.array([a.u for a in arms if a.told is None], dtype=np.float64).reshape(-1, dim)
        from sysfair.study.propose import propose_round  # torch and BoTorch: loaded on the first ask

        proposals, _ = propose_round(
            self.config.optimizer, self.space, self.config.seed, asked_u, told_data, pending_u, int(n_arms)
        )
        round_ = max((a.round for a in arms), default=0) + 1
        ids = [f"{round_}-{i + 1}" for i in range(len(proposals))]
        self._store.claim_round(round_, ids)
        labels = list(self.config.labels)
        for i, (arm, p) in enumerate(zip(ids, proposals, strict=True)):
            self._store.add_arm(arm, round_, len(arms) + i, labels, list(p.alpha), list(p.u), p.source)
        self._store.log_ask_seconds(round_, time.perf_counter() - start)
        return pd.DataFrame(
            {
                "arm": ids,
                "round": round_,
                **{f"alpha_{k}": [float(p.alpha[j]) for p in proposals] for j, k in enumerate(labels)},
                "source": [p.source for p in proposals],
            }
        )

    def tell(
        self,
        arm: str,
        *,
        group_utility: GroupValues,
        group_sessions: GroupValues,
        group_variance: GroupValues | None = None,
    ) -> ArmEstimate:
        """Record what arm ``arm``'s bucket observed; returns its (utility, DER) estimate.

        ``group_utility``: mean session utility per group; ``group_sessions``: sessions per group;
        ``group_variance`` (optional): variance of the session utilities per group (without it,
        the conservative bound of :mod:`sysfair.study.noise`). Each is a mapping group -> value
        or a list in the study's group order. Any invalid input raises :class:`StudyError` and
        records nothing; of two processes telling the same arm, exactly one succeeds.
        """
        u, n, v = checked_tell(self.config, str(arm), group_utility, group_sessions, group_variance)
        arms = {a.arm: a for a in self._store.arms()}
        record = arms.get(str(arm))
        if record is None:
            pending = [a for a, r in arms.items() if r.told is None]
            raise StudyError(
                f"no arm {arm!r} in study {self.name!r} (arms waiting for results: "
                f"{', '.join(pending) or 'none'}); nothing recorded"
            )
        if record.told is not None:
            raise StudyError(f"arm {arm!r} of study {self.name!r} was already told; nothing recorded")
        told = {
            "group_utility": [float(x) for x in u],
            "group_sessions": [int(x) for x in n],
            "group_variance": None if v is None else [float(x) for x in v],
        }
        estimate = arm_estimate(u, n, v, self.config.utility_max)
        metrics = {
            "utility": estimate.utility,
            "der": estimate.der,
            "utility_se": math.sqrt(estimate.utility_variance),
            "der_se": math.sqrt(estimate.der_variance),
            "sessions": float(n.sum()),
            **{f"utility.{g}": float(x) for g, x in zip(self.config.groups, u, strict=True)},
            **{f"sessions.{g}": float(x) for g, x in zip(self.config.groups, n, strict=True)},
        }
        self._store.record_tell(record, told, metrics)
        return estimate

    # ----- reading -------------------------------------------------------------------------------
    def arms(self) -> pd.DataFrame:
        """Every arm: id, round, alpha, source, told, and (once told) its estimates and per-group data."""
        return arms_table(self._store.arms(), self.config, self._estimate)

    def front(self) -> pd.DataFrame:
        """The told arms whose estimated (utility, DER) no other told arm dominates, by utility."""
        return front_table(self.arms())

    def status(self) -> pd.DataFrame:
        """One row per round: arms asked, told, pending, sessions observed, best estimates so far."""
        return status_table(self.arms())
