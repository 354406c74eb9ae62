"""Sweeps through Hydra's cluster launchers, run locally: submitit_local, and Ray on loopback.

The Slurm variant (``hydra/launcher=submitit_slurm``) shares submitit_local's code path but for
the executor; it is checked here to compose with the project's config, not run (no Slurm here).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient

from sysfair.cli.app import CONF_DIR

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("cluster"),
]  # end to end (subprocesses, servers, clusters): deselect with -m "not slow"

REPO = Path(__file__).resolve().parents[1]
SUBMITIT = importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is not None
RAY_LAUNCHER = importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None
TINY_SWEEP = [
    "optimizer=random,sobol",
    "trials=smoke",
    "trials.n_trials=2",
    "trials.n_jobs=1",
    "dataset.n_sessions=300",
    "scorer.n_estimators=10",
    "progress=false",
]


def _sweep(tmp_path: Path, *overrides: str, env: dict[str, str] | None = None) -> None:
    """Run the tiny 2-job sweep in ``tmp_path``; both experiments must arrive in MLflow, finished."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "-m", *overrides, *TINY_SWEEP],
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("sysfair")
    runs = client.search_runs([exp.experiment_id], max_results=100)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags and "optimizer" in r.data.tags]
    assert sorted(r.data.tags["optimizer"] for r in parents) == ["random", "sobol"]
    assert all(r.info.status == "FINISHED" for r in parents)
    (sweep_dir,) = (tmp_path / "multirun").glob("*/*")
    assert (sweep_dir / "report" / "report.md").is_file()


@pytest.mark.skipif(
    not SUBMITIT, reason='hydra-submitit-launcher not installed (pip install -e ".[cluster]")'
)
def test_submitit_local_sweep(tmp_path: Path) -> None:
    _sweep(tmp_path, "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10")
    assert list((tmp_path / "multirun").rglob(".submitit"))  # the jobs went through submitit


@pytest.mark.skipif(
    not SUBMITIT, reason='hydra-submitit-launcher not installed (pip install -e ".[cluster]")'
)
def test_submitit_slurm_composes() -> None:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=["hydra/launcher=submitit_slurm", "hydra.launcher.partition=cpu"],
            return_hydra_config=True,
        )
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.partition == "cpu"


@pytest.mark.skipif(
    not RAY_LAUNCHER, reason="hydra-ray-launcher not installed (pip install --no-deps hydra-ray-launcher)"
)
def test_ray_launcher_sweep_on_a_loopback_cluster(tmp_path: Path) -> None:
    """The launcher starts a one-node Ray cluster on loopback for the sweep and stops it at exit."""
    _sweep(
        tmp_path,
        "hydra/launcher=ray",
        "+hydra.launcher.ray.init.num_cpus=2",
        "+hydra.launcher.ray.init.include_dashboard=false",
        "+hydra.launcher.ray.remote.num_cpus=1",
        env={"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"},  # bind 127.0.0.1, not the network address
    )
