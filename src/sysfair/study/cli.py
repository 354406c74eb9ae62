"""``sysfair study create|ask|tell|status|front``: a live study from the shell (see :class:`Study`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import pandas as pd

__all__ = ["main_study"]

EPILOG = """examples:
  sysfair study create homepage --groups women,men --labels watch,like --tracking-uri sqlite:///studies.db
  sysfair study ask homepage --arms 4                 # deploy the printed alphas, one bucket each
  sysfair study tell homepage 1-1 --group-utility women=0.61,men=0.55 --group-sessions women=120,men=480
  sysfair study status homepage
  sysfair study front homepage --format csv
"""


def _common(parser: argparse.ArgumentParser, output: bool = False) -> None:
    parser.add_argument("name", help="the study's name")
    parser.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow store holding the study (default: sqlite:///<current folder>/mlflow.db)",
    )
    if output:
        parser.add_argument(
            "--format", choices=("table", "csv", "json"), default="table", help="output (default: table)"
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sysfair study",
        description="A live A/B study of serving weights alpha: each round, ask for arms, deploy each to "
        "a bucket of live traffic, tell what each bucket observed per user group. The state lives in an "
        "MLflow store, so any process (or teammate) can continue the study.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="start a study")
    _common(create)
    create.add_argument("--groups", required=True, help="comma-separated user groups, e.g. women,men")
    create.add_argument("--labels", default="y1,y2", help="comma-separated scored labels (default: y1,y2)")
    create.add_argument(
        "--optimizer",
        default="fair_nehvi",
        help="fair_nehvi (default: Fair-BO, joint batch by qLogNEHVI), fair_ehvi, sobol or random",
    )
    create.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an optimizer option, e.g. --set n_init=4 --set mc_samples=64 (repeatable)",
    )
    create.add_argument("--seed", type=int, default=0)
    create.add_argument(
        "--utility-max",
        type=float,
        default=1.0,
        help="largest utility of one session; bounds the variance when a tell gives none (default: 1)",
    )
    ask = sub.add_parser("ask", help="propose the next round of arms")
    _common(ask, output=True)
    ask.add_argument(
        "--arms", type=int, default=1, help="arms to deploy side by side this round (default: 1)"
    )
    tell = sub.add_parser("tell", help="record what one arm's bucket observed")
    _common(tell, output=True)
    tell.add_argument("arm", help="the arm's id, as printed by ask (e.g. 1-2)")
    values = "per group: GROUP=VALUE,... or VALUE,... in the study's group order"
    tell.add_argument("--group-utility", required=True, help=f"mean session utility {values}")
    tell.add_argument("--group-sessions", required=True, help=f"number of sessions {values}")
    tell.add_argument(
        "--group-variance",
        default=None,
        help=f"optional variance of the session utilities {values} (default: a conservative bound)",
    )
    for action, text in (("status", "rounds so far"), ("front", "non-dominated arms and their estimates")):
        _common(sub.add_parser(action, help=text), output=True)
    return parser


def _values(text: str) -> dict[str, str] | list[str]:
    """``"a=1,b=2"`` -> ``{"a": "1", "b": "2"}``; ``"1,2"`` -> ``["1", "2"]`` (checked by the study)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts and all("=" in p for p in parts):
        return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in parts)}
    return parts


def _option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        print(f"sysfair: error: --set {text!r}: expected KEY=VALUE, e.g. --set n_init=4", file=sys.stderr)
        sys.exit(2)
    key, raw = text.split("=", 1)
    key = key.strip().removeprefix("optimizer.")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def _native(value: Any) -> Any:
    """numpy scalars -> Python numbers for JSON."""
    return value.item() if hasattr(value, "item") else str(value)


def _print(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        print(table.to_csv(index=False), end="")
    elif fmt == "json":  # full float precision (repr), NaN as null
        records = [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in table.astype(object).to_dict(orient="records")
        ]
        print(json.dumps(records, default=_native))
    else:
        print(table.to_string(index=False) if len(table) else "(none)")


def main_study(argv: list[str]) -> None:
    """Run one ``sysfair study`` action; a bad value or a refused action exits 2 with one line."""
    from sysfair.errors import SysfairError
    from sysfair.study.config import optimizer_config
    from sysfair.study.study import Study, default_tracking_uri

    args = _parser().parse_args(argv)
    uri = args.tracking_uri or default_tracking_uri()
    try:
        if args.action == "create":
            options = dict(_option(s) for s in args.set)
            study = Study.create(
                args.name,
                groups=[g.strip() for g in args.groups.split(",") if g.strip()],
                labels=[k.strip() for k in args.labels.split(",") if k.strip()],
                optimizer=optimizer_config(args.optimizer, **options),
                seed=args.seed,
                utility_max=args.utility_max,
                tracking_uri=uri,
            )
            print(f"study {study.name!r} created in {uri} (groups {', '.join(study.config.groups)})")
            return
        study = Study.open(args.name, uri)
        if args.action == "ask":
            _print(study.ask(n_arms=args.arms), args.format)
        elif args.action == "tell":
            estimate = study.tell(
                args.arm,
                group_utility=_values(args.group_utility),
                group_sessions=_values(args.group_sessions),
                group_variance=None if args.group_variance is None else _values(args.group_variance),
            )
            row = {
                "arm": args.arm,
                "utility": estimate.utility,
                "utility_se": estimate.utility_variance**0.5,
                "der": estimate.der,
                "der_se": estimate.der_variance**0.5,
            }
            _print(pd.DataFrame([row]), args.format)
        elif args.action == "status":
            _print(study.status(), args.format)
        else:
            _print(study.front(), args.format)
    except SysfairError as exc:
        print(f"sysfair: error: {exc}", file=sys.stderr)
        sys.exit(2)
