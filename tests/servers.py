"""Helpers for tests that start servers or sweeps: a free port, an ``mlflow server`` on loopback,
the parallel-sweep command line (imported by the test modules, like ``conftest``'s constants)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]

# 4 sweep jobs at once (Hydra's joblib launcher), 4 experiments of 3 trials each
PARALLEL_SWEEP = [
    "-m",
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=4",
    "optimizer=random,sobol",
    "trials.seed=0,10",
    "trials=smoke",
    "trials.n_trials=3",
    "trials.n_jobs=1",
    "dataset.n_sessions=300",
    "scorer.n_estimators=10",
    "progress=false",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float, proc: subprocess.Popen) -> None:
    """Wait until ``url`` answers 200; AssertionError if ``proc`` exits or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[:4]} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@contextmanager
def serve_mlflow(
    backend_uri: str,
    cwd: Path,
    *,
    artifacts: Path | None = None,
    workers: int | None = None,
    seconds: float = 120,
    stderr: IO[str] | int = subprocess.DEVNULL,
) -> Iterator[str]:
    """``mlflow server`` on a free loopback port over ``backend_uri``; yields its URL, stops it after.

    ``artifacts``: the folder it serves artifacts from (``--artifacts-destination``); ``seconds``:
    how long it may take to answer ``/health``.
    """
    port = free_port()
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--backend-store-uri", backend_uri]
    if artifacts is not None:
        command += ["--artifacts-destination", str(artifacts)]
    if workers is not None:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
    uri = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{uri}/health", seconds, server)
        yield uri
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a server still starting may not heed SIGTERM
            server.kill()
            server.wait(timeout=30)


def run_sweep(cwd: Path, *overrides: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``python run.py [PARALLEL_SWEEP] overrides...`` in ``cwd`` (output captured as text)."""
    return subprocess.run(
        [sys.executable, str(REPO / "run.py"), *PARALLEL_SWEEP, *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
