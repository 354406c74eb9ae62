"""A live study's state in an MLflow store: any process can continue it, two can write at once.

Layout (every value needed to continue a study is a *param*, so it is immutable once written):

* MLflow experiment ``sysfair-study-<name>`` (creating it is the atomic "create study"), holding
* one **study run** (tag ``sysfair.kind=study``): param ``config`` (the StudyConfig as JSON) and
  one param ``round.<r>`` per round, written by the process that asked it;
* one **arm run** per arm (tags ``sysfair.kind=arm``, ``sysfair.study``, ``sysfair.arm``,
  ``sysfair.round``): params ``alpha.<label>``, ``u`` (its point of the search cube) and, once told,
  ``told.*`` (per-group means, sessions, variances and the telling process's token), then the
  derived metrics for the UI, and status FINISHED.

Concurrency: MLflow refuses to change a logged param, and a run's params are written in one
transaction. So "tell" writes all ``told.*`` params in one call: of two processes telling the
same arm, exactly one succeeds and the other finds a different token (already told); tells of
different arms touch different runs. A round is claimed the same way (``round.<r>``).
A locked SQLite store is retried with back-off.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from sysfair.experiment.tracking import RetryingClient
from sysfair.study.config import StudyConfig, StudyError

__all__ = ["ArmRecord", "StudyStore", "experiment_name"]

EXPERIMENT_PREFIX = "sysfair-study-"
KIND, STUDY, ARM, ROUND = "sysfair.kind", "sysfair.study", "sysfair.arm", "sysfair.round"


def experiment_name(study: str) -> str:
    return f"{EXPERIMENT_PREFIX}{study}"


@dataclass(frozen=True)
class ArmRecord:
    """One arm as stored: where it was proposed, and (once told) what its bucket observed."""

    arm: str
    round: int
    index: int  # position in the study's order of asks (0, 1, ...)
    run_id: str
    alpha: tuple[float, ...]  # [K]
    u: tuple[float, ...]  # [D] point of the search cube it came from
    source: str  # "sobol", "random" or the acquisition that proposed it
    told: dict[str, Any] | None  # group_utility, group_sessions, group_variance ([G] lists or None)


class StudyStore:
    """Reads and writes one study in the MLflow store at ``tracking_uri``."""

    def __init__(self, tracking_uri: str, name: str) -> None:
        self.tracking_uri, self.name = tracking_uri, name
        self.client = RetryingClient(MlflowClient(tracking_uri=tracking_uri), attempts=10, delay=0.05)
        self._experiment_id: str | None = None
        self._study_run: str | None = None

    # ----- creation and lookup -----------------------------------------------------------------
    @staticmethod
    def _check_uri(tracking_uri: str, must_exist: bool) -> None:
        if tracking_uri.startswith("sqlite:///") and must_exist:
            path = Path(tracking_uri.removeprefix("sqlite:///"))
            if not path.is_file():
                raise StudyError(
                    f"no MLflow store at {tracking_uri} (file not found); pass the store the study was "
                    "created in (--tracking-uri / tracking_uri=)"
                )

    def create(self, config: StudyConfig) -> None:
        """Create the study's experiment and study run; StudyError if the name is taken."""
        self._check_uri(self.tracking_uri, must_exist=False)
        exp = experiment_name(self.name)
        if self.client.get_experiment_by_name(exp) is not None:
            raise StudyError(
                f"a study named {self.name!r} already exists in {self.tracking_uri}; pick another name"
            )
        try:
            self._experiment_id = self.client.create_experiment(exp, tags={STUDY: self.name})
        except MlflowException as exc:
            raise StudyError(
                f"a study named {self.name!r} already exists in {self.tracking_uri} (created concurrently); "
                "pick another name"
            ) from exc
        run = self.client.create_run(
            self._experiment_id, run_name="study", tags={KIND: "study", STUDY: self.name}
        )
        self.client.log_batch(
            run.info.run_id,
            params=[Param("config", config.to_json()), Param("groups", ",".join(config.groups))],
        )
        self._study_run = run.info.run_id

    def experiment_id(self) -> str:
        if self._experiment_id is None:
            self._check_uri(self.tracking_uri, must_exist=True)
            found = self.client.get_experiment_by_name(experiment_name(self.name))
            if found is None or found.lifecycle_stage != "active":
                names = [
                    e.name.removeprefix(EXPERIMENT_PREFIX)
                    for e in self.client.search_experiments()
                    if e.name.startswith(EXPERIMENT_PREFIX)
                ]
                raise StudyError(
                    f"no study named {self.name!r} in {self.tracking_uri} (studies there: "
                    f"{', '.join(sorted(names)) or 'none'}); create it with `sysfair study create`"
                )
            self._experiment_id = found.experiment_id
        return self._experiment_id

    def study_run(self) -> Any:
        """The study run (config param, round claims)."""
        runs = self.client.search_runs(
            [self.experiment_id()], f"tags.`{KIND}` = 'study'", ViewType.ACTIVE_ONLY, max_results=10
        )
        if len(runs) != 1:
            raise StudyError(f"study {self.name!r} in {self.tracking_uri} is damaged: {len(runs)} study runs")
        self._study_run = runs[0].info.run_id
        return runs[0]

    def config(self) -> StudyConfig:
        return StudyConfig.from_json(self.study_run().data.params["config"])

    # ----- arms ----------------------------------------------------------------------------------
    def arms(self) -> list[ArmRecord]:
        """Every arm of the study, in ask order."""
        runs, token = [], None
        while True:
            page = self.client.search_runs(
                [self.experiment_id()],
                f"tags.`{KIND}` = 'arm'",
                ViewType.ACTIVE_ONLY,
                max_results=1000,
                page_token=token,
            )
            runs.extend(page)
            token = page.token
            if not token:
                break
        out = []
        for run in runs:
            p, t = run.data.params, run.data.tags
            labels = json.loads(p["labels"])
            told = None
            if "told.token" in p:
                told = {
                    "group_utility": json.loads(p["told.group_utility"]),
                    "group_sessions": json.loads(p["told.group_sessions"]),
                    "group_variance": json.loads(p["told.group_variance"]),
                }
            out.append(
                ArmRecord(
                    arm=t[ARM],
                    round=int(t[ROUND]),
                    index=int(p["index"]),
                    run_id=run.info.run_id,
                    alpha=tuple(float(p[f"alpha.{k}"]) for k in labels),
                    u=tuple(json.loads(p["u"])),
                    source=p.get("source", ""),
                    told=told,
                )
            )
        return sorted(out, key=lambda a: a.index)

    def claim_round(self, round_: int, arms: list[str]) -> None:
        """Claim round ``round_`` for this process; StudyError if another process asked it first."""
        run_id = self._study_run or self.study_run().info.run_id
        token = uuid.uuid4().hex
        value = json.dumps({"token": token, "arms": arms})
        try:
            self.client.log_batch(run_id, params=[Param(f"round.{round_}", value)])
        except MlflowException as exc:
            if f"round.{round_}" not in self.client.get_run(run_id).data.params:
                raise StudyError(f"could not record round {round_} in {self.tracking_uri}: {exc}") from exc
        if self.client.get_run(run_id).data.params.get(f"round.{round_}") != value:
            raise StudyError(
                f"another process asked round {round_} of study {self.name!r} at the same time; "
                "see `sysfair study status` and deploy its arms"
            )

    def add_arm(
        self,
        arm: str,
        round_: int,
        index: int,
        labels: list[str],
        alpha: list[float],
        u: list[float],
        source: str,
    ) -> str:
        run = self.client.create_run(
            self.experiment_id(),
            run_name=arm,
            tags={KIND: "arm", STUDY: self.name, ARM: arm, ROUND: str(round_)},
        )
        params = [
            Param("index", str(index)),
            Param("labels", json.dumps(labels)),
            Param("u", json.dumps([float(x) for x in u])),
            Param("source", source),
            *[Param(f"alpha.{k}", repr(float(a))) for k, a in zip(labels, alpha, strict=True)],
        ]
        self.client.log_batch(run.info.run_id, params=params)
        return run.info.run_id

    def log_ask_seconds(self, round_: int, seconds: float) -> None:
        """Time the round's ask took (metric ``ask_seconds`` of the study run, step = round)."""
        run_id = self._study_run or self.study_run().info.run_id
        self.client.log_batch(
            run_id, metrics=[Metric("ask_seconds", seconds, int(time.time() * 1000), round_)]
        )

    def record_tell(self, record: ArmRecord, told: Mapping[str, Any], metrics: Mapping[str, float]) -> None:
        """Write the observation of ``record`` atomically; StudyError if it was already told."""
        token = uuid.uuid4().hex
        params = [
            Param("told.token", token),
            Param("told.group_utility", json.dumps(told["group_utility"])),
            Param("told.group_sessions", json.dumps(told["group_sessions"])),
            Param("told.group_variance", json.dumps(told["group_variance"])),
        ]
        try:
            self.client.log_batch(record.run_id, params=params)
        except MlflowException as exc:
            if "told.token" not in self.client.get_run(record.run_id).data.params:
                raise StudyError(
                    f"could not record arm {record.arm!r} in {self.tracking_uri}: {exc}"
                ) from exc
        if self.client.get_run(record.run_id).data.params.get("told.token") != token:
            raise StudyError(
                f"arm {record.arm!r} of study {self.name!r} was already told (by another process); "
                "nothing recorded"
            )
        now = int(time.time() * 1000)
        self.client.log_batch(
            record.run_id,
            metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()],
            tags=[RunTag("sysfair.told", "true")],
        )
        self.client.set_terminated(record.run_id, status="FINISHED")
