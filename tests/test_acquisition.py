"""The two-objective qEHVI sweep (sysfair.optimizers.acquisition) against BoTorch's own qEHVI."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from botorch.acquisition.multi_objective import qExpectedHypervolumeImprovement
from botorch.exceptions.warnings import NumericsWarning
from botorch.models import SingleTaskGP
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from test_optimizers import run

from sysfair.optimizers.acquisition import hypervolume_2d, qExpectedHypervolumeImprovement2D
from sysfair.system.pareto import hypervolume


def test_hypervolume_2d_hand_computed() -> None:
    # (3, 1) and (1, 2) above (0, 0): 3*1 + 1*(2-1) = 4; a dominated and a below-reference point add 0
    points = torch.tensor([[3.0, 1.0], [1.0, 2.0], [0.5, 0.5], [-1.0, 5.0]], dtype=torch.float64)
    ref = torch.zeros(2, dtype=torch.float64)
    assert hypervolume_2d(points, ref).item() == pytest.approx(4.0)
    assert hypervolume_2d(points[:0], ref).item() == 0.0


def test_hypervolume_2d_matches_sysfair_pareto_on_random_sets() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 12, 2))
    ref = np.array([-0.5, -0.5])
    ours = hypervolume_2d(torch.from_numpy(points), torch.from_numpy(ref)).numpy()
    expected = [hypervolume(p, ref) for p in points]
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("q", [1, 3, 6])
def test_same_values_and_gradients_as_botorch_qehvi(q: int) -> None:
    torch.manual_seed(0)
    x = torch.rand(12, 2, dtype=torch.float64)
    y = torch.stack([x.sum(-1) + 0.1 * torch.randn(12, dtype=torch.float64), (1 - x[:, 0]) * x[:, 1]], -1)
    model = SingleTaskGP(x, y)
    ref = y.min(dim=0).values - 0.1
    partitioning = FastNondominatedPartitioning(ref_point=ref, Y=y)
    values, grads = [], []
    for cls in (qExpectedHypervolumeImprovement, qExpectedHypervolumeImprovement2D):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericsWarning)
            acqf = cls(
                model,
                ref_point=ref,
                partitioning=partitioning,
                sampler=SobolQMCNormalSampler(torch.Size([32]), seed=1),
            )
        X = torch.rand(64, q, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(q))
        X.requires_grad_(True)
        value = acqf(X)
        (grad,) = torch.autograd.grad(value.sum(), X)
        values.append(value.detach())
        grads.append(grad)
    assert (values[0] > 1e-4).sum() >= 3  # a non-trivial comparison
    torch.testing.assert_close(values[1], values[0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-8, atol=1e-10)


def test_rejects_more_than_two_objectives() -> None:
    x = torch.rand(6, 2, dtype=torch.float64)
    y = torch.rand(6, 3, dtype=torch.float64)
    ref = torch.zeros(3, dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)
        with pytest.raises(ValueError, match="two objectives"):
            partitioning = FastNondominatedPartitioning(ref_point=ref, Y=y)
            qExpectedHypervolumeImprovement2D(SingleTaskGP(x, y), ref_point=ref, partitioning=partitioning)


@pytest.mark.slow
def test_fair_ehvi_proposes_the_same_points_with_either_algorithm() -> None:
    _, sweep = run("fair_ehvi", 2, seed=3, n_iter=6, hvi="sweep")
    _, botorch = run("fair_ehvi", 2, seed=3, n_iter=6, hvi="inclusion_exclusion")
    np.testing.assert_allclose(sweep, botorch, atol=1e-6)
