"""The arms of one round: q points of the search cube chosen jointly from every arm so far.

1. While fewer than ``optimizer.n_init`` arms have been asked, the next points of the study's
   scrambled Sobol sequence (point i of the sequence is the study's i-th arm, so a restarted
   process continues the same sequence). ``sobol`` and ``random`` studies never leave this stage
   (``random``: uniform alpha in the box, as :class:`~sysfair.optimizers.RandomSearch`).
2. Then Fair-BO: one ``SingleTaskGP`` over the cube models (utility, DER) of the told arms with
   their **observed noise variances** (``train_Yvar``, from the buckets' sample sizes, see
   :mod:`sysfair.study.noise`), so a small bucket counts for less. The q arms are a joint batch
   chosen by sequential greedy maximisation: each arm maximises the acquisition with the arms
   already chosen (and every asked-but-untold arm) as pending points, which the acquisition
   integrates over, so the batch spreads instead of repeating one point.
   ``fair_nehvi``: qLogNoisyExpectedHypervolumeImprovement (baseline = the told arms);
   ``fair_ehvi``: qExpectedHypervolumeImprovement against the front of the GP's posterior means
   at the told arms (noisy observations would overstate the front).
   With one search dimension (K = 2 over directions) each greedy step evaluates the acquisition
   on a grid of ``optimizer.grid_size`` points; otherwise BoTorch's ``optimize_acqf`` with
   ``sequential=True``. The hypervolume reference point follows Fair-BO's rule
   (:mod:`sysfair.optimizers.fair`): ``optimizer.reference``, or the nadir of the estimates
   minus ``optimizer.reference_margin`` times their range.
3. A candidate within ``optimizer.duplicate_tol`` of an asked arm is skipped; if the GP cannot be
   fitted at any jitter, or fewer than 2 arms are told, the Sobol sequence fills the round (the
   i-th arm of a study, when quasi-random, is always point i of its sequence).

Everything is seeded by (study seed, number of arms asked): the same store gives the same round
in any process.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.exceptions.warnings import NumericsWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from botorch.utils.sampling import manual_seed
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch.quasirandom import SobolEngine

from sysfair.optimizers.acquisition import qExpectedHypervolumeImprovement2D
from sysfair.optimizers.gp import DTYPE, FIT_ERRORS, JITTERS, count_warnings, jitter
from sysfair.optimizers.space import AlphaSpace

__all__ = ["Proposal", "propose_round"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Proposal:
    u: np.ndarray  # [D] point of the search cube
    alpha: np.ndarray  # [K]
    source: str  # "sobol", "random", or the acquisition's name


def _quasi_random(space: AlphaSpace, optimizer: Any, seed: int, index: int, n: int) -> list[np.ndarray]:
    """Points ``index .. index + n - 1`` of the study's Sobol sequence (uniform for ``random``)."""
    if optimizer.name == "random":
        return [np.random.default_rng([seed, index + j]).random(space.dim) for j in range(n)]
    engine = SobolEngine(dimension=space.dim, scramble=True, seed=seed)
    if index:
        engine.fast_forward(index)
    return list(engine.draw(n, dtype=torch.float64).numpy())


def _fit(x: torch.Tensor, y: torch.Tensor, yvar: torch.Tensor) -> SingleTaskGP:
    model = SingleTaskGP(x, y, train_Yvar=yvar)
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    model.eval()
    return model


def _reference(optimizer: Any, y: torch.Tensor) -> torch.Tensor:
    if optimizer.reference is not None:
        return torch.as_tensor(list(optimizer.reference), dtype=DTYPE)
    low, high = y.min(dim=0).values, y.max(dim=0).values
    return low - optimizer.reference_margin * torch.clamp(high - low, min=1e-3)


def _acquisition(optimizer: Any, model: SingleTaskGP, x: torch.Tensor, y: torch.Tensor, seed: int) -> Any:
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([optimizer.mc_samples]), seed=seed)
    if optimizer.name == "fair_nehvi":
        return qLogNoisyExpectedHypervolumeImprovement(
            model, ref_point=_reference(optimizer, y), X_baseline=x, sampler=sampler, prune_baseline=False
        )
    with torch.no_grad():
        fitted = model.posterior(x).mean  # [N, 2]
    ref = _reference(optimizer, fitted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericsWarning)  # the non-log qEHVI is asked for on purpose
        return qExpectedHypervolumeImprovement2D(
            model,
            ref_point=ref,
            partitioning=FastNondominatedPartitioning(ref_point=ref, Y=fitted),
            sampler=sampler,
        )


def _greedy_grid(
    acqf: Any, optimizer: Any, pending: list[np.ndarray], asked: np.ndarray, n: int
) -> list[np.ndarray]:
    """Sequential greedy over a 1-D grid: each pick is pending for the next; skips near-duplicates."""
    grid = torch.linspace(0.0, 1.0, optimizer.grid_size, dtype=DTYPE).reshape(-1, 1, 1)
    g = grid.numpy().reshape(-1)
    blocked = [float(a) for a in asked.reshape(-1)]
    chosen: list[np.ndarray] = []
    for _ in range(n):
        held = [*pending, *chosen]
        acqf.set_X_pending(torch.as_tensor(np.array(held), dtype=DTYPE).reshape(-1, 1) if held else None)
        with torch.no_grad():
            values = torch.nan_to_num(acqf(grid).reshape(-1), nan=-torch.inf).numpy()
        if blocked:
            dist = np.abs(g[:, None] - np.array(blocked)[None, :]).min(axis=1)
            values = np.where(dist > optimizer.duplicate_tol, values, -np.inf)
        if not np.isfinite(values).any():
            break
        pick = g[int(np.argmax(values))]
        chosen.append(np.array([pick]))
        blocked.append(float(pick))
    return chosen


def _bo(
    optimizer: Any,
    space: AlphaSpace,
    told: tuple[np.ndarray, np.ndarray, np.ndarray],
    pending: list[np.ndarray],
    asked: np.ndarray,
    n: int,
    seed: int,
    counts: Counter,
) -> list[np.ndarray]:
    """Up to ``n`` jointly chosen cube points ``[D]`` (fewer if the GP fails or all are duplicates)."""
    x = torch.as_tensor(told[0], dtype=DTYPE)
    y = torch.as_tensor(told[1], dtype=DTYPE)
    yvar = torch.as_tensor(told[2], dtype=DTYPE)
    for value in JITTERS:
        try:
            with jitter(value), count_warnings(counts), manual_seed(seed):
                model = _fit(x, y, yvar)
                acqf = _acquisition(optimizer, model, x, y, seed)
                if space.dim == 1 and optimizer.grid_size > 0:
                    return _greedy_grid(acqf, optimizer, pending, asked, n)
                if pending:
                    acqf.set_X_pending(torch.as_tensor(np.array(pending), dtype=DTYPE))
                dim = space.dim
                points, _ = optimize_acqf(
                    acqf,
                    bounds=torch.stack([torch.zeros(dim, dtype=DTYPE), torch.ones(dim, dtype=DTYPE)]),
                    q=n,
                    num_restarts=optimizer.num_restarts,
                    raw_samples=optimizer.raw_samples,
                    options={"seed": seed},
                    sequential=True,
                )
            out = []
            for p in np.clip(points.detach().numpy().reshape(-1, dim), 0.0, 1.0):
                if not len(asked) or np.abs(asked - p).max(axis=1).min() > optimizer.duplicate_tol:
                    out.append(p)
            return out
        except FIT_ERRORS as exc:
            counts["gp_failures"] += 1
            log.debug("study GP attempt at jitter %g failed: %s", value, exc)
    log.warning(
        "study: GP fit/acquisition failed at every jitter %s; the round is filled by Sobol points", JITTERS
    )
    return []


def propose_round(
    optimizer: Any,
    space: AlphaSpace,
    seed: int,
    asked_u: np.ndarray,
    told: tuple[np.ndarray, np.ndarray, np.ndarray],
    pending_u: np.ndarray,
    n: int,
) -> tuple[list[Proposal], dict[str, float]]:
    """The next ``n`` arms (module doc) and counters of what happened.

    Args:
        asked_u: ``[A, D]`` cube points of every arm asked so far (told or not).
        told: ``(u [N, D], y [N, 2], yvar [N, 2])`` of the told arms with finite estimates.
        pending_u: ``[P, D]`` arms asked but not told yet.
    """
    n_asked = asked_u.shape[0]
    points: list[tuple[np.ndarray, str]] = []
    quasi = "random" if optimizer.name == "random" else "sobol"
    if optimizer.name in ("sobol", "random"):
        n_quasi = n
    else:
        n_quasi = min(n, max(0, optimizer.n_init - n_asked))
    points += [(u, quasi) for u in _quasi_random(space, optimizer, seed, n_asked, n_quasi)]
    counts: Counter = Counter()
    if len(points) < n and told[0].shape[0] >= 2:
        step_seed = (seed * 100_003 + n_asked) % (2**31 - 1)
        held = [*list(pending_u), *[u for u, _ in points]]
        name = "qlognehvi" if optimizer.name == "fair_nehvi" else "qehvi"
        asked = np.vstack([asked_u.reshape(-1, space.dim), *[u.reshape(1, -1) for u, _ in points]])
        points += [
            (u, name) for u in _bo(optimizer, space, told, held, asked, n - len(points), step_seed, counts)
        ]
    if len(points) < n:  # too few told arms, a failed GP, or only duplicates left
        fill = n - len(points)
        counts["sobol_fallbacks"] += fill
        # arm i, when quasi-random, is always point i of the sequence: no point is ever reused
        points += [(u, "sobol") for u in _quasi_random(space, optimizer, seed, n_asked + len(points), fill)]
    proposals = [Proposal(np.asarray(u, dtype=np.float64), space.to_alpha(u), src) for u, src in points]
    return proposals, {k: float(v) for k, v in counts.items()}
