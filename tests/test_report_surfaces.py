"""Report surfaces read the CandidateLog cache only: a miss is a LookupError, never a retrain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TINY
from omegaconf import OmegaConf

from sysfair.experiment.runner import candidate_log
from sysfair.report.surfaces import rebuild_platform, surface
from sysfair.system.cache import CacheMissError


def test_surfaces_never_build_and_read_the_cached_log(compose_cfg, tmp_path: Path) -> None:
    composed = compose_cfg(*TINY)
    text = OmegaConf.to_yaml(composed)
    cfg = OmegaConf.to_object(composed)  # the plain objects run_experiment works on
    with pytest.raises(LookupError, match="no cached CandidateLog"):
        rebuild_platform(text, [tmp_path])
    with pytest.raises(CacheMissError):
        candidate_log(cfg, tmp_path, build=False)
    assert not list((tmp_path / "cache").glob("*.npz"))  # nothing was built
    built = candidate_log(cfg, tmp_path)  # now the cache holds it
    platform, cache = rebuild_platform(text, [tmp_path / "elsewhere", tmp_path])
    assert cache == tmp_path / "cache"
    np.testing.assert_array_equal(platform.log.scores, built.scores)
    s = surface(platform, n=5)
    alpha = np.array([s.grid[3], s.grid[1]])  # column j = alpha_1, row i = alpha_2
    assert s.utility[1, 3] == pytest.approx(platform.evaluate(alpha).utility[0])
    assert np.isnan(s.utility[0, 0])  # alpha = 0 serves arbitrarily: left out
