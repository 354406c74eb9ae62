"""The report's sections on the paper: its Section 4 aggregation and its Tables 1-4 (model AUC)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sysfair.report.tables import figure, md_table, wilcoxon_table

if TYPE_CHECKING:
    from sysfair.report import SettingReport

__all__ = ["paper_auc_section", "paper_section"]


def paper_section(s: SettingReport) -> list[str]:
    """The paper's Section 4 aggregation: averages over iterations, mean ± 1 sd, Wilcoxon."""
    if s.paper_summary is None or not len(s.paper_summary):
        return []
    table = s.paper_summary.copy()
    cols = {"method": table["method"], "trials": table["n_trials"]}
    for metric, name in (
        ("avg_utility", "avg utility (observed)"),
        ("avg_der", "avg DER (observed)"),
        ("avg_exact_utility", "avg utility (noise-free)"),
        ("avg_exact_der", "avg DER (noise-free)"),
    ):
        pairs = zip(table[f"{metric}_mean"], table[f"{metric}_sd"], strict=True)
        cols[name] = [f"{m:.4f} ± {sd:.4f}" for m, sd in pairs]
    lines = [
        "### The paper's view (Section 4): average over the iterations of each trial",
        "",
        "Per trial, utility and DER averaged over its iterations (what the platform observed); "
        "then mean ± 1 sd over trials. This is average-case performance, as the paper reports it.",
        "",
        md_table(pd.DataFrame(cols)),
        "",
    ]
    if s.paper_figure is not None:
        lines += [figure(s.paper_figure, f"{s.label}: average utility and DER, mean ± 1 sd over trials"), ""]
    if s.paper_wilcoxon is not None and len(s.paper_wilcoxon):
        lines += ["Paired Wilcoxon signed-rank tests on these averages (Fair method vs each baseline):", ""]
        lines += [wilcoxon_table(s.paper_wilcoxon), ""]
    return lines


def paper_auc_section(s: SettingReport) -> list[str]:
    """Our model-level AUC per label and group next to the paper's Table 1-4 (or why not)."""
    if s.paper_auc is None:
        return [f"- {n}" for n in s.paper_auc_notes] + ([""] if s.paper_auc_notes else [])
    table = s.paper_auc
    shown = pd.DataFrame(
        {
            "label (paper)": table["label"] + " (" + table["paper_label"] + ")",
            "part": table["part"],
            "group": table["group"],
            "share": [f"{v:.1%}" for v in table["prevalence"]],
            "AUC (ours)": table["auc"],
            "AUC (paper)": table["paper"],
            "ours − paper": [f"{v:+.3f}" for v in table["diff"]],
        }
    )
    return [
        f"Our AUC next to the paper's Table {int(table['table'].iloc[0])} (majority = our group with "
        "the larger share of sessions, the paper's 80% group; minority = the paper's 20% group):",
        "",
        md_table(shown),
        "",
        *[f"- {n}" for n in s.paper_auc_notes],
        *([""] if s.paper_auc_notes else []),
    ]
