"""Which of Fair-BO's candidates is served: the selection rules of the paper's Appendix C.4.

Fair EHVI proposes a batch of q candidates; one of them is evaluated. The paper compares three
rules and keeps the best: "the point that has the highest expected DER improvement". Expected
improvement of an outcome at a candidate x is, under the GP posterior N(mu(x), sigma(x)^2) of
that outcome (the latent function, no observation noise),

    EI(x) = E[max(f(x) - best, 0)] = sigma * (z * Phi(z) + phi(z)),  z = (mu - best) / sigma,

with ``best`` the best value observed so far (the largest finite observation). Candidates are
ranked by log EI, computed stably (:func:`log_expected_improvement`), so that candidates far
below the incumbent, whose EI underflows to 0 in floating point, keep their order.

Rules (``optimizer.select``):

* ``der_improvement`` (the paper's, default): highest expected DER improvement;
* ``utility_improvement``: highest expected utility improvement;
* ``random``: a uniformly random candidate (seeded);
* ``der_mean`` / ``utility_mean``: sysfair's earlier variant, highest posterior-mean DER / utility
  (not a rule of the paper; kept to reproduce earlier runs).

Ties are broken by the candidates' order as proposed (stable sort).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["SELECTION_RULES", "log_expected_improvement", "selection_order"]

# outcome columns of the Fair-BO GP: 0 = utility, 1 = DER
SELECTION_RULES: dict[str, tuple[str, int] | None] = {
    "der_improvement": ("improvement", 1),
    "utility_improvement": ("improvement", 0),
    "random": None,
    "der_mean": ("mean", 1),
    "utility_mean": ("mean", 0),
}

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)


def _log_h(z: Tensor) -> Tensor:
    """log(phi(z) + z * Phi(z)) elementwise, stable for very negative z.

    For z >= -1 the sum is computed directly. Below, with t = -z > 0 and the Mills ratio
    m(t) = Phi(-t) / phi(t) = sqrt(pi / 2) * erfcx(t / sqrt(2)): h = phi(t) * (1 - t m(t)), and
    1 - t m(t) is replaced by its asymptotic series 1/t^2 - 3/t^4 + 15/t^6 for t > 1e3, where the
    difference loses its digits.
    """
    direct = torch.log(torch.exp(-0.5 * z**2 - _LOG_SQRT_2PI) + z * torch.special.ndtr(z))
    t = torch.clamp(-z, min=1.0)
    log_phi = -0.5 * t**2 - _LOG_SQRT_2PI
    tail = 1.0 - t * _SQRT_HALF_PI * torch.special.erfcx(t / math.sqrt(2.0))
    series = t**-2 - 3.0 * t**-4 + 15.0 * t**-6
    tail = torch.where(t > 1e3, series, tail)
    return torch.where(z >= -1.0, direct, log_phi + torch.log(tail))


def log_expected_improvement(mean: Tensor, variance: Tensor, best: Tensor | float) -> Tensor:
    """log E[max(f - best, 0)] for f ~ N(mean, variance), elementwise (``-inf`` where EI = 0).

    A zero variance gives log(max(mean - best, 0)).
    """
    mean, variance = torch.as_tensor(mean), torch.as_tensor(variance, dtype=torch.as_tensor(mean).dtype)
    best = torch.as_tensor(best, dtype=mean.dtype)
    sigma = variance.clamp(min=0.0).sqrt()
    positive = sigma > 0
    safe_sigma = torch.where(positive, sigma, torch.ones_like(sigma))
    z = (mean - best) / safe_sigma
    with_noise = _log_h(z) + torch.log(safe_sigma)
    gain = (mean - best).clamp(min=0.0)
    return torch.where(positive, with_noise, torch.log(gain))


def selection_order(
    rule: str, model: Any, candidates: Tensor, best: Tensor, rng: np.random.Generator
) -> Tensor:
    """Permutation ``[n]`` of ``candidates [n, D]``: the one to serve first, then the rest.

    ``model.posterior(candidates)`` must give ``mean`` and ``variance`` ``[n, 2]`` (utility, DER) on
    the outcomes' scale; ``best [2]`` is the best observed (utility, DER). ``rng`` draws the
    ``random`` rule's permutation.
    """
    if rule not in SELECTION_RULES:
        raise ValueError(
            f"optimizer.select={rule!r} is not a selection rule: use one of {tuple(SELECTION_RULES)}"
        )
    spec = SELECTION_RULES[rule]
    if spec is None:
        return torch.from_numpy(rng.permutation(candidates.shape[0]))
    kind, column = spec
    with torch.no_grad():
        posterior = model.posterior(candidates)
        mean = posterior.mean.reshape(candidates.shape[0], -1)[:, column]
        if kind == "mean":
            score = mean
        else:
            variance = posterior.variance.reshape(candidates.shape[0], -1)[:, column]
            score = log_expected_improvement(mean, variance, best[column])
    score = torch.nan_to_num(score, nan=-torch.inf)
    return torch.argsort(score, descending=True, stable=True)
