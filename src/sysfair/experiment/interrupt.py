"""Ctrl-C and SIGTERM as one exception, deferred while a trial run is being written."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["ExperimentInterrupted", "Interrupted", "closing", "interruptible"]


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived (a KeyboardInterrupt, so ``except Exception`` does not catch it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class ExperimentInterrupted(KeyboardInterrupt):
    """An experiment stopped by a signal; what was kept, for the one-line message."""

    def __init__(
        self,
        run_id: str,
        kept: int,
        total: int,
        tracking_uri: str = "",
        experiment_id: str = "",
        journal: Path | None = None,
    ) -> None:
        super().__init__(f"{kept} of {total} trials kept in run {run_id}")
        self.run_id, self.kept, self.total = run_id, kept, total
        self.tracking_uri, self.experiment_id = tracking_uri, experiment_id
        self.journal = journal  # set when the store had failed: the trials are in the journal only

    def message(self) -> str:
        if self.journal is not None:
            return (
                f"interrupted: {self.kept} of {self.total} trials kept in the journal {self.journal} "
                f"(the tracking store had failed); write them to a store with "
                f"`sysfair record replay {self.journal.parent} --tracking-uri {self.tracking_uri}`"
            )
        return (
            f"interrupted: {self.kept} of {self.total} trials kept in run {self.run_id}; "
            "run the same command again to finish it"
        )


class _Guard:
    """Signal handler state: raise at once, or after the current critical section; once raised,
    later signals (a second Ctrl-C while the run is closing) are ignored until the block ends."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending: int | None = None
        self.stopping = False
        self.extra = 0  # signals received while stopping

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            self.extra += 1
            if self.extra >= 2:  # a third signal: leave now (finished trials are in the journal)
                _say("stopping at once")
                os._exit(130)
            _say(f"{signal.Signals(signum).name}: already stopping, saving what finished (again to quit now)")
            return
        if self.depth > 0:
            self.pending = signum
            return
        self.stopping = True
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
            self.stopping = True
            raise Interrupted(signum)


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"\n{text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed
        pass


def closing() -> None:
    """For a process that is exiting after an interruption: from now on SIGINT and SIGTERM print
    one line instead of a traceback (a third signal quits at once). Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return
    guard = _Guard()
    guard.stopping = True
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, guard.handle)
    # Python resets its handlers to the default while it finalises (a signal then kills the
    # process, exit -2): ignore them from the first exit handler on (handlers run last-in first).
    atexit.register(lambda: [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)])


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
