"""The run's journal: every finished trial also goes to a file in the run's output folder.

The journal (``journal.jsonl``, one JSON object a line, each appended and fsync'd) holds what the
MLflow record is made from: a header (tags, params, config, model audit, exact front, reference
point) and one line per finished trial (its arrays, exactly). If the tracking store fails during
a run (the SQLite file deleted, the server down), :class:`Recorder` stops writing to it, the run
goes on into the journal alone, and ends with one line naming the journal;
:func:`sysfair.experiment.replay.replay` (``sysfair record replay <folder>``) later writes the
journal into a store: the same parent and trial runs, metrics and artifacts a normal run writes.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.errors import SysfairError
from sysfair.experiment import record as rec
from sysfair.experiment.runs import _from_json, _to_json
from sysfair.experiment.tracking import MlflowLogger
from sysfair.experiment.trials import TrialResult
from sysfair.system.oracle import OracleFront

__all__ = [
    "Journal",
    "Recorder",
    "StoreLost",
    "journal_folder",
    "one_line",
    "read_journal",
    "replay_command",
]

log = logging.getLogger(__name__)
VERSION = 1


class StoreLost(SysfairError):
    """The tracking store failed during the run; every finished trial is in the journal."""

    def __init__(self, uri: str, reason: str, journal: Path, kept: int, total: int) -> None:
        super().__init__(
            f"the tracking store {uri} failed during the run ({reason}); all {kept} of {total} finished "
            f"trials are kept in the journal {journal}: write them to a store with "
            f"`{replay_command(journal.parent, uri)}`"
        )
        self.uri, self.reason, self.journal, self.kept, self.total = uri, reason, journal, kept, total


def replay_command(folder: Path, uri: str) -> str:
    return f"sysfair record replay {folder} --tracking-uri {uri}"


def journal_folder(output_dir: str | None, uri: str, launch_dir: Path, name: str) -> Path:
    """Hydra's output folder of the run; from the Python API, ``journals/<run name>/`` beside an
    SQLite store, else ``<launch_dir>/outputs/journals/<run name>/``."""
    if output_dir:
        return Path(output_dir)
    db = _sqlite_file(uri)
    return (db.parent if db is not None else launch_dir / "outputs") / "journals" / name


def _append(path: Path, entry: Mapping[str, Any]) -> None:
    """One line, written in one call on an O_APPEND descriptor, then fsync'd."""
    line = (json.dumps(entry) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _oracle_json(oracle: OracleFront | None) -> dict[str, Any] | None:
    if oracle is None:
        return None
    return {
        f.name: v.tolist() if isinstance(v := getattr(oracle, f.name), np.ndarray) else v
        for f in fields(oracle)
    }


class Journal:
    """Append-only record of one run in ``folder/journal.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def start(cls, folder: Path, header: Mapping[str, Any]) -> Journal:
        """A new journal (an earlier one in ``folder`` is kept as ``journal.<n>.jsonl``)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / rec.JOURNAL_FILE
        if path.exists():
            n = 1
            while (folder / f"journal.{n}.jsonl").exists():
                n += 1
            path.rename(folder / f"journal.{n}.jsonl")
        journal = cls(path)
        _append(path, {"kind": "header", "version": VERSION, **header})
        return journal

    def trial(self, result: TrialResult) -> None:
        _append(self.path, {"kind": "trial", "result": json.loads(_to_json(result))})

    def end(self, status: str) -> None:
        _append(self.path, {"kind": "end", "status": status})


def header(
    *,
    uri: str,
    experiment: str,
    parent: str,
    name: str,
    title: str,
    n_trials: int,
    tags: Mapping[str, str],
    child_tags: Mapping[str, str],
    params: Mapping[str, str],
    config_yaml: str,
    overrides: list[str] | None,
    audit: pd.DataFrame,
    oracle: OracleFront | None,
    reference: np.ndarray,
    labels: tuple[str, ...],
) -> dict[str, Any]:
    """Everything besides the trials that a run writes to MLflow (JSON-ready)."""
    return {
        "tracking_uri": uri,
        "experiment": experiment,
        "parent_run_id": parent,
        "run_name": name,
        "title": title,
        "n_trials": n_trials,
        "tags": dict(tags),
        "child_tags": dict(child_tags),
        "params": dict(params),
        "config_yaml": config_yaml,
        "overrides": overrides,
        "model_audit": _table_json(audit),
        "oracle": _oracle_json(oracle),
        "reference": [float(x) for x in reference],
        "label_names": list(labels),
    }


@dataclass(frozen=True)
class JournalContent:
    header: dict[str, Any]
    trials: dict[int, TrialResult]  # by trial index (a repeated index keeps its last line)
    status: str | None  # the end line's status, None if the run did not reach its end


def read_journal(path: Path) -> JournalContent:
    """Read a journal; a torn last line (the process died while writing it) is ignored."""
    head: dict[str, Any] | None = None
    trials: dict[int, TrialResult] = {}
    status = None
    lines = path.read_text().splitlines()
    for n, line in enumerate(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            if n == len(lines) - 1:
                break
            raise SysfairError(f"journal {path}: line {n + 1} is not JSON") from None
        if entry.get("kind") == "header":
            head = entry
        elif entry.get("kind") == "trial":
            result = _from_json(json.dumps(entry["result"]))
            trials[result.index] = result
        elif entry.get("kind") == "end":
            status = entry["status"]
    if head is None:
        raise SysfairError(f"journal {path} has no header line")
    return JournalContent(head, trials, status)


def _table_json(table: pd.DataFrame) -> dict[str, Any]:
    """Columns and rows of plain Python values (floats exactly: pandas' JSON keeps 15 digits)."""
    rows = [
        [v.item() if isinstance(v, np.generic) else v for v in row] for row in table.itertuples(index=False)
    ]
    return {"columns": list(table.columns), "data": rows}


def one_line(exc: BaseException) -> str:
    """The telling line of an exception's message (SQLAlchemy's wrap several lines around it)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    telling = [line for line in lines if "Error" in line or "error" in line] or lines
    text = telling[0] if telling else ""
    return (text if type(exc).__name__ in text else f"{type(exc).__name__}: {text}")[:300]


def _sqlite_file(uri: str) -> Path | None:
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Recorder:
    """Writes to the tracking store until its first failure, then stops (the journal keeps all).

    For an SQLite store, the file is checked before and after each write: a deleted or replaced
    file is a failure too (SQLite may otherwise write on into the deleted file).
    """

    def __init__(self, tracker: MlflowLogger, journal: Journal) -> None:
        self.tracker, self.journal = tracker, journal
        self.failure: str | None = None
        self._file = _sqlite_file(tracker.uri)
        self._id = None if self._file is None else _identity(self._file)

    def _check(self) -> None:
        if self._file is not None and _identity(self._file) != self._id:
            raise OSError(f"the SQLite file {self._file} was deleted or replaced")

    def write(self, fn: Callable[..., Any], *args: Any) -> None:
        """``fn(*args)`` unless the store failed before; a failure is logged once and remembered."""
        if self.failure is not None:
            return
        db_log = logging.getLogger("mlflow.store.db.utils")  # logs each failure with a traceback
        level = db_log.level
        db_log.setLevel(logging.CRITICAL)  # the failure is reported once, below, as one line
        try:
            self._check()
            fn(*args)
            self._check()
        except Exception as exc:  # MlflowException, sqlalchemy, OSError, requests ...
            self.failure = one_line(exc)
            log.warning(
                "the tracking store failed (%s): the run goes on, its trials are kept in the journal %s",
                self.failure,
                self.journal.path,
            )
        finally:
            db_log.setLevel(level)

    def end_run(self, run_id: str, status: str) -> None:
        """For :func:`sysfair.experiment.record.run_status`: the final status, if the store works."""
        self.write(self.tracker.end_run, run_id, status)
