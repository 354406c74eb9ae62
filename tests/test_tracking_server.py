"""Logging to an MLflow tracking server on loopback (the multi-writer set-up the README documents)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY
from mlflow.tracking import MlflowClient
from servers import serve_mlflow

from sysfair.experiment import record as rec
from sysfair.experiment.runner import run_experiment

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]  # end to end: deselect with -m 'not slow'


def test_experiment_logs_to_a_loopback_server(compose_cfg, tmp_path: Path) -> None:
    backend = f"sqlite:///{tmp_path / 'server.db'}"
    with serve_mlflow(backend, tmp_path, artifacts=tmp_path / "server-artifacts", seconds=120) as uri:
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
