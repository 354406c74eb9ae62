"""``sysfair report``: argument parsing; the work is :func:`sysfair.report.build_report`."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

__all__ = ["main_report"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sysfair report",
        description="Figures, tables and paired tests of the runs of an MLflow experiment "
        "(or of one sweep), written to a folder as report.md + PNGs and logged as a report run.",
    )
    parser.add_argument(
        "--tracking-uri", default=None, help="MLflow store (default: sqlite:///<current folder>/mlflow.db)"
    )
    parser.add_argument("--experiment", default="sysfair", help="MLflow experiment (default: sysfair)")
    parser.add_argument(
        "--sweep",
        default=None,
        metavar="TAG",
        help="only parent runs tagged sweep=TAG (default: every finished run)",
    )
    parser.add_argument(
        "--run",
        dest="run_ids",
        action="append",
        default=None,
        metavar="RUN_ID",
        help="only this parent run (repeatable)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output folder (default: reports/<timestamp>)"
    )
    parser.add_argument("--no-log", action="store_true", help="do not log the report run to MLflow")
    return parser


def main_report(argv: list[str]) -> None:
    """Build the report; a :class:`~sysfair.errors.SysfairError` exits with a one-line message (code 2)."""
    from sysfair.errors import SysfairError
    from sysfair.experiment.tracking import default_uri
    from sysfair.report import build_report

    args = _parser().parse_args(argv)
    uri = args.tracking_uri or default_uri(Path.cwd())
    out = args.out or Path("reports") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    try:
        result = build_report(
            uri, args.experiment, out, sweep_tag=args.sweep, run_ids=args.run_ids, log_run=not args.no_log
        )
    except SysfairError as exc:
        print(f"sysfair: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"report written to {result.report_path} ({len(result.files)} files)")
    if result.run_id:
        print(f"logged as MLflow run {result.run_id} (tag mode=report) in {uri}")
