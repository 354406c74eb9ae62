"""fair_ehvi's q-batch over alpha's direction (sysfair.optimizers.grid_batch) against known answers
and against BoTorch's optimize_acqf on small GP states."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import torch
from botorch.exceptions.warnings import NumericsWarning
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from test_optimizers import fast_config, toy

import sysfair.optimizers.fair as fair
from sysfair.errors import ConfigError
from sysfair.optimizers import make_optimizer
from sysfair.optimizers.acquisition import qExpectedHypervolumeImprovement2D
from sysfair.optimizers.configs import FairEHVIConfig
from sysfair.optimizers.gp import fit_gp
from sysfair.optimizers.grid_batch import greedy_batch_1d


class Coverage:
    """Stub acquisition of ``X [b, i, 1]``: sum_j w_j max_{x in X} exp(-((x - c_j) / 0.05)^2).

    Bumps at c = (0.2, 0.7) with weights (1, 0.5): the greedy batch is 0.2 first, then 0.7.
    """

    centres = torch.tensor([0.2, 0.7], dtype=torch.float64)
    weights = torch.tensor([1.0, 0.5], dtype=torch.float64)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        bumps = torch.exp(-(((X - self.centres) / 0.05) ** 2))  # [b, i, 2]
        return (bumps.max(dim=1).values * self.weights).sum(dim=-1)


def test_greedy_batch_hand_computed_and_refined() -> None:
    # grid of 12 points (step 1/11): 0.2 is not on it, the nearest grid point is 2/11 = 0.1818;
    # the refinement (17 points over +-1/11, step 1/88) moves it to 2/11 + 2/88 = 0.2045
    coarse = greedy_batch_1d(Coverage(), 2, grid_size=12, levels=0)
    assert coarse[:, 0].tolist() == pytest.approx([2 / 11, 8 / 11])
    batch = greedy_batch_1d(Coverage(), 2, grid_size=12)
    assert batch[:, 0].tolist() == pytest.approx([2 / 11 + 2 / 88, 8 / 11 - 2 / 88])
    assert Coverage()(batch.unsqueeze(0)) > Coverage()(coarse.unsqueeze(0))


def test_flat_acquisition_spreads_the_batch_away_from_told_points() -> None:
    def flat(X: torch.Tensor) -> torch.Tensor:
        return torch.zeros(X.shape[0], dtype=torch.float64)

    told = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    batch = greedy_batch_1d(flat, 3, grid_size=5, avoid=told)
    assert batch[:, 0].tolist() == [0.5, 0.25, 0.75]  # farthest from told and chosen; ties: lowest u


def test_greedy_batch_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="grid_size >= 2"):
        greedy_batch_1d(Coverage(), 2, grid_size=1)
    with pytest.raises(ValueError, match="polish >= 0"):
        greedy_batch_1d(Coverage(), 2, polish=-1)


class Complements:
    """Stub acquisition where greedy picks are myopic: 1.5 for a point at 0.5, 0.1 for one at 0.2,
    and 2 more only for a batch holding both 0.2 and 0.8 (narrow bumps, width 0.05)."""

    calls: list[int]

    def __init__(self) -> None:
        self.calls = []

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        self.calls.append(X.shape[1])

        def near(c: float) -> torch.Tensor:
            return torch.exp(-(((X[..., 0] - c) / 0.05) ** 2)).max(dim=1).values  # [b]

        return 1.5 * near(0.5) + 0.1 * near(0.2) + 2.0 * torch.minimum(near(0.2), near(0.8))


def test_polish_repicks_each_point_with_the_others_held() -> None:
    # grid 0, 0.1, ..., 1 (no zoom). Greedy: 0.5 first (1.5 beats 0.1 at 0.2 and 0 elsewhere),
    # then 0.2 (1.5 + 0.1 = 1.6); batch value 1.6. Polish, point 0 with 0.2 held: 0.8 gives
    # 0.1 + 2 = 2.1 > 1.6, so it replaces 0.5 in its own place; point 1 with 0.8 held: 0.2 stays
    # (2.1, nothing higher). The optimum {0.2, 0.8}, value 2.1; a second pass changes nothing.
    acqf = Complements()
    greedy = greedy_batch_1d(acqf, 2, grid_size=11, levels=0)
    assert greedy[:, 0].tolist() == pytest.approx([0.5, 0.2])
    assert acqf(greedy.unsqueeze(0)).item() == pytest.approx(1.6, abs=1e-6)
    polished = greedy_batch_1d(acqf, 2, grid_size=11, levels=0, polish=1)
    assert polished[:, 0].tolist() == pytest.approx([0.8, 0.2])
    assert acqf(polished.unsqueeze(0)).item() == pytest.approx(2.1, abs=1e-6)
    twice = greedy_batch_1d(acqf, 2, grid_size=11, levels=0, polish=2)
    assert twice[:, 0].tolist() == polished[:, 0].tolist()
    # every call of a polish pass evaluates whole q = 2 batches
    acqf.calls.clear()
    greedy_batch_1d(acqf, 2, grid_size=11, levels=0, polish=1)
    assert acqf.calls[:2] == [1, 2] and set(acqf.calls[2:]) == {2}


def test_polish_keeps_the_batch_when_no_move_helps() -> None:
    # Coverage's greedy batch is already optimal up to the grid: polishing keeps it bit for bit
    batch = greedy_batch_1d(Coverage(), 2, grid_size=12)
    assert torch.equal(greedy_batch_1d(Coverage(), 2, grid_size=12, polish=1), batch)


def small_state(seed: int) -> tuple[object, torch.Tensor]:
    """fair_ehvi's qEHVI (2-D sweep, 32 QMC samples) on a GP fitted to 6-9 noisy toy observations."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(0, 1, int(rng.integers(6, 10)))
    alphas = np.stack([np.cos(u * np.pi / 2), np.sin(u * np.pi / 2)], axis=1)
    y = np.array([[toy(a).utility, toy(a).der] for a in alphas]) + rng.normal(0, 0.02, (len(u), 2))
    x_t, y_t = torch.from_numpy(u.reshape(-1, 1)), torch.from_numpy(y)
    model = fit_gp(x_t, y_t)
    ref = y_t.min(dim=0).values - 0.1 * (y_t.max(dim=0).values - y_t.min(dim=0).values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        acqf = qExpectedHypervolumeImprovement2D(
            model,
            ref_point=ref,
            partitioning=FastNondominatedPartitioning(ref_point=ref, Y=y_t),
            sampler=SobolQMCNormalSampler(torch.Size([32]), seed=seed),
        )
    return acqf, x_t


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grid_batch_qehvi_within_one_percent_of_optimize_acqf(seed: int) -> None:
    """Small budgets (q = 4, 32 samples, 5 restarts from 256 raw points) keep it short; the paper's
    q = 10 with fair_ehvi's optimize_acqf settings is benchmarks/bench_fair_step.py."""
    torch.manual_seed(seed)
    q = 4
    acqf, told = small_state(seed)
    grid = greedy_batch_1d(acqf, q, grid_size=256, avoid=told)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference, _ = optimize_acqf(
            acqf,
            bounds=torch.tensor([[0.0], [1.0]], dtype=torch.float64),
            q=q,
            num_restarts=5,
            raw_samples=256,
            options={"batch_limit": 5, "maxiter": 200, "seed": seed},
            sequential=True,
        )
    with torch.no_grad():
        ours, theirs = acqf(grid.unsqueeze(0)).item(), acqf(reference.reshape(1, q, 1)).item()
    assert theirs > 1e-4  # a non-trivial state
    assert ours >= 0.99 * theirs, (ours, theirs)


def _forbid(name: str):
    def raiser(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{name} must not be called on this path")

    return raiser


def test_fair_ehvi_uses_the_grid_for_one_direction_angle(monkeypatch) -> None:
    monkeypatch.setattr(fair, "optimize_acqf", _forbid("optimize_acqf"))
    opt = make_optimizer(fast_config("fair_ehvi"), 2, seed=0)
    assert opt.config.acq_optimizer == "grid" and opt.config.space == "directions"
    for _ in range(5):
        alpha = opt.ask()
        opt.tell(alpha, toy(alpha))
    assert opt.n_fallbacks == 0


@pytest.mark.parametrize(("n_labels", "overrides"), [(2, {"acq_optimizer": "optimize_acqf"}), (3, {})])
def test_fair_ehvi_uses_optimize_acqf_otherwise(monkeypatch, n_labels: int, overrides: dict) -> None:
    monkeypatch.setattr(fair, "greedy_batch_1d", _forbid("greedy_batch_1d"))
    calls = []

    def spy(*args: object, **kwargs: object):
        calls.append(kwargs["q"])
        return optimize_acqf(*args, **kwargs)

    monkeypatch.setattr(fair, "optimize_acqf", spy)
    opt = make_optimizer(fast_config("fair_ehvi", **overrides), n_labels, seed=0)
    for _ in range(4):
        alpha = opt.ask()
        opt.tell(alpha, toy(alpha))
    assert calls == [opt.config.q] and opt.n_fallbacks == 0


def test_acq_optimizer_is_checked() -> None:
    with pytest.raises(ConfigError, match="optimizer.acq_optimizer='lbfgs'.*'optimize_acqf'"):
        dataclasses.replace(FairEHVIConfig(), acq_optimizer="lbfgs").check()
    with pytest.raises(ConfigError, match="optimizer.grid_size=0"):
        dataclasses.replace(FairEHVIConfig(), grid_size=0).check()
