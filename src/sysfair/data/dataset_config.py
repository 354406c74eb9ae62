"""The fields every dataset option has (its config dataclass extends :class:`DatasetConfig`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sysfair.checks import Checked, Interval, Target, param

__all__ = ["DatasetConfig"]


@dataclass
class DatasetConfig(Checked):
    """Fields every dataset has."""

    group: ClassVar[str] = "dataset"

    name: str = "?"
    _target_: str = param("?", Target())  # the loader (cfg, rng) -> Interactions
    n_labels: int = param(2, Interval(int, 2, None, closed="left"))  # K >= 2 labels (outcomes)
    # share of sessions that train the scorers (rest: serving pool)
    model_fraction: float = param(0.2, Interval(float, 0, 1, closed="neither"))

    def check_files(self) -> None:
        """Raise :class:`~sysfair.data.errors.DataNotFoundError` if a file the loader needs is
        missing; reads nothing, so a multirun can check every job before the first one starts."""
