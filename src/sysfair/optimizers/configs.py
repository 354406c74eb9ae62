"""Config schemas of the ``optimizer`` group.

An optimizer option is one ``@register``-ed dataclass: ``name`` is the option, ``_target_`` the
ask/tell class (:class:`sysfair.optimizers.base.Optimizer`, built as
``cls(bounds=[2, K] box, seed=seed, config=this config)``), each field's ``param(...)`` its allowed
values. ``optimizer._target_=my_module.MyOptimizer`` on the command line runs your own class with
the option's config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sysfair.checks import (
    AT_LEAST_1,
    FINITE,
    NON_NEGATIVE,
    NON_NEGATIVE_INT,
    POSITIVE,
    AnyOf,
    Checked,
    Each,
    Interval,
    Length,
    Options,
    Target,
    options,
    param,
    register,
    require,
)

SPACES = ("directions", "box")  # sysfair.optimizers.space.AlphaSpace
EI_ACQUISITIONS = ("logei", "qei")
# sysfair.optimizers.selection: the paper's three rules (Appendix C.4), then sysfair's posterior-mean variant
SELECTION_RULES = ("der_improvement", "utility_improvement", "random", "der_mean", "utility_mean")
HVI_ALGORITHMS = ("sweep", "inclusion_exclusion")
ACQ_OPTIMIZERS = ("grid", "optimize_acqf")


@dataclass
class OptimizerConfig(Checked):
    """Every optimizer searches alpha in the box [lower, upper]^K (paper: [0, 1]^K)."""

    group: ClassVar[str] = "optimizer"

    name: str = "?"
    _target_: str = param("?", Target())  # the ask/tell class
    lower: float = param(0.0, NON_NEGATIVE)  # alpha >= 0
    upper: float = param(1.0, POSITIVE)

    def check_consistency(self) -> None:
        require(
            self.upper > self.lower,
            "optimizer.upper",
            self.upper,
            f"a number > optimizer.lower={self.lower}",
        )


@register
@dataclass
class RandomSearchConfig(OptimizerConfig):
    """Uniform alpha in the box (the paper's baseline)."""

    name: str = "random"
    _target_: str = "sysfair.optimizers.random.RandomSearch"


@dataclass
class SearchSpaceConfig(OptimizerConfig):
    """How the box is searched (sysfair.optimizers.space).

    ``space``: ``directions`` searches only alpha's direction (K - 1 angles; alpha and c * alpha
    serve the same items), ``box`` the whole box (K dimensions, the paper's). ``floor``: every
    alpha_k >= lower + floor * (upper - lower), so no alpha_k is exactly 0 (ties, DESIGN §6).
    """

    space: str = param("directions", Options(SPACES))
    floor: float = param(1e-6, Interval(float, 0, 1, closed="left"))


@register
@dataclass
class SobolConfig(SearchSpaceConfig):
    """A scrambled Sobol sequence over the search space, independent of the observations."""

    name: str = "sobol"
    _target_: str = "sysfair.optimizers.sobol.SobolSearch"


@dataclass
class BayesConfig(SearchSpaceConfig):
    """What every GP optimizer shares (sysfair.optimizers.bo).

    The first ``n_init`` iterations are Sobol points. Acquisitions are maximised on a dense grid of
    ``grid_size`` points when the search space has one dimension (0 disables it), else by
    ``num_restarts`` L-BFGS restarts from ``raw_samples`` raw points; MC acquisitions use
    ``mc_samples`` quasi-MC samples. ``warm_start`` starts each fit from the previous step's
    hyperparameters, with at most ``warm_maxiter`` L-BFGS iterations (0 = no cap). A candidate
    within ``duplicate_tol`` (L-inf, unit cube) of a told point is skipped.
    """

    n_init: int = param(5, AT_LEAST_1)
    num_restarts: int = param(10, AT_LEAST_1)
    raw_samples: int = param(512, AT_LEAST_1)
    grid_size: int = param(
        512, AnyOf((Options((0,)), Interval(int, 3, None)), words="0 (off) or an integer >= 3")
    )
    mc_samples: int = param(128, AT_LEAST_1)
    warm_start: bool = True
    warm_maxiter: int = param(0, NON_NEGATIVE_INT)
    duplicate_tol: float = param(1e-3, NON_NEGATIVE)

    def check_consistency(self) -> None:
        super().check_consistency()
        require(
            self.raw_samples >= self.num_restarts,
            "optimizer.raw_samples",
            self.raw_samples,
            f"an integer >= optimizer.num_restarts={self.num_restarts}",
        )


@register
@dataclass
class EIConfig(BayesConfig):
    """EI on observed utility; ``acquisition``: ``logei`` (qLogEI) or ``qei`` (the paper's qEI).

    Paper defaults: the whole box, no warm start.
    """

    name: str = "ei"
    _target_: str = "sysfair.optimizers.ei.ExpectedImprovement"
    space: str = "box"
    warm_start: bool = False
    acquisition: str = param("logei", Options(EI_ACQUISITIONS))


@register
@dataclass
class ConstrainedEIConfig(BayesConfig):
    """EI on utility times P(DER >= ``threshold``) (Gardner et al. 2014)."""

    name: str = "constrained_ei"
    _target_: str = "sysfair.optimizers.constrained_ei.ConstrainedExpectedImprovement"
    threshold: float = param(0.9, Interval(float, 0, 1))  # a DER


@register
@dataclass
class ParEGOConfig(BayesConfig):
    """qLogNParEGO on (utility, DER): a random Chebyshev scalarisation per step."""

    name: str = "parego"
    _target_: str = "sysfair.optimizers.parego.ParEGO"


@dataclass
class FairConfig(BayesConfig):
    """Fair-BO on (utility, DER) (sysfair.optimizers.fair).

    ``select``: which candidate is served (sysfair.optimizers.selection): ``der_improvement`` (the
    paper's, Appendix C.4: highest expected improvement of DER over the best observed DER),
    ``utility_improvement``, ``random``; or sysfair's earlier posterior-mean variant ``der_mean`` /
    ``utility_mean``. ``reference``: fixed hypervolume reference [utility, DER], or null for the
    observed nadir minus ``reference_margin`` times the observed range.
    """

    select: str = param("der_improvement", Options(SELECTION_RULES))
    reference: list[float] | None = param(
        None, Length(2, 2, "numbers: [utility, DER]"), Each(FINITE), nullable=True
    )
    reference_margin: float = param(0.1, NON_NEGATIVE)

    def check(self) -> None:
        renamed = {"der": "der_mean", "utility": "utility_mean"}
        require(
            self.select not in renamed,
            "optimizer.select",
            self.select,
            f"one of {SELECTION_RULES} ({self.select!r} is now {renamed.get(self.select)!r})",
        )
        super().check()


@register
@dataclass
class FairEHVIConfig(FairConfig):
    """The paper's Fair EHVI: qEHVI with ``q`` candidates per step, sequential greedy.

    ``acq_optimizer``: how the q-batch is maximised. ``grid`` (default): when the search space is
    one-dimensional (K = 2 with ``space=directions``) each greedy pick is the best of a
    ``grid_size``-point direction grid, refined locally, then ``grid_polish`` passes re-pick each
    point with the others held (sysfair.optimizers.grid_batch; a whole step 0.9 s CPU median on
    one thread, benchmarks/bench_fair_step.py); otherwise BoTorch's
    ``optimize_acqf`` as below. ``optimize_acqf``: always BoTorch's
    ``optimize_acqf(sequential=True)`` with ``num_restarts`` L-BFGS restarts from ``raw_samples``
    raw points (7-11 s per step). ``space``: ``directions`` by default (alpha's direction, the
    scale-invariant search space); ``space=box acq_optimizer=optimize_acqf`` is the paper's box.

    ``hvi``: how the qEHVI estimate is computed, with identical values: ``sweep`` (exact 2-D sweep)
    or ``inclusion_exclusion`` (BoTorch's, the paper's cost: 45-60 s per step with optimize_acqf).
    """

    name: str = "fair_ehvi"
    _target_: str = "sysfair.optimizers.fair.FairEHVI"
    space: str = "directions"
    warm_start: bool = False
    grid_size: int = param(256, Interval(int, 3, None))
    # passes re-picking each batch point with the others held (grid only; 0: greedy picks alone,
    # the batch before 3 December 2026)
    grid_polish: int = param(1, NON_NEGATIVE_INT)
    q: int = param(10, AT_LEAST_1)
    hvi: str = param("sweep", Options(HVI_ALGORITHMS))
    acq_optimizer: str = param("grid", Options(ACQ_OPTIMIZERS))


@register
@dataclass
class FairNEHVIConfig(FairConfig):
    """Fast Fair-BO: q = 1 qLogNEHVI over directions, up to ``n_candidates`` local maxima as candidates.

    A coarser grid, fewer MC samples and capped warm-started fits keep a step under 0.5 s.

    Candidates below ``min_improvement_share`` of the best one's expected hypervolume improvement
    are dropped before selection (0 keeps all).
    """

    name: str = "fair_nehvi"
    _target_: str = "sysfair.optimizers.fair.FairNEHVI"
    grid_size: int = 256
    mc_samples: int = 64
    warm_maxiter: int = 10
    n_candidates: int = param(10, AT_LEAST_1)
    min_improvement_share: float = param(0.1, Interval(float, 0, 1))


# name -> schema of every registered optimizer option (live: options registered later appear here)
OPTIMIZER_SCHEMAS: dict[str, type] = options("optimizer")
