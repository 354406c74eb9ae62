"""Many alphas by the K = 2 breakpoint sweep: bit-identical to serving each alpha (issue 17, item 5).

The reference is the platform's direct path (every candidate scored for every alpha), forced by
raising ``SWEEP_MIN_ALPHAS``; every comparison is exact (``assert_array_equal``), slots and numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

import sysfair.system.breakpoints as breakpoints
import sysfair.system.direction_sweep as direction_sweep
import sysfair.system.platform as platform_module
from sysfair.report.surfaces import surface
from sysfair.system.candidates import CandidateLog
from sysfair.system.oracle import oracle_front
from sysfair.system.platform import Evaluation, Platform

PREFS = np.array([[0.9, 0.1], [0.1, 0.9]])


def make_log(
    n_sessions: int,
    m: int,
    seed: int,
    *,
    levels: int | None = None,
    invalid: float = 0.0,
    duplicates: float = 0.0,
    dtype: type = np.float32,
    k: int = 2,
) -> CandidateLog:
    """Random scores, optionally on a coarse lattice (``levels``: exact ties), with duplicated
    candidates (a share ``duplicates`` of slots copies another slot of the session) and invalid
    slots (a share ``invalid``, at least one valid slot per session)."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n_sessions, m, k))
    if levels:
        scores = np.floor(scores * levels) / levels
    dup = rng.random((n_sessions, m)) < duplicates
    source = rng.integers(m, size=(n_sessions, m))
    rows = np.nonzero(dup)[0]
    scores[dup] = scores[rows, source[dup]]
    mask = rng.random((n_sessions, m)) >= invalid
    mask[np.arange(n_sessions), rng.integers(m, size=n_sessions)] = True
    labels = (rng.random((n_sessions, m, k)) < scores).astype(np.float32)
    group = (rng.random(n_sessions) < 0.3).astype(np.int64)
    group[:2] = [0, 1]
    return CandidateLog(
        scores=scores.astype(dtype),
        labels=labels,
        mask=mask,
        group=group,
        session_features=np.zeros((n_sessions, 0), dtype=np.float32),
        item_ids=np.arange(n_sessions * m).reshape(n_sessions, m),
        label_names=tuple(f"y{j + 1}" for j in range(k)),
        n_groups=2,
    )


def breakpoint_alphas(log: CandidateLog, n_sessions: int) -> np.ndarray:
    """alpha = (b_j - b_i, a_i - a_j) for pairs of candidates of the first sessions: the direction
    where the two tie in exact arithmetic (before the platform rounds it to 12 decimals)."""
    out = []
    scores = log.scores.astype(np.float64)
    for s in range(n_sessions):
        a, b = scores[s, :, 0], scores[s, :, 1]
        da, db = a[:, None] - a[None, :], b[None, :] - b[:, None]
        pick = (da > 0) & (db > 0)
        out.append(np.column_stack([db[pick], da[pick]]))
    return np.vstack(out)


def axis_and_special_alphas() -> np.ndarray:
    """Axes, alpha = 0, the diagonal at several scales, near-axis directions, a small lattice."""
    special = [[1, 0], [0, 1], [0, 0], [1, 1], [2, 2], [0.5, 0.5], [0, 3], [7, 0], [1e-13, 1], [1, 1e-13]]
    lattice = [[i, j] for i in range(5) for j in range(5)]  # exact ties on lattice scores
    return np.array(special + lattice, dtype=np.float64)


def direct(platform: Platform, alphas: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """The platform's direct path: (Evaluation, served slots), every candidate scored per alpha."""
    with monkeypatch.context() as patch:
        patch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 10**9)
        return platform.evaluate(alphas), platform.serve(alphas)


def assert_identical(a: Evaluation, b: Evaluation) -> None:
    np.testing.assert_array_equal(a.utility, b.utility)
    np.testing.assert_array_equal(a.der, b.der)
    np.testing.assert_array_equal(a.group_utility, b.group_utility)


def check(log: CandidateLog, alphas: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """Sweep and direct path agree exactly on ``alphas``; returns the (swept) platform."""
    platform = Platform(log, PREFS)
    with monkeypatch.context() as patch:
        patch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 1)  # the sweep even for a few alphas
        patch.setattr(platform_module, "SWEEP_BUILT_MIN_ALPHAS", 1)
        swept, swept_slots = platform.evaluate(alphas), platform.serve(alphas)
    assert platform._sweep is not None, "the sweep was not used"
    ref, ref_slots = direct(Platform(log, PREFS), alphas, monkeypatch)
    np.testing.assert_array_equal(swept_slots, ref_slots)
    assert_identical(swept, ref)
    return platform


@pytest.mark.parametrize(
    ("levels", "invalid", "duplicates", "dtype"),
    [
        (None, 0.0, 0.0, np.float32),  # continuous scores
        (4, 0.2, 0.2, np.float32),  # coarse lattice: ties everywhere, masks, duplicates
        (10, 0.1, 0.3, np.float64),
        (None, 0.3, 0.2, np.float64),
        (2, 0.0, 0.0, np.float32),  # scores in {0, 0.5}: most candidates tie
    ],
)
def test_sweep_matches_direct_serving(
    levels: int | None, invalid: float, duplicates: float, dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = make_log(
        400, 8, seed=levels or 0, levels=levels, invalid=invalid, duplicates=duplicates, dtype=dtype
    )
    rng = np.random.default_rng(1)
    alphas = np.vstack(
        [
            rng.random((60, 2)),
            axis_and_special_alphas(),
            breakpoint_alphas(log, 25),
            3.0 * rng.random((5, 2)),
        ]
    )
    alphas = np.vstack([alphas, alphas[:7]])  # repeated alphas
    check(log, rng.permutation(alphas), monkeypatch)


def test_ulp_near_ties_in_float64(monkeypatch: pytest.MonkeyPatch) -> None:
    """Candidates one ulp apart: only the platform's float rounding can decide, so the sweep must
    re-serve them with the platform's own arithmetic."""
    rng = np.random.default_rng(7)
    log = make_log(300, 6, seed=7, dtype=np.float64)
    scores = log.scores.copy()
    scores[:, 1] = np.nextafter(scores[:, 0], 1.0)  # slot 1: slot 0 plus one ulp in both scores
    scores[:, 2, 0] = np.nextafter(scores[:, 0, 0], 0.0)  # slot 2: one ulp lower in a, same b
    scores[:, 2, 1] = scores[:, 0, 1]
    log = CandidateLog(**{**log.__dict__, "scores": scores})
    alphas = np.vstack([rng.random((40, 2)), axis_and_special_alphas(), breakpoint_alphas(log, 20)])
    check(log, alphas, monkeypatch)


def test_hand_computed_ties_follow_the_lowest_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """One session, scores exact in binary: (a, b) = (0.75, 0.25), (0.25, 0.75), (0.5, 0.5).

    All three tie at alpha = (1, 1) (score 0.5): slot 0 is served there. Below it (more weight on
    a) slot 0, above it slot 1; slot 2 is never served alone."""
    scores = np.array([[[0.75, 0.25], [0.25, 0.75], [0.5, 0.5]]], dtype=np.float32)
    log = CandidateLog(
        scores=scores,
        labels=np.zeros_like(scores),
        mask=np.ones((1, 3), dtype=bool),
        group=np.zeros(1, dtype=np.int64),
        session_features=np.zeros((1, 0), dtype=np.float32),
        item_ids=np.arange(3)[None],
        label_names=("y1", "y2"),
        n_groups=2,
    )
    platform = Platform(log, PREFS)
    monkeypatch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 1)
    alphas = np.array(
        [[1, 0], [1, 1], [0, 1], [2, 1], [1, 2], [0, 0], [3, 3], [1, 1.0000001], [1, 0.9999999]]
    )
    slots = platform.serve(alphas)
    assert platform._sweep is not None
    np.testing.assert_array_equal(slots[:, 0], [0, 0, 1, 0, 1, 0, 0, 1, 0])


@pytest.mark.parametrize("chunk_elements", [1, 200, 10**9])
@pytest.mark.parametrize("checkpoint_bytes", [1, 10**9])
def test_chunks_blocks_and_checkpoints(
    chunk_elements: int, checkpoint_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform's chunk sizes (1 alpha, several, all), the hull walk in several session blocks,
    and out-of-order directions rebuilt from checkpoints: still identical."""
    monkeypatch.setattr(platform_module, "_CHUNK_ELEMENTS", chunk_elements)
    monkeypatch.setattr(direction_sweep, "_CHECKPOINT_BYTES", checkpoint_bytes)
    monkeypatch.setattr(breakpoints, "_RUN_CHUNK", 64)  # the hull walk in blocks of 8 sessions
    monkeypatch.setattr(direction_sweep, "_RUN_CHUNK", 64)  # doubtful pairs re-served 8 at a time
    log = make_log(150, 8, seed=3, levels=5, invalid=0.1, duplicates=0.2)
    rng = np.random.default_rng(3)
    alphas = rng.permutation(
        np.vstack([rng.random((30, 2)), axis_and_special_alphas(), breakpoint_alphas(log, 5)])
    )
    check(log, alphas, monkeypatch)


def test_few_alphas_k3_and_batches_use_direct_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    log = make_log(100, 5, seed=1)
    platform = Platform(log, PREFS)
    rng = np.random.default_rng(0)
    platform.evaluate(rng.random((platform_module.SWEEP_MIN_ALPHAS - 1, 2)))
    platform.evaluate(rng.random((platform_module.SWEEP_MIN_ALPHAS, 2)), np.arange(0, 100, 2))
    assert platform._sweep is None
    platform.evaluate(rng.random((platform_module.SWEEP_MIN_ALPHAS, 2)))
    assert platform._sweep is not None
    # once built, a few alphas use it too, still identical
    few = rng.random((platform_module.SWEEP_BUILT_MIN_ALPHAS, 2))
    assert_identical(platform.evaluate(few), direct(Platform(log, PREFS), few, monkeypatch)[0])
    log3 = make_log(100, 5, seed=1, k=3)
    platform3 = Platform(log3, np.ones((2, 3)))
    platform3.evaluate(np.random.default_rng(0).random((50, 3)))
    assert platform3._sweep is None


def test_non_finite_scores_fall_back_to_direct_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    log = make_log(100, 5, seed=2, invalid=0.3)
    scores = log.scores.copy()
    scores[~log.mask] = np.nan  # padded slots with NaN scores: the platform serves what argmax gives
    log = CandidateLog(**{**log.__dict__, "scores": scores})
    alphas = np.random.default_rng(2).random((20, 2))
    platform = Platform(log, PREFS)
    with monkeypatch.context() as patch:
        patch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 1)
        ev = platform.evaluate(alphas)
    assert platform._sweep is None and platform._sweepable is False
    assert_identical(ev, direct(Platform(log, PREFS), alphas, monkeypatch)[0])


@pytest.mark.parametrize("n_alphas", [20, 60])
def test_negative_or_nan_alpha_rejected(n_alphas: int) -> None:
    """Both paths (direct below SWEEP_MIN_ALPHAS, the sweep above) reject bad weights."""
    platform = Platform(make_log(50, 4, seed=0), PREFS)
    for bad in (-1.0, np.nan):
        alphas = np.ones((n_alphas, 2))
        alphas[3, 1] = bad
        with pytest.raises(ValueError, match=">= 0"):
            platform.evaluate(alphas)
        with pytest.raises(ValueError, match=">= 0"):
            platform.serve(alphas)


def test_report_surfaces_use_the_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 41 x 41 surfaces go through ``Platform.evaluate`` with 1,680 alphas: the sweep."""
    log = make_log(300, 6, seed=4, levels=8, invalid=0.1)
    platform = Platform(log, PREFS)
    swept = surface(platform, n=41)
    assert platform._sweep is not None
    with monkeypatch.context() as patch:
        patch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 10**9)
        ref_platform = Platform(log, PREFS)
        ref = surface(ref_platform, n=41)
        assert ref_platform._sweep is None
    np.testing.assert_array_equal(swept.utility, ref.utility)
    np.testing.assert_array_equal(swept.der, ref.der)


def test_oracle_front_unchanged_by_the_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The oracle re-serves its front candidates by ``Platform.evaluate``: same front either way."""
    log = make_log(400, 8, seed=5, levels=20, invalid=0.1, duplicates=0.1)
    swept = oracle_front(Platform(log, PREFS))
    with monkeypatch.context() as patch:
        patch.setattr(platform_module, "SWEEP_MIN_ALPHAS", 10**9)
        ref = oracle_front(Platform(log, PREFS))
    np.testing.assert_array_equal(swept.alphas, ref.alphas)
    np.testing.assert_array_equal(swept.points, ref.points)
    np.testing.assert_array_equal(swept.reference, ref.reference)
    assert swept.hypervolume == ref.hypervolume
    assert swept.points.shape[0] > 8  # the final evaluate really served many alphas


def test_only_zero_alphas(monkeypatch: pytest.MonkeyPatch) -> None:
    """alpha = 0 scores every candidate 0: each session's first valid slot, by the sweep too."""
    log = make_log(60, 5, seed=6, invalid=0.4)
    platform = check(log, np.zeros((10, 2)), monkeypatch)
    np.testing.assert_array_equal(platform.serve(np.zeros((10, 2)))[0], log.mask.argmax(axis=1))
