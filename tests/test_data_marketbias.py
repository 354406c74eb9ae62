"""ModCloth / Electronics recipe on tiny CSV fixtures in the marketBias format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sysfair.data import load_dataset
from sysfair.data.configs import ElectronicsConfig, ModClothConfig
from sysfair.data.errors import DataError, DataNotFoundError
from sysfair.data.marketbias import HEADER

FITS = ["Just right", "Slightly small", "Very large", None]


def _frame(n_users: int = 30, n_items: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        attr = [None, "Small", "Large", "Small"][u % 4]
        for i in rng.choice(n_items, size=1 + u % 3, replace=False):
            rows.append(
                {
                    "item_id": f"i{i}",
                    "user_id": f"u{u}",
                    "rating": int(rng.integers(1, 6)),
                    "timestamp": f"2015-0{1 + u % 9}-01",
                    "size": float(rng.integers(1, 10)),
                    "fit": FITS[u % 4],
                    "user_attr": attr,
                    "model_attr": "Small" if i % 2 else "Small&Large",
                    "category": ["Dresses", "Tops"][i % 2],
                    "brand": None,
                    "year": 2010 + i % 5,
                    "split": 0,
                }
            )
    rows.append({**rows[0], "user_id": None})  # dropped: no user
    return pd.DataFrame(rows, columns=list(HEADER))


def _write(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / name, index=False)
    return folder


@pytest.mark.parametrize(
    "schema,file", [(ModClothConfig, "df_modcloth.csv"), (ElectronicsConfig, "df_electronics.csv")]
)
def test_recipe(tmp_path: Path, schema: type, file: str) -> None:
    frame = _frame()
    cfg = schema(path=str(_write(tmp_path / "mb", file, frame)))
    cfg.check()
    data = load_dataset(cfg, np.random.default_rng(0))
    assert data.label_names == tuple(cfg.labels)
    assert data.n_sessions == 30  # the row without user_id is dropped
    assert np.bincount(data.session).min() >= cfg.corpus_size
    assert data.user is not None
    assert set(np.unique(data.labels)) <= {0.0, 1.0}
    v = data.label_names.index("viewed")
    known = frame.dropna(subset=["user_id"])
    n_pos = len(known)
    # positives: viewed = 1, flipped to 0 for ModCloth
    viewed_pos = 0.0 if cfg.flip == "viewed" else 1.0
    assert (data.labels[:, v] == viewed_pos).sum() >= n_pos
    if cfg.flip == "rating":  # negatives have rating 0 -> 1 after the flip
        r = data.labels[:, data.label_names.index("rating")]
        assert r.sum() >= len(data.session) - n_pos
    # no negative repeats an item its user bought (in particular none rated >= 4)
    pairs = data.session * 1000 + data.item
    assert np.unique(pairs).size == pairs.size
    # users without user_attr keep their sessions, with group hint -1
    assert data.session_group is not None
    assert (data.session_group == -1).sum() == known.groupby("user_id")["user_attr"].first().isna().sum()


def test_fit_label_and_thresholds(tmp_path: Path) -> None:
    frame = _frame()
    cfg = ModClothConfig(
        path=str(_write(tmp_path / "mb", "df_modcloth.csv", frame)),
        flip=None,
        labels=["rating", "fit"],
        negative_ratio=0.0,
        corpus_size=1,
    )
    cfg.check()
    data = load_dataset(cfg, np.random.default_rng(0))
    known = frame.dropna(subset=["user_id"])
    assert data.labels.shape[0] == len(known)
    assert data.labels[:, 0].sum() == (known["rating"] >= 4).sum()
    assert data.labels[:, 1].sum() == (known["fit"] == "Just right").sum()


def test_max_users(tmp_path: Path) -> None:
    cfg = ElectronicsConfig(path=str(_write(tmp_path / "mb", "df_electronics.csv", _frame())), max_users=7)
    assert load_dataset(cfg, np.random.default_rng(0)).n_sessions == 7


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"df_modcloth\.csv.*sysfair data download marketbias"):
        load_dataset(ModClothConfig(path=str(tmp_path / "none")), np.random.default_rng(0))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataNotFoundError, match=r"missing file 'df_electronics\.csv'"):
        load_dataset(ElectronicsConfig(path=str(tmp_path / "empty")), np.random.default_rng(0))
    bad = _write(tmp_path / "bad", "df_modcloth.csv", _frame().drop(columns=["user_attr", "fit"]))
    with pytest.raises(DataError, match=r"missing column\(s\) 'user_attr', 'fit'"):
        load_dataset(ModClothConfig(path=str(bad)), np.random.default_rng(0))
    frame = _frame().astype({"rating": str})
    frame.loc[3, "rating"] = "great"
    bad = _write(tmp_path / "bad2", "df_modcloth.csv", frame)
    with pytest.raises(DataError, match=r"'rating'.*'great'"):
        load_dataset(ModClothConfig(path=str(bad)), np.random.default_rng(0))


def test_latin1_file(tmp_path: Path) -> None:
    frame = _frame()
    frame["brand"] = "Caf\u00e9"
    folder = tmp_path / "mb"
    folder.mkdir()
    (folder / "df_modcloth.csv").write_bytes(frame.to_csv(index=False).encode("latin-1"))
    assert load_dataset(ModClothConfig(path=str(folder)), np.random.default_rng(0)).n_sessions == 30


def test_config_checks() -> None:
    from sysfair.errors import ConfigError

    with pytest.raises(ConfigError, match="dataset.labels"):
        ModClothConfig(labels=["viewed", "clicks"]).check()
    with pytest.raises(ConfigError, match="dataset.flip"):
        ModClothConfig(labels=["viewed", "rating"], flip="fit").check()
    with pytest.raises(ConfigError, match="dataset.n_labels"):
        ModClothConfig(labels=["viewed", "rating", "fit"]).check()
