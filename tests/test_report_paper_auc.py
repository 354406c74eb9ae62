"""Issue 15 item 5: the sweep report and the audit report put our AUCs next to the paper's Tables 1-4."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_audit_hidden import CONFIG, PREFS, hand_log
from test_paper_tables import audit_rows

from sysfair.audit.report import write_report
from sysfair.audit.system_audit import audit_log
from sysfair.report.paper_sections import paper_auc_section
from sysfair.report.runs import Setting
from sysfair.report.setting_report import SettingReport, _paper_auc

# ModCloth, labels (viewed, fit); group 1 is the larger one here, so it plays the paper's 80% group
AUDIT = audit_rows(["viewed", "fit"], {"viewed": [0.80, 0.70, 0.85], "fit": [0.90, 0.95, 0.88]}, [0.3, 0.7])


def _setting(dataset: str, audit: pd.DataFrame | None) -> Setting:
    empty = pd.DataFrame()
    return Setting(key="k", label=dataset, dataset=dataset, params={}, parents=empty, trials=empty,
                   points=empty, audit=audit)  # fmt: skip


def _report(table: pd.DataFrame | None, notes: list[str]) -> SettingReport:
    empty = pd.DataFrame()
    return SettingReport(label="x", slug="x", per_trial=empty, summary=empty, shares=empty, wilcoxon=None,
                         audit=None, paper_auc=table, paper_auc_notes=notes)  # fmt: skip


def test_setting_audit_next_to_the_papers_table() -> None:
    table, notes = _paper_auc(_setting("modcloth", AUDIT))
    assert notes == [] and table is not None
    by = table.set_index(["label", "part"])
    # majority = our larger group (1, 70%), against the paper's 80% column of Table 3
    assert by.loc[("viewed", "majority"), "group"] == "1"
    assert by.loc[("viewed", "majority"), "auc"] == 0.85
    assert by.loc[("viewed", "majority"), "diff"] == pytest.approx(0.85 - 0.830)
    assert by.loc[("fit", "minority"), "diff"] == pytest.approx(0.95 - 0.872)
    text = "\n".join(paper_auc_section(_report(table, notes)))
    assert "Table 3" in text and "| viewed (Y1) | majority | 1 | 70.0% | 0.8500 | 0.8300 | +0.020 |" in text


def test_settings_without_a_paper_table_say_why() -> None:
    assert _paper_auc(_setting("modcloth", None)) == (None, [])
    table, notes = _paper_auc(_setting("logged", AUDIT))
    assert table is None and notes == ["the paper has no AUC table for dataset `logged`"]
    three = audit_rows(["a", "b", "c"], {k: [0.5, 0.5, 0.5] for k in "abc"}, [0.8, 0.2])
    table, notes = _paper_auc(_setting("synthetic", three))
    assert table is None and "reports 2 labels for Synthetic" in notes[0]
    assert paper_auc_section(_report(None, notes)) == [f"- {notes[0]}", ""]


def test_audit_report_shows_table_1_for_synthetic(tmp_path: Path) -> None:
    log = hand_log()
    audit = audit_log(log, preferences=PREFS, config=CONFIG)
    write_report(audit, log, tmp_path, title="t", setup={}, dataset="synthetic")
    text = (tmp_path / "report.md").read_text()
    assert "Paper Table 1 (Synthetic)" in text
    table = pd.read_csv(tmp_path / "paper_auc.csv")
    # the hand log's scores separate its labels perfectly: AUC 1 everywhere, 1 - 0.995 overall on Y1
    assert (table["auc"] == 1.0).all()
    assert table["diff"].iloc[0] == pytest.approx(1.0 - 0.995)
    other = tmp_path / "logged"
    write_report(audit, log, other, title="t", setup={}, dataset="logged")
    assert "Paper Table" not in (other / "report.md").read_text()
    assert not (other / "paper_auc.csv").exists()
