"""Shared machinery of the Bayesian optimizers: initial design, GP proposal, fallbacks, duplicates.

A subclass names the observed outcomes it models (``outcomes``) and implements
:meth:`BayesianOptimizer._propose`: given the fitted GP and the training data, return candidate
points of the search cube in order of preference. The base class does the rest:

1. the first ``optimizer.n_init`` asks are Sobol points (they count among the trial's iterations);
2. the GP is fitted on the told points with every outcome finite (NaN DER rows dropped), warm
   started from the previous step's hyperparameters if ``optimizer.warm_start``;
3. a failed fit or acquisition (non-PSD, NaN, L-BFGS failure) is retried under a larger Cholesky
   jitter (:data:`sysfair.optimizers.gp.JITTERS`); if every attempt fails, the next Sobol point is
   proposed, a warning is logged and ``n_fallbacks`` counts it;
4. the first candidate farther than ``optimizer.duplicate_tol`` (L-inf, in the cube) from every
   told point is proposed; if all are duplicates, the next Sobol point (counted in ``n_duplicates``);
5. each step runs under a seed derived from (seed, number of told points): MC samplers, restarts
   and random scalarisations are reproducible in this and in any other process.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections import Counter
from typing import Any

import numpy as np
import torch
from botorch.acquisition import AcquisitionFunction
from botorch.models import SingleTaskGP
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.sampling import manual_seed

from sysfair.optimizers.base import Observation, Optimizer
from sysfair.optimizers.gp import DTYPE, FIT_ERRORS, JITTERS, count_warnings, fit_gp, jitter, training_data
from sysfair.optimizers.sobol import SobolStream
from sysfair.optimizers.space import AlphaSpace

__all__ = ["BayesianOptimizer", "maximize"]

log = logging.getLogger(__name__)


class BayesianOptimizer(Optimizer):
    """GP-based ask/tell optimizer over :class:`AlphaSpace`; see the module docstring.

    Attributes:
        n_fallbacks: steps where every GP attempt failed and a Sobol point was proposed instead.
        n_duplicates: steps where every candidate duplicated a told point.
        warning_counts: BoTorch/GPyTorch warnings seen, by category name (never printed).
    """

    outcomes: tuple[str, ...] = ("utility",)

    def __init__(self, *, bounds: np.ndarray, seed: int, config: Any) -> None:
        super().__init__(bounds=bounds, seed=seed)
        self.config = config
        self.space = AlphaSpace(self.bounds, config.space, config.floor)
        self._sobol = SobolStream(self.space.dim, seed)
        self._u: list[np.ndarray] = []  # search-cube point [D] of every told alpha
        self._asked: dict[bytes, np.ndarray] = {}  # alpha bytes -> the cube point it came from
        self._model: SingleTaskGP | None = None  # last fitted GP (warm start)
        self.n_fallbacks = 0
        self.n_duplicates = 0
        self.warning_counts: Counter[str] = Counter()

    def diagnostics(self) -> dict[str, float]:
        return {
            "n_fallbacks": float(self.n_fallbacks),
            "n_duplicates": float(self.n_duplicates),
            **{f"warnings.{name}": float(n) for name, n in sorted(self.warning_counts.items())},
        }

    def ask(self) -> np.ndarray:
        u = self._next_point()
        alpha = self.space.to_alpha(u)
        self._asked[alpha.tobytes()] = u
        return alpha

    def tell(self, alpha: np.ndarray, observation: Observation) -> None:
        super().tell(alpha, observation)
        alpha = np.asarray(alpha, dtype=np.float64)
        u = self._asked.pop(alpha.tobytes(), None)
        self._u.append(self.space.to_cube(alpha) if u is None else u)

    def targets(self) -> np.ndarray:
        """Observed outcomes ``[N, M]``, one column per name in ``outcomes``."""
        return np.array([[getattr(o, name) for name in self.outcomes] for o in self.observations])

    @abstractmethod
    def _propose(self, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> torch.Tensor:
        """Candidates ``[n, D]`` in the cube, best first, from the GP fitted to ``x [N, D]``, ``y [N, M]``."""

    def _next_point(self) -> np.ndarray:
        if len(self._u) < self.config.n_init:
            return self._sobol.next()
        x, y = training_data(self._u, self.targets())
        if x.shape[0] < 2:  # too few finite observations to fit a GP
            return self._sobol.next()
        seed = (self.seed * 100_003 + len(self._u)) % (2**31 - 1)
        with count_warnings(self.warning_counts), manual_seed(seed):
            candidates = self._propose_with_retries(x, y, seed)
        if candidates is None:
            self.n_fallbacks += 1
            return self._sobol.next()
        told = np.asarray(self._u)
        for c in candidates:
            if np.abs(told - c).max(axis=1).min() > self.config.duplicate_tol:
                return c
        self.n_duplicates += 1
        return self._sobol.next()

    def _propose_with_retries(self, x: torch.Tensor, y: torch.Tensor, seed: int) -> np.ndarray | None:
        error: BaseException | None = None
        for value in JITTERS:
            try:
                with jitter(value):
                    warm = self._model if self.config.warm_start else None
                    model = fit_gp(x, y, warm_start=warm, warm_maxiter=self.config.warm_maxiter)
                    candidates = self._propose(model, x, y, seed)
            except FIT_ERRORS as exc:
                error, self._model = exc, None
                continue
            self._model = model
            return np.clip(candidates.detach().cpu().numpy().reshape(-1, self.space.dim), 0.0, 1.0)
        log.warning(
            "%s: GP fit/acquisition failed at every jitter %s (%s: %s); proposing a Sobol point",
            type(self).__name__,
            JITTERS,
            type(error).__name__,
            error,
        )
        return None

    def sampler(self, seed: int) -> SobolQMCNormalSampler:
        """The step's quasi-MC sampler (``optimizer.mc_samples`` base samples, seeded)."""
        return SobolQMCNormalSampler(sample_shape=torch.Size([self.config.mc_samples]), seed=seed)


def maximize(
    acqf: AcquisitionFunction, dim: int, n: int, config: Any, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Up to ``n`` local maxima ``[n', D]`` of a q = 1 acquisition and their values ``[n']``, best first.

    For D = 1 with ``config.grid_size > 0`` the acquisition is evaluated on a dense grid in one
    batch (the local maxima of the grid replace gradient restarts); otherwise ``optimize_acqf``
    runs ``n`` L-BFGS restarts from ``config.raw_samples`` raw points and keeps every restart's
    optimum (``return_best_only=False``).
    """
    if dim == 1 and config.grid_size > 0:
        grid = torch.linspace(0.0, 1.0, config.grid_size, dtype=DTYPE).reshape(-1, 1, 1)
        with torch.no_grad():
            values = acqf(grid).reshape(-1)
        values = torch.nan_to_num(values, nan=-torch.inf)
        left = torch.cat([torch.tensor([-torch.inf], dtype=DTYPE), values[:-1]])
        right = torch.cat([values[1:], torch.tensor([-torch.inf], dtype=DTYPE)])
        peaks = torch.nonzero((values > left) & (values >= right)).reshape(-1)
        if peaks.numel() == 0:  # flat everywhere
            peaks = torch.tensor([0])
        points, values = grid[peaks].reshape(-1, 1), values[peaks]
    else:
        bounds = torch.stack([torch.zeros(dim, dtype=DTYPE), torch.ones(dim, dtype=DTYPE)])
        points, values = optimize_acqf(
            acqf,
            bounds=bounds,
            q=1,
            num_restarts=n,
            raw_samples=config.raw_samples,
            options={"seed": seed},
            return_best_only=False,
        )
        points = points.reshape(-1, dim)
        values = torch.nan_to_num(values.reshape(-1), nan=-torch.inf)
    order = torch.argsort(values, descending=True)[:n]
    return points[order], values[order]
