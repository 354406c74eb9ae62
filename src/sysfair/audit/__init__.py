"""System-level audit (paper §2-3, DESIGN.md §2): where a utility gap between groups comes from.

Modules: :mod:`~sysfair.audit.propensity` (shared-space weights), :mod:`~sysfair.audit.decomposition`
(terms 4-6), :mod:`~sysfair.audit.bounds` (Theorem 3.1), :mod:`~sysfair.audit.retrieval`
(Definition 3.2, Theorem 3.3), :mod:`~sysfair.audit.lemma` (Lemma 2.3), :mod:`~sysfair.audit.report`
(text, Markdown, figures), :mod:`~sysfair.audit.system_audit` (all of it on a CandidateLog) and
:mod:`~sysfair.audit.run` (``run_audit``: config -> report folder -> MLflow).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sysfair.audit.config import AuditConfig
    from sysfair.audit.errors import AuditError
    from sysfair.audit.run import AuditResult, run_audit
    from sysfair.audit.system_audit import SystemAudit, audit_log

__all__ = ["AuditConfig", "AuditError", "AuditResult", "SystemAudit", "audit_log", "run_audit"]

# name -> submodule; loaded on first use so that importing the config schema stays cheap
_HOMES = {
    "AuditConfig": "config",
    "AuditError": "errors",
    "AuditResult": "run",
    "run_audit": "run",
    "SystemAudit": "system_audit",
    "audit_log": "system_audit",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sysfair.audit' has no attribute {name!r}")
    return getattr(import_module(f"sysfair.audit.{_HOMES[name]}"), name)
