"""What a live study is set up with: its groups, labels, optimizer and noise bound."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from sysfair.checks import require
from sysfair.errors import SysfairError
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS, FairNEHVIConfig
from sysfair.optimizers.space import AlphaSpace

__all__ = ["STUDY_OPTIMIZERS", "StudyConfig", "StudyError", "optimizer_config", "search_space"]

# Optimizers a study can run: the Fair-BO variants propose a joint batch of q arms per round
# (sysfair.study.propose); sobol and random draw q points independently of the observations.
STUDY_OPTIMIZERS = ("fair_nehvi", "fair_ehvi", "sobol", "random")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class StudyError(SysfairError, ValueError):
    """A study operation that cannot be done as asked; nothing was recorded."""


def optimizer_config(name: str = "fair_nehvi", **overrides: Any) -> Any:
    """The optimizer schema ``name`` (see ``conf/optimizer/``) with ``overrides`` applied and checked."""
    if name not in STUDY_OPTIMIZERS:
        raise StudyError(
            f"optimizer={name!r} cannot run a live study; use one of {', '.join(STUDY_OPTIMIZERS)}"
        )
    schema = OPTIMIZER_SCHEMAS[name]
    known = {f.name for f in fields(schema)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise StudyError(
            f"optimizer.{unknown[0]} is not an option of optimizer={name} "
            f"(options: {', '.join(sorted(known))})"
        )
    cfg = schema(**overrides)
    cfg.check()
    return cfg


@dataclass
class StudyConfig:
    """A live study of serving weights alpha over ``labels`` for ``groups``.

    Attributes:
        name: the study's name (letters, digits, ``_ . -``); its MLflow experiment is
            ``sysfair-study-<name>``.
        groups: names of the user groups the buckets report on, e.g. ``["women", "men"]`` (>= 2).
        labels: names of the K >= 2 scored outcomes alpha weighs, e.g. ``["watch", "like"]``.
        optimizer: an optimizer schema (:func:`optimizer_config`): ``fair_nehvi`` (default; q arms
            per round by sequential greedy qLogNEHVI over alpha's direction), ``fair_ehvi``
            (the same with qEHVI), ``sobol`` or ``random``.
        seed: seeds the initial Sobol design and the acquisition's Monte-Carlo samples.
        utility_max: the largest utility one session can realise (1 for binary labels and group
            weights summing to 1); bounds the per-session variance when a bucket reports none
            (:mod:`sysfair.study.noise`).
    """

    name: str
    groups: list[str]
    labels: list[str] = field(default_factory=lambda: ["y1", "y2"])
    optimizer: Any = field(default_factory=FairNEHVIConfig)
    seed: int = 0
    utility_max: float = 1.0

    def check(self) -> None:
        require(bool(_NAME.match(self.name)), "study.name", self.name, "letters, digits, '_', '.', '-'")
        groups, labels = [str(g) for g in self.groups], [str(k) for k in self.labels]
        require(len(groups) >= 2, "study.groups", groups, "at least 2 group names")
        require(len(set(groups)) == len(groups), "study.groups", groups, "distinct group names")
        require(len(labels) >= 2, "study.labels", labels, "at least 2 label names")
        require(len(set(labels)) == len(labels), "study.labels", labels, "distinct label names")
        for name in (*groups, *labels):
            require(bool(_NAME.match(name)), "study.groups/labels", name, "letters, digits, '_', '.', '-'")
        require(self.utility_max > 0, "study.utility_max", self.utility_max, "a number > 0")
        require(
            getattr(self.optimizer, "name", None) in STUDY_OPTIMIZERS,
            "study.optimizer",
            getattr(self.optimizer, "name", self.optimizer),
            f"one of {STUDY_OPTIMIZERS} (sysfair.study.optimizer_config)",
        )
        self.optimizer.check()

    def to_json(self) -> str:
        data = asdict(self)
        data["optimizer"] = asdict(self.optimizer)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StudyConfig:
        data = json.loads(text)
        opt = dict(data.pop("optimizer"))
        known = {f.name for f in fields(OPTIMIZER_SCHEMAS[opt["name"]])}
        optimizer = OPTIMIZER_SCHEMAS[opt["name"]](**{k: v for k, v in opt.items() if k in known})
        return cls(optimizer=optimizer, **data)


def search_space(optimizer: Any, n_labels: int) -> AlphaSpace:
    """The study's search space: the optimizer's (``random``: the whole box, no floor)."""
    bounds = np.array([[optimizer.lower] * n_labels, [optimizer.upper] * n_labels], dtype=np.float64)
    if optimizer.name == "random":
        return AlphaSpace(bounds, "box", 0.0)
    return AlphaSpace(bounds, optimizer.space, optimizer.floor)
