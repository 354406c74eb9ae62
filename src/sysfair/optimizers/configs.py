"""Config schemas of the ``optimizer`` group."""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import require

SPACES = ("directions", "box")  # sysfair.optimizers.space.AlphaSpace
EI_ACQUISITIONS = ("logei", "qei")
# sysfair.optimizers.selection: the paper's three rules (Appendix C.4), then sysfair's posterior-mean variant
SELECTION_RULES = ("der_improvement", "utility_improvement", "random", "der_mean", "utility_mean")
HVI_ALGORITHMS = ("sweep", "inclusion_exclusion")
ACQ_OPTIMIZERS = ("grid", "optimize_acqf")


@dataclass
class OptimizerConfig:
    """Every optimizer searches alpha in the box [lower, upper]^K (paper: [0, 1]^K)."""

    name: str = "?"
    lower: float = 0.0
    upper: float = 1.0

    def check(self) -> None:
        require(self.lower >= 0, "optimizer.lower", self.lower, "a number >= 0 (alpha >= 0)")
        require(
            self.upper > self.lower,
            "optimizer.upper",
            self.upper,
            f"a number > optimizer.lower={self.lower}",
        )


@dataclass
class RandomSearchConfig(OptimizerConfig):
    """Uniform alpha in the box (the paper's baseline)."""

    name: str = "random"


@dataclass
class SearchSpaceConfig(OptimizerConfig):
    """How the box is searched (sysfair.optimizers.space).

    ``space``: ``directions`` searches only alpha's direction (K - 1 angles; alpha and c * alpha
    serve the same items), ``box`` the whole box (K dimensions, the paper's). ``floor``: every
    alpha_k >= lower + floor * (upper - lower), so no alpha_k is exactly 0 (ties, DESIGN §6).
    """

    space: str = "directions"
    floor: float = 1e-6

    def check(self) -> None:
        super().check()
        require(self.space in SPACES, "optimizer.space", self.space, f"one of {SPACES}")
        require(0.0 <= self.floor < 1.0, "optimizer.floor", self.floor, "a number in [0, 1)")


@dataclass
class SobolConfig(SearchSpaceConfig):
    """A scrambled Sobol sequence over the search space, independent of the observations."""

    name: str = "sobol"


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

    n_init: int = 5
    num_restarts: int = 10
    raw_samples: int = 512
    grid_size: int = 512
    mc_samples: int = 128
    warm_start: bool = True
    warm_maxiter: int = 0
    duplicate_tol: float = 1e-3

    def check(self) -> None:
        super().check()
        require(self.n_init >= 1, "optimizer.n_init", self.n_init, "an integer >= 1")
        require(self.num_restarts >= 1, "optimizer.num_restarts", self.num_restarts, "an integer >= 1")
        require(
            self.raw_samples >= self.num_restarts,
            "optimizer.raw_samples",
            self.raw_samples,
            f"an integer >= optimizer.num_restarts={self.num_restarts}",
        )
        require(
            self.grid_size == 0 or self.grid_size >= 3,
            "optimizer.grid_size",
            self.grid_size,
            "0 (off) or an integer >= 3",
        )
        require(self.mc_samples >= 1, "optimizer.mc_samples", self.mc_samples, "an integer >= 1")
        require(self.warm_maxiter >= 0, "optimizer.warm_maxiter", self.warm_maxiter, "an integer >= 0")
        require(self.duplicate_tol >= 0, "optimizer.duplicate_tol", self.duplicate_tol, "a number >= 0")


@dataclass
class EIConfig(BayesConfig):
    """EI on observed utility; ``acquisition``: ``logei`` (qLogEI) or ``qei`` (the paper's qEI).

    Paper defaults: the whole box, no warm start.
    """

    name: str = "ei"
    space: str = "box"
    warm_start: bool = False
    acquisition: str = "logei"

    def check(self) -> None:
        super().check()
        require(
            self.acquisition in EI_ACQUISITIONS,
            "optimizer.acquisition",
            self.acquisition,
            f"one of {EI_ACQUISITIONS}",
        )


@dataclass
class ConstrainedEIConfig(BayesConfig):
    """EI on utility times P(DER >= ``threshold``) (Gardner et al. 2014)."""

    name: str = "constrained_ei"
    threshold: float = 0.9

    def check(self) -> None:
        super().check()
        require(0.0 <= self.threshold <= 1.0, "optimizer.threshold", self.threshold, "a DER in [0, 1]")


@dataclass
class ParEGOConfig(BayesConfig):
    """qLogNParEGO on (utility, DER): a random Chebyshev scalarisation per step."""

    name: str = "parego"


@dataclass
class FairConfig(BayesConfig):
    """Fair-BO on (utility, DER) (sysfair.optimizers.fair).

    ``select``: which candidate is served (sysfair.optimizers.selection): ``der_improvement`` (the
    paper's, Appendix C.4: highest expected improvement of DER over the best observed DER),
    ``utility_improvement``, ``random``; or sysfair's earlier posterior-mean variant ``der_mean`` /
    ``utility_mean``. ``reference``: fixed hypervolume reference [utility, DER], or null for the
    observed nadir minus ``reference_margin`` times the observed range.
    """

    select: str = "der_improvement"
    reference: list[float] | None = None
    reference_margin: float = 0.1

    def check(self) -> None:
        super().check()
        renamed = {"der": "der_mean", "utility": "utility_mean"}
        hint = f" ({self.select!r} is now {renamed[self.select]!r})" if self.select in renamed else ""
        require(
            self.select in SELECTION_RULES, "optimizer.select", self.select, f"one of {SELECTION_RULES}{hint}"
        )
        if self.reference is not None:
            ref = list(self.reference)
            require(len(ref) == 2, "optimizer.reference", ref, "null or two numbers: [utility, DER]")
        require(
            self.reference_margin >= 0, "optimizer.reference_margin", self.reference_margin, "a number >= 0"
        )


@dataclass
class FairEHVIConfig(FairConfig):
    """The paper's Fair EHVI: qEHVI with ``q`` candidates per step, sequential greedy.

    ``acq_optimizer``: how the q-batch is maximised. ``grid`` (default): when the search space is
    one-dimensional (K = 2 with ``space=directions``) each greedy pick is the best of a
    ``grid_size``-point direction grid, refined locally (sysfair.optimizers.grid_batch; a whole
    step 0.8 s CPU median on one thread, benchmarks/bench_fair_step.py); otherwise BoTorch's
    ``optimize_acqf`` as below. ``optimize_acqf``: always BoTorch's
    ``optimize_acqf(sequential=True)`` with ``num_restarts`` L-BFGS restarts from ``raw_samples``
    raw points (7-11 s per step). ``space``: ``directions`` by default (alpha's direction, the
    scale-invariant search space); ``space=box acq_optimizer=optimize_acqf`` is the paper's box.

    ``hvi``: how the qEHVI estimate is computed, with identical values: ``sweep`` (exact 2-D sweep)
    or ``inclusion_exclusion`` (BoTorch's, the paper's cost: 45-60 s per step with optimize_acqf).
    """

    name: str = "fair_ehvi"
    space: str = "directions"
    warm_start: bool = False
    grid_size: int = 256
    q: int = 10
    hvi: str = "sweep"
    acq_optimizer: str = "grid"

    def check(self) -> None:
        super().check()
        require(self.q >= 1, "optimizer.q", self.q, "an integer >= 1")
        require(self.hvi in HVI_ALGORITHMS, "optimizer.hvi", self.hvi, f"one of {HVI_ALGORITHMS}")
        require(
            self.acq_optimizer in ACQ_OPTIMIZERS,
            "optimizer.acq_optimizer",
            self.acq_optimizer,
            f"one of {ACQ_OPTIMIZERS}",
        )
        require(
            self.acq_optimizer != "grid" or self.grid_size >= 3,
            "optimizer.grid_size",
            self.grid_size,
            "an integer >= 3 with optimizer.acq_optimizer=grid (or use acq_optimizer=optimize_acqf)",
        )


@dataclass
class FairNEHVIConfig(FairConfig):
    """Fast Fair-BO: q = 1 qLogNEHVI over directions, up to ``n_candidates`` local maxima as candidates.

    A coarser grid, fewer MC samples and capped warm-started fits keep a step under 0.5 s.

    Candidates below ``min_improvement_share`` of the best one's expected hypervolume improvement
    are dropped before selection (0 keeps all).
    """

    name: str = "fair_nehvi"
    grid_size: int = 256
    mc_samples: int = 64
    warm_maxiter: int = 10
    n_candidates: int = 10
    min_improvement_share: float = 0.1

    def check(self) -> None:
        super().check()
        require(self.n_candidates >= 1, "optimizer.n_candidates", self.n_candidates, "an integer >= 1")
        require(
            0.0 <= self.min_improvement_share <= 1.0,
            "optimizer.min_improvement_share",
            self.min_improvement_share,
            "a number in [0, 1]",
        )


OPTIMIZER_SCHEMAS: dict[str, type] = {
    "random": RandomSearchConfig,
    "sobol": SobolConfig,
    "ei": EIConfig,
    "constrained_ei": ConstrainedEIConfig,
    "parego": ParEGOConfig,
    "fair_ehvi": FairEHVIConfig,
    "fair_nehvi": FairNEHVIConfig,
}
