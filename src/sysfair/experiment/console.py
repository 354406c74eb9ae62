"""Console output goes through :mod:`logging`; outside Hydra, make sure someone shows it."""

from __future__ import annotations

import logging
import sys

__all__ = ["ensure_console_logging"]


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
