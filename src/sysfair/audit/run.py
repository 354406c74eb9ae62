"""``run_audit``: compose -> CandidateLog -> audit -> printed tables, report folder, MLflow run."""

from __future__ import annotations

import math
import os
import re
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
from sysfair.experiment.tracking import MlflowLogger, default_uri, flatten, git_commit, ui_command

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


def _key(text: str) -> str:
    """A metric-name-safe version of a label name."""
    return re.sub(r"[^0-9A-Za-z_\-./ ]", "_", text)


def audit_summary_metrics(audit: SystemAudit) -> dict[str, float]:
    """Every audit number as a flat ``{name: value}`` for MLflow (finite values only)."""
    out: dict[str, float] = {"utility": audit.system["utility"], "der": audit.system["der"]}
    for r in audit.groups.itertuples(index=False):
        row = r._asdict()
        g = row.pop("group")
        for col, value in row.items():
            out[f"group{g}.{_key(col)}"] = value
    for d in audit.decompositions:
        p = f"gap.{d.reference}_{d.other}"
        for name in ("total", "term4", "term5", "term6", "residual", "effective_sample_size"):
            out[f"{p}.{name}"] = getattr(d, name)
        out[f"{p}.mean_reference"], out[f"{p}.mean_other"] = d.mean_reference, d.mean_other
        for name in ("total", "term4", "term5", "term6"):
            se = getattr(d, f"se_{name}")
            if not math.isnan(se):  # the bootstrap ran
                out[f"{p}.se_{name}"] = se
    for b in audit.bounds:
        p = f"bound.{b.reference}_{b.other}"
        out[f"{p}.total"], out[f"{p}.best_scale"], out[f"{p}.respected"] = (
            b.bound,
            b.bound_best_scale,
            float(b.respected),
        )
        for r in b.per_label.itertuples(index=False):
            out[f"{p}.{_key(r.label)}"] = r.bound
    for g in audit.retrieval:
        p = f"retrieval.{g.reference}_{g.other}"
        out[f"{p}.q_shared"], out[f"{p}.epsilon"] = g.q_shared, g.epsilon
        out[f"{p}.lower_bound"], out[f"{p}.measured"], out[f"{p}.holds"] = (
            g.lower_bound,
            g.measured,
            float(g.holds),
        )
    for r in audit.lemma.itertuples(index=False):
        p = f"lemma.group{r.group}"
        out[f"{p}.at_alpha_star"], out[f"{p}.best"] = r.utility_at_alpha_star, r.best_utility
        out[f"{p}.relative_regret"], out[f"{p}.holds"] = r.relative_regret, float(r.holds)
    for r in audit.model.itertuples(index=False):
        for col in ("auc", "ece"):
            out[f"model.{_key(r.label)}.group_{r.group}.{col}"] = getattr(r, col)
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
    from sysfair.experiment.config import check_config
    from sysfair.experiment.runner import candidate_log

    launch_dir = Path(launch_dir or os.getcwd())
    obj, audit_cfg = _objects(cfg)
    check_config(obj)
    audit_cfg.check(obj.dataset.n_labels)
    log = candidate_log(obj, launch_dir)

    uri = obj.tracking.uri or default_uri(launch_dir)
    tracker = MlflowLogger(uri, obj.tracking.experiment)
    tags = {
        "mode": "audit",
        "dataset": obj.dataset.name,
        "scorer": obj.scorer.name,
        "retriever": obj.retriever.name,
        "git_commit": git_commit(),
    }
    name = obj.tracking.run_name or f"{obj.dataset.name}-audit"
    run_id = tracker.start_run(name, tags=tags, params=flatten(OmegaConf.to_container(cfg, resolve=True)))
    status = "FAILED"
    try:
        audit = audit_log(
            log, preferences=np.asarray(obj.preferences.weights), config=audit_cfg, seed=obj.seed
        )
        text = format_audit(audit)
        print(f"\nSystem audit of {obj.dataset.name} / {obj.scorer.name} / {obj.retriever.name}:\n{text}\n")
        out_root = Path(audit_cfg.output_dir)
        if not out_root.is_absolute():
            out_root = launch_dir / out_root
        stamp = time.strftime("%Y%m%d-%H%M%S")
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
        )
        (folder / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
        metrics = audit_summary_metrics(audit)
        tracker.log_summary(run_id, metrics)
        tracker.log_artifacts(run_id, folder)
        print(f"Report: {folder / 'report.md'}\nMLflow run {run_id}. Open it with:\n  {ui_command(uri)}")
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    finally:
        tracker.end_run(run_id, status)
        sys.stdout.flush()
    return AuditResult(audit, text, folder, run_id, uri, metrics)
