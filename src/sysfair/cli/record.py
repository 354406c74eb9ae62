"""``sysfair record replay <folder>``: write a run's journal into a tracking store.

A run keeps a journal (``journal.jsonl``) in its output folder; if the tracking store failed
during the run, replaying the journal writes the parent and trial runs the run could not write.
A sweep folder replays every job's journal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main_record(argv: list[str]) -> None:
    from sysfair.errors import SysfairError
    from sysfair.experiment.journal import read_journal
    from sysfair.experiment.replay import find_journals, replay

    parser = argparse.ArgumentParser(prog="sysfair record", description="The run's journal.")
    sub = parser.add_subparsers(dest="action", required=True)
    rep = sub.add_parser("replay", help="write a run's journal (or a sweep's journals) into a store")
    rep.add_argument("folder", type=Path, help="the run's output folder, a sweep folder or a journal file")
    rep.add_argument("--tracking-uri", help="the store to write to (default: the run's own)")
    rep.add_argument("--experiment", help="MLflow experiment name (default: the run's own)")
    args = parser.parse_args(argv)
    try:
        journals = find_journals(args.folder)
        for path in journals:
            if not read_journal(path).trials:
                print(f"{path}: no finished trial, nothing to replay")
                continue
            run_id, status, n = replay(path, args.tracking_uri, args.experiment)
            print(f"{path}: {n} trials written to run {run_id} ({status})")
    except SysfairError as exc:
        print(f"sysfair: error: {exc}", file=sys.stderr)
        sys.exit(2)
