"""Config schemas of the datasets read from tables: the marketBias CSVs (ModCloth, Electronics)
and production logs (``dataset=logged``). Imported by :mod:`sysfair.data.configs`, which
re-exports them; see there for what a dataset option is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import (
    AT_LEAST_1,
    FINITE,
    NON_NEGATIVE,
    Each,
    Interval,
    Length,
    Options,
    param,
    register,
    require,
)
from sysfair.data.dataset_config import DatasetConfig

__all__ = ["ElectronicsConfig", "LoggedConfig", "MarketBiasConfig", "ModClothConfig"]


_MARKET_LABELS = ("viewed", "rating", "fit")


@dataclass
class MarketBiasConfig(DatasetConfig):
    """ModCloth / Electronics (marketBias CSVs): one session per user, synthetic negatives.

    See :mod:`sysfair.data.marketbias` for the recipe (negatives, imputed *viewed*, thresholds,
    flipped label, what happens to users without ``user_attr``).
    Get the files: ``sysfair data download marketbias --dir data``.
    """

    name: str = "modcloth"
    _target_: str = "sysfair.data.marketbias.load_marketbias"
    # folder holding df_modcloth.csv / df_electronics.csv, relative to the launch folder; the
    # SYSFAIR_MARKETBIAS environment variable, when set, replaces the default on the command line
    path: str = param("data/marketbias", env="SYSFAIR_MARKETBIAS")
    # from viewed, rating, fit
    labels: list[str] = param(["viewed", "fit"], Each(Options(_MARKET_LABELS)))
    flip: str | None = "viewed"  # label replaced by 1 - y (null: none)
    rating_threshold: float = param(4.0, FINITE)  # rating label = rating >= this
    viewed_threshold: float = param(3.0, FINITE)  # negatives: viewed = (sampled rating - 1) >= this
    fit_positive: list[str] = param(["Just right"])  # fit label = 1 values
    negative_ratio: float = param(1.0, NON_NEGATIVE)  # negatives per purchase
    # at least this many candidates per session (more negatives if needed)
    corpus_size: int = param(20, AT_LEAST_1)
    max_users: int | None = param(20000, AT_LEAST_1, nullable=True)  # random subset of users (null: all)
    max_categories: int = param(30, AT_LEAST_1)  # most frequent categories one-hot encoded

    def check_files(self) -> None:
        from sysfair.data.marketbias import find_marketbias

        find_marketbias(self.path, self.name)

    def check_consistency(self) -> None:
        labels = list(self.labels)
        require(len(set(labels)) == len(labels), "dataset.labels", labels, "distinct labels")
        require(
            self.n_labels == len(labels),
            "dataset.n_labels",
            self.n_labels,
            f"the number of dataset.labels ({len(labels)})",
        )
        ok = self.flip is None or self.flip in labels
        require(ok, "dataset.flip", self.flip, f"null or one of {labels}")


@register
@dataclass
class ModClothConfig(MarketBiasConfig):
    """ModCloth: labels (viewed, fit), *viewed* flipped."""

    name: str = "modcloth"


@register
@dataclass
class ElectronicsConfig(MarketBiasConfig):
    """Electronics: labels (viewed, rating), *rating* flipped; 20,000 of 1.16M users by default."""

    name: str = "electronics"
    labels: list[str] = param(["viewed", "rating"], Each(Options(_MARKET_LABELS)))
    flip: str | None = "rating"


@register
@dataclass
class LoggedConfig(DatasetConfig):
    """Production logs: one row per (session, candidate) with scores and labels; no scorer training.

    ``path`` is a ``.csv`` or ``.parquet`` file. ``score_columns[k]`` and ``label_columns[k]``
    hold f_k in [0, 1] and Y_k in [0, 1] of label k (named ``label_names[k]``, default the label
    columns). ``model_fraction`` is unused. See :func:`sysfair.system.logged.load_logged`.
    """

    name: str = "logged"
    _target_: str = "sysfair.system.logged.load_logged"  # yields a CandidateLog (no scorer, no retriever)
    path: str = "???"
    session_column: str = "session_id"
    group_column: str = "group"
    item_column: str = "item_id"
    score_columns: list[str] = param(["score_y1", "score_y2"])
    label_columns: list[str] = param(["y1", "y2"])
    label_names: list[str] | None = None
    session_feature_columns: list[str] = param([])
    # group values in group order (null: sorted distinct values)
    groups: list[str] | None = param(None, Length(2, None, "group values"), nullable=True)
    # slots m (null: the largest session); extra rows dropped
    max_candidates: int | None = param(None, Interval(int, 2, None, closed="left"), nullable=True)

    def check_consistency(self) -> None:
        k = self.n_labels
        require(
            len(self.score_columns) == k,
            "dataset.score_columns",
            list(self.score_columns),
            f"one column per label (dataset.n_labels={k})",
        )
        require(
            len(self.label_columns) == k,
            "dataset.label_columns",
            list(self.label_columns),
            f"one column per label (dataset.n_labels={k})",
        )
        require(
            self.label_names is None or len(self.label_names) == k,
            "dataset.label_names",
            self.label_names,
            f"null or {k} names",
        )
