"""The audit's tables, and the audit as printed text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sysfair.audit.decomposition import GapDecomposition
from sysfair.audit.system_audit import SystemAudit

__all__ = ["audit_tables", "format_audit", "markdown_table", "text_table"]


def _fmt(value: object, digits: int = 4) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return "nan" if not np.isfinite(value) else f"{value:.{digits}f}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_fmt(v, 3) for v in value) + ")"
    return str(value)


def markdown_table(df: pd.DataFrame, digits: int = 4) -> str:
    """A pipe table of ``df`` (no external dependency)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v, digits) for v in row) + " |")
    return "\n".join(lines)


def text_table(df: pd.DataFrame, digits: int = 4) -> str:
    """Fixed-width text table of ``df``."""
    cells = [[str(c) for c in df.columns]] + [
        [_fmt(v, digits) for v in row] for row in df.itertuples(index=False)
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _standard_errors(d: GapDecomposition) -> str:
    """``"0.0040 / 0.0021 / 0.0035 / 0.0019"``, or ``"-"`` without a bootstrap."""
    values = (d.se_total, d.se_term4, d.se_term5, d.se_term6)
    return "-" if all(np.isnan(values)) else " / ".join(f"{x:.4f}" for x in values)


def audit_tables(audit: SystemAudit) -> dict[str, pd.DataFrame]:
    """Every section's table, shared by the text and the Markdown output."""
    dec = pd.DataFrame(
        [
            {
                "pair (group 0, group 1)": f"({d.reference}, {d.other})",
                "E_0[U_0]": d.mean_reference,
                "E_1[U_1]": d.mean_other,
                "gap E_1[U_1]-E_0[U_0]": d.total,
                "(4) E_1[U_1]-E_S[U_1]": d.term4,
                "(5) E_S[U_1-U_0]": d.term5,
                "(6) E_S[U_0]-E_0[U_0]": d.term6,
                "(4)+(5)+(6)": d.term4 + d.term5 + d.term6,
                "residual": f"{d.residual:.1e}",
                "ESS of S_X": d.effective_sample_size,
                "bootstrap SE gap / (4) / (5) / (6)": _standard_errors(d),
            }
            for d in audit.decompositions
        ]
    )
    bound_rows = []
    for b in audit.bounds:
        for r in b.per_label.itertuples(index=False):
            bound_rows.append({"pair": f"({b.reference}, {b.other})", **r._asdict()})
        bound_rows.append(
            {
                "pair": f"({b.reference}, {b.other})",
                "label": "total",
                "misspecification": float(b.per_label["misspecification"].sum()),
                "serving_vs_reference": float(b.per_label["serving_vs_reference"].sum()),
                "serving_vs_other": float(b.per_label["serving_vs_other"].sum()),
                "bound": b.bound,
                "bound_best_scale": b.bound_best_scale,
            }
        )
    bounds = pd.DataFrame(bound_rows)
    checks = pd.DataFrame(
        [
            {
                "pair": f"({b.reference}, {b.other})",
                "|term (5)|": abs(b.term5),
                "bound (alpha as given)": b.bound,
                "best scale c": b.scale,
                "bound (c * alpha)": b.bound_best_scale,
                "respected": b.respected,
            }
            for b in audit.bounds
        ]
    )
    retrieval = pd.DataFrame(
        [
            {
                "pair": f"({g.reference}, {g.other})",
                "Q_m group 0": g.q_reference,
                "Q_m group 1": g.q_other,
                "Q_m S_X": g.q_shared,
                "epsilon": g.epsilon,
                "min alpha*(1)": g.min_preference_other,
                "bound eps*min": g.lower_bound,
                "term (4)": g.measured,
                "informative": g.informative,
                "holds": g.holds,
            }
            for g in audit.retrieval
        ]
    )
    system = pd.DataFrame(
        [
            {
                "alpha": audit.alpha.round(4).tolist(),
                "utility": audit.system["utility"],
                "DER": audit.system["der"],
                "sessions": int(audit.system["sessions"]),
            }
        ]
    )
    hidden = pd.DataFrame(
        [
            {
                "pair (group 0, group 1)": f"({h.reference}, {h.other})",
                "alpha*_h(0)": h.weight_reference,
                "alpha*_h(1)": h.weight_other,
                "E_0[Y_h]": h.rate_reference,
                "E_1[Y_h]": h.rate_other,
                "gap": h.total,
                "hidden part": h.hidden_gap,
                "observable part": h.observable_gap,
                "hidden share": h.share,
            }
            for h in audit.hidden
        ]
    )
    return {
        "hidden": hidden,
        "groups": audit.groups,
        "system": system,
        "decomposition": dec,
        "bounds": bounds,
        "bound_check": checks,
        "retrieval": retrieval,
        "lemma": audit.lemma,
    }


def _disadvantaged_text(audit: SystemAudit) -> str:
    """Which group is group 0 in each pair, in words."""
    return ", ".join(f"group {d.reference} vs group {d.other}" for d in audit.decompositions)


def format_audit(audit: SystemAudit) -> str:
    """The printed audit: every table plus the decomposition's sum check."""
    t = audit_tables(audit)
    out = [
        "Per group (utility under the group's own alpha*, Q_m = retrieval quality, AUC/ECE per label):",
        text_table(t["groups"]),
        "",
        "System:",
        text_table(t["system"]),
        "",
        f"Utility-gap decomposition, paper orientation (group 0 = disadvantaged group of each pair: "
        f"{_disadvantaged_text(audit)}; S_X from {audit.propensity}):",
        text_table(t["decomposition"]),
    ]
    for d in audit.decompositions:
        out.append(
            f"  check ({d.reference}, {d.other}): (4) + (5) + (6) = {d.term4:+.6f} {d.term5:+.6f} "
            f"{d.term6:+.6f} = {d.term4 + d.term5 + d.term6:+.10f}; total gap = {d.total:+.10f}; "
            f"|difference| = {abs(d.residual):.1e}"
        )
    if audit.hidden:
        out += [
            "",
            "Hidden outcome (Appendix D; valued, never scored): its part of the gap "
            "alpha*_h(1) E_1[Y_h] - alpha*_h(0) E_0[Y_h]:",
            text_table(t["hidden"]),
        ]
    out += [
        "",
        "Theorem 3.1 per label over S_X (bound on |term (5)|):",
        text_table(t["bounds"]),
        text_table(t["bound_check"]),
        "",
        "Retrieval quality (Definition 3.2) and Theorem 3.3 (term (4) >= epsilon * min_k alpha*_k(1)):",
        text_table(t["retrieval"]),
        "",
        "Lemma 2.3 check (group utility at alpha*(g) vs the best direction on the grid):",
        text_table(t["lemma"]),
    ]
    return "\n".join(out)
