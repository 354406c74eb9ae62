"""What trials ship to their workers: a lean Platform with the same numbers (issue 17, item 4)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from test_many_alpha import PREFS, assert_identical, make_log

import sysfair.system.platform as platform_module
from sysfair.system.platform import Platform


@pytest.mark.parametrize("invalid", [0.0, 0.2])
def test_lean_copy_serves_the_same_numbers(invalid: float, monkeypatch: pytest.MonkeyPatch) -> None:
    log = make_log(500, 10, seed=21, levels=6, invalid=invalid, duplicates=0.1)
    platform = Platform(log, PREFS)
    rng = np.random.default_rng(21)
    many = rng.random((60, 2))
    platform.evaluate(many)  # builds the sweep, which is not shipped
    assert platform._sweep is not None
    shipped = pickle.loads(pickle.dumps(platform.for_workers()))
    assert shipped._sweep is None and shipped.n_sessions == 500
    assert shipped.log.scores.shape == log.scores.shape and not shipped.log.scores.any()
    np.testing.assert_array_equal(shipped.log.mask, log.mask)
    batch = np.sort(rng.choice(500, size=50, replace=False))
    for alphas, sessions in (
        (many, None),
        (many[:3], None),
        (many[:5], batch),
        (np.array([[1.0, 0.0]]), batch),
    ):
        assert_identical(shipped.evaluate(alphas, sessions), platform.evaluate(alphas, sessions))
        np.testing.assert_array_equal(shipped.serve(alphas, sessions), platform.serve(alphas, sessions))
    # the original keeps its log and its sweep
    assert platform.log.scores.any() and platform._sweep is not None
    monkeypatch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 10**9)  # direct path: same again
    assert_identical(
        pickle.loads(pickle.dumps(platform.for_workers())).evaluate(many), platform.evaluate(many)
    )


def test_lean_copy_pickles_without_scores_labels_and_items() -> None:
    log = make_log(2000, 20, seed=22)
    platform = Platform(log, PREFS)
    full, lean = len(pickle.dumps(platform)), len(pickle.dumps(platform.for_workers()))
    heavy = log.scores.nbytes + log.labels.nbytes + log.item_ids.nbytes
    assert full - lean >= heavy  # none of the three is in the lean pickle
    assert pickle.loads(pickle.dumps(platform)).log.scores.any()  # a plain Platform pickles whole


def test_release_freed_memory_runs() -> None:
    import sys

    from sysfair.system.memory import release_freed_memory

    result = release_freed_memory()  # glibc's malloc_trim on Linux, a no-op elsewhere
    assert result is True if sys.platform.startswith("linux") else result is False
