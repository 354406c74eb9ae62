"""The Hydra task behind ``run.py`` and ``sysfair run``: clean errors, then the experiment."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sysfair.cli.schema import register_configs
from sysfair.errors import SysfairError

register_configs()
CONF_DIR = Path(__file__).resolve().parents[3] / "conf"
log = logging.getLogger("sysfair")
POINTER = "mlflow_run.json"  # in Hydra's output folder: which MLflow run this job wrote


def _launch():  # -> sysfair.experiment.runner.Launch
    """What Hydra knows about this job: sweep, output folder, overrides."""
    from sysfair.cli.sweep import sweep_info
    from sysfair.experiment.runner import Launch

    try:
        hydra_cfg = HydraConfig.get()
    except ValueError:  # called without Hydra
        return Launch()
    info = sweep_info() or {}
    return Launch(
        sweep=info.get("sweep"),
        sweep_key=info.get("sweep_key"),
        job=info.get("job"),
        output_dir=str(hydra_cfg.runtime.output_dir),
        overrides=list(hydra_cfg.overrides.task),
    )


def _point(output_dir: str | None, run_id: str, uri: str, experiment_id: str, status: str) -> None:
    """Write where this job's MLflow run is into Hydra's output folder (the run's
    ``hydra_output_dir`` tag points back)."""
    if not output_dir:
        return
    from sysfair.experiment.tracking import runs_url

    base = uri if uri.startswith(("http://", "https://")) else "http://127.0.0.1:5000"
    pointer = {
        "run_id": run_id,
        "tracking_uri": uri,
        "experiment_id": experiment_id,
        "runs_table": runs_url(base, experiment_id),
        "status": status,
    }
    (Path(output_dir) / POINTER).write_text(json.dumps(pointer, indent=2) + "\n")


def _check_store(cfg: DictConfig) -> None:
    """The tracking store first: a bad or unreachable ``tracking.uri`` fails before any work."""
    from sysfair.experiment.store import check_tracking_uri, prepare_store
    from sysfair.experiment.tracking import default_uri

    uri = cfg.tracking.uri or default_uri(Path.cwd())
    check_tracking_uri(uri)
    prepare_store(uri)


def task(cfg: DictConfig) -> float:
    """Run one experiment (or, with ``mode=audit``, one system audit).

    A :class:`SysfairError` becomes a one-line message and exit code 2 (3 when the tracking store
    failed mid-run: the journal holds the trials); Ctrl-C or SIGTERM a one-line message and exit
    code 130. Inside a multirun, a failing job is recorded FAILED and the multirun goes on.
    Returns the experiment's mean hypervolume (or the audit's total gap), for Hydra sweepers that
    optimise a value (NaN for a failed multirun job).
    """
    from sysfair.experiment.interrupt import ExperimentInterrupted, closing
    from sysfair.experiment.journal import StoreLost

    launch = _launch()
    try:
        _check_store(cfg)
        if cfg.mode == "audit":
            from sysfair.audit import run_audit
            from sysfair.experiment import record as rec

            audit = run_audit(cfg)
            gap = rec.audit_metric("gap", "")
            return float(
                next((v for k, v in audit.metrics.items() if k.startswith(gap) and k.endswith("_total")), 0.0)
            )
        from sysfair.experiment.runner import format_summary, run_experiment

        result = run_experiment(cfg, launch=launch)
    except Exception as exc:
        if launch.sweep is not None:  # a multirun job: recorded FAILED, the other jobs go on
            from sysfair.cli.sweep import record_failed_job

            record_failed_job(cfg, launch, exc)
            _point(launch.output_dir, getattr(exc, "sysfair_run_id", ""), "", "", "FAILED")
            return float("nan")
        if not isinstance(exc, SysfairError):
            raise  # a bug: the traceback
        print(f"sysfair: error: {exc}", file=sys.stderr)
        sys.exit(3 if isinstance(exc, StoreLost) else 2)  # 3: the store failed, the journal holds all
    except ExperimentInterrupted as exc:
        closing()  # a second Ctrl-C while exiting: one line, no traceback
        log.warning(exc.message())
        _point(launch.output_dir, exc.run_id, exc.tracking_uri, exc.experiment_id, "KILLED")
        sys.exit(130)
    except KeyboardInterrupt:
        closing()
        log.warning("interrupted before any trial was recorded; nothing to keep")
        sys.exit(130)
    log.info(format_summary(result))
    _point(launch.output_dir, result.run_id, result.tracking_uri, result.experiment_id, result.status)
    return float(result.summary.loc["hypervolume", "mean"])
