"""Write a team's production log as Parquet for ``dataset=logged``: S sessions x m candidates.

The distribution is ``bench_platform.make_log``'s (uniform scores, Bernoulli labels with
P(y = 1) = score, 20% of sessions in group ``b``), written in row groups of ``--chunk`` sessions,
so a log of 1M sessions x 20 candidates (20M rows, ~0.5 GB on disk) is written with bounded
memory. Columns are ``dataset=logged``'s defaults: ``session_id, group, item_id, score_y1,
score_y2, y1, y2``.

    python benchmarks/make_logged.py out.parquet --sessions 1000000 [--candidates 20] [--seed 0]
    python run.py dataset=logged dataset.path=out.parquet preferences.prevalences=[0.8,0.2] ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        ("session_id", pa.int64()),
        ("group", pa.dictionary(pa.int8(), pa.string())),
        ("item_id", pa.int64()),
        ("score_y1", pa.float32()),
        ("score_y2", pa.float32()),
        ("y1", pa.float32()),
        ("y2", pa.float32()),
    ]
)


def write_log(path: Path, n_sessions: int, m: int = 20, seed: int = 0, chunk: int = 100_000) -> int:
    """Write the log to ``path``; returns the number of rows."""
    rng = np.random.default_rng(seed)
    groups = pa.array(["a", "b"])
    with pq.ParquetWriter(path, SCHEMA) as writer:
        for s0 in range(0, n_sessions, chunk):
            n = min(chunk, n_sessions - s0)
            scores = rng.random((n, m, 2), dtype=np.float32)
            labels = (rng.random((n, m, 2), dtype=np.float32) < scores).astype(np.float32)
            group = (rng.random(n) < 0.2).astype(np.int8)
            sessions = np.arange(s0, s0 + n, dtype=np.int64)
            table = pa.Table.from_arrays(
                [
                    pa.array(np.repeat(sessions, m)),
                    pa.DictionaryArray.from_arrays(pa.array(np.repeat(group, m)), groups),
                    pa.array(rng.integers(0, 50 * m, size=n * m, dtype=np.int64)),
                    pa.array(scores[..., 0].ravel()),
                    pa.array(scores[..., 1].ravel()),
                    pa.array(labels[..., 0].ravel()),
                    pa.array(labels[..., 1].ravel()),
                ],
                schema=SCHEMA,
            )
            writer.write_table(table)
    return n_sessions * m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=100_000, help="sessions per Parquet row group")
    args = parser.parse_args()
    rows = write_log(args.path, args.sessions, args.candidates, args.seed, args.chunk)
    print(f"{args.path}: {rows} rows ({args.sessions} sessions x {args.candidates} candidates)")


if __name__ == "__main__":
    main()
