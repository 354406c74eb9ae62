"""What one live arm's bucket says about (utility, DER), and how sure it is.

An arm's bucket reports, per group g, the mean session utility ``u_g`` over ``n_g`` sessions and,
optionally, the variance ``s2_g`` of the session utilities. Groups are independent samples, so:

* the mean utility has variance ``Var(u_g) = s2_g / n_g``;
* overall utility is the session-weighted mean ``U = sum_g n_g u_g / N`` (N = sum_g n_g), as the
  platform computes it, with ``Var(U) = sum_g n_g s2_g / N^2``;
* DER is a smooth function of the group means, ``D = der(u)``; its variance is the second-order
  delta method, ``Var(D) = grad' S grad + tr(H S H S) / 2`` with ``S = diag(Var(u_g))`` and the
  gradient and Hessian of ``der`` at ``u`` (central differences). The second-order term matters:
  at equal group means (DER = 1) the gradient vanishes and the first-order method would call
  the DER exact. The formula is exact for a quadratic function of Gaussian means.

**Conservative bound** when ``s2_g`` is not given: a session's utility lies in
``[0, utility_max]`` (``utility_max`` is a study setting: the largest utility one session can
realise, 1 when the labels are binary and each group's weights sum to 1), and any distribution on
``[0, M]`` with mean ``u`` has variance at most ``u (M - u)`` (Bhatia-Davis inequality). That bound
is used with the observed mean in place of the true one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sysfair.system.metrics import der_batch

__all__ = ["ArmEstimate", "arm_estimate", "der_variance", "session_variance_bound"]

_VARIANCE_FLOOR = 1e-12  # a zero variance (all sessions equal) would make the GP's noise singular


@dataclass(frozen=True)
class ArmEstimate:
    """(utility, DER) of one arm's bucket with their sampling variances; G groups."""

    utility: float
    der: float
    utility_variance: float
    der_variance: float
    group_utility: np.ndarray  # [G]
    group_sessions: np.ndarray  # [G]
    group_variance: np.ndarray  # [G] per-session variance used (given, or the bound)
    variance_bounded: bool  # True when group_variance came from the conservative bound


def session_variance_bound(group_utility: np.ndarray, utility_max: float) -> np.ndarray:
    """Bhatia-Davis bound ``u (M - u)`` on the variance of session utilities in ``[0, M]``, ``[G]``."""
    u = np.asarray(group_utility, dtype=np.float64)
    return np.maximum(u * (utility_max - u), 0.0)


def _derivatives(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient ``[G]`` and Hessian ``[G, G]`` of DER at ``mu [G]`` by central differences."""
    g = mu.size
    h = 1e-4 * max(float(mu.sum()), 1e-8) / g
    # DER is scale-free in mu, so steps relative to sum(mu) keep the same accuracy at any scale.
    eye = np.eye(g) * h
    # every +-h_i +-h_j combination in one batch: [G, G, 4, G]
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=np.float64)
    points = (
        mu[None, None, None, :]
        + signs[None, None, :, 0, None] * eye[:, None, None, :]
        + signs[None, None, :, 1, None] * eye[None, :, None, :]
    )
    values = der_batch(np.maximum(points, 0.0))  # [G, G, 4]
    hessian = (values[..., 0] - values[..., 1] - values[..., 2] + values[..., 3]) / (4 * h * h)
    grad_points = np.concatenate([mu + eye, mu - eye])  # [2G, G]
    gv = der_batch(np.maximum(grad_points, 0.0))
    grad = (gv[:g] - gv[g:]) / (2 * h)
    return grad, 0.5 * (hessian + hessian.T)


def der_variance(group_utility: np.ndarray, mean_variance: np.ndarray) -> float:
    """Second-order delta-method variance of DER(u) given independent ``Var(u_g)`` ``[G]``."""
    mu = np.asarray(group_utility, dtype=np.float64)
    s = np.diag(np.asarray(mean_variance, dtype=np.float64))
    grad, hess = _derivatives(mu)
    hs = hess @ s
    return float(grad @ s @ grad + 0.5 * np.trace(hs @ hs))


def arm_estimate(
    group_utility: np.ndarray,
    group_sessions: np.ndarray,
    group_variance: np.ndarray | None,
    utility_max: float,
) -> ArmEstimate:
    """Utility, DER and their variances from one bucket's per-group means ``[G]`` (module doc).

    Inputs are assumed valid (checked by the study before this is called).
    """
    u = np.asarray(group_utility, dtype=np.float64)
    n = np.asarray(group_sessions, dtype=np.float64)
    bounded = group_variance is None
    s2 = session_variance_bound(u, utility_max) if bounded else np.asarray(group_variance, dtype=np.float64)
    mean_var = np.maximum(s2 / n, _VARIANCE_FLOOR)
    total = n.sum()
    utility = float((n * u).sum() / total)
    utility_var = float(max((n * s2).sum() / total**2, _VARIANCE_FLOOR))
    return ArmEstimate(
        utility=utility,
        der=float(der_batch(u)),
        utility_variance=utility_var,
        der_variance=max(der_variance(u, mean_var), _VARIANCE_FLOOR),
        group_utility=u,
        group_sessions=n,
        group_variance=s2,
        variance_bounded=bounded,
    )
