"""Benchmark the optimizers of serving weights on the default synthetic dataset.

For each method: per-step ask() time (median, min, max over trials) with 5, 10 and 19 observations
told, and over paired trials (trial i of every method sees the same seed and user batches) the
noise-free hypervolume of the alphas it tried (TrialResult.summary, reference trials.reference_point),
the hypervolume regret against the exact oracle when ``sysfair.system.oracle`` is available, and the wall
time per trial. Paired Wilcoxon signed-rank p-values: fair_nehvi vs fair_ehvi and vs random.

    python benchmarks/bench_optimizers.py                        # 20 trials x 20 iterations
    python benchmarks/bench_optimizers.py --trials 5 --ehvi-trials 2 --n-jobs 2
    python benchmarks/bench_optimizers.py --methods fair_ehvi --out bench.json   # adds to bench.json

``--out FILE`` keeps every method's per-trial results (JSON, rewritten after each method) and reuses
the methods already in it, so a long run (fair_ehvi: ~1 h for 20 trials on one core) can be split and resumed.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from scipy.stats import wilcoxon
from tqdm.auto import tqdm

from sysfair.cli.schema import register_configs
from sysfair.experiment.runner import candidate_log
from sysfair.experiment.trials import TrialResult, iter_trials, noise_free_scores
from sysfair.optimizers.configs import HVI_ALGORITHMS, OPTIMIZER_SCHEMAS
from sysfair.system.oracle import hypervolume_regret, oracle_front
from sysfair.system.platform import Platform

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("random", "sobol", "ei", "fair_ehvi", "fair_nehvi", "constrained_ei", "parego")
STEPS = (5, 10, 19)  # observations told before the timed ask()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=20, help="paired trials per method")
    p.add_argument(
        "--ehvi-trials", type=int, default=None, help="trials of fair_ehvi (slow; default --trials)"
    )
    p.add_argument(
        "--ehvi-hvi",
        choices=HVI_ALGORITHMS,
        default="sweep",
        help="how fair_ehvi computes qEHVI (same values; inclusion_exclusion is BoTorch's, ~5x slower)",
    )
    p.add_argument("--iterations", type=int, default=20, help="iterations per trial")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=sorted(OPTIMIZER_SCHEMAS))
    p.add_argument("--n-jobs", type=int, default=1, help="parallel trials (1 = sequential, clean timings)")
    p.add_argument("--seed", type=int, default=0, help="trials.seed")
    p.add_argument("--out", type=Path, default=None, help="JSON of per-trial results (reused, extended)")
    return p.parse_args()


FIELDS = ("alphas", "exact_utility", "exact_der", "ask_seconds", "seconds")


def load_results(path: Path | None, iterations: int, seed: int) -> dict[str, list[dict]]:
    """Per-method trial records of an earlier run with the same iterations and seed, else ``{}``."""
    if path is None or not path.exists():
        return {}
    stored = json.loads(path.read_text())
    if stored.get("iterations") != iterations or stored.get("seed") != seed:
        raise SystemExit(f"{path} holds a run with other --iterations/--seed; pass a new --out file")
    return stored["methods"]


def save_results(path: Path | None, iterations: int, seed: int, records: dict[str, list[dict]]) -> None:
    if path is not None:
        payload = {"iterations": iterations, "seed": seed, "methods": records}
        path.write_text(json.dumps(payload))


def to_record(r: TrialResult) -> dict:
    """The fields the tables need, as plain JSON values."""
    return {f: np.asarray(getattr(r, f)).tolist() for f in FIELDS}


class Stored:
    """A trial record read back from JSON, with TrialResult's fields used below."""

    def __init__(self, record: dict) -> None:
        for f in FIELDS:
            setattr(self, f, np.asarray(record[f], dtype=np.float64))
        self.seconds = float(record["seconds"])

    def summary(self, reference: np.ndarray) -> dict[str, float]:
        """Noise-free scores of the tried alphas, as :meth:`TrialResult.summary`."""
        return {**noise_free_scores(self.exact_utility, self.exact_der, reference), "seconds": self.seconds}


def load_platform(args: argparse.Namespace):
    register_configs()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base=None):
        cfg = compose(config_name="config", overrides=[f"trials.seed={args.seed}"])
    obj = OmegaConf.to_object(cfg)
    platform = Platform(candidate_log(obj, ROOT), np.asarray(obj.preferences.weights))
    return obj, platform


def oracle_regret(platform: Platform):
    """``points [N, 2] -> regret`` against the exact front, and the oracle's reference point."""
    front = oracle_front(platform)
    return (lambda points: hypervolume_regret(front, points)), front.reference


def main() -> None:
    args = parse_args()
    obj, platform = load_platform(args)
    regret, reference = oracle_regret(platform)
    records = load_results(args.out, args.iterations, args.seed)
    for name in args.methods:
        n_trials = args.ehvi_trials if (name == "fair_ehvi" and args.ehvi_trials) else args.trials
        if len(records.get(name, ())) >= n_trials:
            print(f"{name}: {n_trials} trials read from {args.out}", flush=True)
            continue
        trials_cfg = replace(obj.trials, n_trials=n_trials, n_iterations=args.iterations, n_jobs=args.n_jobs)
        start = time.perf_counter()
        optimizer_cfg = OPTIMIZER_SCHEMAS[name](**({"hvi": args.ehvi_hvi} if name == "fair_ehvi" else {}))
        trials = iter_trials(platform, optimizer_cfg, trials_cfg)
        records[name] = [to_record(r) for r in tqdm(trials, total=n_trials, desc=name, unit="trial")]
        print(f"{name}: {n_trials} trials in {time.perf_counter() - start:.1f} s", flush=True)
        save_results(args.out, args.iterations, args.seed, records)
    results = {name: [Stored(r) for r in records[name]] for name in args.methods}

    print(f"\nper-step ask() time [s] (median / min / max over trials), n_jobs={args.n_jobs}")
    print(f"{'method':<16}" + "".join(f"{f'{n} obs':>24}" for n in STEPS) + f"{'median, steps >= 5':>20}")
    for name, trials in results.items():
        cells = []
        for n in STEPS:
            t = np.array([r.ask_seconds[n] for r in trials if r.ask_seconds.shape[0] > n])
            cells.append(f"{np.median(t):.3f} / {t.min():.3f} / {t.max():.3f}" if t.size else "-")
        model_steps = np.concatenate([r.ask_seconds[STEPS[0] :] for r in trials])  # after 5 Sobol points
        overall = f"{np.median(model_steps):.3f}" if model_steps.size else "-"
        print(f"{name:<16}" + "".join(f"{c:>24}" for c in cells) + f"{overall:>20}")

    print(
        f"\npaired comparison, {args.iterations} iterations, "
        f"noise-free hypervolume (ref {reference.tolist()})"
    )
    header = (
        f"{'method':<16}{'trials':>7}{'hypervolume':>20}{'best utility':>15}{'best DER':>11}{'s / trial':>11}"
    )
    print(header + (f"{'HV regret':>18}" if regret else ""))
    hv: dict[str, np.ndarray] = {}
    for name, trials in results.items():
        s = [r.summary(reference) for r in trials]
        hv[name] = np.array([x["hypervolume"] for x in s])
        sd = hv[name].std(ddof=1) if len(s) > 1 else 0.0
        line = (
            f"{name:<16}{len(trials):>7}{hv[name].mean():>12.4f} ± {sd:.4f}"
            f"{np.mean([x['best_utility'] for x in s]):>15.4f}{np.mean([x['best_der'] for x in s]):>11.4f}"
            f"{np.mean([x['seconds'] for x in s]):>11.1f}"
        )
        if regret:
            rg = np.array([regret(np.column_stack([r.exact_utility, r.exact_der])) for r in trials])
            line += f"{rg.mean():>11.4f} ± {rg.std(ddof=1) if len(rg) > 1 else 0:.4f}"
        print(line)
    if not regret:
        print("(hypervolume regret: sysfair.system.oracle not available)")

    print("\npaired Wilcoxon signed-rank on hypervolume: two-sided p, and one-sided p of 'a worse than b'")
    for a, b in (("fair_nehvi", "fair_ehvi"), ("fair_nehvi", "random"), ("fair_nehvi", "ei")):
        if a in hv and b in hv:
            n = min(hv[a].size, hv[b].size)
            diff = hv[a][:n] - hv[b][:n]
            testable = n >= 2 and np.any(diff != 0)
            p = wilcoxon(hv[a][:n], hv[b][:n]).pvalue if testable else float("nan")
            worse = wilcoxon(hv[a][:n], hv[b][:n], alternative="less").pvalue if testable else float("nan")
            print(f"{a} vs {b}: n={n}, mean difference {diff.mean():+.5f}, p = {p:.4g}, p(worse) {worse:.4g}")


if __name__ == "__main__":
    main()
