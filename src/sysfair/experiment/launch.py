"""How the command line launched a run, and the parent run's identity: name, tags, params."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sysfair.experiment import record as rec
from sysfair.experiment.tracking import flatten, process_tags, standard_tags

__all__ = ["Launch", "effective_params", "parent_tags", "run_name"]


@dataclass(frozen=True)
class Launch:
    """How the command line launched the run (all optional; the CLI fills them from Hydra)."""

    sweep: str | None = None  # multirun folder name (tag ``sweep``)
    sweep_key: str | None = None  # identifies the multirun's command across reruns
    job: str | None = None  # job number within the multirun
    output_dir: str | None = None  # Hydra's output folder of this job
    overrides: list[str] | None = None  # Hydra's task overrides


def effective_params(cfg: DictConfig, obj: Any, n_jobs: int, reference: np.ndarray) -> dict[str, str]:
    """The flattened config with the values actually used where the config says null or -1."""
    params = flatten(OmegaConf.to_container(cfg, resolve=True))
    if "dataset.label_correlation" in params and hasattr(obj.dataset, "correlation"):
        params["dataset.label_correlation"] = str(obj.dataset.correlation)
    params["trials.n_jobs"] = str(n_jobs)
    params["trials.reference_point"] = str([float(x) for x in reference])
    return params


def parent_tags(obj: Any, chash: str, launch: Launch) -> dict[str, str]:
    """The parent run's tags: what ran, where from, and which process writes it."""
    tags = {
        rec.TAG_MODE: rec.MODE_EXPERIMENT,
        rec.TAG_DATASET: obj.dataset.name,
        rec.TAG_OPTIMIZER: obj.optimizer.name,
        rec.TAG_SCORER: getattr(obj.scorer, "name", ""),
        rec.TAG_RETRIEVER: getattr(obj.retriever, "name", ""),
        rec.TAG_CONFIG_HASH: chash,
        **standard_tags(),
        **process_tags(),
    }
    overrides = None if launch.overrides is None else " ".join(launch.overrides)
    for key, value in (
        (rec.TAG_SWEEP, launch.sweep),
        (rec.TAG_SWEEP_KEY, launch.sweep_key),
        (rec.TAG_JOB, launch.job if launch.sweep is not None else None),
        (rec.TAG_HYDRA_OUTPUT_DIR, launch.output_dir),
        (rec.TAG_HYDRA_OVERRIDES, overrides),
    ):
        if value is not None:
            tags[key] = value
    return tags


def run_name(obj: Any, launch: Launch) -> str:
    base = obj.tracking.run_name or f"{obj.optimizer.name}-{obj.dataset.name}"
    if launch.sweep is not None:
        return f"{base}-sweep{launch.sweep}-job{launch.job or 0}"
    return f"{base}-{time.strftime('%y%m%d-%H%M%S')}"
