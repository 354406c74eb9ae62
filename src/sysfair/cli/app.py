"""The Hydra task behind ``run.py`` and ``sysfair run``: clean errors, then the experiment."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from omegaconf import DictConfig

from sysfair.cli.schema import register_configs
from sysfair.errors import SysfairError

register_configs()
CONF_DIR = Path(__file__).resolve().parents[3] / "conf"
log = logging.getLogger("sysfair")


def _check_store(cfg: DictConfig) -> None:
    """The tracking store first: a bad or unreachable ``tracking.uri`` fails before any work."""
    from sysfair.experiment.store import check_tracking_uri, prepare_store
    from sysfair.experiment.tracking import default_uri

    uri = cfg.tracking.uri or default_uri(Path.cwd())
    check_tracking_uri(uri)
    prepare_store(uri)


def task(cfg: DictConfig) -> float:
    """Run one experiment (or, with ``mode=audit``, one system audit).

    A :class:`SysfairError` becomes a one-line message and exit code 2. Returns the experiment's
    mean hypervolume (or the audit's total gap), for Hydra sweepers that optimise a value.
    """
    try:
        _check_store(cfg)
        if cfg.mode == "audit":
            from sysfair.audit import run_audit

            audit = run_audit(cfg)
            return float(next((v for k, v in audit.metrics.items() if k.endswith(".total")), 0.0))
        from sysfair.cli.sweep import sweep_tag
        from sysfair.experiment.runner import format_summary, run_experiment

        result = run_experiment(cfg, sweep=sweep_tag())
    except SysfairError as exc:
        print(f"sysfair: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(format_summary(result, cfg.trials.n_trials))
    return float(result.summary.loc["hypervolume", "mean"])
