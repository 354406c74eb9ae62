"""``build_report``: collect the runs, build each setting's report, write and log the files."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from sysfair.report.collect import SweepData, collect
from sysfair.report.markdown import render
from sysfair.report.setting_report import SettingReport, setting_report

__all__ = ["ReportResult", "build_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportResult:
    out_dir: Path
    report_path: Path
    files: list[Path]  # every file written (report, figures, CSV tables)
    run_id: str | None  # the MLflow report run (None if not logged)
    settings: list[SettingReport]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80] or "setting"


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
        ("paper_auc", rep.paper_auc),
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
    reports = []
    # one line per setting in the log, and a bar on a terminal (tqdm's disable=None)
    bar = tqdm(total=len(slugs), desc="report", unit="setting", leave=False, disable=None)
    for i, (setting, slug) in enumerate(zip(data.settings, slugs, strict=True), start=1):
        t0 = time.perf_counter()
        reports.append(setting_report(setting, slug, out_dir, dirs))
        log.info(
            "report: setting %d/%d (%s) done in %.1f s",
            i,
            len(slugs),
            setting.label,
            time.perf_counter() - t0,
        )
        bar.update()
    bar.close()
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
