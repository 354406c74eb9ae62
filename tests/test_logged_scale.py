"""The log loader's large-file paths (row groups, categorical groups, interleaved sessions) give
the same CandidateLog as the plain CSV path (issue 17, item 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sysfair.data.configs import LoggedConfig
from sysfair.data.errors import DataError
from sysfair.system.logged import load_logged

FIELDS = ("scores", "labels", "mask", "group", "session_features", "item_ids")


def _frame(interleave: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 6, size=40)
    sessions = np.repeat(np.arange(40), sizes)
    if interleave:
        sessions = rng.permutation(sessions)
    group = np.array(["x", "y"])[rng.integers(2, size=40)]
    n = sessions.size
    return pd.DataFrame(
        {
            "session_id": sessions * 3 + 1,
            "group": group[sessions],
            "item_id": rng.integers(500, size=n),
            "score_y1": rng.random(n).astype(np.float32),
            "score_y2": rng.random(n),
            "y1": rng.integers(2, size=n).astype(np.float32),
            "y2": rng.integers(2, size=n),
        }
    )


def _cfg(path: Path, **kw: object) -> LoggedConfig:
    cfg = LoggedConfig(path=str(path), **kw)  # type: ignore[arg-type]
    cfg.check()
    return cfg


@pytest.mark.parametrize("interleave", [False, True])
@pytest.mark.parametrize("max_candidates", [None, 3])
def test_parquet_row_groups_match_csv(tmp_path: Path, interleave: bool, max_candidates: int | None) -> None:
    frame = _frame(interleave)
    frame.to_csv(tmp_path / "log.csv", index=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.set_column(1, "group", table.column("group").dictionary_encode())  # categorical
    pq.write_table(table, tmp_path / "log.parquet", row_group_size=17)  # many row groups
    assert pq.ParquetFile(tmp_path / "log.parquet").num_row_groups > 3
    ref = load_logged(_cfg(tmp_path / "log.csv", max_candidates=max_candidates))
    got = load_logged(_cfg(tmp_path / "log.parquet", max_candidates=max_candidates))
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name), err_msg=name)
    assert got.meta["groups"] == ref.meta["groups"] == "x,y"
    first = frame["session_id"].iloc[0]  # session 0 is the first to appear, its slots in file order
    rows = frame[frame["session_id"] == first]
    np.testing.assert_array_equal(
        got.item_ids[0, : min(len(rows), got.n_slots)], rows["item_id"][: got.n_slots]
    )


def test_parquet_gaps_are_reported(tmp_path: Path) -> None:
    frame = _frame(False)
    frame["y2"] = pd.array(frame["y2"], dtype="Int64")
    frame.loc[5, "y2"] = pd.NA  # an integer column with a gap: read through pandas
    frame.to_parquet(tmp_path / "gap.parquet", index=False)
    with pytest.raises(DataError, match=r"column 'y2' \(label\) must be numeric without gaps; row 5"):
        load_logged(_cfg(tmp_path / "gap.parquet"))
    frame = _frame(False)
    frame.loc[7, "score_y2"] = np.nan
    frame.to_parquet(tmp_path / "nan.parquet", index=False)
    with pytest.raises(DataError, match=r"column 'score_y2' \(score\) must be numeric without gaps; row 7"):
        load_logged(_cfg(tmp_path / "nan.parquet"))


def test_unused_categories_are_not_groups(tmp_path: Path) -> None:
    frame = _frame(False)
    frame["group"] = pd.Categorical(frame["group"], categories=["w", "x", "y"])  # "w" never occurs
    frame.to_parquet(tmp_path / "cat.parquet", index=False)
    log = load_logged(_cfg(tmp_path / "cat.parquet"))
    assert log.n_groups == 2 and log.meta["groups"] == "x,y"
