"""The audit as a Markdown report folder: tables (:mod:`.tables`) and figures (:mod:`.figures`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sysfair.audit.figures import FIGURES, plot_decomposition, plot_reliability, plot_retrieval_quality
from sysfair.audit.system_audit import SystemAudit
from sysfair.audit.tables import audit_tables, format_audit, markdown_table
from sysfair.data.paper_tables import format_paper_auc_table, paper_auc_table, paper_dataset
from sysfair.system.candidates import CandidateLog
from sysfair.system.model_audit import format_model_audit

__all__ = ["FIGURES", "format_audit", "write_report"]


DEFINITIONS = """\
## Definitions and conventions

- **Utility** of group g: mean over its sessions of sum_k alpha*_k(g) Y_k for the served item
  (realised labels); the served item is argmax_j sum_k alpha_k f_k (lowest slot on ties).
- **Pairs**, oriented as the paper's Section 3.1: in each pair **group 0 is the disadvantaged
  group** (`audit.disadvantaged_group`; `auto`: the group with the lower utility at the audited
  alpha, ties to the lower id) and the gap is E_1[U_1] - E_0[U_0] (>= 0 under `auto`).
- **Shared space** S_X: pooled sessions of the pair weighted by ab/(a+b), a = e/pi, b = (1-e)/(1-pi),
  e(x) = P(G = 1 | x) from the propensity model (cross-fitted), pi = share of group 1. Every
  session is valued under both groups' weights (Y | X is group invariant).
- **Terms**: (4) = E_1[U_1] - E_S[U_1] (group 1's covariates), (5) = E_S[U_1 - U_0] (preferences),
  (6) = E_S[U_0] - E_0[U_0] (group 0's covariates). They add up to the gap exactly.
- **Theorem 3.1**: |(5)| <= sum_k E_S[|alpha*_k(1) - alpha*_k(0)| |Y_k - f_k|]
  + E_S[|alpha_k - alpha*_k(0)| f_k] + E_S[|alpha_k - alpha*_k(1)| f_k];
  also shown at the scale c * alpha minimising it.
- **Retrieval quality** Q_m = E[max over retrieved j of sum_k Y_k^j]; epsilon = Q_m(group 1) - Q_m(S_X);
  Theorem 3.3 lower bound epsilon * min_k alpha*_k(1) on term (4) (a diagnostic: the theorem
  assumes an ideal serving stage; informative only for epsilon > 0).
- **Lemma 2.3**: group g's utility at alpha = alpha*(g) against the best direction on a simplex grid.
"""


def _hidden_section(table: pd.DataFrame) -> list[str]:
    """Appendix D's section (empty without a hidden outcome)."""
    if table.empty:
        return []
    return [
        "## Hidden outcome (Appendix D)",
        "",
        "An outcome the groups value (alpha*_h) but no scorer models, so serving cannot trade it "
        "off. Its part of the gap is alpha*_h(1) E_1[Y_h] - alpha*_h(0) E_0[Y_h] (Y_h of the "
        "served item); the observable labels account for the rest.",
        "",
        markdown_table(table),
        "",
    ]


def _paper_auc_section(audit: SystemAudit, folder: Path, dataset: str | None) -> list[str]:
    """Our AUC next to the paper's Table 1-4 (nothing if the paper has no table for ``dataset``)."""
    if dataset is None or paper_dataset(dataset) is None:
        return []
    try:
        table = paper_auc_table(audit.model, dataset)
    except ValueError as exc:
        return [f"No comparison with the paper's AUC table: {exc}", ""]
    table.to_csv(folder / "paper_auc.csv", index=False)
    text = format_paper_auc_table(table, paper_dataset(dataset) or dataset)
    return [
        "### Against the paper's Tables 1-4 (majority = the paper's 80% group)",
        "",
        "```",
        text,
        "```",
        "",
    ]


def write_report(
    audit: SystemAudit,
    log: CandidateLog,
    folder: Path,
    *,
    title: str,
    setup: Mapping[str, str],
    n_bins: int = 10,
    dataset: str | None = None,
) -> Path:
    """Write ``report.md``, the figures, the tables as CSV and ``audit.txt`` into ``folder``.

    ``dataset``: sysfair's dataset name; when the paper has an AUC table for it (Tables 1-4),
    the model-level section shows ours next to the paper's (also ``paper_auc.csv``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    plot_decomposition(audit, folder / "decomposition.png")
    plot_reliability(log, folder / "reliability.png", n_bins=n_bins)
    plot_retrieval_quality(audit, folder / "retrieval_quality.png")
    t = audit_tables(audit)
    hidden = t.pop("hidden")  # Appendix D: a table only with a hidden outcome
    if not hidden.empty:
        hidden.to_csv(folder / "hidden.csv", index=False)
    for name, df in t.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    audit.model.to_csv(folder / "model_audit.csv", index=False)
    (folder / "audit.txt").write_text(format_audit(audit) + "\n")
    checks = "\n".join(
        f"- pair ({d.reference}, {d.other}): (4) + (5) + (6) = {d.term4 + d.term5 + d.term6:+.10f}, "
        f"total gap = {d.total:+.10f}, |difference| = {abs(d.residual):.1e}"
        for d in audit.decompositions
    )
    md = [
        f"# {title}",
        "",
        "## Setup",
        "",
        *[f"- **{k}**: {v}" for k, v in setup.items()],
        "",
        "## Per group",
        "",
        markdown_table(t["groups"]),
        "",
        "## System",
        "",
        markdown_table(t["system"]),
        "",
        "## Utility-gap decomposition (eqs. 4-6)",
        "",
        markdown_table(t["decomposition"]),
        "",
        "Sum check:",
        "",
        checks,
        "",
        "![decomposition](decomposition.png)",
        "",
        *_hidden_section(hidden),
        "## Preference-misspecification bound (Theorem 3.1)",
        "",
        markdown_table(t["bounds"]),
        "",
        markdown_table(t["bound_check"]),
        "",
        "## Retrieval quality (Definition 3.2, Theorem 3.3)",
        "",
        markdown_table(t["retrieval"]),
        "",
        "![retrieval quality](retrieval_quality.png)",
        "",
        "## Lemma 2.3 check",
        "",
        markdown_table(t["lemma"]),
        "",
        "## Model-level audit (per label and group)",
        "",
        "```",
        format_model_audit(audit.model),
        "```",
        "",
        "![reliability](reliability.png)",
        "",
        *_paper_auc_section(audit, folder, dataset),
        DEFINITIONS,
    ]
    path = folder / "report.md"
    path.write_text("\n".join(md) + "\n")
    return path
