"""The paper's Table 1-4 AUCs next to a model audit; synthetic_paper's AUCs against Table 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sysfair.data.configs import SyntheticPaperConfig
from sysfair.data.paper_tables import PAPER_AUC, format_paper_auc_table, paper_auc_table, paper_dataset
from sysfair.retrievers.configs import RandomRetrieverConfig
from sysfair.scorers.configs import RandomForestConfig
from sysfair.system.build import build_candidate_log
from sysfair.system.model_audit import model_audit


def audit_rows(labels: list[str], aucs: dict[str, list[float]], shares: list[float]) -> pd.DataFrame:
    """A model_audit-shaped table: per label, "all" then one row per group with these AUCs."""
    rows = []
    for lab in labels:
        rows.append({"label": lab, "group": "all", "prevalence": 1.0, "auc": aucs[lab][0]})
        for g, share in enumerate(shares):
            rows.append({"label": lab, "group": str(g), "prevalence": share, "auc": aucs[lab][g + 1]})
    return pd.DataFrame(rows)


def test_paper_numbers_are_design_md_section_3() -> None:
    table, (y1, y2) = PAPER_AUC["MovieLens"]
    assert table == 2
    assert (y1.overall, y1.majority, y1.minority) == (0.782, 0.780, 0.790)
    assert (y2.overall, y2.majority, y2.minority) == (0.929, 0.927, 0.934)
    assert PAPER_AUC["Electronics"][1][0].minority == 0.865
    assert [paper_dataset(n) for n in ("synthetic_paper", "movielens", "modcloth", "logged")] == [
        "Synthetic",
        "MovieLens",
        "ModCloth",
        None,
    ]


def test_side_by_side_matches_groups_by_share_and_labels_by_order() -> None:
    # group "1" is the 80% group here: it must sit next to the paper's 80% column
    audit = audit_rows(
        ["watch", "like"], {"watch": [0.70, 0.60, 0.72], "like": [0.90, 0.95, 0.89]}, [0.2, 0.8]
    )
    table = paper_auc_table(audit, "movielens").set_index(["label", "part"])
    assert table.loc[("watch", "overall"), "paper_label"] == "Y1"
    assert table.loc[("watch", "majority"), "group"] == "1"
    assert table.loc[("watch", "majority"), "auc"] == 0.72
    assert table.loc[("watch", "majority"), "paper"] == 0.780
    assert table.loc[("watch", "minority"), "diff"] == pytest.approx(0.60 - 0.790)
    assert table.loc[("like", "overall"), "diff"] == pytest.approx(0.90 - 0.929)
    assert table.loc[("like", "minority"), "prevalence"] == 0.2
    assert (table["table"] == 2).all() and len(table) == 6
    text = format_paper_auc_table(paper_auc_table(audit, "movielens"), "movielens")
    assert "Paper Table 2 (movielens)" in text
    assert "watch      Y1    0.700  0.782  -0.082" in text


def test_labels_pick_and_order_and_errors() -> None:
    aucs = {"viewed": [0.8, 0.8, 0.8], "rating": [0.7, 0.7, 0.7], "fit": [0.6, 0.6, 0.6]}
    audit = audit_rows(["viewed", "rating", "fit"], aucs, [0.8, 0.2])
    with pytest.raises(ValueError, match="reports 2 labels for ModCloth; the audit has 3"):
        paper_auc_table(audit, "modcloth")
    table = paper_auc_table(audit, "modcloth", labels=["fit", "viewed"])
    assert table["label"].tolist()[::3] == ["fit", "viewed"]
    assert table["paper"].tolist()[::3] == [0.827, 0.869]
    with pytest.raises(ValueError, match=r"labels \['size'\] are not in the audit"):
        paper_auc_table(audit, "modcloth", labels=["size", "fit"])
    with pytest.raises(ValueError, match="dataset='logged' has no AUC table in the paper"):
        paper_auc_table(audit, "logged")


def test_synthetic_paper_defaults_reach_table_1() -> None:
    """synthetic_paper (class_sep=2) with the paper's 300-tree forest: every AUC within 0.005 of Table 1."""
    dataset = SyntheticPaperConfig(n_sessions=1500)
    log = build_candidate_log(
        dataset, RandomForestConfig(n_estimators=300, n_jobs=2), RandomRetrieverConfig(), [0.8, 0.2], seed=0
    )
    table = paper_auc_table(model_audit(log), "synthetic_paper")
    assert np.all(np.abs(table["diff"]) < 0.005), table
