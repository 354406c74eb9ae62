"""Logged production data -> CandidateLog, with one clear error per defect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sysfair.data.configs import LoggedConfig
from sysfair.data.errors import DataError, DataNotFoundError
from sysfair.system.logged import load_logged, logged_from_frame


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    sessions = np.repeat([f"s{i}" for i in range(6)], [3, 2, 4, 3, 2, 5])
    group = {f"s{i}": ["a", "b"][i % 2] for i in range(6)}
    return pd.DataFrame(
        {
            "session_id": sessions,
            "group": [group[s] for s in sessions],
            "item_id": rng.integers(100, size=sessions.size),
            "score_y1": rng.random(sessions.size),
            "score_y2": rng.random(sessions.size),
            "y1": rng.integers(2, size=sessions.size),
            "y2": rng.integers(2, size=sessions.size),
            "age": [float(s[1:]) for s in sessions],
        }
    )


def _cfg(path: Path, **kw: object) -> LoggedConfig:
    cfg = LoggedConfig(path=str(path), session_feature_columns=["age"], **kw)  # type: ignore[arg-type]
    cfg.check()
    return cfg


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_roundtrip(tmp_path: Path, suffix: str) -> None:
    frame = _frame()
    path = tmp_path / f"log{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        pytest.importorskip("pyarrow")
        frame.to_parquet(path)
    log = load_logged(_cfg(path))
    assert log.n_sessions == 6 and log.n_slots == 5 and log.n_labels == 2
    assert log.mask.sum(axis=1).tolist() == [3, 2, 4, 3, 2, 5]
    assert log.group.tolist() == [0, 1, 0, 1, 0, 1]
    assert log.label_names == ("y1", "y2")
    assert np.allclose(log.session_features[:, 0], np.arange(6))
    assert np.allclose(log.scores[2, :4, 0], frame["score_y1"][5:9])
    assert np.allclose(log.labels[5, :5, 1], frame["y2"][-5:])
    assert (log.item_ids[~log.mask] == -1).all()


def test_options(tmp_path: Path) -> None:
    frame = _frame().rename(columns={"y1": "click"})
    frame["item_id"] = [f"sku{i}" for i in range(len(frame))]
    cfg = _cfg(
        tmp_path / "x.csv",
        label_columns=["click", "y2"],
        label_names=["c", "d"],
        groups=["b", "a"],
        max_candidates=3,
    )
    log = logged_from_frame(frame, cfg)
    assert log.label_names == ("c", "d") and log.n_slots == 3
    assert log.group.tolist() == [1, 0, 1, 0, 1, 0]
    assert log.item_ids[0].tolist() == [0, 1, 2]


def _error(frame: pd.DataFrame, match: str, tmp_path: Path, **kw: object) -> None:
    with pytest.raises(DataError, match=match):
        logged_from_frame(frame, _cfg(tmp_path / "x.csv", **kw))


def test_errors(tmp_path: Path) -> None:
    _error(_frame().drop(columns=["score_y2"]), r"missing column\(s\) 'score_y2'", tmp_path)
    bad = _frame().astype({"score_y1": object})
    bad.loc[4, "score_y1"] = "high"
    _error(bad, r"column 'score_y1' \(score\) must be numeric.*'high'", tmp_path)
    bad = _frame()
    bad.loc[2, "y2"] = 2
    _error(bad, r"column 'y2': labels must lie in \[0, 1\].*2\.0", tmp_path)
    bad = _frame()
    bad.loc[0, "score_y1"] = -0.1
    _error(bad, r"column 'score_y1': scores must lie in \[0, 1\]", tmp_path)
    bad = pd.concat([_frame(), _frame().iloc[[0]].assign(session_id="lonely")])
    _error(bad, r"column 'session_id': 1 session\(s\) have a single candidate \(e\.g\. 'lonely'\)", tmp_path)
    _error(_frame(), r"column 'group': group 'c' has no sessions", tmp_path, groups=["a", "b", "c"])
    _error(_frame(), r"column 'group': value 'b' is not in dataset.groups", tmp_path, groups=["a", "z"])
    _error(_frame().assign(group="a"), r"only group 'a'", tmp_path)
    bad = _frame()
    bad.loc[1, "group"] = "b"
    _error(bad, r"session 's0' has rows in several groups", tmp_path)
    bad = _frame()
    bad.loc[1, "age"] = 9.0
    _error(bad, r"column 'age': session feature varies within session 's0'", tmp_path)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="no such file"):
        load_logged(_cfg(tmp_path / "missing.csv"))
    (tmp_path / "log.json").write_text("{}")
    with pytest.raises(DataError, match="unknown format '.json'"):
        load_logged(_cfg(tmp_path / "log.json"))
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="cannot read as Parquet"):
        load_logged(_cfg(tmp_path / "bad.parquet"))
    (tmp_path / "latin.csv").write_bytes(
        _frame().assign(group=lambda f: f["group"] + "\u00e9").to_csv(index=False).encode("latin-1")
    )
    assert load_logged(_cfg(tmp_path / "latin.csv")).meta["groups"] == "a\u00e9,b\u00e9"
