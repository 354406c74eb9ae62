"""Hydra callback: identify a multirun across reruns, prepare the store, build the report at the end.

A multirun that is run again (the same overrides) finds its earlier jobs in MLflow by the
``sweep_key`` tag: finished jobs are skipped, interrupted ones continued, and the new sweep
folder reuses the first run's ``sweep`` tag, so the report covers every job.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)

_STATE = "sysfair_sweep.json"  # written into the sweep folder for the jobs to read
_NOT_KEY = ("hydra.", "hydra/", "trials.n_jobs=", "trials.resume=", "progress=")


def sweep_key(overrides: list[str], sweeper_params: Any) -> str:
    """Hash of a multirun's command: its overrides (speed-only ones left out) and sweep params."""
    kept = sorted(o for o in overrides if not o.lstrip("+~").startswith(_NOT_KEY))
    text = json.dumps([kept, sweeper_params], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sweep_info() -> dict[str, str] | None:
    """``{"sweep": tag, "sweep_key": key, "job": n}`` inside a Hydra multirun job, else None."""
    try:
        hydra_cfg = HydraConfig.get()
    except ValueError:  # not running under Hydra (API use, tests)
        return None
    if str(hydra_cfg.mode) != "RunMode.MULTIRUN":
        return None
    sweep_dir = Path(hydra_cfg.sweep.dir)
    info = {"sweep": sweep_dir.name}
    state = sweep_dir / _STATE
    if state.is_file():
        info.update(json.loads(state.read_text()))
    info["job"] = str(hydra_cfg.job.num)
    return info


def sweep_tag() -> str | None:
    """The sweep tag when running inside a Hydra multirun, else None."""
    info = sweep_info()
    return None if info is None else info["sweep"]


class SweepReport(Callback):
    """Prepares the MLflow store and the sweep's identity before a multirun's jobs start; writes
    the report at the end.

    Creating the store's tables and the experiment once, in the launching process, keeps parallel
    jobs (``hydra/launcher=joblib``) from racing to initialise a fresh SQLite file.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from sysfair.experiment import record as rec
        from sysfair.experiment.tracking import MlflowLogger, default_uri

        tracker = MlflowLogger(config.tracking.uri or default_uri(Path.cwd()), config.tracking.experiment)
        params = config.hydra.sweeper.get("params")
        key = sweep_key(
            list(config.hydra.overrides.task),
            None if params is None else OmegaConf.to_container(params, resolve=False),
        )
        sweep_dir = Path(config.hydra.sweep.dir)
        earlier = tracker.search(f"tags.{rec.TAG_SWEEP_KEY} = '{key}'", max_results=1)
        tag = earlier[0].data.tags.get(rec.TAG_SWEEP, sweep_dir.name) if earlier else sweep_dir.name
        if earlier:
            log.info("this multirun ran before as sweep %s: finished jobs are skipped, others continued", tag)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        (sweep_dir / _STATE).write_text(json.dumps({"sweep": tag, "sweep_key": key}))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sysfair.experiment.tracking import default_uri

        sweep_dir = Path(config.hydra.sweep.dir)
        state = sweep_dir / _STATE
        tag = json.loads(state.read_text())["sweep"] if state.is_file() else sweep_dir.name
        uri = config.tracking.uri or default_uri(Path.cwd())
        try:
            from sysfair.report import build_report
        except ImportError:  # pragma: no cover - the report package ships with sysfair
            log.warning("sysfair.report is not available; no sweep report written")
            return
        out = sweep_dir / "report"
        try:
            build_report(uri, config.tracking.experiment, out, sweep_tag=tag)
        except Exception as exc:  # the sweep's runs are safe in MLflow; say what went wrong
            log.error("sweep report failed: %s (rebuild it with `sysfair report --sweep %s`)", exc, tag)
            return
        log.info("Sweep report: %s", out / "report.md")
