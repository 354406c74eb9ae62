"""Fair-BO (paper §4, Appendix C.4): hypervolume improvement over (utility, DER), then one of the
candidates is served, chosen by a selection rule.

* :class:`FairEHVI` is the paper's: qExpectedHypervolumeImprovement with q = ``optimizer.q``
  (10) candidates per step, built by sequential greedy maximisation: over alpha's direction with
  K = 2 (one dimension) on a refined grid (``optimizer.acq_optimizer=grid``, default,
  :mod:`sysfair.optimizers.grid_batch`), otherwise, or with ``acq_optimizer=optimize_acqf``, by
  BoTorch's ``optimize_acqf(sequential=True)``. ``optimizer.hvi`` picks how the same MC estimate
  is computed: ``sweep`` (exact for two objectives, :mod:`sysfair.optimizers.acquisition`) or
  BoTorch's ``inclusion_exclusion``.
* :class:`FairNEHVI` is the fast variant: qLogNoisyExpectedHypervolumeImprovement with q = 1, whose
  up-to-``optimizer.n_candidates`` local maxima (dense grid for one search dimension, else L-BFGS
  restarts with ``return_best_only=False``) are the candidates.

Selection rule (``optimizer.select``, :mod:`sysfair.optimizers.selection`; the paper's three):
``der_improvement`` serves the candidate with the highest expected improvement of DER over the
best observed DER (the paper's best), ``utility_improvement`` the same for utility, ``random`` a
uniformly random one (seeded); ``der_mean`` / ``utility_mean`` (sysfair's earlier variant) the
highest posterior-mean DER / utility. The remaining candidates, in the same order, replace the
chosen one if it duplicates a told point.

Reference point rule (``optimizer.reference``): a fixed ``[utility, DER]`` if given; by default
(``null``) the nadir of the finite observations minus ``optimizer.reference_margin`` times their
range per objective (a range below 1e-3, e.g. a constant DER, counts as 1e-3), so that every
observed point contributes hypervolume and the reference follows the data's scale.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch
from botorch.acquisition.multi_objective import qExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.exceptions.warnings import NumericsWarning
from botorch.models import SingleTaskGP
from botorch.optim import optimize_acqf
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

from sysfair.optimizers.acquisition import qExpectedHypervolumeImprovement2D
from sysfair.optimizers.bo import BayesianOptimizer, maximize
from sysfair.optimizers.gp import DTYPE
from sysfair.optimizers.grid_batch import greedy_batch_1d
from sysfair.optimizers.selection import selection_order

__all__ = ["FairBO", "FairEHVI", "FairNEHVI"]

HVI_CLASSES = {
    "sweep": qExpectedHypervolumeImprovement2D,
    "inclusion_exclusion": qExpectedHypervolumeImprovement,
}


class FairBO(BayesianOptimizer):
    """Shared by the Fair-BO variants: GP on (utility, DER), reference point, selection rule."""

    outcomes = ("utility", "der")

    def __init__(self, *, bounds: np.ndarray, seed: int, config: Any) -> None:
        super().__init__(bounds=bounds, seed=seed, config=config)
        self._rng = np.random.default_rng(seed)

    def reference_point(self, y: torch.Tensor) -> torch.Tensor:
        """``[2]`` (utility, DER) below which hypervolume is not counted; see the module docstring."""
        if self.config.reference is not None:
            return torch.as_tensor(list(self.config.reference), dtype=DTYPE)
        low, high = y.min(dim=0).values, y.max(dim=0).values
        return low - self.config.reference_margin * torch.clamp(high - low, min=1e-3)

    def order(self, model: SingleTaskGP, candidates: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``candidates [n, D]`` reordered by the selection rule, the one to serve first.

        ``y [N, 2]``: the finite observations (utility, DER); their maxima are the incumbents of
        the expected-improvement rules.
        """
        best = y.max(dim=0).values
        return candidates[selection_order(self.config.select, model, candidates, best, self._rng)]


class FairEHVI(FairBO):
    """The paper's Fair EHVI: qEHVI, q candidates per step by sequential greedy optimisation.

    With ``optimize_acqf``, BoTorch's inclusion-exclusion over 2^q subsets takes 45-60 s per step
    for q = 10 and the ``sweep`` 7-13 s (one core); the ``grid`` path over alpha's direction
    (K = 2) takes 0.9 s CPU median per step, GP fit and polish pass included (benchmarks/bench_fair_step.py).
    The non-log qEHVI is asked for on purpose; its ``NumericsWarning`` is suppressed.
    """

    def _propose(self, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        ref = self.reference_point(y)
        partitioning = FastNondominatedPartitioning(ref_point=ref, Y=y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericsWarning)
            acqf = HVI_CLASSES[self.config.hvi](
                model, ref_point=ref, partitioning=partitioning, sampler=self.sampler(seed)
            )
        dim = self.space.dim
        if dim == 1 and self.config.acq_optimizer == "grid":
            # inclusion-exclusion holds 2^q subsets per batch element: evaluate it in small chunks
            chunk = self.config.grid_size if self.config.hvi == "sweep" else 4
            candidates = greedy_batch_1d(
                acqf,
                self.config.q,
                grid_size=self.config.grid_size,
                chunk=chunk,
                avoid=x,
                polish=self.config.grid_polish,
            )
            return self.order(model, candidates, y)
        candidates, _ = optimize_acqf(
            acqf,
            bounds=torch.stack([torch.zeros(dim, dtype=DTYPE), torch.ones(dim, dtype=DTYPE)]),
            q=self.config.q,
            num_restarts=self.config.num_restarts,
            raw_samples=self.config.raw_samples,
            options={"batch_limit": 5, "maxiter": 200, "seed": seed},
            sequential=True,
        )
        return self.order(model, candidates.reshape(-1, dim), y)


class FairNEHVI(FairBO):
    """Fast Fair-BO: q = 1 qLogNEHVI, its local maxima as candidates, the paper's selection rule.

    Candidates whose expected hypervolume improvement is below ``optimizer.min_improvement_share``
    of the best candidate's are dropped before selection (0 keeps every local maximum), so that the
    rule picks among promising points, as among the members of the paper's joint q-batch.
    """

    def _propose(self, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        acqf = qLogNoisyExpectedHypervolumeImprovement(
            model,
            ref_point=self.reference_point(y),
            X_baseline=x,
            sampler=self.sampler(seed),
            prune_baseline=False,  # <= 19 baseline points: pruning costs more than it saves
        )
        candidates, log_values = maximize(acqf, self.space.dim, self.config.n_candidates, self.config, seed)
        share = self.config.min_improvement_share
        if share > 0 and torch.isfinite(log_values[0]):
            candidates = candidates[log_values >= log_values[0] + math.log(share)]
        return self.order(model, candidates, y)
