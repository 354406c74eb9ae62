"""Config schema of the ``audit`` group (``python run.py mode=audit``, ``sysfair audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sysfair.checks import AnyOf, Checked, Each, Interval, Options, check_declared, param, register, require

__all__ = ["PROPENSITY_MODELS", "AuditConfig"]

PROPENSITY_MODELS = ("logistic_regression", "gradient_boosting", "random_forest")


@register
@dataclass
class AuditConfig(Checked):
    """One serving configuration alpha audited on the CandidateLog of the composed system.

    ``alpha: null`` audits uniform weights (1/K each). ``pair: null`` decomposes the gap of every
    pair of groups present; ``[a, b]`` only that pair. Each pair is oriented as the paper's
    Section 3.1: group 0 is the disadvantaged group — ``disadvantaged_group`` when it is in the
    pair, or with ``auto`` the group with the lower utility at the audited alpha (ties: the lower
    id) — the other is group 1, and the gap is E_1[U_1] - E_0[U_0].
    """

    group: ClassVar[str] = "audit"

    name: str = "default"
    alpha: list[float] | None = param(
        None, Each(Interval(float, 0, None, closed="left")), nullable=True
    )  # finite weights >= 0
    # "logistic_regression" | "gradient_boosting" | "random_forest", or the dotted path of any
    # scikit-learn classifier (e.g. "sklearn.ensemble.ExtraTreesClassifier") built with propensity_params.
    propensity: str = "logistic_regression"
    propensity_params: dict[str, Any] = param({})
    # cross-fitted e(x); 0 or 1 = fit and predict on the same sessions
    propensity_folds: int = param(5, Interval(int, 0, None))
    propensity_clip: float = param(
        1e-3, Interval(float, 0, 0.5, closed="neither")
    )  # e(x) in [clip, 1 - clip]
    pair: list[int] | None = None
    # "auto" (the group with the lower utility at alpha) or a group id: the paper's group 0
    disadvantaged_group: Any = "auto"
    # fewer sessions in a group of a pair: decomposition undefined
    min_group_sessions: int = param(50, Interval(int, 2, None))
    # resamples for the terms' standard errors (0 = none)
    n_bootstrap: int = param(
        200, AnyOf((Options((0,)), Interval(int, 2, None)), words="0 (no standard errors) or an integer >= 2")
    )
    n_bins: int = param(10, Interval(int, 1, None))  # calibration bins (ECE, reliability diagrams)
    # directions of the Lemma 2.3 grid (simplex lattice)
    lemma_grid_points: int = param(201, Interval(int, 2, None))
    # Lemma 2.3 "holds" if relative regret <= this
    lemma_tolerance: float = param(0.01, Interval(float, 0, None))
    output_dir: str = "audit_reports"  # report folders go here, relative to the launch folder

    def disadvantaged(self) -> int | None:
        """The named disadvantaged group, or None for ``auto``."""
        return None if str(self.disadvantaged_group) == "auto" else int(self.disadvantaged_group)

    def check(self, n_labels: int | None = None) -> None:  # type: ignore[override]
        """Declared rules, then the rules between values and with the dataset's ``n_labels``."""
        check_declared(self, self.group)
        group = self.disadvantaged_group
        require(
            str(group) == "auto" or (isinstance(group, int) and not isinstance(group, bool) and group >= 0),
            "audit.disadvantaged_group",
            group,
            "auto (the group with the lower utility at audit.alpha) or a group id >= 0",
        )
        if self.alpha is not None:
            alpha = list(self.alpha)
            require(
                sum(alpha) > 0,
                "audit.alpha",
                alpha,
                "weights with a positive sum (alpha = 0 serves arbitrarily)",
            )
            if n_labels is not None:
                require(
                    len(alpha) == n_labels,
                    "audit.alpha",
                    alpha,
                    f"{n_labels} weights, one per label (or null for uniform weights)",
                )
        require(
            self.propensity in PROPENSITY_MODELS or "." in self.propensity,
            "audit.propensity",
            self.propensity,
            f"one of {', '.join(PROPENSITY_MODELS)} or the dotted path of a scikit-learn classifier",
        )
        if self.pair is not None:
            pair = list(self.pair)
            require(
                len(pair) == 2 and pair[0] != pair[1] and min(pair) >= 0,
                "audit.pair",
                pair,
                "two distinct group ids [a, b], or null for every pair",
            )
