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
