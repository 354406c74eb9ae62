"""Figures: Pareto fronts of (utility, DER) across trials."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np

from sysfair.plotting import styled, subplots
from sysfair.system.pareto import pareto_mask, staircase


@styled
def plot_fronts(
    points: Sequence[np.ndarray], path: Path, *, title: str, oracle: np.ndarray | None = None
) -> None:
    """Scatter every trial's ``[T, 2]`` (utility, DER) points, its front, the global front and,
    if given, the exact front ``oracle [P, 2]``."""
    fig, ax = subplots(figsize=(7, 5), dpi=120)
    cmap = matplotlib.colormaps["viridis"].resampled(max(2, len(points)))
    for i, pts in enumerate(points):
        ax.scatter(pts[:, 0], pts[:, 1], s=10, alpha=0.35, color=cmap(i))
        front = pts[pareto_mask(pts)]
        ax.step(*staircase(front), where="pre", lw=0.8, alpha=0.6, color=cmap(i))
    every = np.concatenate(points)
    glob = every[pareto_mask(every)]
    ax.step(*staircase(glob), where="pre", lw=2.2, color="crimson", label="global front")
    ax.scatter(glob[:, 0], glob[:, 1], s=30, color="crimson", zorder=3)
    if oracle is not None:
        ax.step(*staircase(oracle), where="pre", color="black", lw=1.2, ls="--", label="exact front (oracle)")
    ax.set_xlabel("utility (mean realised utility per session)", fontsize=11)
    ax.set_ylabel("DER (1 = equal utility across groups)", fontsize=11)
    ax.set_title(title, fontsize=12)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=9, title=f"{len(points)} trials (one colour each)")
    fig.tight_layout()
    fig.savefig(path)
