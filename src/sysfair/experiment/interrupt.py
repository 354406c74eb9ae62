"""Ctrl-C and SIGTERM as one exception, deferred while a trial run is being written."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["ExperimentInterrupted", "Interrupted", "interruptible"]


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived (a KeyboardInterrupt, so ``except Exception`` does not catch it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class ExperimentInterrupted(KeyboardInterrupt):
    """An experiment stopped by a signal; what was kept, for the one-line message."""

    def __init__(
        self, run_id: str, kept: int, total: int, tracking_uri: str = "", experiment_id: str = ""
    ) -> None:
        super().__init__(f"{kept} of {total} trials kept in run {run_id}")
        self.run_id, self.kept, self.total = run_id, kept, total
        self.tracking_uri, self.experiment_id = tracking_uri, experiment_id

    def message(self) -> str:
        return (
            f"interrupted: {self.kept} of {self.total} trials kept in run {self.run_id}; "
            "run the same command again to finish it"
        )


class _Guard:
    """Signal handler state: raise at once, or after the current critical section."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending: int | None = None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.depth > 0:
            self.pending = signum
            return
        raise Interrupted(signum)

    @contextmanager
    def critical(self) -> Iterator[None]:
        """A block that a signal does not cut in two (e.g. writing one trial run)."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if self.depth == 0 and self.pending is not None:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


class _NoGuard:
    @contextmanager
    def critical(self) -> Iterator[None]:
        yield


@contextmanager
def interruptible() -> Iterator[Any]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` inside the block (main thread only;
    elsewhere signals are left alone). Yields an object whose ``critical()`` defers them."""
    if threading.current_thread() is not threading.main_thread():
        yield _NoGuard()
        return
    guard = _Guard()
    old = {s: signal.signal(s, guard.handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield guard
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
