"""``trials=smoke`` exercises the model: every BO method fits and uses its GP at least twice a trial."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

import sysfair.optimizers.gp as gp
from sysfair.optimizers import Observation, make_optimizer

BO = ["ei", "constrained_ei", "parego", "fair_ehvi", "fair_nehvi"]


@pytest.mark.parametrize("name", BO)
def test_smoke_protocol_leaves_two_model_steps(compose_cfg, name: str) -> None:
    cfg = compose_cfg("trials=smoke", f"optimizer={name}")
    assert cfg.trials.n_iterations - cfg.optimizer.n_init >= 2


def test_smoke_trial_fits_the_gp(compose_cfg, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = compose_cfg("trials=smoke", "optimizer=ei")
    opt_cfg = OmegaConf.to_object(cfg.optimizer)
    fits = []
    real = gp.fit_gp

    def counting(*args, **kwargs):
        fits.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("sysfair.optimizers.bo.fit_gp", counting)
    opt = make_optimizer(opt_cfg, 2, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(cfg.trials.n_iterations):
        alpha = opt.ask()
        group = rng.random(2)
        opt.tell(
            alpha, Observation(utility=float(group.mean()), der=float(rng.random()), group_utility=group)
        )
    assert len(fits) >= 2 and opt.n_fallbacks == 0
