"""The ask/tell contract every optimizer of serving weights follows (built-in or a user's own).

A user's optimizer is any subclass of :class:`Optimizer`; select it with
``optimizer._target_=my_module.MyOptimizer`` (it gets the chosen option's config, e.g.
``optimizer=random``'s ``lower``/``upper``), or register a config dataclass of its own (see
:mod:`sysfair.optimizers.configs`). The contract, checked for every built-in optimizer by
``tests/test_optimizer_contract.py``:

* construction: ``cls(*, bounds, seed, config)``: ``bounds [2, K]`` float64 is the search space
  (row 0 lower, row 1 upper), ``seed`` an int >= 0, ``config`` the option's own config dataclass
  (never the whole experiment config);
* ``ask() -> alpha [K]`` float64, inside ``bounds``, not all 0;
* ``tell(alpha, observation)`` with an alpha that ``ask()`` returned and that was not told yet
  (else :class:`UnknownAlphaError`); :class:`Observation` holds the batch's utility, DER (NaN when
  a group is absent from the batch) and per-group utilities;
* determinism: the same seed and the same observations give the same proposals, in this process
  and in any other (seed every random source from ``seed``; no global random state).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sysfair.errors import SysfairError

__all__ = ["Observation", "Optimizer", "UnknownAlphaError"]


@dataclass(frozen=True)
class Observation:
    """What one iteration observes on its batch: utility, DER and ``[G]`` group utilities."""

    utility: float
    der: float
    group_utility: np.ndarray


class UnknownAlphaError(SysfairError, ValueError):
    """``tell`` got an alpha that ``ask`` did not return (or that was told already)."""


def _key(alpha: Any) -> bytes:
    return np.asarray(alpha, dtype=np.float64).tobytes()


def _recording(ask: Callable[[Any], np.ndarray]) -> Callable[[Any], np.ndarray]:
    """Wrap a subclass's ``ask`` so that the base class knows which alphas are pending."""

    @functools.wraps(ask)
    def wrapper(self: Optimizer) -> np.ndarray:
        self._depth += 1
        try:
            alpha = ask(self)
        finally:
            self._depth -= 1
        if self._depth == 0:  # the outermost ask (a subclass may call super().ask())
            self._pending[_key(alpha)] += 1
        return alpha

    wrapper._records_asks = True  # type: ignore[attr-defined]
    return wrapper


class Optimizer(ABC):
    """Proposes serving weights alpha ``[K]`` inside ``bounds [2, K]`` (row 0 lower, row 1 upper).

    ``ask()`` returns the next alpha; ``tell(alpha, observation)`` records its outcome. The same
    seed gives the same sequence of proposals for the same observations. Subclasses implement
    ``ask`` (and may extend ``tell``, calling ``super().tell`` first); the base class remembers
    every asked alpha, so telling one it never proposed is refused.
    """

    def __init__(self, *, bounds: np.ndarray, seed: int, config: Any = None) -> None:
        self.bounds = np.asarray(bounds, dtype=np.float64)
        self.seed = seed
        self.config = config
        self.alphas: list[np.ndarray] = []
        self.observations: list[Observation] = []
        self._pending: Counter[bytes] = Counter()
        self._depth = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ask = cls.__dict__.get("ask")
        if ask is not None and not getattr(ask, "_records_asks", False):
            cls.ask = _recording(ask)  # type: ignore[method-assign]

    @property
    def n_labels(self) -> int:
        return self.bounds.shape[1]

    @abstractmethod
    def ask(self) -> np.ndarray:
        """Next serving weights ``[K]``."""

    def diagnostics(self) -> dict[str, float]:
        """Counters worth logging (e.g. GP fit fallbacks); empty for optimizers without any."""
        return {}

    def tell(self, alpha: np.ndarray, observation: Observation) -> None:
        """Record the outcome of serving ``alpha``, one that :meth:`ask` returned and not told yet."""
        key = _key(alpha)
        if self._pending[key] <= 0:
            told = "was told already" if any(_key(a) == key for a in self.alphas) else "was never asked"
            raise UnknownAlphaError(
                f"{type(self).__name__}.tell: alpha={np.asarray(alpha, dtype=np.float64).tolist()} {told}; "
                "tell exactly the alphas ask() returned, once each"
            )
        self._pending[key] -= 1
        self.alphas.append(np.asarray(alpha, dtype=np.float64).copy())
        self.observations.append(observation)
