"""``sysfair`` console command: ``run`` experiments, ``data download`` datasets, live ``study``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

USAGE = """usage: sysfair <command> [...]

commands:
  run [overrides...]      run an experiment (same as `python run.py`), e.g.
                          sysfair run trials=smoke optimizer=random tracking.uri=sqlite:///mlflow.db
                          sysfair run --help   lists config groups and options
  audit [overrides...]    audit one serving configuration (same as `python run.py mode=audit`),
                          e.g. sysfair audit audit.alpha=[0.7,0.3] retriever=single_label
  report [--sweep TAG] [--out DIR] [--experiment NAME] [--tracking-uri URI]
                          figures and a Markdown report from the runs stored in MLflow
  record replay FOLDER [--tracking-uri URI]
                          write a run's journal (kept in its output folder) into a store
  cache list|clear [--dir DIR] [--older-than 30d]
                          the CandidateLog cache: entries, sizes, ages, what built them
  study create|ask|tell|status|front NAME [...]
                          a live A/B study of serving weights, kept in MLflow, e.g.
                          sysfair study create homepage --groups women,men
                          sysfair study ask homepage --arms 4; sysfair study --help for more
  data download NAME --dir DIR
                          fetch a public dataset (movielens-100k, movielens-1m, marketbias),
                          verified by checksum; then run with dataset.path=DIR/...
"""


def _run(rest: list[str]) -> None:
    import hydra

    from sysfair.cli.app import CONF_DIR, task

    if not CONF_DIR.is_dir():
        _fail(
            f"config folder {CONF_DIR} not found; install sysfair from a checkout with "
            "`pip install -e .` or run `python run.py` there"
        )
    from sysfair.cli.help import app_help, wants_help

    if wants_help(rest):  # Hydra's own --help takes seconds; same text
        print(app_help(rest, conf_dir=CONF_DIR, job_name="app"))
        return
    sys.argv = ["sysfair run", *rest]
    hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")(task)()


def _data(rest: list[str]) -> None:
    from sysfair.data.download import SOURCES, download
    from sysfair.errors import SysfairError

    parser = argparse.ArgumentParser(prog="sysfair data", description="Dataset utilities.")
    sub = parser.add_subparsers(dest="action", required=True)
    get = sub.add_parser("download", help="fetch a dataset, verified by checksum")
    get.add_argument("name", choices=sorted(SOURCES))
    get.add_argument("--dir", type=Path, default=Path("data"), help="parent folder (default: data)")
    args = parser.parse_args(rest)
    try:
        folder = download(args.name, args.dir)
    except SysfairError as exc:
        _fail(str(exc))
    print(f"{args.name} is in {folder}; use it with dataset.path={folder}")


def _report(rest: list[str]) -> None:
    from sysfair.cli.report import main_report

    main_report(rest)


def _cache(rest: list[str]) -> None:
    from sysfair.cli.cache import main_cache

    main_cache(rest)


def _record(rest: list[str]) -> None:
    from sysfair.cli.record import main_record

    main_record(rest)


def _study(rest: list[str]) -> None:
    from sysfair.study.cli import main_study

    main_study(rest)


def _fail(message: str) -> None:
    print(f"sysfair: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    commands = {
        "run": _run,
        "audit": lambda rest: _run(["mode=audit", *rest]),
        "report": _report,
        "data": _data,
        "cache": _cache,
        "study": _study,
        "record": _record,
    }
    if args[0] not in commands:
        _fail(f"unknown command {args[0]!r}\n\n{USAGE}")
    commands[args[0]](args[1:])


if __name__ == "__main__":
    main()
