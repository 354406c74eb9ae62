"""Markdown building blocks of the report: tables, p-values, figure links."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

__all__ = ["figure", "fmt", "md_table", "p_value", "wilcoxon_table"]


def fmt(value: object, digits: int = 4) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:.{digits}f}"
    return str(value)


def p_value(value: object) -> str:
    if not isinstance(value, float) or math.isnan(value):
        return "—"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3f}"


def md_table(df: pd.DataFrame, formats: dict[str, Callable[[object], str]] | None = None) -> str:
    """A DataFrame as a GitHub Markdown table (floats with 4 decimals unless ``formats`` says)."""
    formats = formats or {}
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = [
        "| " + " | ".join(formats.get(c, fmt)(v) for c, v in zip(df.columns, row, strict=True)) + " |"
        for row in df.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows])


def wilcoxon_table(table: pd.DataFrame) -> str:
    cols = [
        "fair",
        "baseline",
        "metric",
        "n_pairs",
        "wins",
        "losses",
        "ties",
        "median_difference",
        "p_value",
        "method",
        "note",
    ]
    shown = table[cols].rename(columns={"median_difference": "median d", "p_value": "p", "method": "p from"})
    return md_table(shown, {"p": p_value, "median d": lambda v: fmt(v, 5)})


def figure(path: Path, caption: str) -> str:
    return f"![{caption}]({path.name})\n\n*{caption}*"
