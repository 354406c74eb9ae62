"""Cost and effect of each retriever on the default synthetic dataset with a large corpus.

For each retriever: wall time of building the CandidateLog (data, scorer fit, retrieval, scoring of
the kept rows), and what retrieval kept: Q_m (Definition 3.2, the best total outcome a session's
candidates offer) and the rate of each label among the candidates. A single-label retriever
raises its label's rate and lowers the other's: the groups that value the other label lose.

    python benchmarks/bench_retrieval.py                          # corpus 200, m = 20
    python benchmarks/bench_retrieval.py --corpus-size 100 --n-sessions 2000
"""

from __future__ import annotations

import argparse
import time

from sysfair.audit.retrieval import session_retrieval_quality
from sysfair.data.configs import SyntheticConfig
from sysfair.retrievers.configs import (
    EmbeddingKnnRetrieverConfig,
    RandomRetrieverConfig,
    SingleLabelRetrieverConfig,
)
from sysfair.scorers.configs import RandomForestConfig
from sysfair.system.build import build_candidate_log

PREVALENCES = [0.8, 0.2]
RETRIEVERS = {
    "random": RandomRetrieverConfig(),
    "single_label:0": SingleLabelRetrieverConfig(label=0),
    "single_label:1": SingleLabelRetrieverConfig(label=1),
    "embedding_knn": EmbeddingKnnRetrieverConfig(),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-size", type=int, default=200, help="rows per session corpus")
    p.add_argument("--n-sessions", type=int, default=5000, help="sessions before the 20/80 split")
    p.add_argument("--retrievers", nargs="+", default=list(RETRIEVERS), choices=list(RETRIEVERS))
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    dataset = SyntheticConfig(corpus_size=args.corpus_size, n_sessions=args.n_sessions)
    print(f"synthetic: {args.n_sessions} sessions x corpus {args.corpus_size}, m = 20, random forest scorers")
    print(f"{'retriever':<16}{'build s':>9}{'Q_m':>8}{'rate Y1':>9}{'rate Y2':>9}")
    for name in args.retrievers:
        start = time.perf_counter()
        log = build_candidate_log(dataset, RandomForestConfig(), RETRIEVERS[name], PREVALENCES, args.seed)
        seconds = time.perf_counter() - start
        q_m = session_retrieval_quality(labels=log.labels, mask=log.mask).mean()
        rate = log.labels[log.mask].mean(axis=0)
        print(f"{name:<16}{seconds:>9.1f}{q_m:>8.3f}{rate[0]:>9.3f}{rate[1]:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
