"""Hand-computed optimizer rules (issue 18): constrained EI's constraint direction and incumbent
with a stub posterior whose answer is known, and the Fair-BO hypervolume reference point.

(The Fair-BO selection rules are tested with their own rewrite, not here.)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from botorch.models.model import Model
from botorch.posteriors.torch import TorchPosterior
from scipy.stats import norm

import sysfair.optimizers.constrained_ei as constrained_ei
from sysfair.optimizers import make_optimizer
from sysfair.optimizers.configs import ConstrainedEIConfig, FairNEHVIConfig

DTYPE = torch.float64
SD = 0.05  # posterior standard deviation of both outcomes


class LinearPosteriorModel(Model):
    """Stub two-output model over a 1-D input: utility ~ N(x, SD^2), DER ~ N(1 - x, SD^2)."""

    _num_outputs = 2

    @property
    def num_outputs(self) -> int:
        return 2

    def posterior(self, X, output_indices=None, observation_noise=False, posterior_transform=None):  # noqa: ANN001, ANN201
        x = X[..., 0]
        mean = torch.stack([x, 1.0 - x], dim=-1)  # [..., q, 2]
        return TorchPosterior(torch.distributions.Normal(mean, torch.full_like(mean, SD)))


def _constrained(threshold: float, grid_size: int = 101) -> object:
    cfg = ConstrainedEIConfig(threshold=threshold, grid_size=grid_size, n_init=1, num_restarts=3)
    cfg.check()
    return make_optimizer(cfg, 2, seed=0)  # directions space: one search dimension, dense grid


def _log_cei(x: np.ndarray, best: float, threshold: float, lower_bound: bool = True) -> np.ndarray:
    """log EI(utility) + log P(DER >= threshold) (or <= for the wrong direction), by scipy."""
    z = (x - best) / SD
    ei = SD * (norm.pdf(z) + z * norm.cdf(z))
    p_der = norm.sf((threshold - (1.0 - x)) / SD)  # P(DER >= threshold)
    return np.log(ei) + np.log(p_der if lower_bound else 1.0 - p_der)


def test_constrained_ei_keeps_der_above_the_threshold() -> None:
    """EI grows with x, P(DER >= 0.7) falls past x = 0.3: the best point sits just below 0.3."""
    opt = _constrained(threshold=0.7)
    x = torch.tensor([[0.1], [0.9]], dtype=DTYPE)
    y = torch.tensor([[0.1, 0.9], [0.9, 0.1]], dtype=DTYPE)  # only the first point is feasible
    candidates = opt._propose(LinearPosteriorModel(), x, y, seed=0)
    grid = np.linspace(0.0, 1.0, 101)
    want = grid[np.argmax(_log_cei(grid, best=0.1, threshold=0.7))]
    wrong = grid[np.argmax(_log_cei(grid, best=0.1, threshold=0.7, lower_bound=False))]
    assert 0.2 < want < 0.3 and wrong > 0.9  # the two directions disagree by far
    assert float(candidates[0, 0]) == pytest.approx(want, abs=1e-12)
    assert float(candidates[0, 0]) < 0.3  # predicted DER 1 - x > 0.7


_ORIGINAL = constrained_ei.LogConstrainedExpectedImprovement


class _Recorder:
    """Stands in for LogConstrainedExpectedImprovement and records how it was built."""

    calls: list[dict] = []

    def __init__(self, model, best_f, objective_index, constraints):  # noqa: ANN001
        self.kwargs = {
            "best_f": float(best_f),
            "objective_index": objective_index,
            "constraints": constraints,
        }
        _Recorder.calls.append(self.kwargs)
        self._acqf = _ORIGINAL(model, best_f, objective_index, constraints)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self._acqf(x)


@pytest.mark.parametrize(
    ("y", "best"),
    [
        # the highest utility (0.9) is infeasible; 0.6 sits exactly at the threshold and counts
        ([[0.9, 0.5], [0.6, 0.7], [0.4, 0.8]], 0.6),
        ([[0.3, 0.95], [0.5, 0.75], [0.8, 0.2]], 0.5),
        # nothing feasible: the worst observed utility
        ([[0.9, 0.5], [0.3, 0.2], [0.5, 0.6]], 0.3),
    ],
)
def test_constrained_ei_incumbent_and_constraint(
    monkeypatch: pytest.MonkeyPatch, y: list, best: float
) -> None:
    monkeypatch.setattr(constrained_ei, "LogConstrainedExpectedImprovement", _Recorder)
    _Recorder.calls = []
    opt = _constrained(threshold=0.7, grid_size=11)
    x = torch.tensor([[0.2], [0.5], [0.8]], dtype=DTYPE)
    opt._propose(LinearPosteriorModel(), x, torch.tensor(y, dtype=DTYPE), seed=0)
    (call,) = _Recorder.calls
    assert call["best_f"] == pytest.approx(best, abs=1e-12)
    assert call["objective_index"] == 0  # EI on utility
    assert call["constraints"] == {1: (0.7, None)}  # DER >= threshold


# ---- Fair-BO reference point ---------------------------------------------------------------------


def _fair(**overrides: object) -> object:
    cfg = FairNEHVIConfig(**overrides)  # type: ignore[arg-type]
    cfg.check()
    return make_optimizer(cfg, 2, seed=0)


def test_fair_bo_reference_is_the_nadir_of_all_observations_minus_a_margin() -> None:
    y = torch.tensor([[0.2, 0.9], [0.5, 0.4], [0.1, 0.3]], dtype=DTYPE)  # (0.1, 0.3) is dominated
    ref = _fair().reference_point(y)
    # nadir (0.1, 0.3), range (0.4, 0.6), margin 0.1 -> (0.06, 0.24)
    torch.testing.assert_close(ref, torch.tensor([0.06, 0.24], dtype=DTYPE), rtol=0, atol=1e-12)
    # alternatives a wrong rule would give: the nadir of the non-dominated points minus the
    # margin, (0.17, 0.35); no margin, (0.1, 0.3)
    assert (ref - torch.tensor([0.17, 0.35], dtype=DTYPE)).abs().min() > 0.05
    ref2 = _fair(reference_margin=0.5).reference_point(y)
    torch.testing.assert_close(ref2, torch.tensor([-0.1, 0.0], dtype=DTYPE), rtol=0, atol=1e-12)


def test_fair_bo_reference_with_a_constant_outcome_and_a_fixed_reference() -> None:
    y = torch.tensor([[0.2, 1.0], [0.6, 1.0]], dtype=DTYPE)  # DER identically 1: range 0 -> 1e-3
    ref = _fair().reference_point(y)
    torch.testing.assert_close(ref, torch.tensor([0.16, 1.0 - 1e-4], dtype=DTYPE), rtol=0, atol=1e-12)
    fixed = _fair(reference=[0.3, -0.2]).reference_point(y)
    torch.testing.assert_close(fixed, torch.tensor([0.3, -0.2], dtype=DTYPE), rtol=0, atol=0)
