"""``sysfair report``: figures, tables and tests of an MLflow experiment's runs (issue 5, item 1).

:func:`build_report` reads the runs (:mod:`.collect`), computes the per-setting tables
(:mod:`.stats`), draws the figures (:mod:`.figures`, :mod:`.surfaces`), writes ``report.md``
(:mod:`.markdown`) and logs every file as an artifact of a report run (tag ``mode=report``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sysfair.report.collect import (
    SWEEP_TAG,
    ExperimentNotFoundError,
    NoFinishedRunsError,
    ReportError,
    RunNotFoundError,
    Setting,
    SweepData,
    collect,
)
from sysfair.report.figures import plot_comparison, plot_method_fronts, plot_paper_averages, plot_surfaces
from sysfair.report.markdown import render
from sysfair.report.stats import (
    WilcoxonResult,
    front_shares,
    iteration_averages,
    mean_sd,
    paired_by_seed,
    paired_wilcoxon,
    scalarised_scores,
)
from sysfair.report.surfaces import rebuild_platform, surface

__all__ = [
    "SWEEP_TAG",
    "ExperimentNotFoundError",
    "NoFinishedRunsError",
    "ReportError",
    "ReportResult",
    "RunNotFoundError",
    "SettingReport",
    "WilcoxonResult",
    "build_report",
    "collect",
    "paired_wilcoxon",
]

SUMMARY_METRICS = ["best_utility", "best_der", "scalarised", "hypervolume", "hypervolume_regret"]
TEST_METRICS = ["best_der", "best_utility", "hypervolume", "scalarised"]
PAPER_METRICS = ["avg_utility", "avg_der"]  # Section 4: averages over a trial's iterations
BASELINES = ("random", "ei")
SURFACE_GRID = 41
_MATCH_TOL = 1e-9  # rebuilt pool must reproduce the logged noise-free values to this


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
    exact_shares: pd.DataFrame | None = None  # shares of the noise-free global front
    exact_fronts_figure: Path | None = None
    fronts_figure: Path | None = None
    comparison_figure: Path | None = None
    surface_figure: Path | None = None
    wilcoxon_notes: list[str] = field(default_factory=list)
    surface_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportResult:
    out_dir: Path
    report_path: Path
    files: list[Path]  # every file written (report, figures, CSV tables)
    run_id: str | None  # the MLflow report run (None if not logged)
    settings: list[SettingReport]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80] or "setting"


def _wilcoxon(
    setting: Setting, per_trial: pd.DataFrame, metrics: list[str] = TEST_METRICS
) -> tuple[pd.DataFrame, list[str]]:
    """Fair method(s) vs random and vs ei on each of ``metrics``, paired by seed."""
    opt = dict(zip(setting.parents["method"], setting.parents["optimizer"], strict=True))
    fair = [m for m, o in opt.items() if o.startswith("fair_")]
    notes = []
    if not fair:
        return pd.DataFrame(), ["no Fair method (fair_ehvi / fair_nehvi) in this setting: no tests"]
    rows = []
    for base in BASELINES:
        baselines = [m for m, o in opt.items() if o == base]
        if not baselines:
            notes.append(f"`{base}` did not run in this setting: no test against it")
        for f in fair:
            for b in baselines:
                for metric in metrics:
                    seeds, x, y = paired_by_seed(per_trial, f, b, metric)
                    res = paired_wilcoxon(x, y)
                    rows.append({"fair": f, "baseline": b, "metric": metric, **vars(res)})
    return pd.DataFrame(rows), notes


def _surfaces(setting: Setting, launch_dirs: list[Path], path: Path) -> tuple[Path | None, list[str]]:
    if len(setting.label_names) != 2:
        return None, [
            f"surfaces are drawn for K = 2 labels; this setting has K = {len(setting.label_names)}: skipped"
        ]
    if setting.config_yaml is None:
        return None, ["no run logged `config.yaml`: surfaces skipped"]
    try:
        platform, cache = rebuild_platform(setting.config_yaml, launch_dirs)
    except (LookupError, KeyError, ValueError, OSError) as exc:
        return None, [
            f"the CandidateLog could not be rebuilt from the cache ({exc}): surfaces skipped; "
            "run the report from the folder the experiments were launched from"
        ]
    pts = setting.points
    alphas = pts[[f"alpha_{n}" for n in setting.label_names]].to_numpy(float)
    ev = platform.evaluate(alphas)
    gap = max(
        float(np.nanmax(np.abs(ev.utility - pts["exact_utility"].to_numpy(float)))),
        float(np.nanmax(np.abs(ev.der - pts["exact_der"].to_numpy(float)))),
    )
    if not gap <= _MATCH_TOL:
        return None, [
            f"the cached pool does not reproduce the logged noise-free values (max |Δ| = "
            f"{gap:.2e}): surfaces skipped"
        ]
    surf = surface(platform, SURFACE_GRID)
    plot_surfaces(
        surf,
        pts,
        setting.methods,
        setting.label_names,
        path,
        title=f"{setting.label}: noise-free utility and DER over α (whole serving pool)",
    )
    return path, [
        f"CandidateLog rebuilt from the cache {cache}; the logged noise-free values of all "
        f"{len(pts)} tried α's are reproduced (max |Δ| = {gap:.1e}).",
        f"Grid: {SURFACE_GRID} × {SURFACE_GRID} α's on [0, 1]²; only α's direction matters, so the "
        "surfaces are constant along rays from the origin (α = 0 is left blank).",
    ]


def _setting_report(setting: Setting, slug: str, out_dir: Path, launch_dirs: list[Path]) -> SettingReport:
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
        report.surface_figure, report.surface_notes = _surfaces(
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
    return report


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


def _launch_dirs(tracking_uri: str) -> list[Path]:
    dirs = [Path.cwd()]
    if tracking_uri.startswith("sqlite:///"):
        dirs.append(Path(tracking_uri.removeprefix("sqlite:///")).resolve().parent)
    return list(dict.fromkeys(dirs))


def _write_tables(rep: SettingReport, out_dir: Path) -> list[Path]:
    files = []
    for name, table in (
        ("per_trial", rep.per_trial),
        ("summary", rep.summary),
        ("front_shares", rep.shares),
        ("wilcoxon", rep.wilcoxon),
        ("paper_averages", rep.paper),
        ("paper_wilcoxon", rep.paper_wilcoxon),
    ):
        if table is not None and len(table):
            path = out_dir / f"{name}_{rep.slug}.csv"
            table.to_csv(path, index=False)
            files.append(path)
    return files


def build_report(
    tracking_uri: str,
    experiment: str,
    out_dir: Path,
    *,
    sweep_tag: str | None = None,
    run_ids: list[str] | None = None,
    log_run: bool = True,
    launch_dirs: list[Path] | None = None,
) -> ReportResult:
    """Read the experiment's finished runs, write ``report.md`` + figures + tables to ``out_dir``
    and log them as artifacts of a new run tagged ``mode=report`` (unless ``log_run=False``).

    ``launch_dirs``: folders a relative ``cache_dir`` of the runs is resolved against, for the
    surfaces (default: the working folder, then the SQLite store's folder).
    Raises :class:`ReportError` subclasses for a missing experiment, no finished runs, ...
    """
    data: SweepData = collect(tracking_uri, experiment, sweep_tag=sweep_tag, run_ids=run_ids)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dirs = launch_dirs or _launch_dirs(tracking_uri)
    slugs = [_slug(s.label) for s in data.settings]
    slugs = [f"{x}_{i}" if slugs.count(x) > 1 else x for i, x in enumerate(slugs)]  # labels may clash
    reports = [_setting_report(s, x, out_dir, dirs) for s, x in zip(data.settings, slugs, strict=True)]
    files: list[Path] = []
    for r in reports:
        figures = (r.fronts_figure, r.exact_fronts_figure, r.paper_figure)
        figures += (r.comparison_figure, r.surface_figure)
        files += [p for p in figures if p is not None]
        files += _write_tables(r, out_dir)
    sources = pd.concat([s.parents.assign(setting=s.label) for s in data.settings], ignore_index=True)
    sources.to_csv(out_dir / "source_runs.csv", index=False)
    files.append(out_dir / "source_runs.csv")
    created = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = render(
        experiment=experiment,
        tracking_uri=tracking_uri,
        sweep_tag=sweep_tag,
        created=created,
        settings=reports,
        notes=data.notes,
    )
    report_path = out_dir / "report.md"
    report_path.write_text(text)
    files.insert(0, report_path)
    run_id = _log_report_run(tracking_uri, experiment, sweep_tag, files, len(sources)) if log_run else None
    return ReportResult(out_dir, report_path, files, run_id, reports)


def _log_report_run(uri: str, experiment: str, sweep_tag: str | None, files: list[Path], n_runs: int) -> str:
    from sysfair.experiment import record as rec
    from sysfair.experiment.tracking import MlflowLogger, process_tags, standard_tags

    tracker = MlflowLogger(uri, experiment)
    tags = {rec.TAG_MODE: rec.MODE_REPORT, **standard_tags(), **process_tags()}
    if sweep_tag is not None:
        tags[rec.TAG_REPORT_SWEEP] = sweep_tag
    stamp = datetime.now().strftime("%y%m%d-%H%M%S")
    run_id = tracker.start_run(
        f"report-{sweep_tag or experiment}-{stamp}",
        tags=tags,
        params={rec.PARAM_REPORT_SWEEP: str(sweep_tag), rec.PARAM_REPORT_N_RUNS: str(n_runs)},
    )
    with rec.run_status(tracker, run_id):
        for path in files:
            tracker.client.log_artifact(run_id, str(path))
    return run_id
