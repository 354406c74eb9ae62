"""Multirun sweeps in multirun_sweeps/ compose, run, tag their runs and build the report at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ML100K, needs_ml100k
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from servers import run_sweep

from sysfair.cli.app import CONF_DIR

REPO = Path(__file__).resolve().parents[1]
SWEEPS = sorted(p.stem for p in (REPO / "multirun_sweeps" / "sweep").glob("*.yaml"))


@pytest.mark.parametrize("name", SWEEPS)
def test_sweep_definitions_compose(name: str) -> None:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"+sweep={name}"], return_hydra_config=True)
    params = cfg.hydra.sweeper.params
    assert "optimizer" in params and any(o.startswith("fair_") for o in str(params.optimizer).split(","))


@pytest.mark.slow
@pytest.mark.parametrize(
    "datasets",
    [
        # the two-dataset case covers this one wherever MovieLens 100K is present
        pytest.param(
            "smoke_synthetic",
            marks=pytest.mark.skipif(
                (ML100K / "u.data").is_file(), reason="covered by the smoke_synthetic,smoke_movielens case"
            ),
        ),
        pytest.param("smoke_synthetic,smoke_movielens", marks=needs_ml100k),
    ],
)
def test_smoke_sweep_runs_and_reports(tmp_path: Path, datasets: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "run.py"),
            "-m",
            "+sweep=smoke",
            f"dataset={datasets}",  # command-line sweeps take precedence over the sweep file's
            "optimizer=random,sobol",
            "scorer.n_estimators=10",
            "trials.n_jobs=1",
            "progress=false",
        ],
        cwd=tmp_path,
        env={**os.environ, "SYSFAIR_MOVIELENS": str(ML100K)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (sweep_dir,) = (tmp_path / "multirun").iterdir()
    report = (sweep_dir / "report" / "report.md").read_text()
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("sysfair")
    parents = [r for r in client.search_runs([exp.experiment_id]) if "mlflow.parentRunId" not in r.data.tags]
    experiments = [r for r in parents if r.data.tags.get("mode") != "report"]
    names = {"smoke_synthetic": "synthetic", "smoke_movielens": "movielens"}
    want = {(names[d], o) for d in datasets.split(",") for o in ("random", "sobol")}
    assert {(r.data.tags["dataset"], r.data.tags["optimizer"]) for r in experiments} == want
    assert len(experiments) == len(want)
    assert {r.data.tags["sweep"] for r in experiments} == {sweep_dir.name}
    for name in {names[d] for d in datasets.split(",")}:
        assert name in report


@pytest.mark.slow
def test_parallel_jobs_share_one_sqlite_store(tmp_path: Path) -> None:
    """4 sweep jobs at once (joblib launcher) writing to one fresh SQLite store: no run lost."""
    proc = run_sweep(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("sysfair")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags and "optimizer" in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 4 and len(children) == 12
    assert all(r.info.status == "FINISHED" for r in parents + children)
