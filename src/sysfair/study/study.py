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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.study.config import StudyConfig, StudyError, optimizer_config
from sysfair.study.noise import ArmEstimate, arm_estimate
from sysfair.study.propose import propose_round, search_space
from sysfair.study.store import ArmRecord, StudyStore

__all__ = ["Study", "default_tracking_uri"]

GroupValues = Mapping[str, float] | Sequence[float]


def default_tracking_uri() -> str:
    """``sqlite:///<current folder>/mlflow.db``, the store ``sysfair run`` uses by default."""
    return f"sqlite:///{(Path.cwd() / 'mlflow.db').as_posix()}"


def _front_mask(points: np.ndarray) -> np.ndarray:
    """``[N, 2]`` -> ``[N]`` True where no other row is >= in both and > in one (both maximised)."""
    n = points.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        ge = (points >= points[i]).all(axis=1) & (points > points[i]).any(axis=1)
        keep[i] = not ge.any()
    return keep


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

    def _group_vector(self, what: str, values: GroupValues | None, arm: str) -> np.ndarray | None:
        """``values`` (by group name, or a list in the study's group order) as ``[G]`` floats."""
        if values is None:
            return None
        groups = list(self.config.groups)
        if isinstance(values, Mapping):
            by_name = {str(k): v for k, v in values.items()}
            names = list(by_name)
            unknown = [g for g in names if g not in groups]
            if unknown:
                raise StudyError(
                    f"{what}: group {unknown[0]!r} is not a group of study {self.name!r} "
                    f"(groups: {', '.join(groups)}); nothing recorded for arm {arm!r}"
                )
            missing = [g for g in groups if g not in names]
            if missing:
                raise StudyError(
                    f"{what}: no value for group {missing[0]!r}; give every group of study {self.name!r} "
                    f"({', '.join(groups)}); nothing recorded for arm {arm!r}"
                )
            raw = [by_name[g] for g in groups]
        else:
            raw = list(values)
            if len(raw) != len(groups):
                raise StudyError(
                    f"{what}: {len(raw)} values for the {len(groups)} groups of study {self.name!r} "
                    f"({', '.join(groups)}, in this order); nothing recorded for arm {arm!r}"
                )
        try:
            return np.array([float(v) for v in raw], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise StudyError(f"{what}={raw!r}: numbers expected; nothing recorded for arm {arm!r}") from exc

    def _checked(
        self,
        arm: str,
        group_utility: GroupValues,
        group_sessions: GroupValues,
        group_variance: GroupValues | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        groups = list(self.config.groups)
        u = self._group_vector("group_utility", group_utility, arm)
        n = self._group_vector("group_sessions", group_sessions, arm)
        v = self._group_vector("group_variance", group_variance, arm)
        assert u is not None and n is not None
        for g, x in zip(groups, u.tolist(), strict=True):
            if not math.isfinite(x) or x < 0:
                raise StudyError(
                    f"group_utility[{g!r}]={x!r} is not allowed: a finite mean utility >= 0 (DER needs "
                    f"non-negative utilities); nothing recorded for arm {arm!r}"
                )
            if v is None and x > self.config.utility_max:
                raise StudyError(
                    f"group_utility[{g!r}]={x!r} exceeds the study's utility_max={self.config.utility_max}, "
                    "which bounds the variance when none is given: pass group_variance; nothing recorded "
                    f"for arm {arm!r}"
                )
        for g, x in zip(groups, n.tolist(), strict=True):
            if not math.isfinite(x) or x < 1 or x != int(x):
                raise StudyError(
                    f"group_sessions[{g!r}]={x!r} is not allowed: a whole number of sessions >= 1 (a group "
                    f"with no sessions has no utility to report); nothing recorded for arm {arm!r}"
                )
        if v is not None:
            for g, x in zip(groups, v.tolist(), strict=True):
                if not math.isfinite(x) or x < 0:
                    raise StudyError(
                        f"group_variance[{g!r}]={x!r} is not allowed: a finite variance >= 0 of the session "
                        f"utilities; nothing recorded for arm {arm!r}"
                    )
        return u, n, v

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
        u, n, v = self._checked(str(arm), group_utility, group_sessions, group_variance)
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
        labels, groups = list(self.config.labels), list(self.config.groups)
        rows = []
        for a in self._store.arms():
            row: dict[str, Any] = {"arm": a.arm, "round": a.round}
            row.update({f"alpha_{k}": x for k, x in zip(labels, a.alpha, strict=True)})
            row.update({"source": a.source, "told": a.told is not None})
            e = self._estimate(a) if a.told is not None else None
            row.update(
                {
                    "utility": e.utility if e else np.nan,
                    "utility_se": math.sqrt(e.utility_variance) if e else np.nan,
                    "der": e.der if e else np.nan,
                    "der_se": math.sqrt(e.der_variance) if e else np.nan,
                    "sessions": float(e.group_sessions.sum()) if e else np.nan,
                    "variance_bounded": e.variance_bounded if e else None,
                }
            )
            for j, g in enumerate(groups):
                row[f"utility_{g}"] = float(e.group_utility[j]) if e else np.nan
                row[f"sessions_{g}"] = float(e.group_sessions[j]) if e else np.nan
            rows.append(row)
        columns = [
            "arm",
            "round",
            *[f"alpha_{k}" for k in labels],
            "source",
            "told",
            "utility",
            "utility_se",
            "der",
            "der_se",
            "sessions",
            "variance_bounded",
            *[c for g in groups for c in (f"utility_{g}", f"sessions_{g}")],
        ]
        return pd.DataFrame(rows, columns=columns)

    def front(self) -> pd.DataFrame:
        """The told arms whose estimated (utility, DER) no other told arm dominates, by utility."""
        table = self.arms()
        told = table[table["told"]].reset_index(drop=True)
        if told.empty:
            return told
        keep = _front_mask(told[["utility", "der"]].to_numpy(dtype=np.float64))
        return told[keep].sort_values("utility", ignore_index=True)

    def status(self) -> pd.DataFrame:
        """One row per round: arms asked, told, pending, sessions observed, best estimates so far."""
        table = self.arms()
        rows = []
        for r, part in table.groupby("round", sort=True):
            told = part[part["told"]]
            upto = table[(table["round"] <= r) & table["told"]]
            rows.append(
                {
                    "round": int(r),
                    "arms": len(part),
                    "told": len(told),
                    "pending": len(part) - len(told),
                    "sessions": float(told["sessions"].sum()),
                    "best_utility_so_far": float(upto["utility"].max()) if len(upto) else np.nan,
                    "best_der_so_far": float(upto["der"].max()) if len(upto) else np.nan,
                }
            )
        columns = ["round", "arms", "told", "pending", "sessions", "best_utility_so_far", "best_der_so_far"]
        return pd.DataFrame(rows, columns=columns)
