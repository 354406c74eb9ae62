"""MovieLens loader: tiny 100K- and 1M-format fixtures, error messages, and the real ML-100K pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ML100K, needs_ml100k

from sysfair.data import load_dataset
from sysfair.data.configs import MovieLensConfig
from sysfair.data.errors import DataError, DataNotFoundError
from sysfair.errors import SysfairError
from sysfair.retrievers.configs import RandomRetrieverConfig
from sysfair.scorers.configs import RandomForestConfig
from sysfair.system.build import build_candidate_log
from sysfair.system.model_audit import model_audit

N_USERS, N_ITEMS, PER_USER = 5, 120, 30


def _ratings(seed: int = 0) -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(1, N_USERS + 1):
        items = rng.choice(np.arange(1, N_ITEMS + 1), size=PER_USER, replace=False)
        for t, i in enumerate(items):
            rows.append((u, int(i), int(rng.integers(1, 6)), 880000000 + 1000 * t))
    return rows


def _genres(i: int) -> list[int]:
    return [int((i * (j + 3)) % 5 == 0) for j in range(19)]


def write_100k(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = _ratings()
    (folder / "u.data").write_text("".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows))
    lines = [
        f"{i}|Film {i} \u00e9t\u00e9 (1995)|01-Jan-1995||http://x/{i}|" + "|".join(map(str, _genres(i)))
        for i in range(1, N_ITEMS + 1)
    ]
    (folder / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    users = [f"{u}|30|{'F' if u % 2 else 'M'}|writer|T8H1N" for u in range(1, N_USERS + 1)]
    (folder / "u.user").write_bytes(("\n".join(users) + "\n").encode("latin-1"))
    return folder


def write_1m(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    names = ["Action", "Comedy", "Drama", "Children's"]
    (folder / "ratings.dat").write_text("".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in _ratings()))
    movies = [f"{i}::Caf\u00e9 {i} (1999)::{'|'.join(names[: 1 + i % 4])}" for i in range(1, N_ITEMS + 1)]
    (folder / "movies.dat").write_bytes(("\n".join(movies) + "\n").encode("latin-1"))
    users = [f"{u}::{'F' if u % 2 else 'M'}::25::4::55455" for u in range(1, N_USERS + 1)]
    (folder / "users.dat").write_text("\n".join(users) + "\n")
    return folder


def tiny_cfg(path: Path, **kw: object) -> MovieLensConfig:
    cfg = MovieLensConfig(
        path=str(path),
        session_watches=10,
        impute_n_estimators=5,
        n_jobs=1,
        **kw,  # type: ignore[arg-type]
    )
    cfg.check()
    return cfg


@pytest.mark.parametrize("writer", [write_100k, write_1m])
def test_tiny_formats_load(tmp_path: Path, writer) -> None:  # noqa: ANN001
    cfg = tiny_cfg(writer(tmp_path / "ml"))
    data = load_dataset(cfg, np.random.default_rng(0))
    watch, like = data.labels[:, 0], data.labels[:, 1]
    # every rating after the first `window` of each user is a positive row
    assert watch.sum() == N_USERS * (PER_USER - cfg.window)
    assert watch.mean() == pytest.approx(0.5)
    assert data.n_sessions == N_USERS * ((PER_USER - cfg.window) // 10)
    assert np.bincount(data.session).min() >= 20
    assert set(np.unique(data.labels)) <= {0.0, 1.0}
    assert data.user is not None and data.user.shape == watch.shape
    # negatives are never-rated movies of the session's user
    rated = {(u, i) for u, i, _, _ in _ratings()}
    neg = watch == 0
    assert not any((int(u), int(i)) in rated for u, i in zip(data.user[neg], data.item[neg], strict=True))
    # features = [session X, item genres]; X is shared by the session's rows
    d = data.features.shape[1] // 2
    assert np.allclose(data.features[:, :d], data.session_features[data.session])
    assert like[watch == 1].mean() > 0
    assert data.session_group is not None and set(np.unique(data.session_group)) <= {0, 1}


def test_session_x_is_rolling_average(tmp_path: Path) -> None:
    cfg = tiny_cfg(write_100k(tmp_path / "ml"), max_users=1)
    data = load_dataset(cfg, np.random.default_rng(0))
    user = int(data.user[0])
    mine = sorted((t, i) for u, i, _, t in _ratings() if u == user)
    first_three = np.mean([_genres(i) for _, i in mine[:3]], axis=0)
    assert np.allclose(data.session_features[0], first_three)


def test_like_threshold_and_event_features(tmp_path: Path) -> None:
    cfg = tiny_cfg(write_100k(tmp_path / "ml"), like_threshold=5, user_features="event", impute="sample")
    data = load_dataset(cfg, np.random.default_rng(1))
    stars = {(u, i): r for u, i, r, _ in _ratings()}
    pos = data.labels[:, 0] == 1
    expected = [stars[(int(u), int(i))] >= 5 for u, i in zip(data.user[pos], data.item[pos], strict=True)]
    assert np.array_equal(data.labels[pos, 1], np.array(expected, dtype=float))


def test_missing_folder_names_files_and_download(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / "nowhere")
    with pytest.raises(DataNotFoundError, match=r"u\.data.*sysfair data download movielens-100k --dir DIR"):
        load_dataset(cfg, np.random.default_rng(0))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataNotFoundError, match=r"ratings\.dat"):
        load_dataset(tiny_cfg(tmp_path / "empty"), np.random.default_rng(0))


def test_missing_item_file_and_bad_values(tmp_path: Path) -> None:
    folder = write_100k(tmp_path / "ml")
    (folder / "u.item").unlink()
    with pytest.raises(DataNotFoundError, match=r"missing file 'u\.item'"):
        load_dataset(tiny_cfg(folder), np.random.default_rng(0))
    folder = write_100k(tmp_path / "ml2")
    (folder / "u.data").write_text("1\t2\tfive\t880000000\n")
    with pytest.raises(DataError, match=r"u\.data.*'rating'.*'five'"):
        load_dataset(tiny_cfg(folder), np.random.default_rng(0))


def test_non_utf8_bytes_do_not_crash(tmp_path: Path) -> None:
    folder = write_100k(tmp_path / "ml")
    raw = (folder / "u.item").read_bytes().replace(b"Film 1 ", b"Film 1 \xff\xfe ")
    (folder / "u.item").write_bytes(raw)
    data = load_dataset(tiny_cfg(folder), np.random.default_rng(0))
    clean = load_dataset(tiny_cfg(write_100k(tmp_path / "clean")), np.random.default_rng(0))
    # the bytes sit in a title, which sysfair does not use: the same data as from the clean file
    for name in ("labels", "features", "session", "item", "session_features"):
        np.testing.assert_array_equal(getattr(data, name), getattr(clean, name))


@pytest.mark.slow
@needs_ml100k
def test_movielens_100k_pipeline() -> None:
    dataset = MovieLensConfig(path=str(ML100K), impute_n_estimators=20, impute_min_samples_leaf=20)
    scorer = RandomForestConfig(n_estimators=50, min_samples_leaf=5)
    log = build_candidate_log(dataset, scorer, RandomRetrieverConfig(), [0.8, 0.2], seed=0)
    assert 3000 < log.n_sessions < 4000  # 80% of ~4,500 sessions
    assert log.mask.all()  # every corpus holds >= 20 candidates
    labels = log.labels[log.mask]
    assert 0.45 < labels[:, 0].mean() < 0.55
    assert 0.8 < labels[:, 1].mean() < 0.95
    majority = int(np.floor(0.2 * log.n_sessions))
    assert np.bincount(log.group).tolist() == [log.n_sessions - majority, majority]
    audit = model_audit(log).set_index(["label", "group"])
    assert 0.62 < audit.loc[("watch", "all"), "auc"] < 0.8
    assert 0.58 < audit.loc[("like", "all"), "auc"] < 0.8
    assert (audit["auc_gap"] < 0.03).all()


def test_attribute_assignment_keeps_gender_as_the_group(tmp_path: Path) -> None:
    """preferences.assignment=attribute: each serving session's group is its user's gender."""
    cfg = tiny_cfg(write_100k(tmp_path / "ml"))
    scorer = RandomForestConfig(n_estimators=5, n_jobs=1)
    log = build_candidate_log(cfg, scorer, RandomRetrieverConfig(), [0.5, 0.5], 0, "attribute")
    data = load_dataset(cfg, np.random.default_rng(np.random.SeedSequence(0).spawn(4)[0]))
    corpus = [set(data.item[data.session == j].tolist()) for j in range(data.n_sessions)]
    for items, g in zip(log.item_ids, log.group, strict=True):
        # the data sessions whose corpus holds every retrieved item: all of that gender
        owners = [j for j in range(data.n_sessions) if set(items[items >= 0].tolist()) <= corpus[j]]
        assert owners and all(data.session_group[j] == g for j in owners)
    assert set(log.group.tolist()) == {0, 1}
    with pytest.raises(SysfairError, match="has 2 groups in its attribute"):
        build_candidate_log(cfg, scorer, RandomRetrieverConfig(), [0.4, 0.3, 0.3], 0, "attribute")


def test_attribute_assignment_needs_a_group_attribute() -> None:
    from sysfair.data.configs import SyntheticConfig

    with pytest.raises(SysfairError, match="dataset=synthetic has none"):
        build_candidate_log(
            SyntheticConfig(n_sessions=50),
            RandomForestConfig(n_estimators=5, n_jobs=1),
            RandomRetrieverConfig(),
            [0.8, 0.2],
            0,
            "attribute",
        )
