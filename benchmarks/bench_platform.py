"""Platform speed: evaluate 1 and 1,000 serving weights on 1k / 100k / 1M sessions (m=20, K=2).

Compared with a bare numpy baseline (weighted sum, argmax over slots, gather of the realised
value, mean) that does the least work any implementation must do. Peak memory by tracemalloc.
The 1,000-alpha rows go through the K = 2 breakpoint sweep (``sysfair.system.direction_sweep``, set-up
included); ``benchmarks/bench_scale.py`` compares it with direct serving and times the oracle.

    python benchmarks/bench_platform.py [--sizes 1000 100000 1000000] [--many 1000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from sysfair.system.candidates import CandidateLog
from sysfair.system.platform import Platform, directions

PREFS = np.array([[0.9, 0.1], [0.1, 0.9]])


def make_log(n_sessions: int, m: int = 20, seed: int = 0) -> CandidateLog:
    rng = np.random.default_rng(seed)
    scores = rng.random((n_sessions, m, 2), dtype=np.float32)
    return CandidateLog(
        scores=scores,
        labels=(rng.random((n_sessions, m, 2), dtype=np.float32) < scores).astype(np.float32),
        mask=np.ones((n_sessions, m), dtype=bool),
        group=(rng.random(n_sessions) < 0.2).astype(np.int64),
        session_features=np.zeros((n_sessions, 0), dtype=np.float32),
        item_ids=np.zeros((n_sessions, m), dtype=np.int64),
        label_names=("y1", "y2"),
        n_groups=2,
    )


def baseline(scores: np.ndarray, value: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Bare numpy: one alpha at a time, ``scores @ alpha`` -> argmax -> gather -> mean."""
    rows = np.arange(scores.shape[0])
    out = np.empty(alphas.shape[0])
    for i, alpha in enumerate(alphas.astype(scores.dtype)):
        out[i] = value[rows, np.argmax(scores @ alpha, axis=1)].mean()
    return out


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time over ``repeat`` runs (s) and peak traced memory of one run (MB)."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--many", type=int, default=1000, help="alphas evaluated in one call")
    args = parser.parse_args()
    print(
        f"{'sessions':>9} {'alphas':>6} {'sysfair s':>10} {'baseline s':>10} {'ratio':>6} "
        f"{'sysfair MB':>10} {'baseline MB':>11}"
    )
    for n in args.sizes:
        log = make_log(n)
        platform = Platform(log, PREFS)
        value = np.einsum("smk,sk->sm", log.labels, PREFS[log.group])
        rng = np.random.default_rng(1)
        for n_alphas in (1, args.many):
            alphas = rng.random((n_alphas, 2))
            ours = platform.evaluate(alphas).utility
            ref = baseline(log.scores, value, directions(alphas))
            # float32 near-ties may round differently in the two matmuls: allow a few flips
            assert np.abs(ours - ref).max() < 1e-3, "sysfair and the baseline disagree"
            repeat = 5 if n * n_alphas <= 10**7 else 1
            t_ours, m_ours = timed(lambda a=alphas, p=platform: p.evaluate(a), repeat)
            t_base, m_base = timed(lambda a=alphas, s=log.scores, v=value: baseline(s, v, a), repeat)
            print(
                f"{n:>9} {n_alphas:>6} {t_ours:>10.4f} {t_base:>10.4f} {t_ours / t_base:>6.2f} "
                f"{m_ours:>10.1f} {m_base:>11.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
