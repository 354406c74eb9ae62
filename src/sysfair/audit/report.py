"""The audit as text (printed), as a Markdown report, and as figures (matplotlib Figure objects)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib
import matplotlib.patches
import numpy as np
import pandas as pd

from sysfair.audit.decomposition import GapDecomposition
from sysfair.audit.system_audit import SystemAudit
from sysfair.plotting import styled, subplots
from sysfair.system.candidates import CandidateLog
from sysfair.system.model_audit import format_model_audit, reliability_curve

__all__ = [
    "format_audit",
    "markdown_table",
    "plot_decomposition",
    "plot_retrieval_quality",
    "plot_reliability",
    "write_report",
]

FIGURES = ("decomposition.png", "reliability.png", "retrieval_quality.png")


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


def _tables(audit: SystemAudit) -> dict[str, pd.DataFrame]:
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
    return {
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
    t = _tables(audit)
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


@styled
def plot_decomposition(audit: SystemAudit, path: Path) -> None:
    """Bars of terms (4), (5), (6) and the total gap, one cluster per pair."""
    names = ["(4) covariates of group 1", "(5) preferences on S_X", "(6) covariates of group 0", "total gap"]
    n = len(audit.decompositions)
    fig, ax = subplots(figsize=(max(7.5, 2.5 * n + 3), 4.8), dpi=120)
    width = 0.8 / len(names)
    colors = ["tab:blue", "tab:orange", "tab:green", "black"]
    for i, (name, color) in enumerate(zip(names, colors, strict=True)):
        vals = [[d.term4, d.term5, d.term6, d.total][i] for d in audit.decompositions]
        errs = [[d.se_term4, d.se_term5, d.se_term6, d.se_total][i] for d in audit.decompositions]
        x = np.arange(n) + (i - 1.5) * width
        ax.bar(
            x,
            vals,
            width,
            yerr=None if np.all(np.isnan(errs)) else 1.96 * np.nan_to_num(np.asarray(errs)),
            capsize=3,
            label=name,
            color=color,
            alpha=0.85 if i < 3 else 0.6,
            hatch="//" if i == 3 else None,
        )
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xticks(np.arange(n))
    ax.set_xticklabels([f"group {d.other} vs {d.reference} (disadv.)" for d in audit.decompositions])
    ax.set_ylabel("utility difference (utility units per session)")
    ax.set_xlabel("pair of groups")
    ax.set_title(
        "Utility gap E_1[U_1] - E_0[U_0] and its terms (4)-(6)\n"
        f"serving alpha = {audit.alpha.round(3).tolist()}"
        + ("; whiskers: ±1.96 bootstrap SE" if not np.isnan(audit.decompositions[0].se_total) else "")
    )

    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


@styled
def plot_reliability(log: CandidateLog, path: Path, *, n_bins: int = 10) -> None:
    """Reliability diagram per label (one panel each), one curve per group, valid slots only."""
    k = log.n_labels
    fig, axes = subplots(1, k, figsize=(4.2 * k, 4.0), dpi=120, squeeze=False)
    group = np.broadcast_to(log.group[:, None], log.mask.shape)[log.mask]
    for j, ax in enumerate(axes[0]):
        y, s = log.labels[..., j][log.mask], log.scores[..., j][log.mask]
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
        for g in range(log.n_groups):
            sel = group == g
            if not sel.any():
                continue
            curve = reliability_curve(y_true=y[sel], y_prob=s[sel], n_bins=n_bins)
            ax.plot(curve["mean_predicted"], curve["mean_observed"], marker="o", ms=3, label=f"group {g}")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(f"mean predicted P({log.label_names[j]} = 1)")
        ax.set_ylabel(f"observed frequency of {log.label_names[j]}")
        ax.set_title(f"Reliability of the {log.label_names[j]} scorer")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


@styled
def plot_retrieval_quality(audit: SystemAudit, path: Path) -> None:
    """Q_m per group, and over the shared space S_X of each pair."""
    groups = audit.groups[audit.groups["sessions"] > 0]
    labels = [f"group {g}" for g in groups["group"]] + [
        f"S_X ({r.reference},{r.other})" for r in audit.retrieval
    ]
    values = list(groups["q_m"]) + [r.q_shared for r in audit.retrieval]
    colors = ["tab:blue"] * len(groups) + ["tab:purple"] * len(audit.retrieval)
    fig, ax = subplots(figsize=(max(5.0, 1.2 * len(labels) + 2), 4.0), dpi=120)
    bars = ax.bar(labels, values, color=colors)
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set_ylabel("Q_m = E[max_j sum_k Y_k] (positive labels)")
    ax.set_xlabel("population")
    ax.set_title("Retrieval quality Q_m of the retrieved candidate sets")
    ax.legend(
        handles=[
            matplotlib.patches.Rectangle((0, 0), 1, 1, color="tab:blue", label="group"),
            matplotlib.patches.Rectangle((0, 0), 1, 1, color="tab:purple", label="shared space of a pair"),
        ],
        fontsize=8,
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


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


def write_report(
    audit: SystemAudit,
    log: CandidateLog,
    folder: Path,
    *,
    title: str,
    setup: Mapping[str, str],
    n_bins: int = 10,
) -> Path:
    """Write ``report.md``, the figures, the tables as CSV and ``audit.txt`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    plot_decomposition(audit, folder / "decomposition.png")
    plot_reliability(log, folder / "reliability.png", n_bins=n_bins)
    plot_retrieval_quality(audit, folder / "retrieval_quality.png")
    t = _tables(audit)
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
        DEFINITIONS,
    ]
    path = folder / "report.md"
    path.write_text("\n".join(md) + "\n")
    return path
