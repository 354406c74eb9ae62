"""Adds the repository's ``multirun_sweeps/`` to Hydra's config search path (``+sweep=<name>``)."""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

SWEEPS = Path(__file__).resolve().parents[3] / "multirun_sweeps"


class SysfairSweepsSearchPath(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        if SWEEPS.is_dir():
            search_path.append(provider="sysfair-sweeps", path=f"file://{SWEEPS.as_posix()}")
