"""The CandidateLog an experiment or an audit runs on: built once per system config, cached on disk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sysfair.checks import require
from sysfair.system.build import build_candidate_log
from sysfair.system.cache import CacheMissError, file_digests, load_or_build
from sysfair.system.candidates import CandidateLog
from sysfair.system.logged import load_logged

__all__ = ["candidate_log"]

log = logging.getLogger(__name__)


def _dataset_files(cfg: Any, launch_dir: Path, cache_dir: Path) -> dict[str, str]:
    """Content digests of the dataset's input files (an edit means a new cache entry)."""
    path = getattr(cfg.dataset, "path", None)
    if not path or path == "???":
        return {}
    folder = Path(path) if Path(path).is_absolute() else launch_dir / path
    return file_digests(folder, cache_dir) if folder.exists() else {}


def candidate_log(cfg: Any, launch_dir: Path, *, build: bool = True) -> CandidateLog:
    """The CandidateLog of (dataset, scorer, retriever, prevalences, seed), cached on disk.

    A ``logged`` dataset already is a CandidateLog: it is read as is (no scorer, no retriever).
    ``build=False`` only reads the cache: a miss raises :class:`CacheMissError` instead of
    training the scorers (what a report wants).
    """
    if cfg.dataset.name == "logged":
        candidates = load_logged(cfg.dataset)
        require(
            len(cfg.preferences.prevalences) == candidates.n_groups,
            "preferences.prevalences",
            list(cfg.preferences.prevalences),
            f"one share per group of the log ({candidates.n_groups} groups); the log's own groups "
            "are used, so only their number matters",
        )
        log.info("CandidateLog read from %s", cfg.dataset.path)
        return candidates
    cache_dir = Path(cfg.cache_dir)
    if not cache_dir.is_absolute():
        cache_dir = launch_dir / cache_dir
    spec = {
        "dataset": OmegaConf.to_container(OmegaConf.structured(cfg.dataset)),
        "files": _dataset_files(cfg, launch_dir, cache_dir),
        "scorer": OmegaConf.to_container(OmegaConf.structured(cfg.scorer)),
        "retriever": OmegaConf.to_container(OmegaConf.structured(cfg.retriever)),
        "prevalences": list(cfg.preferences.prevalences),
        "assignment": cfg.preferences.assignment,
        "seed": cfg.seed,
    }

    def build_log() -> CandidateLog:
        if not build:
            raise CacheMissError(f"no cached CandidateLog for this config in {cache_dir}")
        log.info(
            "building the CandidateLog: dataset=%s, training scorer=%s, retriever=%s (cached afterwards)",
            cfg.dataset.name,
            cfg.scorer.name,
            cfg.retriever.name,
        )
        return build_candidate_log(
            cfg.dataset,
            cfg.scorer,
            cfg.retriever,
            list(cfg.preferences.prevalences),
            cfg.seed,
            cfg.preferences.assignment,
        )

    candidates, path, hit = load_or_build(cache_dir, f"candidates-{cfg.dataset.name}", spec, build_log)
    verb = "loaded from cache" if hit else "built and cached at"
    log.info("CandidateLog %s %s", verb, path)
    if cfg.preferences.assignment == "attribute":
        shares = np.bincount(candidates.group, minlength=candidates.n_groups) / candidates.group.size
        log.info(
            "groups from dataset=%s's own attribute, shares %s (preferences.prevalences not used)",
            cfg.dataset.name,
            " / ".join(f"{x:.3f}" for x in shares),
        )
    return candidates
