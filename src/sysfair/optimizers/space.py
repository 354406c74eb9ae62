"""Where the optimizers search: the unit cube ``[0, 1]^D``, mapped onto serving weights alpha ``[K]``.

Two parametrisations (``optimizer.space``):

* ``box`` (the paper's): D = K, alpha = lower + (upper - lower) * u. Scale invariance (DESIGN §1)
  makes the objective constant along rays from the origin, so a stationary GP over the box wastes
  one dimension, and the corner alpha = 0 serves arbitrary items.
* ``directions``: D = K - 1 hyperspherical angles theta_i = u_i * pi / 2 give a unit vector d >= 0
  in the positive orthant; alpha is the point where the ray along d leaves the box, i.e.
  alpha = lower + (upper - lower) * d / max(d). Every direction the box can serve is reached once
  and nothing else, so the search space has no redundant dimension. For K = 2, u is the angle
  theta = atan2(alpha_2, alpha_1) / (pi / 2).

Degenerate alpha (DESIGN §6): in both spaces every alpha_k is kept >= lower + floor * (upper - lower)
(``optimizer.floor``, default 1e-6). A face alpha_k = 0 makes ties between candidates decide what is
served; with the floor a tie on the other labels is broken by label k (the limit alpha_k -> 0+), and
alpha = 0 is never proposed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AlphaSpace"]

SPACES = ("directions", "box")


class AlphaSpace:
    """Map between the search cube ``[0, 1]^D`` and alpha in ``bounds [2, K]``."""

    def __init__(self, bounds: np.ndarray, kind: str = "directions", floor: float = 1e-6) -> None:
        if kind not in SPACES:
            raise ValueError(f"space must be one of {SPACES}, got {kind!r}")
        self.bounds = np.asarray(bounds, dtype=np.float64)
        self.kind = kind
        self.floor = float(floor)
        self.n_labels = self.bounds.shape[1]

    @property
    def dim(self) -> int:
        """D: K for ``box``, K - 1 for ``directions``."""
        return self.n_labels if self.kind == "box" else self.n_labels - 1

    def to_alpha(self, u: np.ndarray) -> np.ndarray:
        """``u [D]`` in the unit cube -> alpha ``[K]`` inside the bounds (floor applied)."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        lo, hi = self.bounds
        c = u if self.kind == "box" else _face_point(_angles_to_unit(u * (np.pi / 2)))
        alpha = lo + (hi - lo) * c
        return np.minimum(np.maximum(alpha, lo + self.floor * (hi - lo)), hi)

    def to_cube(self, alpha: np.ndarray) -> np.ndarray:
        """alpha ``[K]`` -> ``u [D]``, the inverse of :meth:`to_alpha` (up to the floor)."""
        alpha = np.asarray(alpha, dtype=np.float64)
        lo, hi = self.bounds
        if self.kind == "box":
            return np.clip((alpha - lo) / (hi - lo), 0.0, 1.0)
        top = alpha.max()
        if top <= 0:
            c = np.ones(self.n_labels)
        else:  # the point where alpha's ray leaves the box (same direction, same items served)
            c = np.clip((alpha * (hi / top) - lo) / (hi - lo), 0.0, 1.0)
        return np.clip(_unit_to_angles(c) / (np.pi / 2), 0.0, 1.0)


def _angles_to_unit(theta: np.ndarray) -> np.ndarray:
    """Hyperspherical angles ``[K-1]`` in [0, pi/2] -> unit vector ``[K]`` >= 0."""
    k = theta.shape[0] + 1
    d = np.empty(k)
    sin_prod = 1.0
    for i in range(k - 1):
        d[i] = sin_prod * np.cos(theta[i])
        sin_prod *= np.sin(theta[i])
    d[k - 1] = sin_prod
    return np.maximum(d, 0.0)


def _unit_to_angles(d: np.ndarray) -> np.ndarray:
    """Vector ``[K]`` >= 0, not all 0 -> hyperspherical angles ``[K-1]`` in [0, pi/2]."""
    tail = np.sqrt(np.cumsum((d**2)[::-1])[::-1])  # tail[i] = ||d[i:]||
    return np.arctan2(tail[1:], d[:-1])


def _face_point(d: np.ndarray) -> np.ndarray:
    """Unit vector ``[K]`` -> the same direction scaled so that its largest entry is 1."""
    return d / d.max()
