"""A study's arms as tables: every arm with its estimates, the estimated front, progress per round."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sysfair.study.config import StudyConfig
from sysfair.study.noise import ArmEstimate
from sysfair.study.store import ArmRecord

__all__ = ["arms_table", "front_table", "status_table"]


def _front_mask(points: np.ndarray) -> np.ndarray:
    """``[N, 2]`` -> ``[N]`` True where no other row is >= in both and > in one (both maximised)."""
    n = points.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        ge = (points >= points[i]).all(axis=1) & (points > points[i]).any(axis=1)
        keep[i] = not ge.any()
    return keep


def arms_table(
    records: Sequence[ArmRecord], config: StudyConfig, estimate: Callable[[ArmRecord], ArmEstimate]
) -> pd.DataFrame:
    """Every arm: id, round, alpha, source, told, and (once told) its ``estimate`` and per-group data."""
    labels, groups = list(config.labels), list(config.groups)
    rows = []
    for a in records:
        row: dict[str, Any] = {"arm": a.arm, "round": a.round}
        row.update({f"alpha_{k}": x for k, x in zip(labels, a.alpha, strict=True)})
        row.update({"source": a.source, "told": a.told is not None})
        e = estimate(a) if a.told is not None else None
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


def front_table(table: pd.DataFrame) -> pd.DataFrame:
    """The told arms of the arms ``table`` whose (utility, DER) no other told arm dominates, by utility."""
    told = table[table["told"]].reset_index(drop=True)
    if told.empty:
        return told
    keep = _front_mask(told[["utility", "der"]].to_numpy(dtype=np.float64))
    return told[keep].sort_values("utility", ignore_index=True)


def status_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per round of the arms ``table``: arms asked, told, pending, sessions, best estimates so far."""
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
