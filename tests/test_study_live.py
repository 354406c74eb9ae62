"""Issue 16, item 5: a live study driven only through ``sysfair study``, the platform playing the
live traffic, against the batch experiment at the same number of evaluated alphas."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sysfair
from sysfair.cli.main import main

pytestmark = pytest.mark.slow  # end to end (subprocesses, servers, clusters): deselect with -m "not slow"

ROUNDS, ARMS, BUCKET, REPLICATES = 6, 4, 300, 3
SMALL = [
    "dataset.n_sessions=1500",
    "scorer.n_estimators=10",
    "scorer.n_jobs=1",
    "progress=false",
    "trials.n_jobs=1",
]


def cli(*args: str) -> str:
    """``sysfair <args>`` in this process (the CLI's code path); its stdout; fails on exit != 0."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise AssertionError(f"sysfair {' '.join(args)} exited {exc.code}: {err.getvalue()}") from exc
    return out.getvalue()


def _pairs(values: list[float], groups: list[str]) -> str:
    return ",".join(f"{g}={v!r}" for g, v in zip(groups, values, strict=True))


def drive_study(system: sysfair.System, uri: str, name: str, seed: int) -> np.ndarray:
    """Create, then ROUNDS x (ask ARMS; serve each arm a bucket; tell) through the CLI; alphas [T, K]."""
    groups = [str(g) for g in range(system.n_groups)]
    labels = list(system.label_names)
    cli("study", "create", name, "--groups", ",".join(groups), "--labels", ",".join(labels),
        "--seed", str(seed), "--tracking-uri", uri)  # fmt: skip
    alphas = []
    for r in range(ROUNDS):
        arms = json.loads(
            cli("study", "ask", name, "--arms", str(ARMS), "--format", "json", "--tracking-uri", uri)
        )
        assert [a["round"] for a in arms] == [r + 1] * ARMS
        for i, arm in enumerate(arms):
            alpha = [arm[f"alpha_{k}"] for k in labels]
            seen = system.bucket(alpha, BUCKET, seed=seed * 10_000 + r * 100 + i)
            cli("study", "tell", name, arm["arm"], "--tracking-uri", uri,
                "--group-utility", _pairs(seen["group_utility"], groups),
                "--group-sessions", _pairs(seen["group_sessions"], groups))  # fmt: skip
            alphas.append(alpha)
    return np.array(alphas)


@pytest.fixture(scope="module")
def small_system(tmp_path_factory: pytest.TempPathFactory) -> tuple[sysfair.System, Path]:
    cache = tmp_path_factory.mktemp("cache")
    config = sysfair.load_config(overrides=[*SMALL, f"cache_dir={cache}"])
    return sysfair.System.build(config), cache


def test_live_study_regret_close_to_batch_experiment(small_system, tmp_path: Path) -> None:
    """Mean noise-free HV regret of 6 rounds x 4 arms (buckets of 300 sessions) <= 1.5x the batch
    experiment's (fair_nehvi, 24 iterations, batches of 300), both scored on the same oracle."""
    system, cache = small_system
    batch = sysfair.run_experiment(
        sysfair.load_config(
            overrides=[
                *SMALL,
                "optimizer=fair_nehvi",
                f"trials.n_trials={REPLICATES}",
                f"trials.n_iterations={ROUNDS * ARMS}",
                f"trials.batch_size={BUCKET}",
            ]
        ),
        tracking_uri=f"sqlite:///{tmp_path / 'batch.db'}",
        cache_dir=cache,
    )
    batch_regret = batch.trials["hypervolume_regret"].to_numpy()
    # the batch scores against the same exact front the system computes
    first = batch.iterations[batch.iterations["trial"] == 0]
    alpha_cols = [f"alpha_{k}" for k in system.label_names]
    assert system.hypervolume_regret(first[alpha_cols].to_numpy()) == pytest.approx(
        batch_regret[0], abs=1e-12
    )

    uri = f"sqlite:///{tmp_path / 'studies.db'}"
    live_regret = []
    for seed in range(REPLICATES):
        alphas = drive_study(system, uri, f"live-{seed}", seed)
        assert alphas.shape == (ROUNDS * ARMS, len(system.label_names))
        live_regret.append(system.hypervolume_regret(alphas))
    live, base = float(np.mean(live_regret)), float(np.mean(batch_regret))
    print(f"\nHV regret at {ROUNDS * ARMS} alphas: live study {live:.4f} {np.round(live_regret, 4)}, "
          f"batch experiment {base:.4f} {np.round(batch_regret, 4)}")  # fmt: skip
    assert live <= 1.5 * base + 1e-9

    status = json.loads(cli("study", "status", "live-0", "--format", "json", "--tracking-uri", uri))
    assert [s["told"] for s in status] == [ARMS] * ROUNDS and all(s["pending"] == 0 for s in status)
    assert status[-1]["sessions"] == ARMS * BUCKET
    front = json.loads(cli("study", "front", "live-0", "--format", "json", "--tracking-uri", uri))
    points = np.array([[f["utility"], f["der"]] for f in front])
    assert len(points) >= 1
    for p in points:  # no front arm dominates another
        assert not ((points >= p).all(axis=1) & (points > p).any(axis=1)).any()


def test_subprocess_cli_continues_a_study_exactly(small_system, tmp_path: Path) -> None:
    """Restarting between rounds changes nothing: the `sysfair` command in fresh processes asks the
    same arms as one in-process Study object kept alive across rounds (same seed, same buckets)."""
    system, _ = small_system
    groups = [str(g) for g in range(system.n_groups)]
    uri_a, uri_b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    env = {**os.environ, "MLFLOW_RUN_ID": ""}

    def sh(*args: str) -> str:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "sysfair"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    kept = sysfair.Study.create("s", groups=groups, labels=system.label_names, seed=5, tracking_uri=uri_a)
    sh("study", "create", "s", "--groups", ",".join(groups), "--labels", ",".join(system.label_names),
       "--seed", "5", "--tracking-uri", uri_b)  # fmt: skip
    for r in range(2):  # arms 1-1..2-2 are the n_init = 5 Sobol arms, 2-3 comes from the GP
        in_process = kept.ask(n_arms=3)
        fresh = json.loads(
            sh("study", "ask", "s", "--arms", "3", "--format", "json", "--tracking-uri", uri_b)
        )
        cols = [f"alpha_{k}" for k in system.label_names]
        np.testing.assert_array_equal(
            in_process[cols].to_numpy(), np.array([[a[c] for c in cols] for a in fresh])
        )
        assert list(in_process["source"]) == [a["source"] for a in fresh]
        if r == 1:
            break  # no ask follows: the last round's tells would check nothing
        for i, arm in enumerate(fresh):
            seen = system.bucket([arm[c] for c in cols], BUCKET, seed=100 * r + i)
            kept.tell(arm["arm"], group_utility=seen["group_utility"], group_sessions=seen["group_sessions"])
            sh("study", "tell", "s", arm["arm"], "--tracking-uri", uri_b,
               "--group-utility", ",".join(map(repr, seen["group_utility"])),
               "--group-sessions", ",".join(map(str, seen["group_sessions"])))  # fmt: skip
    assert list(in_process["source"]) == ["sobol", "sobol", "qlognehvi"]
