"""The journal (issue 14, item 2): a store that disappears mid-run loses nothing; replay restores it.

The SQLite file is deleted while an experiment runs (subprocess); the run goes on into its journal
alone and ends with one line naming the journal and the replay command (exit 3); ``sysfair record
replay`` then writes the same parent and trial runs, with the same numbers, as an uninterrupted run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TINY
from faultkit import assert_same, env, finished_trials, launch, outcome, runs, wait_until
from mlflow.entities import Run

from sysfair.experiment import record as rec
from sysfair.experiment.journal import read_journal
from sysfair.experiment.runner import run_experiment

N_TRIALS = 5
ARGS = [*TINY, f"trials.n_trials={N_TRIALS}"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, float], Path, Run]:
    """The same experiment, uninterrupted, in-process; its numbers and its journal."""
    from hydra import compose, initialize_config_dir

    from sysfair.cli.app import CONF_DIR

    tmp = tmp_path_factory.mktemp("reference")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", [f"cache_dir={tmp / 'cache'}", f"tracking.uri={uri}", *ARGS])
    run_experiment(cfg, tmp)
    (parent,), trials = runs(uri)
    (journal,) = (tmp / "journals").rglob(rec.JOURNAL_FILE)
    return outcome(parent, trials), journal, parent


def _settings(parent: Run) -> tuple[dict[str, float], dict[str, str]]:
    """The parent's metrics besides timings, and its params besides where files went."""
    metrics = {k: v for k, v in parent.data.metrics.items() if "seconds" not in k}
    params = {k: v for k, v in parent.data.params.items() if not k.startswith(("tracking.", "cache_dir"))}
    return metrics, params


@pytest.mark.slow
def test_uninterrupted_run_journals_every_trial(reference) -> None:
    numbers, journal, _ = reference
    content = read_journal(journal)
    assert sorted(content.trials) == list(range(N_TRIALS)) and content.status == rec.FINISHED
    lines = journal.read_text().splitlines()
    assert [json.loads(x)["kind"] for x in lines] == ["header", *["trial"] * N_TRIALS, "end"]


@pytest.mark.slow
def test_store_deleted_mid_run_loses_nothing_and_replay_equals_uninterrupted(
    tmp_path: Path, reference
) -> None:
    db = tmp_path / "mlflow.db"
    proc = launch(tmp_path, *ARGS, f"tracking.uri=sqlite:///{db}", f"cache_dir={tmp_path / 'cache'}")
    wait_until(lambda: finished_trials(db) >= 1, 300, proc)
    db.unlink()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, err[-3000:]
    assert "Traceback" not in err + out
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    (journal,) = (tmp_path / "outputs").rglob(rec.JOURNAL_FILE)
    assert str(journal) in lines[0] and f"sysfair record replay {journal.parent}" in lines[0]
    assert f"all {N_TRIALS} of {N_TRIALS} finished trials" in lines[0]
    assert "journal of this run" in out and str(journal) in out  # the run says where, at the start
    # replay into a fresh store: the same record as the uninterrupted run
    target = f"sqlite:///{tmp_path / 'replayed.db'}"
    replay = [sys.executable, "-m", "sysfair.cli.main", "record", "replay", str(journal.parent)]
    done = subprocess.run([*replay, "--tracking-uri", target], capture_output=True, text=True, env=env())
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{N_TRIALS} trials written" in done.stdout and "(FINISHED)" in done.stdout
    (parent,), trials = runs(target)
    assert parent.info.status == rec.FINISHED and {t.info.status for t in trials} == {rec.FINISHED}
    assert sorted(int(t.data.tags[rec.TAG_TRIAL]) for t in trials) == list(range(N_TRIALS))
    assert_same(outcome(parent, trials), reference[0])
    assert _settings(parent) == _settings(reference[2])  # model audit, exact front, config: exactly
    # a second replay into the same store is refused, naming the earlier one
    again = subprocess.run([*replay, "--tracking-uri", target], capture_output=True, text=True, env=env())
    assert (
        again.returncode == 2
        and f"already replayed into {target} as run {parent.info.run_id}" in again.stderr
    )


@pytest.mark.slow
def test_replay_of_a_torn_unfinished_journal_writes_a_killed_run(tmp_path: Path, reference) -> None:
    _, journal, _ = reference
    head, *trials, _end = journal.read_text().splitlines()
    partial = tmp_path / "run" / rec.JOURNAL_FILE
    partial.parent.mkdir()
    partial.write_text("\n".join([head, *trials[:2], trials[2][:40]]) + "\n")  # torn last line
    target = f"sqlite:///{tmp_path / 'replayed.db'}"
    replay = [sys.executable, "-m", "sysfair.cli.main", "record", "replay", str(partial.parent)]
    done = subprocess.run([*replay, "--tracking-uri", target], capture_output=True, text=True, env=env())
    assert done.returncode == 0, done.stderr[-3000:]
    (parent,), kids = runs(target)
    assert parent.info.status == rec.KILLED and len(kids) == 2


def test_recorder_stops_writing_after_the_first_failure(tmp_path: Path, caplog) -> None:
    """A server that refuses writes: one warning naming the journal, then no more calls to it."""
    from sysfair.experiment.journal import Journal, Recorder

    calls: list[str] = []

    class DownServer:
        uri = "http://127.0.0.1:5000"

        def end_run(self, run_id: str, status: str) -> None:
            calls.append(status)

    def log_trial(n: int) -> None:
        calls.append(f"trial {n}")
        if n == 1:
            raise ConnectionError("HTTPConnectionPool(host='127.0.0.1', port=5000): Max retries exceeded")

    journal = Journal(tmp_path / rec.JOURNAL_FILE)
    store = Recorder(DownServer(), journal)  # type: ignore[arg-type]
    for n in range(3):
        store.write(log_trial, n)
    store.end_run("parent", rec.FINISHED)
    assert calls == ["trial 0", "trial 1"]
    assert store.failure is not None and store.failure.startswith("ConnectionError: HTTPConnectionPool")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and str(journal.path) in warnings[0]
