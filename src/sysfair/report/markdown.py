"""The Markdown report: definitions first, then one section per setting (dataset)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from sysfair.report.paper_sections import paper_auc_section, paper_section
from sysfair.report.tables import figure, fmt, md_table, wilcoxon_table

if TYPE_CHECKING:
    from sysfair.report import SettingReport

__all__ = ["DEFINITIONS", "md_table", "render"]

DEFINITIONS = """\
## How to read this report

Every number below is read from the MLflow store (trial runs' metrics and the parent runs'
artifacts); nothing is recomputed from the optimizers.

- **Trials** are paired across methods: trial *i* of every method uses seed `trials.seed + i`,
  so the same user batches. mean ± sd are over trials (sd with ddof = 1).
- **best utility / best DER**: per trial, the best noise-free value (whole serving pool) over the
  α's the trial tried (`best_utility`, `best_der` of the trial run).
- **Scalarised score** (Figure 3): per trial, the best over its α's of noise-free
  *utility × DER*: the utility a session gets, discounted by the inequality between groups
  (1 − DER). Higher is better. Hypervolume (noise-free, above the reference point of the
  parent run) is the second scalar summary.
- **Hypervolume regret**: 1 − HV(the trial's α's, noise-free) / HV(exact oracle front); 0 = the
  whole achievable front was reached. Lower is better.
- **Global front share**: all observed (noisy, per-batch) points of all methods and trials are
  pooled; a method's share is the fraction of the points on the pooled Pareto front that are
  its own (a point reached by two methods counts for both).
- **Wilcoxon signed-rank** (two-sided, scipy): the Fair method vs each baseline on the paired
  per-trial values; d = Fair − baseline; *wins / losses / ties* count trials with d > 0, < 0,
  = 0. Zero differences are dropped (classic Wilcoxon); if all are zero, p is undefined
  (shown as —). p is exact with no zeros or ties and ≤ 50 pairs, an exhaustive permutation of
  the signs with zeros or ties and ≤ 13 pairs, else the normal approximation (column *p from*).
  With fewer than 6 non-zero pairs a two-sided p cannot go below 0.0625, so such a test
  cannot reject at the 5% level (noted in the table).
"""


def _pm(summary: pd.DataFrame, metric: str) -> list[str]:
    return [
        f"{fmt(m)} ± {fmt(s)}"
        for m, s in zip(summary[f"{metric}_mean"], summary[f"{metric}_sd"], strict=True)
    ]


def _summary_table(summary: pd.DataFrame) -> str:
    out = pd.DataFrame({"method": summary["method"], "trials": summary["n_trials"]})
    names = {
        "best_utility": "best utility",
        "best_der": "best DER",
        "scalarised": "scalarised (utility × DER)",
        "hypervolume": "hypervolume",
        "hypervolume_regret": "HV regret (↓)",
    }
    for key, name in names.items():
        if f"{key}_mean" in summary and summary[f"{key}_mean"].notna().any():
            out[name] = _pm(summary, key)
    return md_table(out)


def render(
    *,
    experiment: str,
    tracking_uri: str,
    sweep_tag: str | None,
    created: str,
    settings: Sequence[SettingReport],
    notes: Sequence[str],
) -> str:
    """The whole report as Markdown; figure links are relative to the report's folder."""
    scope = f"sweep `{sweep_tag}` of " if sweep_tag else ""
    lines = [
        f"# sysfair report: {scope}experiment `{experiment}`",
        "",
        f"Built {created} from `{tracking_uri}`; {len(settings)} setting(s). "
        "Source runs are listed in `source_runs.csv`.",
        "",
    ]
    if notes:
        lines += ["Notes: " + "; ".join(notes) + ".", ""]
    lines += [DEFINITIONS, ""]
    for s in settings:
        lines += [f"## {s.label}", ""]
        methods = ", ".join(
            f"`{m}` ({n} trials)" for m, n in zip(s.summary["method"], s.summary["n_trials"], strict=True)
        )
        lines += [f"Methods: {methods}.", ""]
        lines += paper_section(s)
        lines += [
            "### Mean ± 1 sd over trials of each trial's best found (sysfair's view, noise-free)",
            "",
            "Not the paper's aggregation: per trial, the best noise-free utility / DER among the "
            "α's tried, the hypervolume they dominate and its regret against the exact front.",
            "",
            _summary_table(s.summary),
            "",
        ]
        if s.comparison_figure is not None:
            lines += [
                figure(
                    s.comparison_figure,
                    f"{s.label}: scores per method, mean ± 1 sd over trials (Figure 3 style)",
                ),
                "",
            ]
        lines += ["### Pareto fronts and share of the global front", ""]
        shares = s.shares.rename(columns={"n_points": "observed points", "n_on_front": "on global front"})
        lines += [
            md_table(
                shares, {"share": lambda v: "—" if not isinstance(v, float) or math.isnan(v) else f"{v:.1%}"}
            ),
            "",
        ]
        if s.fronts_figure is not None:
            lines += [
                figure(
                    s.fronts_figure,
                    f"{s.label}: observed (noisy batch) (utility, DER) of every method "
                    "across trials, with their global front (Figure 4 style)",
                ),
                "",
            ]
        if s.exact_fronts_figure is not None and s.exact_shares is not None:
            lines += [
                "Noise-free: the same α's re-evaluated on the whole pool, against the exact front over α:",
                "",
                md_table(
                    s.exact_shares.rename(columns={"n_points": "α's tried", "n_on_front": "on global front"}),
                    {"share": lambda v: "—" if not isinstance(v, float) or math.isnan(v) else f"{v:.1%}"},
                ),
                "",
                figure(
                    s.exact_fronts_figure,
                    f"{s.label}: noise-free (utility, DER) of every tried α, the global front of "
                    "those points and the exact front over α (dashed)",
                ),
                "",
            ]
        lines += ["### Paired Wilcoxon signed-rank tests (sysfair's best-found scores)", ""]
        if s.wilcoxon is not None and len(s.wilcoxon):
            lines += [wilcoxon_table(s.wilcoxon), ""]
        lines += [f"- {n}" for n in s.wilcoxon_notes] + ([""] if s.wilcoxon_notes else [])
        lines += ["### Utility and DER over α (noise-free)", ""]
        if s.surface_figure is not None:
            lines += [
                figure(
                    s.surface_figure,
                    f"{s.label}: noise-free utility and DER on a grid of α "
                    "(Figures 5-8 style); markers: the α's each method tried",
                ),
                "",
            ]
        lines += [f"- {n}" for n in s.surface_notes] + ([""] if s.surface_notes else [])
        lines += ["### Model-level audit (serving pool)", ""]
        if s.audit is not None:
            cols = [
                c
                for c in ("label", "group", "prevalence", "positive_rate", "auc", "ece", "auc_gap")
                if c in s.audit
            ]
            lines += [md_table(s.audit[cols], {"prevalence": lambda v: f"{v:.1%}"}), ""]
            lines += paper_auc_section(s)
        else:
            lines += ["No run of this setting logged `model_audit.csv`.", ""]
        if s.notes:
            lines += ["### Notes", "", *[f"- {n}" for n in s.notes], ""]
    return "\n".join(lines).rstrip() + "\n"
