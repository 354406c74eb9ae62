"""End to end: Hydra config -> CandidateLog -> trials -> MLflow, read back with MlflowClient."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

import sysfair.experiment.runner as experiment
from sysfair.experiment import record as rec
from sysfair.experiment.runner import run_experiment
from sysfair.system.logged import load_logged
from sysfair.system.platform import Platform

pytestmark = pytest.mark.slow  # end to end: deselect with -m 'not slow'

REPO = Path(__file__).resolve().parents[1]


def _runs(uri: str) -> list:
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("sysfair")
    return [] if exp is None else client.search_runs([exp.experiment_id])


def test_run_py_smoke_in_temp_folder(tmp_path: Path) -> None:
    """`python run.py trials=smoke` from a fresh folder: default store is ./mlflow.db there."""
    overrides = [o for o in TINY if not o.startswith("trials.n_jobs")] + ["trials.n_jobs=2"]
    proc = subprocess.run(
        [sys.executable, str(REPO / "run.py"), *overrides],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MLFLOW_RUN_ID": ""},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mlflow ui --backend-store-uri sqlite:///" in proc.stdout
    assert "best_der" in proc.stdout
    assert "#/experiments/1/runs" in proc.stdout  # the runs table, not MLflow 3's overview page
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    runs = _runs(uri)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    parent = parents[0]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["dataset"] == "synthetic" and parent.data.tags["optimizer"] == "random"
    assert rec.TAG_GIT_COMMIT in parent.data.tags and parent.data.tags[rec.TAG_MODE] == "experiment"
    assert parent.data.params["trials.n_iterations"] == "7"  # trials=smoke: 2 x 7
    assert parent.data.params["dataset.label_correlation"] == "-0.8"  # effective, not None
    for key in ("best_utility", "best_der", "hypervolume"):
        assert {rec.summary_metric(key, "mean"), rec.summary_metric(key, "sd")} <= set(parent.data.metrics)
    client = MlflowClient(uri)
    names = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {rec.ART_CONFIG, rec.ART_FRONTS_CSV, rec.ART_FRONTS_PNG, rec.ART_SUMMARY} <= names
    assert {
        rec.ART_MODEL_AUDIT_CSV,
        rec.ART_MODEL_AUDIT_TXT,
        rec.ART_ORACLE_FRONT,
        rec.ART_OVERRIDES,
    } <= names
    assert 0.0 <= parent.data.metrics[rec.summary_metric("hypervolume_regret", "mean")] <= 1.0
    assert parent.data.metrics[rec.oracle_metric("hypervolume")] > 0
    assert 0.5 < parent.data.metrics[rec.model_metric("y1", 1, "auc")] <= 1.0
    # the Hydra output folder and the MLflow run point at each other
    (pointer,) = (tmp_path / "outputs").glob("*/*/mlflow_run.json")
    assert parent.info.run_id in pointer.read_text()
    assert parent.data.tags[rec.TAG_HYDRA_OUTPUT_DIR] == str(pointer.parent)
    assert "MLflow run" in (pointer.parent / "run.log").read_text()
    child = children[0]
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    expected = {
        *(rec.series_metric(k) for k in rec.TRIAL_SERIES),
        rec.group_series("observed", 0),
        rec.group_series("exact", 1),
        rec.alpha_series("y1"),
        rec.alpha_series("y2"),
    }
    assert expected <= set(child.data.metrics)
    history = client.get_metric_history(child.info.run_id, rec.series_metric("observed_der"))
    assert sorted(m.step for m in history) == list(range(7))
    assert rec.ART_TRIAL_FRONT in {a.path for a in client.list_artifacts(child.info.run_id)}


def test_second_run_loads_cached_log(compose_cfg, caplog: pytest.LogCaptureFixture) -> None:
    """A second run with the same dataset, scorer, retriever and seed loads the cache and says so."""
    caplog.set_level("INFO", logger="sysfair")
    run_experiment(compose_cfg(*TINY))
    assert "built and cached" in caplog.text
    caplog.clear()
    run_experiment(compose_cfg(*TINY, "optimizer=sobol", "trials.seed=3"))
    assert "loaded from cache" in caplog.text


def test_same_seed_same_numbers_for_any_n_jobs(compose_cfg) -> None:
    one = run_experiment(compose_cfg(*TINY, "trials.n_trials=3"))
    two = run_experiment(compose_cfg(*TINY, "trials.n_trials=3", "trials.n_jobs=2"))
    for a, b in zip(one.trials, two.trials, strict=True):
        np.testing.assert_array_equal(a.alphas, b.alphas)
        np.testing.assert_array_equal(a.observed_utility, b.observed_utility)
        np.testing.assert_array_equal(a.exact_der, b.exact_der)
    other = run_experiment(compose_cfg(*TINY, "trials.n_trials=3", "trials.seed=7"))
    assert not np.array_equal(one.trials[0].alphas, other.trials[0].alphas)


def test_failure_mid_run_marks_run_failed(compose_cfg, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = compose_cfg(*TINY)

    def broken(*args, **kwargs):
        raise RuntimeError("worker exploded")
        yield  # pragma: no cover

    monkeypatch.setattr(experiment, "iter_trials", broken)
    with pytest.raises(RuntimeError, match="worker exploded"):
        run_experiment(cfg)
    uri = cfg.tracking.uri
    (run,) = _runs(uri)
    assert run.info.status == "FAILED"
    names = {a.path for a in MlflowClient(uri).list_artifacts(run.info.run_id)}
    assert rec.ART_SUMMARY not in names and rec.ART_FRONTS_CSV not in names


def test_logged_dataset_runs_end_to_end(compose_cfg, tmp_path: Path) -> None:
    """A production log (CSV) goes straight to the platform: no scorer, no retriever."""
    rng = np.random.default_rng(0)
    rows = []
    for session in range(120):
        for item in range(5):
            s1, s2 = rng.random(2)
            rows.append(
                f"{session},{'b' if session % 5 == 0 else 'a'},{item},{s1:.4f},{s2:.4f},"
                f"{int(rng.random() < s1)},{int(rng.random() < s2)}"
            )
    path = tmp_path / "log.csv"
    path.write_text("session_id,group,item_id,score_y1,score_y2,y1,y2\n" + "\n".join(rows) + "\n")
    overrides = [o for o in TINY if not o.startswith(("dataset.", "scorer."))]
    cfg = compose_cfg(*overrides, "dataset=logged", f"dataset.path={path}")
    result = run_experiment(cfg)
    assert len(result.trials) == 2
    # the trials ran on the CSV's own scores, labels and groups, read straight into the platform
    obj = OmegaConf.to_object(cfg)
    platform = Platform(load_logged(obj.dataset), np.asarray(obj.preferences.weights))
    assert platform.log.n_sessions == 120 and np.bincount(platform.log.group).tolist() == [96, 24]
    for trial in result.trials:
        exact = platform.evaluate(trial.alphas)
        np.testing.assert_array_equal(trial.exact_utility, exact.utility)
        np.testing.assert_array_equal(trial.exact_der, exact.der)
    best = [trial.exact_der.max() for trial in result.trials]
    assert result.summary.loc["best_der", "mean"] == pytest.approx(np.mean(best), abs=1e-12)
