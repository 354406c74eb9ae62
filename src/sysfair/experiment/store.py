"""The tracking store, checked before any work: a known scheme, a reachable server, a usable file.

:func:`check_tracking_uri` answers within ``timeout`` seconds with one :class:`ConfigError` line
naming ``tracking.uri`` (an unknown scheme, a server that does not answer, a folder that cannot
hold the SQLite file). :func:`prepare_store` creates a fresh SQLite store's tables under a file
lock, so that experiments started at once on a new store do not race to create them.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from sysfair.errors import ConfigError
from sysfair.experiment.console import quiet

__all__ = ["KNOWN_SCHEMES", "check_tracking_uri", "prepare_store"]

# what MLflow's tracking-store registry accepts (file stores are refused by MLflow >= 3.13)
KNOWN_SCHEMES = ("sqlite", "http", "https", "postgresql", "mysql", "mssql", "databricks", "file")
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}


def _fail(uri: str, why: str) -> ConfigError:
    return ConfigError("tracking.uri", uri, why)


def check_tracking_uri(uri: str, *, timeout: float = 5.0) -> None:
    """Raise :class:`ConfigError` unless ``uri`` names a store this run can reach and write."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.split("+", 1)[0].lower()
    if scheme not in KNOWN_SCHEMES:
        raise _fail(
            uri,
            f"unknown scheme {parsed.scheme or '(none)'!r}; use sqlite:///path/to/mlflow.db (a local "
            "file), http(s)://host:port (an MLflow server) or postgresql://user@host/db",
        )
    if scheme == "sqlite":
        path = Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None
        if path is None or not str(path):
            raise _fail(uri, "an SQLite store is sqlite:///<path to a .db file>")
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if (path.exists() and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK):
            raise _fail(uri, f"{path} cannot be written (check the folder's permissions)")
        return
    if scheme in ("http", "https"):
        url = uri.rstrip("/") + "/health"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http(s) only)
                response.read(64)
        except urllib.error.HTTPError:
            return  # something answers: MLflow (older servers have no /health) or a proxy
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _fail(
                uri,
                f"no tracking server answers there within {timeout:g} s ({reason}); start one with "
                "`mlflow server --host 127.0.0.1 --port 5000` or log to a file with "
                "tracking.uri=sqlite:///$PWD/mlflow.db",
            ) from None
        return
    if scheme in _DEFAULT_PORTS and parsed.hostname:
        port = parsed.port or _DEFAULT_PORTS[scheme]
        try:
            socket.create_connection((parsed.hostname, port), timeout=timeout).close()
        except OSError as exc:
            raise _fail(uri, f"the database at {parsed.hostname}:{port} does not answer ({exc})") from None


def prepare_store(uri: str) -> None:
    """Create a fresh SQLite store's tables once, under a lock shared by every process."""
    if not uri.startswith("sqlite:///"):
        return
    from filelock import FileLock

    path = Path(uri.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".init.lock"), quiet("mlflow", "alembic"):
        from mlflow.tracking import MlflowClient

        MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
