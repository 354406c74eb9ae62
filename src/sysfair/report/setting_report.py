"""One setting's tables and figures: summaries, front shares, tests, the paper's view."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sysfair.data.paper_tables import paper_auc_table, paper_dataset
from sysfair.report.figures import plot_comparison, plot_method_fronts, plot_paper_averages
from sysfair.report.runs import Setting
from sysfair.report.setting_surfaces import setting_surfaces
from sysfair.report.stats import (
    front_shares,
    iteration_averages,
    mean_sd,
    paired_by_seed,
    paired_wilcoxon,
    scalarised_scores,
)

__all__ = ["SettingReport", "setting_report"]

SUMMARY_METRICS = ["best_utility", "best_der", "scalarised", "hypervolume", "hypervolume_regret"]
TEST_METRICS = ["best_der", "best_utility", "hypervolume", "scalarised"]
PAPER_METRICS = ["avg_utility", "avg_der"]  # Section 4: averages over a trial's iterations
BASELINES = ("random", "ei")
OPTIONAL_BASELINES = ("constrained_ei",)  # Section 4.1's alternative: tested against when it ran


@dataclass
class SettingReport:
    """Tables and figures of one setting (a dataset and its system config)."""

    label: str
    slug: str
    per_trial: pd.DataFrame  # method, trial, seed, run ids, TRIAL_METRICS, scalarised
    summary: pd.DataFrame  # method, n_trials, <metric>_mean, <metric>_sd
    shares: pd.DataFrame  # method, n_points, n_on_front, share
    wilcoxon: pd.DataFrame | None  # fair, baseline, metric, WilcoxonResult fields
    audit: pd.DataFrame | None
    paper: pd.DataFrame | None = None  # per (method, trial) averages over the iterations
    paper_summary: pd.DataFrame | None = None  # method, n_trials, avg_<x>_mean, avg_<x>_sd
    paper_wilcoxon: pd.DataFrame | None = None  # the paper's tests on the averages
    paper_figure: Path | None = None
    paper_auc: pd.DataFrame | None = None  # our AUC next to the paper's Tables 1-4
    paper_auc_notes: list[str] = field(default_factory=list)
    exact_shares: pd.DataFrame | None = None  # shares of the noise-free global front
    exact_fronts_figure: Path | None = None
    fronts_figure: Path | None = None
    comparison_figure: Path | None = None
    surface_figure: Path | None = None
    wilcoxon_notes: list[str] = field(default_factory=list)
    surface_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _wilcoxon(
    setting: Setting, per_trial: pd.DataFrame, metrics: list[str] = TEST_METRICS
) -> tuple[pd.DataFrame, list[str]]:
    """Fair method(s) vs random, vs ei (and vs constrained_ei if it ran) on ``metrics``, paired by seed."""
    opt = dict(zip(setting.parents["method"], setting.parents["optimizer"], strict=True))
    fair = [m for m, o in opt.items() if o.startswith("fair_")]
    notes = []
    if not fair:
        return pd.DataFrame(), ["no Fair method (fair_ehvi / fair_nehvi) in this setting: no tests"]
    rows = []
    for base in (*BASELINES, *(b for b in OPTIONAL_BASELINES if b in opt.values())):
        baselines = [m for m, o in opt.items() if o == base]
        if not baselines:
            notes.append(f"`{base}` did not run in this setting: no test against it")
        for f in fair:
            for b in baselines:
                for metric in metrics:
                    _, x, y = paired_by_seed(per_trial, f, b, metric)
                    res = paired_wilcoxon(x, y)
                    rows.append({"fair": f, "baseline": b, "metric": metric, **vars(res)})
    return pd.DataFrame(rows), notes


def setting_report(setting: Setting, slug: str, out_dir: Path, launch_dirs: list[Path]) -> SettingReport:
    notes = list(setting.notes)
    per_trial = setting.trials.copy()
    if len(setting.points):
        scal = scalarised_scores(setting.points)
        per_trial = per_trial.merge(scal, on=["method", "trial"], how="left")
    else:
        per_trial["scalarised"] = np.nan
    metrics = [m for m in SUMMARY_METRICS if m in per_trial and per_trial[m].notna().any()]
    summary = mean_sd(per_trial, metrics)
    for m in setting.methods:  # methods whose parent has no finished trial runs
        if m not in set(summary["method"]):
            notes.append(f"{m}: no finished trial runs")
    notes += _identical_methods(per_trial)
    report = SettingReport(
        label=setting.label,
        slug=slug,
        per_trial=per_trial,
        summary=summary,
        shares=pd.DataFrame(columns=["method", "n_points", "n_on_front", "share"]),
        wilcoxon=None,
        audit=setting.audit,
        notes=notes,
    )
    if len(setting.points):
        report.shares, global_front = front_shares(setting.points, setting.methods)
        report.fronts_figure = out_dir / f"fronts_{slug}.png"
        plot_method_fronts(
            setting.points,
            setting.methods,
            global_front,
            report.shares,
            report.fronts_figure,
            title=f"{setting.label}: observed (noisy batch) (utility, DER) across trials",
        )
        report.exact_shares, exact_front = front_shares(setting.points, setting.methods, values="exact")
        report.exact_fronts_figure = out_dir / f"fronts_exact_{slug}.png"
        plot_method_fronts(
            setting.points,
            setting.methods,
            exact_front,
            report.exact_shares,
            report.exact_fronts_figure,
            title=f"{setting.label}: tried α's re-evaluated noise-free, against the exact front",
            oracle=setting.oracle,
            values="exact",
        )
        _paper_view(report, setting, out_dir)
        report.surface_figure, report.surface_notes = setting_surfaces(
            setting, launch_dirs, out_dir / f"surfaces_{slug}.png"
        )
    else:
        report.surface_notes = ["no pareto_fronts.csv logged: no fronts and no surfaces"]
    if setting.oracle is None:
        notes.append("no `oracle_front.csv`: no exact front overlay and no hypervolume regret")
    if len(per_trial):
        report.comparison_figure = out_dir / f"comparison_{slug}.png"
        plot_comparison(
            per_trial,
            list(summary["method"]),
            report.comparison_figure,
            title=f"{setting.label}: noise-free scores per method over trials",
        )
    report.wilcoxon, report.wilcoxon_notes = _wilcoxon(setting, per_trial)
    report.paper_auc, report.paper_auc_notes = _paper_auc(setting)
    return report


def _paper_auc(setting: Setting) -> tuple[pd.DataFrame | None, list[str]]:
    """Our model audit next to the paper's Table 1-4 of the setting's dataset, or why not."""
    if setting.audit is None:
        return None, []
    if paper_dataset(setting.dataset) is None:
        return None, [f"the paper has no AUC table for dataset `{setting.dataset}`"]
    try:
        return paper_auc_table(setting.audit, setting.dataset), []
    except ValueError as exc:
        return None, [f"no comparison with the paper's AUC table: {exc}"]


def _paper_view(report: SettingReport, setting: Setting, out_dir: Path) -> None:
    """The paper's Section 4 aggregation: per-trial averages over iterations, mean ± sd, tests."""
    averages = iteration_averages(setting.points)
    seeds = setting.trials[["method", "trial", "seed"]]
    report.paper = averages.merge(seeds, on=["method", "trial"], how="left")
    report.paper_summary = mean_sd(report.paper, [*PAPER_METRICS, "avg_exact_utility", "avg_exact_der"])
    report.paper_wilcoxon, _ = _wilcoxon(setting, report.paper, PAPER_METRICS)
    report.paper_figure = out_dir / f"paper_averages_{report.slug}.png"
    plot_paper_averages(
        report.paper,
        setting.methods,
        report.paper_figure,
        title=f"{setting.label}: average utility and DER over the iterations (paper, Section 4)",
    )


def _identical_methods(per_trial: pd.DataFrame) -> list[str]:
    """Notes for pairs of methods with the same scores on every seed (e.g. BO still in its design)."""
    cols = ["best_utility", "best_der", "hypervolume"]
    tables = {m: p.set_index("seed")[cols].sort_index() for m, p in per_trial.groupby("method")}
    names = sorted(tables)
    return [
        f"`{a}` and `{b}` scored identically on every trial (e.g. a BO method that never left its "
        "initial Sobol design)"
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if tables[a].index.equals(tables[b].index) and tables[a].equals(tables[b])
    ]
