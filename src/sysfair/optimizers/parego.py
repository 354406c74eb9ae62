"""ParEGO: noisy log-EI of a random augmented Chebyshev scalarisation of (utility, DER) per step."""

from __future__ import annotations

import torch
from botorch.acquisition.multi_objective.parego import qLogNParEGO
from botorch.models import SingleTaskGP

from sysfair.optimizers.bo import BayesianOptimizer, maximize

__all__ = ["ParEGO"]


class ParEGO(BayesianOptimizer):
    """BoTorch's qLogNParEGO (q = 1); the scalarisation weights are drawn under the step's seed."""

    outcomes = ("utility", "der")

    def _propose(self, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        acqf = qLogNParEGO(model, X_baseline=x, sampler=self.sampler(seed), prune_baseline=True)
        points, _ = maximize(acqf, self.space.dim, self.config.num_restarts, self.config, seed)
        return points
