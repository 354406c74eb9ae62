"""Replay a run's journal into a tracking store (``sysfair record replay``): the same parent and
trial runs, metrics and artifacts as the run would have written (see
:mod:`sysfair.experiment.journal`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.errors import SysfairError
from sysfair.experiment import record as rec
from sysfair.experiment.journal import read_journal
from sysfair.experiment.outputs import summarise
from sysfair.experiment.runs import log_inputs, log_outcome, log_trial
from sysfair.experiment.tracking import MlflowLogger, process_tags
from sysfair.system.oracle import OracleFront

__all__ = ["find_journals", "replay"]


def _oracle_from(data: dict[str, Any] | None) -> OracleFront | None:
    if data is None:
        return None
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in data.items() if isinstance(v, list)}
    return OracleFront(**{**data, **arrays})


def find_journals(folder: Path) -> list[Path]:
    """``folder`` itself if it is a journal, else every ``journal.jsonl`` under it (a sweep)."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise SysfairError(f"no folder {folder}")
    found = sorted(folder.rglob(rec.JOURNAL_FILE))
    if not found:
        raise SysfairError(f"no {rec.JOURNAL_FILE} in {folder} (a run's output folder holds one)")
    return found


def replay(path: Path, uri: str | None = None, experiment: str | None = None) -> tuple[str, str, int]:
    """Write the journal at ``path`` into a store (default: the run's own); returns (run id, status,
    trials written). All trials there: the parent ends FINISHED with its outcome, as a full run;
    otherwise KILLED, so the same command continues it."""
    content = read_journal(path)
    h = content.header
    uri = uri or h["tracking_uri"]
    tracker = MlflowLogger(uri, experiment or h["experiment"])
    earlier = tracker.search(f"tags.{rec.TAG_REPLAYED_FROM} = '{h['parent_run_id']}'", max_results=1)
    if earlier:
        raise SysfairError(f"journal {path} was already replayed into {uri} as run {earlier[0].info.run_id}")
    tags = {**h["tags"], **process_tags(), rec.TAG_REPLAYED_FROM: h["parent_run_id"]}
    child_tags = {**h["child_tags"], **process_tags()}
    labels = tuple(h["label_names"])
    reference = np.asarray(h["reference"], dtype=np.float64)
    oracle = _oracle_from(h["oracle"])
    audit = pd.DataFrame(h["model_audit"]["data"], columns=h["model_audit"]["columns"])
    ordered = [content.trials[i] for i in sorted(content.trials)]
    complete = len(ordered) == int(h["n_trials"])
    name = h["run_name"]
    parent = tracker.start_run(name, tags=tags, params=h["params"])
    status = rec.FAILED
    try:
        log_inputs(tracker, parent, h["config_yaml"], h["overrides"], audit, oracle)
        for trial in ordered:
            log_trial(tracker, parent, name, child_tags, trial, labels, reference, oracle)
        if complete:
            summary = summarise(ordered, reference, oracle)
            log_outcome(tracker, parent, f"{h['title']}: observed (utility, DER)", ordered, summary,
                        reference, oracle, labels)  # fmt: skip
        status = rec.FINISHED if complete else rec.KILLED
    finally:
        tracker.end_run(parent, status)
    return parent, status, len(ordered)
