"""How much utility-DER trade-off does a synthetic pool offer, and does random search already find it?

For each dataset variant: build the CandidateLog (random forest scorers, random retriever m = 20,
groups 80/20, preferences [[0.9, 0.1], [0.1, 0.9]]), compute the exact Pareto oracle, then run
random search (``--trials`` trials x ``--iterations`` uniform alphas in [0, 1]^2, noise-free) and
report its hypervolume regret. A useful benchmark has a front spanning a visible DER range and
random search clearly below the oracle.

Examples::

    python benchmarks/bench_tradeoff.py                      # defaults of both datasets
    python benchmarks/bench_tradeoff.py --grid               # + a small grid of synthetic knobs
    python benchmarks/bench_tradeoff.py --dataset synthetic \\
        --variant label_correlation=-0.8,class_sep=1.0 --variant corpus_size=100
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import Any

import numpy as np

from sysfair.data.configs import SyntheticConfig, SyntheticPaperConfig
from sysfair.retrievers.configs import RandomRetrieverConfig
from sysfair.scorers.configs import RandomForestConfig
from sysfair.system.build import build_candidate_log
from sysfair.system.oracle import hypervolume_regret, oracle_front
from sysfair.system.platform import Platform

PREFERENCES = np.array([[0.9, 0.1], [0.1, 0.9]])
PREVALENCES = [0.8, 0.2]

# A small grid of synthetic knobs around the defaults, one or two knobs at a time.
GRID: list[dict[str, Any]] = [
    {"label_correlation": -0.8},
    {"label_correlation": 0.0},
    {"class_sep": 1.0},
    {"class_sep": 4.0},
    {"corpus_size": 100},
    {"label_correlation": -0.8, "class_sep": 1.0},
    {"label_correlation": -0.8, "corpus_size": 100},
    {"label_correlation": -0.8, "class_sep": 1.0, "corpus_size": 100},
]


def parse_variant(text: str) -> dict[str, Any]:
    """``"a=1,b=-0.5"`` -> ``{"a": 1, "b": -0.5}`` (ints, floats, else strings)."""
    out: dict[str, Any] = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=", 1)
        for cast in (int, float):
            try:
                out[key.strip()] = cast(value)
                break
            except ValueError:
                continue
        else:
            out[key.strip()] = value
    return out


def random_search_regret(
    platform: Platform, oracle: Any, n_trials: int, n_iterations: int, seed: int
) -> np.ndarray:
    """Hypervolume regret ``[n_trials]`` of random search, uniform alphas in [0, 1]^2, noise-free."""
    rng = np.random.default_rng(seed)
    alphas = rng.uniform(size=(n_trials * n_iterations, 2))
    ev = platform.evaluate(alphas)
    points = np.column_stack([ev.utility, ev.der]).reshape(n_trials, n_iterations, 2)
    return np.array([hypervolume_regret(oracle, p) for p in points])


def study(cfg: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Build one pool, compute its oracle and random search's regret."""
    t0 = time.perf_counter()
    log = build_candidate_log(
        cfg,
        RandomForestConfig(n_estimators=args.n_estimators),
        RandomRetrieverConfig(m=args.m),
        prevalences=PREVALENCES,
        seed=args.seed,
    )
    build_s = time.perf_counter() - t0
    platform = Platform(log, PREFERENCES)
    t0 = time.perf_counter()
    oracle = oracle_front(platform)
    oracle_s = time.perf_counter() - t0
    regret = random_search_regret(platform, oracle, args.trials, args.iterations, args.seed)
    # Floor: 999 interior directions t in (0, 1), none exactly on an edge (alpha_k = 0).
    t = np.linspace(0.0, 1.0, 1001)[1:-1]
    ev = platform.evaluate(np.column_stack([1.0 - t, t]))
    interior = hypervolume_regret(oracle, np.column_stack([ev.utility, ev.der]))
    pts = oracle.points
    return {
        "sessions": log.n_sessions,
        "build_s": build_s,
        "oracle_s": oracle_s,
        "breakpoints": oracle.resolution,
        "front": pts.shape[0],
        "u_front": (pts[:, 0].min(), pts[:, 0].max()),
        "der_front": (pts[:, 1].min(), pts[:, 1].max()),
        "reference": oracle.reference,
        "hv": oracle.hypervolume,
        "t_max_u": oracle.alpha_max_utility[1],
        "t_max_der": oracle.alpha_max_der[1],
        "interior_regret": interior,
        "regret_mean": regret.mean(),
        "regret_sd": regret.std(ddof=1) if regret.size > 1 else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=["synthetic", "synthetic_paper", "both"], default="both")
    parser.add_argument("--variant", action="append", default=[], help="synthetic overrides k=v,k=v")
    parser.add_argument("--grid", action="store_true", help="also run the built-in grid of variants")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    runs: list[tuple[str, Any]] = []
    if args.dataset in ("synthetic", "both"):
        variants = [{}] + [parse_variant(v) for v in args.variant] + (GRID if args.grid else [])
        for v in variants:
            label = ",".join(f"{k}={x}" for k, x in v.items()) or "defaults"
            runs.append((f"synthetic[{label}]", dataclasses.replace(SyntheticConfig(), **v)))
    if args.dataset in ("synthetic_paper", "both"):
        runs.append(("synthetic_paper[defaults]", SyntheticPaperConfig()))

    header = (
        "| pool | oracle s | breakpoints | front | utility on front | DER on front | t at max U / max DER "
        "| oracle HV | interior-grid regret | random regret (mean ± sd) |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, cfg in runs:
        r = study(cfg, args)
        n_breaks = r["breakpoints"].split("(")[1].split()[0]
        print(
            f"| {name} | {r['oracle_s']:.2f} | {n_breaks} | {r['front']} "
            f"| {r['u_front'][0]:.4f}–{r['u_front'][1]:.4f} "
            f"| {r['der_front'][0]:.4f}–{r['der_front'][1]:.4f} "
            f"| {r['t_max_u']:.3f} / {r['t_max_der']:.3f} | {r['hv']:.4g} "
            f"| {100 * r['interior_regret']:.2f}% "
            f"| {100 * r['regret_mean']:.2f}% ± {100 * r['regret_sd']:.2f}% |",
            flush=True,
        )


if __name__ == "__main__":
    main()
