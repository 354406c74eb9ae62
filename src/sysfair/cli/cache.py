"""``sysfair cache list|clear``: what the CandidateLog cache holds, and freeing it."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sysfair.system.cache import clear, list_entries

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """``"30d"`` -> seconds; units s, m, h, d, w."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"--older-than={text!r}: use a number and a unit, e.g. 30d, 12h, 2w")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def main_cache(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="sysfair cache", description="The CandidateLog cache.")
    sub = parser.add_subparsers(dest="action", required=True)
    for name, text in (("list", "entries, sizes, ages and what built them"), ("clear", "delete entries")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--dir", type=Path, default=Path(".sysfair_cache"), help="cache folder (cache_dir)")
        if name == "clear":
            cmd.add_argument(
                "--older-than", type=parse_age, default=None, help="e.g. 30d, 12h (default: all)"
            )
    args = parser.parse_args(argv)
    if args.action == "list":
        entries = list_entries(args.dir)
        if not entries:
            print(f"{args.dir}: no cache entries")
            return
        for e in entries:
            print(f"{_human(e.size):>9}  {_age(e.age_seconds):>7}  {e.path.name}  {e.built_from}")
        print(f"{len(entries)} entries, {_human(sum(e.size for e in entries))} in {args.dir}")
        return
    removed = clear(args.dir, older_than_seconds=args.older_than)
    print(f"removed {len(removed)} entries ({_human(sum(e.size for e in removed))}) from {args.dir}")
    sys.stdout.flush()
