"""``sysfair`` console command."""

from __future__ import annotations

import sys

USAGE = """usage: sysfair <command> [hydra overrides...]

commands:
  run     run an experiment (same as `python run.py`), e.g.
          sysfair run trials=smoke optimizer=random tracking.uri=sqlite:///mlflow.db
          sysfair run --help     lists config groups and options
"""


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    command, rest = args[0], args[1:]
    if command == "run":
        import hydra

        from sysfair.app import CONF_DIR, task

        if not CONF_DIR.is_dir():
            print(
                f"sysfair: error: config folder {CONF_DIR} not found; install sysfair from a "
                "checkout with `pip install -e .` or run `python run.py` there",
                file=sys.stderr,
            )
            sys.exit(2)
        sys.argv = ["sysfair run", *rest]
        hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")(task)()
        return
    print(f"sysfair: error: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    sys.exit(2)
