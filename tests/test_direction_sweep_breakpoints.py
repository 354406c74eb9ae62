"""The sweep's set-up (``sysfair.system.breakpoints``): candidate filter, walk and zones.

Random logs the other sweep tests do not cover (negative and huge scores, anti-correlated scores
with many hull vertices, a few valid slots per session), checked exactly against the platform's
direct path, and hand-made sessions for the candidate filter.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_many_alpha import PREFS, axis_and_special_alphas, breakpoint_alphas, check, make_log

from sysfair.system.breakpoints import _candidates, breakpoints
from sysfair.system.candidates import CandidateLog


def with_scores(log: CandidateLog, scores: np.ndarray) -> CandidateLog:
    return CandidateLog(**{**log.__dict__, "scores": scores})


@pytest.mark.parametrize(
    "transform",
    [
        lambda s, rng: s - 0.5,  # negative scores: B from the block's lowest score
        lambda s, rng: s * 1e200,  # huge magnitudes, still served without overflow
        lambda s, rng: s * 1e-200,  # tiny ones: B floors at 1e-290
        # anti-correlated: most candidates on the front, wide candidate blocks
        lambda s, rng: np.stack([s[..., 0], 1.0 - s[..., 0] + 0.01 * s[..., 1]], axis=-1),
        # a lattice anti-diagonal: exact ties between many front candidates
        lambda s, rng: np.stack([np.floor(4 * s[..., 0]) / 4, 1.0 - np.floor(4 * s[..., 0]) / 4], axis=-1),
    ],
)
def test_sweep_matches_direct_on_unusual_scores(transform, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    log = make_log(300, 12, seed=11, invalid=0.3, duplicates=0.1, dtype=np.float64)
    log = with_scores(log, transform(log.scores, rng))
    alphas = np.vstack([rng.random((50, 2)), axis_and_special_alphas(), breakpoint_alphas(log, 15)])
    check(log, rng.permutation(alphas), monkeypatch)


def test_sessions_with_one_or_two_valid_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    log = make_log(200, 6, seed=12, levels=3, invalid=0.85, dtype=np.float32)
    assert (log.mask.sum(axis=1) <= 2).mean() > 0.5
    check(log, np.vstack([rng.random((40, 2)), axis_and_special_alphas()]), monkeypatch)


def test_filter_keeps_the_front_and_drops_margin_dominated_points() -> None:
    """One session: (1, 0), (0, 1), (0.6, 0.6) on the front; (0.2, 0.2) dominated by a margin
    (by the highest a + b); (0.6, 0.6 - 1e-14) dominated by (0.6, 0.6) with no margin (2B is
    about 6e-14 here): kept; an invalid (9, 9)."""
    a = np.array([[1.0, 0.0, 0.6, 0.2, 0.6, 9.0]])
    b = np.array([[0.0, 1.0, 0.6, 0.2, 0.6 - 1e-14, 9.0]])
    mask = np.array([[True, True, True, True, True, False]])
    keep, bound = _candidates(a, b, mask)
    np.testing.assert_array_equal(keep[0], [True, True, True, False, True, False])
    assert 0 < bound[0] < 1e-12
    found = breakpoints(a, b, mask)
    assert found.start[0] == 0  # highest a among the valid slots
    np.testing.assert_array_equal(found.slot, [2, 1])  # (1, 0) -> (0.6, 0.6) -> (0, 1)
    np.testing.assert_allclose(found.tau, [0.4, 0.6])  # where 1 - t = 0.6, then 0.6 = t
    assert found.zone_sess.size >= 1 and np.all(found.zone_lo <= found.zone_hi)


def test_platform_uses_the_filtered_walk_on_a_large_random_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of sessions, continuous and lattice scores, a block size that splits buckets."""
    import sysfair.system.breakpoints as breakpoints_module

    monkeypatch.setattr(breakpoints_module, "_RUN_CHUNK", 20 * 700)
    rng = np.random.default_rng(13)
    for levels in (None, 6):
        log = make_log(3000, 20, seed=13, levels=levels, invalid=0.05, duplicates=0.05)
        check(log, rng.random((120, 2)), monkeypatch)
    assert PREFS.shape == (2, 2)
