"""Many concurrent jobs logging to one MLflow server backed by PostgreSQL (README "Running on a cluster").

A real PostgreSQL server is started on loopback (Debian's ``postgresql`` package: initdb, pg_ctl),
an ``mlflow server`` on top of it with an artifact destination, and a parallel sweep (Hydra's
joblib launcher, 4 jobs at once) logs to it: every run must arrive, finished, with its artifacts.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from servers import free_port, run_sweep, serve_mlflow


def _pg_bin() -> Path | None:
    """The folder holding initdb and pg_ctl (on PATH, else Debian's /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [
        Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    ]
    return next((c for c in candidates if (c / "pg_ctl").exists()), None)


def _run_as() -> list[str] | None:
    """Command prefix running PostgreSQL as a non-root user (initdb refuses root); None if impossible."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else None


def _skip_reason() -> str | None:
    if _pg_bin() is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql)"
    if importlib.util.find_spec("psycopg2") is None:
        return 'psycopg2 not installed (pip install -e ".[cluster]")'
    if _run_as() is None:
        return "running as root without a 'postgres' user or runuser to start PostgreSQL as"
    return None


pytestmark = [
    pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or ""),
    pytest.mark.xdist_group("cluster"),
]


@pytest.fixture(scope="module")
def postgres_uri() -> Iterator[str]:
    """A throw-away PostgreSQL server on 127.0.0.1 with an empty database ``mlflow``."""
    import psycopg2

    bindir, prefix = _pg_bin(), _run_as()
    assert bindir is not None and prefix is not None
    base = Path(tempfile.mkdtemp(prefix="sysfair-pg-"))
    if prefix:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()
    pg_ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "sysfair", "-A", "trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*pg_ctl, "-o", options, "-l", str(base / "server.log"), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
        )
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="sysfair", dbname="postgres")
        conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE mlflow")
        conn.close()
        # the driver named explicitly: SQLAlchemy 2.1 defaults postgresql:// to psycopg 3
        yield f"postgresql+psycopg2://sysfair@127.0.0.1:{port}/mlflow"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def mlflow_server(postgres_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``mlflow server`` on loopback: runs in PostgreSQL, artifacts in a folder it serves."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    artifacts = folder / "artifacts"
    with (folder / "server.log").open("w") as log:
        # creating the schema takes a while
        with serve_mlflow(
            postgres_uri, folder, artifacts=artifacts, workers=2, seconds=180, stderr=log
        ) as uri:
            yield uri, artifacts


@pytest.mark.slow
def test_parallel_sweep_loses_no_run(mlflow_server: tuple[str, Path], tmp_path: Path) -> None:
    """4 jobs at once (Hydra's joblib launcher) against one server on PostgreSQL: 4 + 12 runs arrive."""
    uri, artifacts = mlflow_server
    proc = run_sweep(tmp_path, f"tracking.uri={uri}", "tracking.experiment=postgres-sweep")
    assert proc.returncode == 0, proc.stderr[-3000:]
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("postgres-sweep")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags and "optimizer" in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    expected = {(o, s) for o in ("random", "sobol") for s in ("0", "10")}
    assert {(r.data.tags["optimizer"], r.data.params["trials.seed"]) for r in parents} == expected
    assert len(parents) == 4 and len(children) == 12
    assert all(r.info.status == "FINISHED" for r in parents + children)
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {r.info.run_id for r in parents}
    for parent in parents:  # artifacts went through the server into its destination folder
        assert "summary.csv" in {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert len(list(artifacts.rglob("summary.csv"))) == 4
