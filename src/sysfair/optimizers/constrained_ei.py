"""Constrained EI (Gardner et al. 2014): EI on utility times P(DER >= threshold).

Kept for comparison: the paper argues for the Pareto front over a fixed fairness threshold.
"""

from __future__ import annotations

import torch
from botorch.acquisition.analytic import LogConstrainedExpectedImprovement
from botorch.models import SingleTaskGP

from sysfair.optimizers.bo import BayesianOptimizer, maximize

__all__ = ["ConstrainedExpectedImprovement"]


class ConstrainedExpectedImprovement(BayesianOptimizer):
    """GP on (utility, DER); analytic log constrained EI with DER >= ``optimizer.threshold``.

    The incumbent is the best observed utility among observations meeting the threshold; with none,
    the worst observed utility (EI is then ~ constant and P(feasible) drives the search).
    """

    outcomes = ("utility", "der")

    def _propose(self, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        feasible = y[:, 1] >= self.config.threshold
        best = y[feasible, 0].max() if feasible.any() else y[:, 0].min()
        acqf = LogConstrainedExpectedImprovement(
            model, best_f=best, objective_index=0, constraints={1: (self.config.threshold, None)}
        )
        points, _ = maximize(acqf, self.space.dim, self.config.num_restarts, self.config, seed)
        return points
