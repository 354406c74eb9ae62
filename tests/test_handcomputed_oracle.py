"""Hand-computed oracle cases (issue 18): exact ties at a known direction, and the reference point.

Scores are multiples of 1/8 and directions (1 - t, t) with t a multiple of 1/4, so every combined
score is exact in binary and a tie is a tie bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from sysfair.system.candidates import CandidateLog
from sysfair.system.oracle import hypervolume_regret, oracle_front
from sysfair.system.oracle_k2 import _alphas_k2, _hull_events, _simplest_decimal, _sweep_k2
from sysfair.system.platform import Platform

EXACT = 1e-12
# group 0 values label 2, group 1 values label 1
SWAPPED = np.array([[0.1, 0.9], [0.9, 0.1]])


def _log(scores: list, labels: list, group: list, mask: list | None = None) -> CandidateLog:
    s = np.asarray(scores, dtype=np.float32)
    n, m, k = s.shape
    return CandidateLog(
        scores=s,
        labels=np.asarray(labels, dtype=np.float32),
        mask=np.ones((n, m), dtype=bool) if mask is None else np.asarray(mask, dtype=bool),
        group=np.asarray(group),
        session_features=np.zeros((n, 0), dtype=np.float32),
        item_ids=np.arange(n * m).reshape(n, m),
        label_names=tuple(f"y{i + 1}" for i in range(k)),
        n_groups=2,
    )


def _two_sessions_switch_at_once() -> Platform:
    """Sessions A (group 0) and B (group 1), each with an item good at y1 and one good at y2.

    A: slot 0 = (1/4, 3/4) Y=(0,1), slot 1 = (3/4, 1/4) Y=(1,0)
    B: slot 0 = (3/4, 1/4) Y=(1,0), slot 1 = (1/4, 3/4) Y=(0,1)
    For t < 1/2 both serve their y1 item, for t > 1/2 both their y2 item: A gets 0.1 and B 0.9,
    or A 0.9 and B 0.1, i.e. utility 0.5 and DER 1 - 2 (0.4^2 + 0.4^2) = 0.36 either way.
    At t = 1/2 (alpha = (1, 1)) both tie and the lowest slot is served: A its y2 item, B its y1
    item, each group its favourite: utility 0.9, DER 1. Only the exact tie reaches it.
    """
    scores = [[[0.25, 0.75], [0.75, 0.25]], [[0.75, 0.25], [0.25, 0.75]]]
    labels = [[[0, 1], [1, 0]], [[1, 0], [0, 1]]]
    return Platform(_log(scores, labels, [0, 1]), SWAPPED)


def _three_collinear_candidates() -> Platform:
    """Session A (group 0) has three candidates on one line of slope -1, tying at t = 1/2.

    Slot 0 = (1/2, 1/2) with Y = (1, 1) is never a hull vertex: only the three-way tie serves it
    (lowest slot), worth 1.0 to A instead of 0. Session B (group 1) has one valid item worth 0.9.
    Off the tie: utility 0.45, DER 0 (A gets nothing). At the tie: utility 0.95,
    DER = 1 - 2 ((1/1.9 - 1/2)^2 + (0.9/1.9 - 1/2)^2) = 1 - 1/361.
    """
    scores = [[[0.5, 0.5], [0.75, 0.25], [0.25, 0.75]], [[0.5, 0.5], [0.0, 0.0], [0.0, 0.0]]]
    labels = [[[1, 1], [0, 0], [0, 0]], [[1, 0], [0, 0], [0, 0]]]
    mask = [[True, True, True], [True, False, False]]
    return Platform(_log(scores, labels, [0, 1], mask), SWAPPED)


@pytest.mark.parametrize(
    ("make", "tie_point", "off_tie"),
    [
        (_two_sessions_switch_at_once, (0.9, 1.0), (0.5, 0.36)),
        (_three_collinear_candidates, (0.95, 360 / 361), (0.45, 0.0)),
    ],
    ids=["two_sessions_switch_at_once", "three_candidates_tie"],
)
def test_the_front_is_the_point_served_at_an_exact_tie(make, tie_point, off_tie) -> None:
    platform = make()
    # what the platform serves at the tie and just off it (a grid would never land on t = 1/2)
    at = platform.evaluate(np.array([1.0, 1.0]))
    assert (at.utility[0], at.der[0]) == pytest.approx(tie_point, abs=EXACT)
    for t in (0.0, 0.25, 0.5 - 1e-9, 0.5 + 1e-9, 0.75, 1.0):
        ev = platform.evaluate(np.array([1.0 - t, t]))
        assert (ev.utility[0], ev.der[0]) == pytest.approx(off_tie, abs=EXACT), t
    front = oracle_front(platform)
    assert front.resolution.startswith("exact")
    np.testing.assert_allclose(front.points, [tie_point], atol=EXACT)
    np.testing.assert_allclose(front.alphas, [[0.5, 0.5]], atol=EXACT)
    np.testing.assert_allclose(front.max_utility, tie_point, atol=EXACT)
    np.testing.assert_allclose(front.alpha_max_der, [0.5, 0.5], atol=EXACT)
    # the reference is the worst achievable: the off-tie state
    np.testing.assert_allclose(front.reference, off_tie, atol=EXACT)
    expected_hv = (tie_point[0] - off_tie[0]) * (tie_point[1] - off_tie[1])
    assert front.hypervolume == pytest.approx(expected_hv, abs=EXACT)
    assert hypervolume_regret(front, np.array([off_tie])) == pytest.approx(1.0, abs=EXACT)


def test_a_tie_probe_serves_only_the_switching_sessions() -> None:
    """A third session (group 0, one item worth 0.1) never switches: the tie state counts it as is.

    Group 0 = {A, C}: at the tie A gets 0.9, C 0.1 -> mean 0.5; B gets 0.9. Utility = 1.9 / 3,
    DER = 1 - 2 ((0.5/1.4 - 1/2)^2 + (0.9/1.4 - 1/2)^2) = 1 - 4 (0.2/1.4)^2 = 1 - 4/49.
    Off the tie: A and B get (0.1, 0.9) or (0.9, 0.1) -> group means (0.1, 0.9) or (0.5, 0.1).
    """
    scores = [[[0.25, 0.75], [0.75, 0.25]], [[0.75, 0.25], [0.25, 0.75]], [[0.5, 0.5], [0.0, 0.0]]]
    labels = [[[0, 1], [1, 0]], [[1, 0], [0, 1]], [[1, 0], [0, 0]]]
    mask = [[True, True], [True, True], [True, False]]
    platform = Platform(_log(scores, labels, [0, 1, 0], mask), SWAPPED)
    front = oracle_front(platform)
    tie = (1.9 / 3, 1 - 4 / 49)
    np.testing.assert_allclose(front.points, [tie], atol=EXACT)
    np.testing.assert_allclose(front.alphas, [[0.5, 0.5]], atol=EXACT)
    # states: t < 1/2 -> (1.1/3, DER(0.1, 0.9) = 1 - 2 (0.4^2 + 0.4^2) = 0.36);
    #         t > 1/2 -> (1.1/3, DER(0.5, 0.1) = 1 - 2 ((5/6 - 1/2)^2 + (1/6 - 1/2)^2) = 5/9)
    np.testing.assert_allclose(front.reference, [1.1 / 3, 0.36], atol=EXACT)


# ---- the reference point -------------------------------------------------------------------------
#
# Session A (group 0): slot 0 = Z (1/8, 1/8) worth 0, slot 1 = (3/4, 1/4) with Y = (0, 1),
#   slot 2 = (1/2, 3/4) with Y = (1, 1); A switches from slot 1 to slot 2 at t = 1/3.
# Session B (group 1): slot 0 = Z, slot 1 = (3/4, 1/4) with Y = (1, 0), slot 2 = (1/4, 1/2) with
#   Y = (1, 1); B switches at t = 2/3. Z is never served for alpha != 0; alpha = 0 serves Z (slot 0).
# Group 0 weights (0.9, 0.1), group 1 (0.1, 0.9): values A 0.1 -> 1.0, B 0.1 -> 1.0.
#   t in [0, 1/3): A 0.1, B 0.1 -> (utility 0.1, DER 1)
#   t in (1/3, 2/3): A 1.0, B 0.1 -> (0.55, 1 - (0.9/1.1)^2 = 40/121)
#   t in (2/3, 1]: A 1.0, B 1.0 -> (1.0, 1)  (the whole front)
#   alpha = 0: A 0, B 0 -> (0, 1), left out of the reference by the documented rule.
# Documented rule: reference = (worst utility, worst DER) over every direction alpha != 0, taken
# coordinate by coordinate = (0.1, 40/121).

OPPOSED = np.array([[0.9, 0.1], [0.1, 0.9]])
REFERENCE = np.array([0.1, 40 / 121])


def _reference_pool() -> Platform:
    z = [0.125, 0.125]
    scores = [[z, [0.75, 0.25], [0.5, 0.75]], [z, [0.75, 0.25], [0.25, 0.5]]]
    labels = [[[0, 0], [0, 1], [1, 1]], [[0, 0], [1, 0], [1, 1]]]
    return Platform(_log(scores, labels, [0, 1]), OPPOSED)


def test_reference_point_is_the_coordinatewise_worst_over_nonzero_directions() -> None:
    platform = _reference_pool()
    states = {
        0.2: (0.1, 1.0),
        0.5: (0.55, 40 / 121),
        0.9: (1.0, 1.0),
    }
    for t, point in states.items():
        ev = platform.evaluate(np.array([1.0 - t, t]))
        assert (ev.utility[0], ev.der[0]) == pytest.approx(point, abs=EXACT)
    zero = platform.evaluate(np.zeros(2))
    assert (zero.utility[0], zero.der[0]) == (0.0, 1.0)
    front = oracle_front(platform)
    np.testing.assert_allclose(front.points, [[1.0, 1.0]], atol=EXACT)
    assert 2 / 3 < front.alphas[0, 1] <= 1.0
    np.testing.assert_allclose(front.reference, REFERENCE, atol=EXACT)
    # the plausible alternatives all give another point:
    alternatives = {
        "origin": np.zeros(2),
        "front nadir": front.points.min(axis=0),
        "with alpha = 0": np.array([0.0, 40 / 121]),
        "worst-utility state": np.array([0.1, 1.0]),
        "worst-DER state": np.array([0.55, 40 / 121]),
    }
    for name, point in alternatives.items():
        assert np.abs(point - REFERENCE).max() > 0.05, name
    assert front.hypervolume == pytest.approx(0.9 * (1 - 40 / 121), abs=EXACT)
    # regret of a point halfway in utility: HV = 0.45 * (1 - 40/121) -> regret 1/2
    assert hypervolume_regret(front, np.array([[0.55, 1.0]])) == pytest.approx(0.5, abs=EXACT)
    # below the reference counts for nothing, non-finite rows are ignored
    assert hypervolume_regret(front, np.array([[0.05, 1.0], [np.nan, 1.0]])) == pytest.approx(1.0)
    assert hypervolume_regret(front, np.array([[1.0, 1.0], [np.nan, np.nan]])) == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("grid_points", "resolution", "n"),
    [
        (3, "grid of 3 directions (step 1/1 = 1)", 1),
        (9, "grid of 6 directions (step 1/2 = 0.5)", 2),
        (10, "grid of 10 directions (step 1/3 = 0.3333)", 3),
    ],
)
def test_k3_grid_is_the_densest_lattice_within_the_budget(grid_points: int, resolution: str, n: int) -> None:
    from conftest import random_log

    from sysfair.system.oracle import simplex_grid

    log = random_log(n_sessions=60, m=5, k=3, seed=4)
    platform = Platform(log, np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]]))
    front = oracle_front(platform, grid_points=grid_points)
    assert front.resolution == resolution
    grid = simplex_grid(3, n)
    ev = platform.evaluate(grid)
    points = np.column_stack([ev.utility, ev.der])
    assert front.n_evaluated == grid.shape[0]
    np.testing.assert_array_equal(front.reference, points.min(axis=0))
    # every front point is a lattice direction and its value there
    for alpha, point in zip(front.alphas, front.points, strict=True):
        i = int(np.flatnonzero((grid == alpha).all(axis=1))[0])
        np.testing.assert_array_equal(point, points[i])


def test_regret_is_zero_when_the_oracle_has_no_trade_off() -> None:
    """A front of one point on the reference (hypervolume 0): no alpha can do better or worse."""
    from sysfair.system.oracle import OracleFront

    point = np.array([0.5, 0.8])
    flat = OracleFront(
        alphas=np.array([[0.5, 0.5]]),
        points=point[None],
        reference=point,
        hypervolume=0.0,
        max_utility=point,
        alpha_max_utility=np.array([0.5, 0.5]),
        max_der=point,
        alpha_max_der=np.array([0.5, 0.5]),
        resolution="test",
    )
    assert hypervolume_regret(flat, np.array([[0.9, 0.9]])) == 0.0
    assert hypervolume_regret(flat, np.zeros((0, 2))) == 0.0


def test_hull_events_by_hand() -> None:
    """The breakpoints of three sessions as t goes 0 -> 1, worked out from (1 - t) f1 + t f2.

    s0: slots (0.9, 0.1), (0.9, 0.5), (0.2, 0.8). Slots 0 and 1 tie on f1, so just after t = 0
        slot 1 (the higher f2) is served; it meets slot 2 where 0.9 - 0.4 t = 0.2 + 0.6 t: t = 0.7.
    s1: slots (0.3, 0.3), (0.6, 0.0) and a padded slot whose scores (5, 5) must be ignored;
        slot 1 is served first and meets slot 0 where 0.6 - 0.6 t = 0.3: t = 0.5.
    s2: three collinear slots (1, 0), (0.5, 0.5), (0, 1), all tying at t = 0.5: one event from
        slot 0 straight to slot 2 (the highest f2 among the tied), flagged as a many-way tie.
    """
    scores = np.array(
        [
            [[0.9, 0.1], [0.9, 0.5], [0.2, 0.8]],
            [[0.3, 0.3], [0.6, 0.0], [5.0, 5.0]],
            [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]],
        ]
    )
    mask = np.array([[True, True, True], [True, True, False], [True, True, True]])
    start, t, sess, before, after, multi = _hull_events(scores, mask, 1e-12)
    np.testing.assert_array_equal(start, [1, 1, 0])
    np.testing.assert_allclose(t, [0.7, 0.5, 0.5], atol=1e-15)
    np.testing.assert_array_equal(sess, [0, 1, 2])
    np.testing.assert_array_equal(before, [1, 1, 0])
    np.testing.assert_array_equal(after, [2, 0, 2])
    np.testing.assert_array_equal(multi, [False, False, True])


def test_pool_without_breakpoints_has_one_point() -> None:
    """Every session has one candidate best in both scores: no event, and the whole front is the
    platform's value at any direction (group 0 gets 0.9 from y2, group 1 gets 0.9 from y1)."""
    scores = [[[0.75, 0.75], [0.25, 0.5]], [[0.5, 0.25], [0.75, 0.75]]]
    labels = [[[0, 1], [1, 0]], [[1, 0], [1, 0]]]
    platform = Platform(_log(scores, labels, [0, 1]), SWAPPED)
    start, *events = _hull_events(platform.log.scores.astype(np.float64), platform.log.mask, 1e-12)
    np.testing.assert_array_equal(start, [0, 1])
    assert [e.size for e in events] == [0] * 5
    assert [e.dtype.kind for e in events] == ["f", "i", "i", "i", "b"]
    front = oracle_front(platform)
    expected = platform.evaluate(np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(front.points, [[expected.utility[0], expected.der[0]]], atol=EXACT)
    assert front.points[0, 0] == pytest.approx(0.9) and front.points[0, 1] == pytest.approx(1.0)
    assert front.resolution == "exact (0 breakpoints)"


def _reachable_states(platform: Platform, units: int) -> np.ndarray:
    """(utility, DER) ``[N, 2]`` served at every tie of a pool whose scores are multiples of
    1 / ``units`` (t = a / (a + b), a, b = 1..units), at both ends and between consecutive ties:
    together every state the platform can reach."""
    ties = np.unique([a / (a + b) for a in range(1, units + 1) for b in range(1, units + 1)] + [0.0, 1.0])
    ev = platform.evaluate(_alphas_k2(np.concatenate([ties, 0.5 * (ties[1:] + ties[:-1])])))
    return np.column_stack([ev.utility, ev.der])


def _largest_miss(reached: np.ndarray, points: np.ndarray) -> float:
    """How far the reached state farthest from every point of ``points [P, 2]`` lies (max norm)."""
    return float(np.abs(reached[:, None, :] - points[None, :, :]).max(axis=2).min(axis=1).max())


@pytest.mark.parametrize("case", ["labels", "hidden_outcome", "absent_group"])
def test_every_state_of_the_sweep_is_the_platforms_value(case: str) -> None:
    """Each (utility, DER) the sweep derives without serving (intervals by cumulative switches,
    ties by serving a few sessions) equals ``Platform.evaluate`` at its direction, on a pool full
    of exact ties (scores in eighths), with padded slots, three unequal groups (or a declared group
    without sessions) and, in one case, Appendix D's hidden outcome. Only the re-served front was
    compared before: a wrong interval value could change which directions are kept unnoticed."""
    rng = np.random.default_rng(7)
    n, m = 90, 5
    scores = rng.integers(0, 9, size=(n, m, 2)) / 8
    mask = rng.random((n, m)) < 0.85
    mask[:, 0] = True
    hidden = case == "hidden_outcome"
    # absent_group: group 2 is declared (n_groups = 3) but has no session; DER leaves it out
    group = np.repeat([0, 1], [60, 30]) if case == "absent_group" else np.repeat([0, 1, 2], [50, 30, 10])
    log = CandidateLog(
        scores=scores.astype(np.float32),
        labels=(rng.random((n, m, 2)) < scores).astype(np.float32) * mask[..., None],
        mask=mask,
        group=group,
        session_features=np.zeros((n, 0), dtype=np.float32),
        item_ids=np.arange(n * m).reshape(n, m),
        label_names=("y1", "y2"),
        n_groups=3,
        hidden=(rng.random((n, m)) * mask).astype(np.float32) if hidden else None,
        hidden_weights=np.array([0.5, 0.0, 2.0]) if hidden else None,
    )
    platform = Platform(log, np.array([[0.2, 0.8], [0.9, 0.1], [0.5, 0.5]]))
    t, points, resolution = _sweep_k2(platform)
    ev = platform.evaluate(_alphas_k2(t))
    np.testing.assert_allclose(points, np.column_stack([ev.utility, ev.der]), rtol=0, atol=1e-12)
    n_breakpoints = int(resolution.split("(")[1].split()[0])
    assert n_breakpoints > 20 and t.size > n_breakpoints  # intervals, ties and both ends
    assert np.all((t >= 0) & (t <= 1)) and {0.0, 1.0} <= set(t.tolist())
    # ... and the sweep misses no state: every reachable state is among the sweep's
    assert _largest_miss(_reachable_states(platform, 8), points) < 1e-12


def test_float32_blurred_ties_are_distinct_breakpoints() -> None:
    """Scores in tenths, stored as float32: ties that are one t in decimal (0.1/0.3 and 0.2/0.6
    both tie at t = 1/4 ...) land ~1e-8 apart, and the platform, which combines in float64 at
    directions rounded to 12 decimals, reaches the states between them. The sweep used to merge
    breakpoints within 2 float32 eps into one tie and miss such a state (found here at t = a/(a+b));
    every state reached at t = a / (a + b) and between must be among the sweep's."""
    rng = np.random.default_rng(3)
    n, m = 120, 4
    scores = rng.integers(1, 10, size=(n, m, 2)) / 10
    platform = Platform(
        _log(scores, rng.random((n, m, 2)) < scores, np.repeat([0, 1], [70, 50])), SWAPPED[::-1]
    )
    reached = _reachable_states(platform, 9)
    assert _largest_miss(reached, _sweep_k2(platform)[1]) < 1e-12
    # and the front holds every reached state: none dominates a front point
    front = oracle_front(platform).points
    beats = (reached[:, None, 0] >= front[None, :, 0]) & (reached[:, None, 1] >= front[None, :, 1])
    beats &= (reached[:, None, 0] > front[None, :, 0] + 1e-12) | (
        reached[:, None, 1] > front[None, :, 1] + 1e-12
    )
    assert not beats.any()


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0.45, 0.55, 0.5),  # one decimal inside
        (0.12, 0.17, 0.12),  # 0.2 is above hi: two decimals, the lowest end itself
        (0.5, 0.5, 0.5),  # a point interval that is a decimal
        (0.33333331, 0.3333334, 0.3333334),  # seven decimals
        (0.0, 0.04, 0.0),
        (0.1234567890123, 0.1234567890124, None),  # needs 13 decimals: none
    ],
)
def test_simplest_decimal_by_hand(lo: float, hi: float, expected: float | None) -> None:
    """The probe of a tie with the fewest decimals (t = 0.5 for alpha = (1, 1)), never outside."""
    got = _simplest_decimal(lo, hi)
    assert got == expected
    assert got is None or lo - 1e-12 <= got <= hi


def test_directions_round_t_to_the_platforms_12_decimals() -> None:
    alphas = _alphas_k2(np.array([1 / 3, 0.25]))
    np.testing.assert_array_equal(alphas, [[1 - 0.333333333333, 0.333333333333], [0.75, 0.25]])
    assert alphas.dtype == np.float64


def test_oracle_refuses_a_pool_with_one_group() -> None:
    platform = Platform(_log([[[0.5, 0.5]], [[0.25, 0.75]]], [[[1, 0]], [[0, 1]]], [0, 0]), SWAPPED)
    with pytest.raises(
        ValueError, match=r"the oracle needs sessions of at least 2 groups \(DER is undefined"
    ):
        oracle_front(platform)
