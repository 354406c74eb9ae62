"""Logging to an MLflow tracking server on loopback (the multi-writer set-up the README documents)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import TINY
from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec
from sysfair.experiment.runner import run_experiment

pytestmark = pytest.mark.slow  # end to end: deselect with -m 'not slow'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_experiment_logs_to_a_loopback_server(compose_cfg, tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "server-artifacts"),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):  # up to 60 s for the server to come up
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("mlflow server did not start")
        result = run_experiment(compose_cfg(*TINY, f"tracking.uri={uri}"))
        client = MlflowClient(uri)
        parent = client.get_run(result.run_id)
        assert parent.info.status == "FINISHED"
        names = {a.path for a in client.list_artifacts(result.run_id)}
        assert {"summary.csv", "pareto_fronts.png"} <= names
        runs = client.search_runs([parent.info.experiment_id])
        assert sum("mlflow.parentRunId" in r.data.tags for r in runs) == 2
        # the numbers made it through the server unchanged
        for key in ("best_der", "hypervolume"):
            assert parent.data.metrics[rec.summary_metric(key, "mean")] == result.summary.loc[key, "mean"]
    finally:
        server.terminate()
        server.wait(timeout=30)
