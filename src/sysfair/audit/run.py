"""``run_audit``: compose -> CandidateLog -> audit -> printed tables, report folder, MLflow run."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sysfair.audit.config import AuditConfig
from sysfair.audit.report import format_audit, write_report
from sysfair.audit.system_audit import SystemAudit, audit_log
from sysfair.experiment import record as rec
from sysfair.experiment.tracking import (
    MlflowLogger,
    default_uri,
    flatten,
    process_tags,
    standard_tags,
    ui_command,
)

__all__ = ["AuditResult", "audit_summary_metrics", "run_audit"]


@dataclass(frozen=True)
class AuditResult:
    """What :func:`run_audit` produced: the numbers, the printed text, the report and the run."""

    audit: SystemAudit
    text: str
    report_dir: Path
    run_id: str
    tracking_uri: str
    metrics: dict[str, float]


logger = logging.getLogger(__name__)


def audit_summary_metrics(audit: SystemAudit) -> dict[str, float]:
    """Every audit number as a flat ``{name: value}`` for MLflow (finite values only); names from
    :mod:`sysfair.experiment.record`: ``outcome/...`` findings, ``setting/model/...`` inputs."""
    m = rec.audit_metric
    out: dict[str, float] = {m(None, "utility"): audit.system["utility"], m(None, "der"): audit.system["der"]}
    for r in audit.groups.itertuples(index=False):
        row = r._asdict()
        g = row.pop("group")
        for col, value in row.items():
            out[m("groups", f"group{g}_{col}")] = value
    for d in audit.decompositions:
        p = f"{d.reference}_{d.other}"
        for name in ("total", "term4", "term5", "term6", "residual", "effective_sample_size"):
            out[m("gap", f"{p}_{name}")] = getattr(d, name)
        out[m("gap", f"{p}_mean_reference")], out[m("gap", f"{p}_mean_other")] = (
            d.mean_reference,
            d.mean_other,
        )
        for name in ("total", "term4", "term5", "term6"):
            se = getattr(d, f"se_{name}")
            if not math.isnan(se):  # the bootstrap ran
                out[m("gap", f"{p}_se_{name}")] = se
    for h in audit.hidden:  # Appendix D
        p = f"{h.reference}_{h.other}"
        out[m("gap", f"{p}_hidden")], out[m("gap", f"{p}_observable")] = h.hidden_gap, h.observable_gap
    for b in audit.bounds:
        p = f"{b.reference}_{b.other}"
        out[m("bound", f"{p}_total")] = b.bound
        out[m("bound", f"{p}_best_scale")] = b.bound_best_scale
        out[m("bound", f"{p}_respected")] = float(b.respected)
        for r in b.per_label.itertuples(index=False):
            out[m("bound", f"{p}_{r.label}")] = r.bound
    for g in audit.retrieval:
        p = f"{g.reference}_{g.other}"
        for name in ("q_shared", "epsilon", "lower_bound", "measured"):
            out[m("retrieval", f"{p}_{name}")] = getattr(g, name)
        out[m("retrieval", f"{p}_holds")] = float(g.holds)
    for r in audit.lemma.itertuples(index=False):
        p = f"group{r.group}"
        out[m("lemma", f"{p}_at_alpha_star")], out[m("lemma", f"{p}_best")] = (
            r.utility_at_alpha_star,
            r.best_utility,
        )
        out[m("lemma", f"{p}_relative_regret")], out[m("lemma", f"{p}_holds")] = (
            r.relative_regret,
            float(r.holds),
        )
    for r in audit.model.itertuples(index=False):
        for col in ("auc", "ece"):
            out[rec.model_metric(r.label, r.group, col)] = getattr(r, col)
    return {k: float(v) for k, v in out.items() if np.isfinite(float(v))}


def _objects(cfg: DictConfig) -> tuple[Any, AuditConfig]:
    """The typed config and its audit node (works before and after ``audit`` joins Config)."""
    if "audit" not in cfg:
        raise ValueError("the config has no 'audit' node; compose with the audit group (audit=default)")
    node = cfg.audit
    audit = OmegaConf.to_object(node) if OmegaConf.get_type(node) is AuditConfig else None
    if audit is None:
        audit = AuditConfig(**OmegaConf.to_container(node, resolve=True))  # type: ignore[arg-type]
    try:
        obj = OmegaConf.to_object(cfg)
    except Exception:  # Config does not declare `audit` yet: convert the other nodes one by one
        obj = SimpleNamespace(
            **{
                k: (OmegaConf.to_object(v) if OmegaConf.is_config(v) else v)
                for k, v in cfg.items()
                if k != "audit"
            }
        )
    return obj, audit


def run_audit(cfg: DictConfig, launch_dir: str | Path | None = None) -> AuditResult:
    """Audit ``cfg.audit.alpha`` on the system ``cfg`` composes; print, write a report, log to MLflow.

    The CandidateLog comes from :func:`sysfair.experiment.candidate_log` (cached like experiments).
    The report folder is ``<launch_dir>/<audit.output_dir>/<dataset>-<retriever>-<time>-<run>``.
    One MLflow run tagged ``mode=audit`` holds the metrics and the report folder; it is marked
    FAILED if anything raises after it started (KILLED on Ctrl-C).
    """
    from sysfair.experiment.candidates import candidate_log
    from sysfair.experiment.config import check_config
    from sysfair.experiment.console import ensure_console_logging

    ensure_console_logging()
    launch_dir = Path(launch_dir or os.getcwd())
    obj, audit_cfg = _objects(cfg)
    check_config(obj)
    audit_cfg.check(obj.dataset.n_labels)
    log = candidate_log(obj, launch_dir)

    uri = obj.tracking.uri or default_uri(launch_dir)
    tracker = MlflowLogger(uri, obj.tracking.experiment)
    tags = {
        rec.TAG_MODE: rec.MODE_AUDIT,
        rec.TAG_DATASET: obj.dataset.name,
        rec.TAG_SCORER: obj.scorer.name,
        rec.TAG_RETRIEVER: obj.retriever.name,
        **standard_tags(),
        **process_tags(),
    }
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = obj.tracking.run_name or f"audit-{obj.dataset.name}-{obj.retriever.name}-{stamp}"
    run_id = tracker.start_run(name, tags=tags, params=flatten(OmegaConf.to_container(cfg, resolve=True)))
    with rec.run_status(tracker, run_id):
        audit = audit_log(
            log, preferences=np.asarray(obj.preferences.weights), config=audit_cfg, seed=obj.seed
        )
        text = format_audit(audit)
        logger.info(
            "\nSystem audit of %s / %s / %s:\n%s\n",
            obj.dataset.name,
            obj.scorer.name,
            obj.retriever.name,
            text,
        )
        out_root = Path(audit_cfg.output_dir)
        if not out_root.is_absolute():
            out_root = launch_dir / out_root
        folder = out_root / f"{obj.dataset.name}-{obj.retriever.name}-{stamp}-{run_id[:8]}"
        setup = {
            "dataset": obj.dataset.name,
            "scorer": obj.scorer.name,
            "retriever": f"{obj.retriever.name} (m = {obj.retriever.m})",
            "sessions": str(log.n_sessions),
            "audited alpha": str(audit.alpha.round(4).tolist()),
            "preferences alpha*(g)": str(np.asarray(obj.preferences.weights).tolist()),
            "propensity model": f"{audit_cfg.propensity} ({audit_cfg.propensity_folds}-fold cross-fitted)",
            "MLflow run": f"{run_id} ({uri})",
        }
        (folder.parent).mkdir(parents=True, exist_ok=True)
        write_report(
            audit,
            log,
            folder,
            title=f"System audit: {obj.dataset.name}",
            setup=setup,
            n_bins=audit_cfg.n_bins,
            dataset=obj.dataset.name,
        )
        (folder / rec.ART_CONFIG).write_text(OmegaConf.to_yaml(cfg, resolve=True))
        metrics = audit_summary_metrics(audit)
        tracker.log_summary(run_id, metrics)
        tracker.log_artifacts(run_id, folder)
        where = ui_command(uri, tracker.experiment_id).replace("\n", "\n  ")
        logger.info("Report: %s\nMLflow run %s. Open it with:\n  %s", folder / "report.md", run_id, where)
    sys.stdout.flush()
    return AuditResult(audit, text, folder, run_id, uri, metrics)
