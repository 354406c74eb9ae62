"""``tracking.uri`` is checked before any work; a fresh SQLite store survives two experiments at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TINY
from mlflow.tracking import MlflowClient

from sysfair.errors import ConfigError
from sysfair.experiment.store import check_tracking_uri

RUN = str(Path(__file__).resolve().parents[2] / "run.py")


@pytest.mark.parametrize(
    ("uri", "match"),
    [
        ("garbage://x", "unknown scheme 'garbage'"),
        ("http://127.0.0.1:9", "no tracking server answers there"),
        ("postgresql://u@127.0.0.1:9/db", "does not answer"),
        ("sqlite://", "sqlite:///<path"),
    ],
)
def test_bad_uris_are_one_config_error(uri: str, match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=match) as info:
        check_tracking_uri(uri, timeout=2.0)
    assert str(info.value).startswith(f"tracking.uri={uri!r} is not allowed: ")
    assert time.perf_counter() - start < 10


def test_good_sqlite_uri_passes(tmp_path: Path) -> None:
    check_tracking_uri(f"sqlite:///{tmp_path}/new/folder/mlflow.db")  # the folder is created later


@pytest.mark.parametrize("uri", ["garbage://x", "http://127.0.0.1:9"])
def test_run_fails_in_seconds_before_any_work(tmp_path: Path, uri: str) -> None:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, RUN, *TINY, f"cache_dir={tmp_path / 'cache'}", f"tracking.uri={uri}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines == [lines[-1]] and lines[0].startswith(f"sysfair: error: tracking.uri={uri!r}")
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "cache").exists()  # no scorer was trained, nothing cached
    assert time.perf_counter() - start < 60  # the check itself is < 10 s; start-up is the rest


@pytest.mark.slow
def test_two_experiments_on_a_fresh_sqlite_store(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/fresh.db"
    args = [*TINY, f"cache_dir={tmp_path / 'cache'}", f"tracking.uri={uri}", "trials.n_iterations=2"]
    procs = [
        subprocess.Popen(
            [sys.executable, RUN, *args, f"optimizer={name}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for name in ("random", "sobol")
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("sysfair").experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert sorted(r.data.tags.get("optimizer") for r in parents) == ["random", "sobol"]
    assert all(r.info.status == "FINISHED" for r in runs)
