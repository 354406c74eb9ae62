"""Report figures: Pareto fronts per method (Figure 4), the scalarised comparison (Figure 3) and
utility / DER surfaces over alpha (Figures 5-8)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from sysfair.plotting import styled, subplots
from sysfair.report.stats import VALUE_COLUMNS
from sysfair.report.surfaces import Surface
from sysfair.system.pareto import pareto_mask, staircase

__all__ = ["plot_comparison", "plot_method_fronts", "plot_surfaces"]

UTILITY_LABEL = "utility (mean realised utility per session, weighted labels)"
DER_LABEL = "DER (1 = equal utility across groups, unitless)"
_MARKERS = "osD^vP*Xh<>"


def _colours(methods: list[str]) -> dict[str, tuple[float, ...]]:
    cmap = matplotlib.colormaps["tab10"]
    return {m: cmap(i % 10) for i, m in enumerate(methods)}


@styled
def plot_method_fronts(
    points: pd.DataFrame,
    methods: list[str],
    global_front: np.ndarray,
    shares: pd.DataFrame,
    path: Path,
    *,
    title: str,
    oracle: pd.DataFrame | None = None,
    values: str = "observed",
) -> None:
    """Every method's points and its front across trials, and the global front.

    ``values="exact"`` draws the noise-free values and, when given, the exact front over alpha
    (``oracle``); ``observed`` draws the noisy batch values, never against the noise-free front.
    """
    colours = _colours(methods)
    share = shares.set_index("method")["share"]
    fig, ax = subplots(figsize=(8.5, 6), dpi=120)
    for i, method in enumerate(methods):
        part = points[points["method"] == method]
        xy = part[list(VALUE_COLUMNS[values])].to_numpy(float)
        if not len(xy):
            continue
        c, marker = colours[method], _MARKERS[i % len(_MARKERS)]
        ax.scatter(xy[:, 0], xy[:, 1], s=12, alpha=0.3, color=c, marker=marker)
        front = xy[pareto_mask(xy)]
        ax.step(
            *staircase(front),
            where="pre",
            lw=1.6,
            color=c,
            label=f"{method}: front across trials ({share.get(method, np.nan):.0%} of global front)",
        )
        ax.scatter(front[:, 0], front[:, 1], s=30, color=c, marker=marker, edgecolor="black", lw=0.4)
    if len(global_front):
        ax.step(
            *staircase(global_front),
            where="pre",
            lw=3,
            color="black",
            alpha=0.35,
            label="global front (all methods)",
        )
        ax.scatter(
            global_front[:, 0],
            global_front[:, 1],
            s=110,
            facecolor="none",
            edgecolor="black",
            lw=1.2,
            zorder=4,
        )
    if values == "exact" and oracle is not None and len(oracle):
        ax.step(
            *staircase(oracle[["utility", "der"]].to_numpy(float)),
            where="pre",
            color="crimson",
            ls="--",
            lw=1.4,
            label="exact front over alpha (oracle, noise-free)",
        )
    ax.set_xlabel(UTILITY_LABEL)
    ax.set_ylabel(DER_LABEL)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path)


@styled
def plot_comparison(per_trial: pd.DataFrame, methods: list[str], path: Path, *, title: str) -> None:
    """Mean ± 1 sd over trials per method (error bars), each trial as a dot, for up to four scores."""
    panels = [
        ("best_utility", "best utility (noise-free)", "utility per session"),
        ("best_der", "best DER (noise-free)", "DER (unitless)"),
        ("scalarised", "scalarised: max utility × DER", "utility × DER per session"),
        ("hypervolume_regret", "hypervolume regret vs oracle", "1 − HV / HV(oracle) (lower is better)"),
    ]
    panels = [p for p in panels if p[0] in per_trial and per_trial[p[0]].notna().any()]
    colours = _colours(methods)
    fig, axes = subplots(1, len(panels), figsize=(3.6 * len(panels), 4.4), dpi=120, squeeze=False)
    rng = np.random.default_rng(0)
    x = np.arange(len(methods))
    for ax, (col, name, unit) in zip(axes[0], panels, strict=True):
        for i, method in enumerate(methods):
            values = per_trial.loc[per_trial["method"] == method, col].dropna().to_numpy(float)
            if not values.size:
                continue
            sd = values.std(ddof=1) if values.size > 1 else 0.0
            ax.scatter(
                i + rng.uniform(-0.15, 0.15, values.size) + 0.12,
                values,
                s=14,
                color=colours[method],
                alpha=0.55,
                label="one trial" if i == 0 else None,
            )
            ax.errorbar(
                i - 0.12,
                values.mean(),
                yerr=sd,
                fmt="o",
                ms=8,
                capsize=6,
                lw=2,
                color="black",
                mfc=colours[method],
                label="mean ± 1 sd" if i == 0 else None,
            )
        ax.set_xticks(x, methods, rotation=30, ha="right")
        ax.set_xlim(-0.6, len(methods) - 0.4)
        ax.set_title(name)
        ax.set_ylabel(unit)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncols=2)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)


@styled
def plot_surfaces(
    surf: Surface,
    points: pd.DataFrame,
    methods: list[str],
    label_names: list[str],
    path: Path,
    *,
    title: str,
) -> None:
    """Heat maps of noise-free utility and DER over (alpha_1, alpha_2), each method's alphas on top."""
    colours = _colours(methods)
    fig, axes = subplots(1, 2, figsize=(13, 5.6), dpi=120)
    a1, a2 = (f"alpha_{n}" for n in label_names)
    extent = (surf.grid[0], surf.grid[-1], surf.grid[0], surf.grid[-1])
    for ax, values, name, cmap in (
        (axes[0], surf.utility, "utility per session", "viridis"),
        (axes[1], surf.der, "DER (1 = equal)", "magma"),
    ):
        im = ax.imshow(
            values, origin="lower", extent=extent, aspect="equal", cmap=cmap, interpolation="nearest"
        )
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=name)
        for i, method in enumerate(methods):
            part = points[points["method"] == method]
            ax.scatter(
                part[a1],
                part[a2],
                s=22,
                marker=_MARKERS[i % len(_MARKERS)],
                clip_on=False,
                facecolor=colours[method],
                edgecolor="white",
                lw=0.5,
                label=method,
                zorder=3,
            )
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_xlabel(f"α₁: weight of label {label_names[0]} (unitless)")
        ax.set_ylabel(f"α₂: weight of label {label_names[1]} (unitless)")
        ax.set_title(f"noise-free {name.split(' (')[0]} over α")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.25, 1.0), title="α tried by")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)


@styled
def plot_paper_averages(averages: pd.DataFrame, methods: list[str], path: Path, *, title: str) -> None:
    """The paper's Section 4 view: per method, mean ± 1 sd over trials of the per-trial averages
    over iterations of utility and DER (observed values), each trial as a faint dot."""
    colours = _colours(methods)
    fig, ax = subplots(figsize=(7.5, 5.5), dpi=120)
    for i, method in enumerate(methods):
        part = averages[averages["method"] == method]
        if not len(part):
            continue
        u, d = part["avg_utility"].to_numpy(float), part["avg_der"].to_numpy(float)
        c = colours[method]
        ax.scatter(u, d, s=14, alpha=0.35, color=c, marker=_MARKERS[i % len(_MARKERS)])
        ax.errorbar(
            u.mean(),
            d.mean(),
            xerr=u.std(ddof=1) if u.size > 1 else 0.0,
            yerr=d.std(ddof=1) if d.size > 1 else 0.0,
            fmt=_MARKERS[i % len(_MARKERS)],
            ms=9,
            capsize=5,
            lw=1.8,
            color=c,
            mec="black",
            label=f"{method}: mean ± 1 sd over {u.size} trials",
        )
    ax.set_xlabel("utility, average over the iterations of a trial (observed)")
    ax.set_ylabel("DER, average over the iterations of a trial (observed)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path)
