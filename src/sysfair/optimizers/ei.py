"""EI: expected improvement of the observed utility (the paper's utility-only BO baseline)."""

from __future__ import annotations

import torch
from botorch.acquisition import qExpectedImprovement, qLogExpectedImprovement
from botorch.models import SingleTaskGP

from sysfair.optimizers.bo import BayesianOptimizer, maximize

__all__ = ["ExpectedImprovement"]


class ExpectedImprovement(BayesianOptimizer):
    """GP on utility; ``optimizer.acquisition``: ``logei`` (qLogEI, default) or ``qei`` (the paper's).

    The incumbent is the best observed utility; q = 1, maximised by :func:`maximize`.
    """

    outcomes = ("utility",)

    def _propose(self, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        kind = qLogExpectedImprovement if self.config.acquisition == "logei" else qExpectedImprovement
        acqf = kind(model, best_f=y[:, 0].max(), sampler=self.sampler(seed))
        points, _ = maximize(acqf, self.space.dim, self.config.num_restarts, self.config, seed)
        return points
