"""Live studies (issue 16, items 2-3): noise model, ask/tell/front/status, guard rails, concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import random_log

from sysfair.api import System
from sysfair.study import Study, StudyError, arm_estimate, optimizer_config
from sysfair.study.noise import der_variance, session_variance_bound
from sysfair.system.metrics import der_batch

PREFS = np.array([[0.9, 0.1], [0.1, 0.9]])
SYSFAIR = str(Path(sys.executable).parent / "sysfair")


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One store for the module (creating an MLflow database takes seconds); studies differ by name."""
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'studies.db'}"


@pytest.fixture(scope="module")
def system() -> System:
    return System.from_log(random_log(n_sessions=1500, m=8, seed=3), PREFS)


# ----- noise model -------------------------------------------------------------------------------
def test_utility_variance_is_the_session_weighted_mean_variance() -> None:
    """Hand-computed: U = (100*0.5 + 300*0.7)/400 = 0.65; Var = (100*0.2 + 300*0.1)/400^2."""
    e = arm_estimate(np.array([0.5, 0.7]), np.array([100, 300]), np.array([0.2, 0.1]), 1.0)
    assert e.utility == pytest.approx(0.65)
    assert e.utility_variance == pytest.approx((100 * 0.2 + 300 * 0.1) / 400**2)
    assert e.der == pytest.approx(float(der_batch(np.array([0.5, 0.7]))))
    assert not e.variance_bounded


def test_conservative_bound_is_bhatia_davis_and_dominates_bernoulli() -> None:
    """Without variances: s2_g <= u_g (M - u_g); for 0/1 utilities (M = 1) that is the exact variance."""
    np.testing.assert_allclose(session_variance_bound(np.array([0.2, 0.5]), 1.0), [0.16, 0.25])
    np.testing.assert_allclose(session_variance_bound(np.array([0.2]), 2.0), [0.36])
    e = arm_estimate(np.array([0.2, 0.5]), np.array([50, 50]), None, 1.0)
    assert e.variance_bounded
    assert e.utility_variance == pytest.approx((50 * 0.16 + 50 * 0.25) / 100**2)


@pytest.mark.parametrize("means", [[0.3, 0.6], [0.45, 0.45], [0.2, 0.5, 0.4]])
def test_der_variance_matches_monte_carlo(means: list[float]) -> None:
    """The second-order delta method against 200k simulated group means, including DER = 1 (equal
    means), where the first-order method would claim no variance at all."""
    mu = np.array(means)
    var = np.full(mu.size, 4e-4)
    rng = np.random.default_rng(0)
    draws = mu + rng.normal(size=(200_000, mu.size)) * np.sqrt(var)
    empirical = der_batch(draws).var()
    assert der_variance(mu, var) == pytest.approx(empirical, rel=0.08)


def test_small_bucket_counts_for_less(system: System, uri: str) -> None:
    """The noise the GP is given (train_Yvar) shrinks with the bucket's sessions."""
    study = Study.create("noise", groups=["0", "1"], tracking_uri=uri)
    arm = study.ask(n_arms=1)["arm"][0]
    small = arm_estimate(np.array([0.5, 0.6]), np.array([40, 10]), None, 1.0)
    large = arm_estimate(np.array([0.5, 0.6]), np.array([400, 100]), None, 1.0)
    assert large.utility_variance == pytest.approx(small.utility_variance / 10)
    assert large.der_variance < small.der_variance / 5
    told = study.tell(arm, group_utility=[0.5, 0.6], group_sessions=[40, 10])
    assert told.utility_variance == pytest.approx(small.utility_variance)


# ----- ask / tell / front / status ------------------------------------------------------------
def _serve(study: Study, system: System, arms, seed: int) -> None:
    for i, row in enumerate(arms.itertuples()):
        seen = system.bucket([row.alpha_y1, row.alpha_y2], 250, seed=seed + i)
        study.tell(row.arm, group_utility=seen["group_utility"], group_sessions=seen["group_sessions"])


def test_bucket_reports_what_the_platform_serves(system: System) -> None:
    """The simulated bucket's group means equal the platform's on the same sessions."""
    seen = system.bucket([0.3, 0.7], 200, seed=4)
    sessions = np.sort(np.random.default_rng(4).choice(system.n_sessions, size=200, replace=False))
    ev = system.platform.evaluate(np.array([0.3, 0.7]), sessions)
    np.testing.assert_allclose(seen["group_utility"], ev.group_utility[0], rtol=1e-12)
    assert sum(seen["group_sessions"]) == 200
    assert seen["group_sessions"] == list(np.bincount(system.log.group[sessions], minlength=2))


def test_rounds_are_joint_batches_and_front_is_non_dominated(system: System, uri: str) -> None:
    study = Study.create("batch", groups=["0", "1"], optimizer=optimizer_config("fair_nehvi", n_init=4),
                         seed=1, tracking_uri=uri)  # fmt: skip
    first = study.ask(n_arms=4)
    assert list(first["arm"]) == ["1-1", "1-2", "1-3", "1-4"] and set(first["source"]) == {"sobol"}
    _serve(study, system, first, 0)
    second = study.ask(n_arms=4)
    assert list(second["round"]) == [2] * 4 and set(second["source"]) == {"qlognehvi"}
    # a joint batch: four different directions, none repeating a told arm
    u = np.array([study.space.to_cube(a) for a in second[["alpha_y1", "alpha_y2"]].to_numpy()])
    told_u = np.array([study.space.to_cube(a) for a in first[["alpha_y1", "alpha_y2"]].to_numpy()])
    assert len(np.unique(np.round(u, 6))) == 4
    assert np.abs(u - told_u.T).min() > 1e-3
    _serve(study, system, second, 10)
    table = study.arms()
    assert table["told"].all() and len(table) == 8
    front = study.front()
    pts = table[["utility", "der"]].to_numpy()
    for row in front[["utility", "der"]].to_numpy():
        assert not ((pts >= row).all(axis=1) & (pts > row).any(axis=1)).any()
    dominated = [p for p in pts if ((pts >= p).all(axis=1) & (pts > p).any(axis=1)).any()]
    assert len(front) == len(pts) - len(dominated)
    status = study.status()
    assert list(status["round"]) == [1, 2] and list(status["told"]) == [4, 4]
    assert status["sessions"].tolist() == [1000.0, 1000.0]
    assert status["best_der_so_far"].iloc[1] == pytest.approx(table["der"].max())


def test_pending_arms_are_not_proposed_again(system: System, uri: str) -> None:
    """Asking before the previous round is told: the new round avoids the pending arms."""
    study = Study.create("pending", groups=["0", "1"], optimizer=optimizer_config("fair_nehvi", n_init=2),
                         tracking_uri=uri)  # fmt: skip
    _serve(study, system, study.ask(n_arms=3), 0)
    pending = study.ask(n_arms=2)
    nxt = study.ask(n_arms=2)
    cube = [study.space.to_cube(a)[0] for a in np.vstack([pending.iloc[:, 2:4], nxt.iloc[:, 2:4]])]
    assert min(abs(a - b) for a in cube[2:] for b in cube[:2]) > 1e-3
    assert list(study.status()["pending"]) == [0, 2, 2]


def test_sobol_study_follows_the_optimizer_sequence(uri: str) -> None:
    """optimizer=sobol: arm i is point i of the seeded sequence, whatever the rounds."""
    a = Study.create("sa", groups=["0", "1"], optimizer=optimizer_config("sobol"), seed=3, tracking_uri=uri)
    b = Study.create("sb", groups=["0", "1"], optimizer=optimizer_config("sobol"), seed=3, tracking_uri=uri)
    one = a.ask(n_arms=5)
    two = np.vstack([b.ask(n_arms=2).iloc[:, 2:4], b.ask(n_arms=3).iloc[:, 2:4]])
    np.testing.assert_array_equal(one.iloc[:, 2:4].to_numpy(), two)


# ----- guard rails ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arm": "9-9"}, "no arm '9-9'"),
        ({"group_utility": [float("nan"), 0.5]}, "group_utility\\['0'\\]=nan"),
        ({"group_utility": [-0.1, 0.5]}, "group_utility\\['0'\\]=-0.1"),
        ({"group_utility": {"0": 0.4, "other": 0.5}}, "group 'other' is not a group"),
        ({"group_utility": {"0": 0.4}}, "no value for group '1'"),
        ({"group_utility": [0.4, 0.5, 0.6]}, "3 values for the 2 groups"),
        ({"group_sessions": [0, 100]}, "group_sessions\\['0'\\]=0.0"),
        ({"group_sessions": [10.5, 100]}, "whole number"),
        ({"group_variance": [0.1, -1.0]}, "group_variance\\['1'\\]=-1.0"),
        ({"group_utility": [1.5, 0.5]}, "exceeds the study's utility_max"),
    ],
)
def test_bad_tell_is_one_clear_error_and_records_nothing(uri: str, kwargs: dict, message: str) -> None:
    name = f"rails-{uuid.uuid4().hex[:8]}"
    study = Study.create(name, groups=["0", "1"], tracking_uri=uri)
    study.ask(n_arms=2)
    before = study.arms()
    args = {"arm": "1-1", "group_utility": [0.4, 0.5], "group_sessions": [100, 30], **kwargs}
    with pytest.raises(StudyError, match=message) as info:
        study.tell(args.pop("arm"), **args)
    assert "\n" not in str(info.value) and "nothing recorded" in str(info.value)
    after = Study.open(name, uri).arms()
    assert not after["told"].any()
    assert before.equals(after)


def test_telling_an_arm_twice_is_refused(uri: str) -> None:
    study = Study.create("twice", groups=["a", "b"], tracking_uri=uri)
    study.ask(n_arms=1)
    study.tell("1-1", group_utility={"a": 0.4, "b": 0.5}, group_sessions={"a": 10, "b": 20})
    with pytest.raises(StudyError, match="already told; nothing recorded"):
        study.tell("1-1", group_utility={"a": 0.9, "b": 0.9}, group_sessions={"a": 10, "b": 20})
    assert study.arms()["utility_a"].tolist() == [0.4]


def test_create_and_open_errors(uri: str) -> None:
    Study.create("dup", groups=["0", "1"], tracking_uri=uri)
    with pytest.raises(StudyError, match="already exists"):
        Study.create("dup", groups=["0", "1"], tracking_uri=uri)
    with pytest.raises(StudyError, match="no study named 'nope'.*studies there: .*dup"):
        Study.open("nope", uri)
    with pytest.raises(StudyError, match="at least 2 group names"):
        Study.create("one", groups=["only"], tracking_uri=uri)
    with pytest.raises(StudyError, match="cannot run a live study"):
        optimizer_config("ei")
    with pytest.raises(StudyError, match="optimizer.bogus is not an option"):
        optimizer_config("fair_nehvi", bogus=1)
    with pytest.raises(StudyError, match="n_arms=0"):
        Study.open("dup", uri).ask(n_arms=0)


def test_cli_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 's.db'}"
    run = [SYSFAIR, "study"]
    env = {**os.environ, "MLFLOW_RUN_ID": ""}
    ok = subprocess.run([*run, "create", "c", "--groups", "x,y", "--tracking-uri", uri], capture_output=True,
                        text=True, env=env, timeout=600)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    tell = ["tell", "c", "1-1", "--group-utility", "x=0.5,z=0.1", "--group-sessions", "x=1,y=2"]
    bad = subprocess.run(
        [*run, *tell, "--tracking-uri", uri], capture_output=True, text=True, env=env, timeout=600
    )
    assert bad.returncode == 2
    lines = [line for line in bad.stderr.splitlines() if line.startswith("sysfair")]
    assert lines == [lines[0]] and "group 'z' is not a group of study 'c'" in lines[0]
    assert "Traceback" not in bad.stderr


# ----- two processes at once ---------------------------------------------------------------------
_TELL = """
import sys, time
from sysfair.study import Study, StudyError
uri, arm, value, start = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
study = Study.open("race", uri)
time.sleep(max(0.0, start - time.time()))
try:
    study.tell(arm, group_utility=[value, value], group_sessions=[100, 50])
    print("told")
except StudyError as exc:
    print("refused:", exc)
"""


def _race(uri: str, jobs: list[tuple[str, float]]) -> list[str]:
    start = time.time() + 8.0  # both processes have opened the study by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _TELL, uri, arm, str(v), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "MLFLOW_RUN_ID": ""},
        )  # fmt: skip
        for arm, v in jobs
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    return [o.strip() for o, _ in outs]


@pytest.mark.slow
def test_two_processes_telling_at_once_lose_nothing(uri: str) -> None:
    study = Study.create("race", groups=["0", "1"], tracking_uri=uri)
    study.ask(n_arms=3)
    # different arms at once: both recorded
    assert _race(uri, [("1-1", 0.3), ("1-2", 0.6)]) == ["told", "told"]
    table = study.arms().set_index("arm")
    assert table.loc["1-1", "utility_0"] == 0.3 and table.loc["1-2", "utility_0"] == 0.6
    # the same arm at once: exactly one wins, and its values are the ones stored
    outs = _race(uri, [("1-3", 0.2), ("1-3", 0.7)])
    assert sorted(o.split(":")[0] for o in outs) == ["refused", "told"]
    winner = [0.2, 0.7][outs.index("told")]
    assert "already told" in outs[1 - outs.index("told")]
    assert study.arms().set_index("arm").loc["1-3", "utility_0"] == winner
