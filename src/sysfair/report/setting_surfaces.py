"""The setting's noise-free utility and DER surfaces over alpha, from its rebuilt CandidateLog."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sysfair.report.figures import plot_surfaces
from sysfair.report.runs import Setting
from sysfair.report.surfaces import rebuild_platform, surface

__all__ = ["setting_surfaces"]

SURFACE_GRID = 41
_MATCH_TOL = 1e-9  # rebuilt pool must reproduce the logged noise-free values to this


def setting_surfaces(setting: Setting, launch_dirs: list[Path], path: Path) -> tuple[Path | None, list[str]]:
    if len(setting.label_names) != 2:
        return None, [
            f"surfaces are drawn for K = 2 labels; this setting has K = {len(setting.label_names)}: skipped"
        ]
    if setting.config_yaml is None:
        return None, ["no run logged `config.yaml`: surfaces skipped"]
    try:
        platform, cache = rebuild_platform(setting.config_yaml, launch_dirs)
    except (LookupError, KeyError, ValueError, OSError) as exc:
        return None, [
            f"the CandidateLog could not be rebuilt from the cache ({exc}): surfaces skipped; "
            "run the report from the folder the experiments were launched from"
        ]
    pts = setting.points
    alphas = pts[[f"alpha_{n}" for n in setting.label_names]].to_numpy(float)
    ev = platform.evaluate(alphas)
    gap = max(
        float(np.nanmax(np.abs(ev.utility - pts["exact_utility"].to_numpy(float)))),
        float(np.nanmax(np.abs(ev.der - pts["exact_der"].to_numpy(float)))),
    )
    if not gap <= _MATCH_TOL:
        return None, [
            f"the cached pool does not reproduce the logged noise-free values (max |Δ| = "
            f"{gap:.2e}): surfaces skipped"
        ]
    surf = surface(platform, SURFACE_GRID)
    plot_surfaces(
        surf,
        pts,
        setting.methods,
        setting.label_names,
        path,
        title=f"{setting.label}: noise-free utility and DER over α (whole serving pool)",
    )
    return path, [
        f"CandidateLog rebuilt from the cache {cache}; the logged noise-free values of all "
        f"{len(pts)} tried α's are reproduced (max |Δ| = {gap:.1e}).",
        f"Grid: {SURFACE_GRID} × {SURFACE_GRID} α's on [0, 1]²; only α's direction matters, so the "
        "surfaces are constant along rays from the origin (α = 0 is left blank).",
    ]
