"""Hydra callback: tag every run of a multirun with the sweep, and build the report at the end."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def sweep_tag() -> str | None:
    """The sweep folder's name when running inside a Hydra multirun, else None."""
    try:
        hydra_cfg = HydraConfig.get()
    except ValueError:  # not running under Hydra (API use, tests)
        return None
    if str(hydra_cfg.mode) != "RunMode.MULTIRUN":
        return None
    return Path(hydra_cfg.sweep.dir).name


class SweepReport(Callback):
    """Prepares the MLflow store before a multirun's jobs start; writes the report at the end.

    Creating the store's tables and the experiment once, in the launching process, keeps parallel
    jobs (``hydra/launcher=joblib``) from racing to initialise a fresh SQLite file.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from sysfair.experiment.tracking import MlflowLogger, default_uri

        MlflowLogger(config.tracking.uri or default_uri(Path.cwd()), config.tracking.experiment)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sysfair.experiment.tracking import default_uri

        sweep_dir = Path(config.hydra.sweep.dir)
        uri = config.tracking.uri or default_uri(Path.cwd())
        try:
            from sysfair.report import build_report
        except ImportError:  # pragma: no cover - the report package ships with sysfair
            log.warning("sysfair.report is not available; no sweep report written")
            return
        out = sweep_dir / "report"
        try:
            build_report(uri, config.tracking.experiment, out, sweep_tag=sweep_dir.name)
        except Exception as exc:  # the sweep's runs are safe in MLflow; say what went wrong
            log.error(
                "sweep report failed: %s (rebuild it with `sysfair report --sweep %s`)", exc, sweep_dir.name
            )
            return
        print(f"Sweep report: {out / 'report.md'}")
