"""scorer.max_train_rows: scorers of a million-session pool train on a sample (issue 17, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

import sysfair.system.build as build_module
from sysfair.data.configs import SyntheticConfig
from sysfair.retrievers.configs import RandomRetrieverConfig
from sysfair.scorers import make_scorer
from sysfair.scorers.configs import RandomForestConfig
from sysfair.system.build import build_candidate_log


def _build(max_train_rows: int | None, monkeypatch: pytest.MonkeyPatch) -> tuple[object, list[int]]:
    seen: list[int] = []

    def spy(cfg, seed):  # noqa: ANN001, ANN202
        model = make_scorer(cfg, seed=seed)
        fit = model.fit

        def fit_rows(data, rows):  # noqa: ANN001, ANN202
            seen.append(int(rows.size))
            assert np.all(np.diff(rows) > 0)  # a sample keeps row order
            return fit(data, rows)

        model.fit = fit_rows
        return model

    monkeypatch.setattr(build_module, "make_scorer", spy)
    dataset = SyntheticConfig(n_sessions=120)
    scorer = RandomForestConfig(n_estimators=3, n_jobs=1, max_train_rows=max_train_rows)
    log = build_candidate_log(dataset, scorer, RandomRetrieverConfig(), [0.7, 0.3], seed=3)
    return log, seen


def test_cap_above_the_rows_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert RandomForestConfig().max_train_rows == 1_000_000  # the declared default
    uncapped, rows = _build(None, monkeypatch)
    capped, rows_capped = _build(10**6, monkeypatch)
    assert rows == rows_capped and rows[0] > 100
    for name in ("scores", "labels", "mask", "group", "item_ids"):
        np.testing.assert_array_equal(getattr(capped, name), getattr(uncapped, name))


def test_cap_below_the_rows_trains_on_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    full, rows = _build(None, monkeypatch)
    sample, rows_sample = _build(100, monkeypatch)
    assert rows_sample == [100] < rows
    # same sessions, groups and candidates; only the scores (the model) differ
    np.testing.assert_array_equal(sample.item_ids, full.item_ids)
    np.testing.assert_array_equal(sample.group, full.group)
    assert not np.array_equal(sample.scores, full.scores)


def test_synthetic_caps_its_training_rows_at_the_default_pools_size() -> None:
    # synthetic's own cap is exactly the default pool's model rows (5000 sessions x 20 x 0.2), so
    # the default trains on all of them; a million sessions train on 20,000 of their 4M rows
    from sysfair.data.configs import MovieLensConfig
    from sysfair.system.build import _train_rows

    default = SyntheticConfig()
    model_rows = round(default.n_sessions * default.model_fraction) * default.corpus_size
    assert default.max_train_rows == model_rows == 20_000
    rng = np.random.default_rng(0)
    rows = np.arange(model_rows) * 3
    assert _train_rows(rows, RandomForestConfig(), default, rng) is rows
    big = _train_rows(np.arange(4_000_000), RandomForestConfig(), SyntheticConfig(n_sessions=10**6), rng)
    assert big.size == 20_000 and np.all(np.diff(big) > 0) and big[-1] > 3_000_000  # spread, in order
    # the smaller cap wins, whichever side sets it; a dataset without one leaves the scorer's
    assert _train_rows(rows, RandomForestConfig(max_train_rows=50), default, rng).size == 50
    assert (
        _train_rows(
            rows, RandomForestConfig(max_train_rows=None), SyntheticConfig(max_train_rows=70), rng
        ).size
        == 70
    )
    assert (
        _train_rows(rows, RandomForestConfig(max_train_rows=None), SyntheticConfig(max_train_rows=None), rng)
        is rows
    )
    assert (
        _train_rows(np.arange(30_000), RandomForestConfig(max_train_rows=25_000), MovieLensConfig(), rng).size
        == 25_000
    )


def test_chunked_prediction_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 20M-row pool is predicted 2^20 rows at a time; each row's probability must not depend on
    # its chunk (n_jobs=1: the forest sums its trees in one fixed order)
    import sysfair.scorers.random_forest as rf

    one_pass, _ = _build(None, monkeypatch)
    monkeypatch.setattr(rf, "_PREDICT_CHUNK", 7)  # many chunks, the last one short
    chunked, _ = _build(None, monkeypatch)
    assert np.unique(one_pass.scores).size == 4  # 3 trees: 0, 1/3, 2/3, 1 all occur
    np.testing.assert_array_equal(chunked.scores, one_pass.scores)


def test_random_retriever_never_copies_the_row_features(monkeypatch: pytest.MonkeyPatch) -> None:
    # the pool's [N, d] features are handed over as a function: a retriever that does not look
    # (random) costs no copy of them, a ranked one gets the same array as before
    from sysfair.retrievers.base import RetrievalInputs

    calls: list[int] = []
    features = np.arange(12.0).reshape(6, 2)
    lazy = RetrievalInputs(lambda: calls.append(1) or features, np.zeros((2, 1)), lambda labels: None)
    assert calls == []
    np.testing.assert_array_equal(lazy.row_features, features)
    np.testing.assert_array_equal(lazy.row_features, features)
    assert calls == [1]  # computed once, then cached
    assert RetrievalInputs(features, np.zeros((2, 1)), lambda labels: None).row_features is features

    made: list[object] = []
    original = RetrievalInputs.__init__

    def spy(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(RetrievalInputs, "__init__", spy)
    _build(None, monkeypatch)
    assert len(made) == 1 and made[0]._row_features is None  # the random retriever never looked


def test_log_arrays_gathered_by_session_blocks_equal_one_gather(monkeypatch: pytest.MonkeyPatch) -> None:
    # labels, item ids and the hidden outcome are copied into the log a block of sessions at a
    # time; with padded slots (corpus 6 < m 10) and blocks of 3 sessions nothing may move
    def build() -> object:
        dataset = SyntheticConfig(n_sessions=50, corpus_size=6, hidden_outcome=[1.0, 0.5])
        scorer = RandomForestConfig(n_estimators=3, n_jobs=1)
        return build_candidate_log(dataset, scorer, RandomRetrieverConfig(m=10), [0.7, 0.3], seed=5)

    whole = build()
    monkeypatch.setattr(build_module, "_GATHER_SESSIONS", 3)
    blocks = build()
    assert not whole.mask.all() and whole.mask.any(axis=1).all()
    for name in ("labels", "item_ids", "hidden", "scores", "mask"):
        np.testing.assert_array_equal(getattr(blocks, name), getattr(whole, name))
    assert (whole.item_ids[~whole.mask] == -1).all() and (whole.item_ids[whole.mask] >= 0).all()


def test_forest_memory_bound_and_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import sysfair.scorers.random_forest as rf

    # 300 full trees on 1M rows: 300 x 2 x ceil(632,000) nodes x 80 B = 30.336 GB per label
    assert rf.forest_bytes_bound(RandomForestConfig(), 1_000_000) == 300 * 2 * 632_000 * 80
    # depth 12 caps a tree at 2^13 nodes; min_samples_leaf 4 quarters the leaves
    assert rf.forest_bytes_bound(RandomForestConfig(n_estimators=30, max_depth=12), 10**6) == 30 * 2**13 * 80
    assert rf.forest_bytes_bound(RandomForestConfig(min_samples_leaf=4), 1000) == 300 * 2 * 158 * 80
    with caplog.at_level(logging.WARNING, logger=rf.__name__):
        _build(None, monkeypatch)  # 3 trees on ~480 rows: far below the threshold
        assert not caplog.records
        monkeypatch.setattr(rf, "_WARN_BYTES", 1.0)
        _build(None, monkeypatch)
    assert len(caplog.records) == 1
    assert "scorer.max_depth=12 scorer.n_estimators=30" in caplog.records[0].getMessage()
