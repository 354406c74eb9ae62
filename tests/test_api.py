"""The Python API (issue 16, item 1): import surface, configs without Hydra, System, experiments as
DataFrames now and read back from MLflow, the runnable examples."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, random_log

import sysfair
from sysfair.api import SysfairConfig, System, default_cache_dir, load_config, read_experiment, run_experiment
from sysfair.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
SMALL = [o for o in TINY if not o.startswith("trials=")] + ["trials.n_trials=2", "trials.n_iterations=4"]

_IMPORT_CHECK = """
import sys, time
class NoHydra:
    def find_spec(self, name, path=None, target=None):
        if name == "hydra" or name.startswith("hydra."):
            raise ImportError("hydra blocked by the test")
sys.meta_path.insert(0, NoHydra())
t0 = time.perf_counter()
import sysfair
elapsed = time.perf_counter() - t0
heavy = sorted(m for m in ("torch", "botorch", "mlflow", "sklearn", "pandas") if m in sys.modules)
print(sysfair.__version__, elapsed, ",".join(heavy) or "-")
cfg = sysfair.load_config(overrides=["dataset.n_sessions=300"])  # configs need no Hydra either
print(type(cfg).__name__, cfg.dataset.n_sessions, "hydra" in sys.modules)
"""


def test_import_is_light_and_hydra_free() -> None:
    """``import sysfair`` loads no heavy module; configs load with Hydra made unimportable."""
    proc = subprocess.run([sys.executable, "-c", _IMPORT_CHECK], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first, second = proc.stdout.split("\n")[:2]
    version, _, heavy = first.split()
    assert version == sysfair.__version__ and version.count(".") >= 2
    assert heavy == "-"  # nothing heavy imported (timing is a benchmark matter, not asserted)
    assert second == "SysfairConfig 300 False"


def test_public_surface() -> None:
    assert set(sysfair.__all__) == {
        "__version__",
        "ExperimentResults",
        "Study",
        "SysfairConfig",
        "System",
        "default_cache_dir",
        "load_config",
        "optimizer_config",
        "read_experiment",
        "run_experiment",
    }
    for name in sysfair.__all__:
        assert getattr(sysfair, name) is not None
    assert sysfair.System is System
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sysfair.nope


def test_defaults_match_sysfair_run(compose_cfg) -> None:
    """SysfairConfig() is what `sysfair run` composes with no overrides (cache_dir aside)."""
    from omegaconf import OmegaConf

    from sysfair.cli.schema import Config

    hydra_cfg = OmegaConf.to_container(compose_cfg(), resolve=True)
    ours = OmegaConf.to_container(OmegaConf.structured(SysfairConfig()))
    for key in ("cache_dir", "tracking"):  # compose_cfg points both at tmp_path
        hydra_cfg.pop(key), ours.pop(key)
    assert ours == hydra_cfg
    assert {f.name for f in dataclasses.fields(SysfairConfig)} == {f.name for f in dataclasses.fields(Config)}


def test_yaml_file_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        "dataset: {name: synthetic, n_sessions: 400}\n"
        "scorer: {n_estimators: 7}\n"
        "optimizer: fair_nehvi\n"
        "trials: smoke\n"
        "seed: 3\n"
    )
    cfg = load_config(
        path, ["trials.n_trials=5", "optimizer.n_init=2", "preferences.weights=[[0.8,0.2],[0.3,0.7]]"]
    )
    assert (cfg.dataset.n_sessions, cfg.scorer.n_estimators, cfg.seed) == (400, 7, 3)
    assert cfg.optimizer.name == "fair_nehvi" and cfg.optimizer.n_init == 2
    assert (cfg.trials.name, cfg.trials.n_trials, cfg.trials.n_iterations) == ("smoke", 5, 7)  # smoke.yaml: 7
    assert cfg.preferences.weights == [[0.8, 0.2], [0.3, 0.7]]
    assert cfg.replace("optimizer=ei").optimizer.name == "ei"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["dataset.n_sesions=3"], "dataset"),
        (["optimizer=nope"], "optimizer='nope' is not allowed: one of"),
        (["trials.n_trials=0"], "trials.n_trials=0 is not allowed"),
        (["bogus=1"], "bogus"),
        (["trials.n_trials=three"], "trials"),
    ],
)
def test_config_errors_are_one_line(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(overrides=overrides)
    assert "\n" not in str(info.value)


def test_cache_dir_default_and_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSFAIR_CACHE_DIR", str(tmp_path / "env_cache"))
    assert default_cache_dir() == (tmp_path / "env_cache").resolve()
    monkeypatch.delenv("SYSFAIR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == (tmp_path / "xdg" / "sysfair").resolve()


def test_build_says_where_the_cache_is_and_reuses_it_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A notebook in another folder loads the same entry instead of retraining."""
    monkeypatch.setenv("SYSFAIR_CACHE_DIR", str(tmp_path / "cache"))
    cfg = load_config(overrides=SMALL)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    first = System.build(cfg)
    err = capsys.readouterr().err
    assert f"CandidateLog cache folder: {(tmp_path / 'cache').resolve()}" in err
    (entry,) = (tmp_path / "cache").glob("*.npz")  # built once, into the named folder
    stamp = entry.stat().st_mtime_ns
    monkeypatch.chdir(tmp_path / "b")
    second = System.build(cfg)
    assert [entry] == list((tmp_path / "cache").glob("*.npz")) and entry.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(first.log.scores, second.log.scores)
    assert first.cache_dir == (tmp_path / "cache").resolve()


def test_evaluate_matches_hand_computed_values() -> None:
    """Two sessions, two slots, K = 2: serving and valuing by hand."""
    from sysfair.system.candidates import CandidateLog

    scores = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.6, 0.5], [0.1, 0.2]]], dtype=np.float32)
    labels = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 1]]], dtype=np.float32)
    log = CandidateLog(
        scores=scores,
        labels=labels,
        mask=np.ones((2, 2), dtype=bool),
        group=np.array([0, 1]),
        session_features=np.zeros((2, 1), dtype=np.float32),
        item_ids=np.array([[1, 2], [3, 4]]),
        label_names=("watch", "like"),
        n_groups=2,
    )
    system = System.from_log(log, [[0.9, 0.1], [0.1, 0.9]])
    table = system.evaluate([[1.0, 0.0], [0.0, 1.0]])
    assert list(table.columns) == [
        "alpha_watch",
        "alpha_like",
        "utility",
        "der",
        "utility_group0",
        "utility_group1",
    ]
    # alpha = (1, 0): session 0 gets slot 0 (label (1,0) -> 0.9), session 1 slot 0 ((0,1) -> 0.9)
    # alpha = (0, 1): session 0 gets slot 1 ((0,1) -> 0.1), session 1 slot 0 ((0,1) -> 0.9)
    np.testing.assert_allclose(
        table[["utility_group0", "utility_group1"]].to_numpy(), [[0.9, 0.9], [0.1, 0.9]]
    )
    np.testing.assert_allclose(table["utility"], [0.9, 0.5])
    assert table["der"][0] == pytest.approx(1.0)
    assert table["der"][1] == pytest.approx(1 - 2 * ((0.1 - 0.5) ** 2 + (0.9 - 0.5) ** 2))
    with pytest.raises(ConfigError, match="2 weights per row"):
        system.evaluate([1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match="finite weights >= 0"):
        system.evaluate([-1.0, 2.0])


def test_hypervolume_regret_is_zero_on_the_oracle_front() -> None:
    system = System.from_log(random_log(n_sessions=300, m=6, seed=1), [[0.9, 0.1], [0.1, 0.9]])
    front = system.oracle_front()
    assert system.hypervolume_regret(front[["alpha_y1", "alpha_y2"]].to_numpy()) == pytest.approx(
        0.0, abs=1e-12
    )
    assert 0.0 < system.hypervolume_regret([[0.5, 0.5]]) < 1.0


def test_run_experiment_tables_equal_the_ones_read_back(tmp_path: Path) -> None:
    """In-memory results and MLflow read-back give the same DataFrames."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = run_experiment(
        load_config(overrides=[*SMALL, "optimizer=sobol"]), tracking_uri=uri, cache_dir=tmp_path
    )
    assert list(result.trials["trial"]) == [0, 1] and len(result.iterations) == 8
    assert list(result.iterations.columns) == [
        "trial",
        "iteration",
        "alpha_y1",
        "alpha_y2",
        "observed_utility",
        "observed_der",
        "exact_utility",
        "exact_der",
        "on_observed_front",
    ]
    # noise-free columns are the system's own evaluation of the alphas tried
    system = System.build(load_config(overrides=SMALL), cache_dir=tmp_path)
    again = system.evaluate(result.iterations[["alpha_y1", "alpha_y2"]].to_numpy())
    np.testing.assert_array_equal(again["utility"], result.iterations["exact_utility"])
    assert result.summary.loc["best_der", "mean"] == pytest.approx(
        result.iterations.groupby("trial")["exact_der"].max().mean()
    )
    back = read_experiment(result.run_id, tracking_uri=uri)
    latest = read_experiment(tracking_uri=uri)  # no run id: the latest finished run
    assert back.run_id == latest.run_id == result.run_id
    pd.testing.assert_frame_equal(back.iterations, result.iterations, check_dtype=False)
    pd.testing.assert_frame_equal(back.trials, result.trials, check_dtype=False)
    pd.testing.assert_frame_equal(back.summary, result.summary, check_dtype=False)
    pd.testing.assert_frame_equal(back.oracle, result.oracle, check_dtype=False)
    assert back.fronts.equals(back.iterations[back.iterations["on_observed_front"]].reset_index(drop=True))


@pytest.mark.slow
@pytest.mark.parametrize("script", ["quickstart.py", "live_study.py"])
def test_examples_run(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "SYSFAIR_CACHE_DIR": str(tmp_path / "cache"), "MLFLOW_RUN_ID": ""}
    proc = subprocess.run(
        [sys.executable, str(REPO / "examples" / script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = "summary (mean, sd over trials)" if script == "quickstart.py" else "hypervolume regret"
    assert expected in proc.stdout
