"""The paper's model-level AUCs (Appendix C.1, Tables 1-4) and our audit side by side.

The numbers are those of DESIGN.md §3 (Hsu et al. 2025, arXiv version): per dataset and label
Y1, Y2, the ROC AUC overall, in the 80% group and in the 20% group. Tables 1-4 are taken to be
Synthetic, MovieLens, ModCloth, Electronics in that order. Label Y_k is matched to the k-th
label of our audit (sysfair's datasets list them in the paper's order: watch, like for
MovieLens; viewed first for ModCloth and Electronics); the paper's 80% / 20% columns to our
larger / smaller group by share of sessions (with ``preferences.assignment=attribute`` the shares
are the data's, e.g. 71% / 29% on MovieLens, and the comparison is by role, not by share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "PAPER_AUC",
    "PaperAUC",
    "format_paper_auc_table",
    "paper_auc_table",
    "paper_dataset",
]


@dataclass(frozen=True)
class PaperAUC:
    """One row of the paper's tables: AUC of one label overall, in the 80% and in the 20% group."""

    overall: float
    majority: float  # the 80% group
    minority: float  # the 20% group


# dataset -> (table number, (Y1, Y2)). The only copy of these numbers in sysfair.
PAPER_AUC: dict[str, tuple[int, tuple[PaperAUC, PaperAUC]]] = {
    "Synthetic": (1, (PaperAUC(0.995, 0.996, 0.995), PaperAUC(0.996, 0.996, 0.996))),
    "MovieLens": (2, (PaperAUC(0.782, 0.780, 0.790), PaperAUC(0.929, 0.927, 0.934))),
    "ModCloth": (3, (PaperAUC(0.827, 0.830, 0.826), PaperAUC(0.869, 0.854, 0.872))),
    "Electronics": (4, (PaperAUC(0.861, 0.857, 0.865), PaperAUC(0.830, 0.829, 0.830))),
}

# sysfair dataset name -> the paper's dataset it is compared with. "synthetic" is sysfair's own
# trade-off recipe, not the paper's; it is still compared with the paper's synthetic table.
_DATASETS = {
    "synthetic_paper": "Synthetic",
    "synthetic": "Synthetic",
    "movielens": "MovieLens",
    "modcloth": "ModCloth",
    "electronics": "Electronics",
}

_PARTS = ("overall", "majority", "minority")


def paper_dataset(name: str) -> str | None:
    """The paper's dataset matching sysfair's ``dataset.name`` (None if the paper has none)."""
    return _DATASETS.get(name)


def paper_auc_table(audit: pd.DataFrame, dataset: str, labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Our AUC next to the paper's, one row per (label, part), part in overall / majority / minority.

    Args:
        audit: :func:`sysfair.system.model_audit.model_audit` output (columns label, group, prevalence,
            auc; group ``"all"`` plus one row per group).
        dataset: sysfair's ``dataset.name`` (synthetic_paper, synthetic, movielens, modcloth,
            electronics).
        labels: our labels playing Y1, Y2 (default: the audit's labels in order; it must have 2).

    Returns:
        Columns: table (paper table number), label (ours), paper_label (Y1 / Y2), part, group
        (our group label; "all" for overall), prevalence (share of sessions), auc (ours), paper,
        diff (ours - paper). Majority = our group with the largest share of sessions, minority =
        the smallest (the lowest group label wins a tie).
    """
    paper_name = paper_dataset(dataset)
    if paper_name is None:
        raise ValueError(f"dataset={dataset!r} has no AUC table in the paper; use one of {sorted(_DATASETS)}")
    table_no, paper = PAPER_AUC[paper_name]
    ours = list(dict.fromkeys(audit["label"])) if labels is None else list(labels)
    if len(ours) != len(paper):
        raise ValueError(
            f"the paper reports {len(paper)} labels for {paper_name}; the audit has {len(ours)} "
            f"({ours}): pass labels=[<Y1>, <Y2>] naming the two to compare"
        )
    missing = [lab for lab in ours if lab not in set(audit["label"])]
    if missing:
        raise ValueError(f"labels {missing} are not in the audit (its labels: {sorted(set(audit['label']))})")
    rows = []
    for k, (label, ref) in enumerate(zip(ours, paper, strict=True)):
        part = audit[audit["label"] == label]
        groups = part[part["group"] != "all"].reset_index(drop=True)
        if len(groups) < 2:
            raise ValueError(f"label {label!r}: the audit has {len(groups)} group rows; the paper compares 2")
        share = groups["prevalence"].to_numpy(dtype=np.float64)
        pick = {
            "overall": part[part["group"] == "all"].iloc[0],
            "majority": groups.iloc[int(np.argmax(share))],
            "minority": groups.iloc[int(np.argmin(share))],
        }
        for name in _PARTS:
            row = pick[name]
            paper_auc = getattr(ref, name)
            rows.append(
                {
                    "table": table_no,
                    "label": label,
                    "paper_label": f"Y{k + 1}",
                    "part": name,
                    "group": str(row["group"]),
                    "prevalence": float(row["prevalence"]),
                    "auc": float(row["auc"]),
                    "paper": paper_auc,
                    "diff": float(row["auc"]) - paper_auc,
                }
            )
    return pd.DataFrame(rows)


def format_paper_auc_table(table: pd.DataFrame, dataset: str = "") -> str:
    """:func:`paper_auc_table` as text: one line per label, ours / paper for each part."""
    head = f"{'label':<10} {'':<3}" + "".join(f" {p:>22}" for p in _PARTS)
    sub = f"{'':<14}" + "".join(f" {'ours':>7} {'paper':>6} {'diff':>7}" for _ in _PARTS)
    title = f"Paper Table {int(table['table'].iloc[0])}" + (f" ({dataset})" if dataset else "")
    lines = [title, head, sub, "-" * len(sub)]
    for label, part in table.groupby("label", sort=False):
        by = part.set_index("part")
        cells = "".join(
            f" {by.loc[p, 'auc']:>7.3f} {by.loc[p, 'paper']:>6.3f} {by.loc[p, 'diff']:>+7.3f}" for p in _PARTS
        )
        lines.append(f"{str(label):<10} {part['paper_label'].iloc[0]:<3}{cells}")
    return "\n".join(lines)
