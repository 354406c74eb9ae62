"""Console output goes through :mod:`logging`; outside Hydra, make sure someone shows it, and keep
libraries' chatter (MLflow's table creation, dask's start-up) off it."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["ensure_console_logging", "quiet"]


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the *current* ``sys.stderr`` (which tests and notebooks may swap)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001
        pass


def ensure_console_logging() -> None:
    """Under Hydra (or any configured logging) do nothing; otherwise print sysfair's INFO messages
    to stderr, plain, so a script calling the API sees what the command line would show."""
    root, ours = logging.getLogger(), logging.getLogger("sysfair")
    if root.handlers or ours.handlers:
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)


@contextlib.contextmanager
def quiet(*names: str) -> Iterator[None]:
    """Raise the loggers ``names`` to WARNING for the block (an error stays one line), then restore them.

    E.g. ``quiet("mlflow", "alembic")`` around creating a fresh MLflow store's tables.
    """
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(max(lg.level, logging.WARNING))
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
