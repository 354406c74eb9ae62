"""The audit's figures: decomposition bars, reliability diagrams, retrieval quality (Figure objects)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.patches
import numpy as np

from sysfair.audit.system_audit import SystemAudit
from sysfair.plotting import styled, subplots
from sysfair.system.candidates import CandidateLog
from sysfair.system.model_audit import reliability_curve

__all__ = ["FIGURES", "plot_decomposition", "plot_reliability", "plot_retrieval_quality"]

FIGURES = ("decomposition.png", "reliability.png", "retrieval_quality.png")


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
