"""Config schema of the ``audit`` group (``python run.py mode=audit``, ``sysfair audit``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sysfair.checks import require

__all__ = ["PROPENSITY_MODELS", "AuditConfig"]

PROPENSITY_MODELS = ("logistic_regression", "gradient_boosting", "random_forest")


@dataclass
class AuditConfig:
    """One serving configuration alpha audited on the CandidateLog of the composed system.

    ``alpha: null`` audits uniform weights (1/K each). ``pair: null`` decomposes the gap of every
    pair of groups present; ``[a, b]`` only that pair. Each pair is oriented as the paper's
    Section 3.1: group 0 is the disadvantaged group — ``disadvantaged_group`` when it is in the
    pair, or with ``auto`` the group with the lower utility at the audited alpha (ties: the lower
    id) — the other is group 1, and the gap is E_1[U_1] - E_0[U_0].
    """

    name: str = "default"
    alpha: list[float] | None = None
    # "logistic_regression" | "gradient_boosting" | "random_forest", or the dotted path of any
    # scikit-learn classifier (e.g. "sklearn.ensemble.ExtraTreesClassifier") built with propensity_params.
    propensity: str = "logistic_regression"
    propensity_params: dict[str, Any] = field(default_factory=dict)
    propensity_folds: int = 5  # cross-fitted e(x); 0 or 1 = fit and predict on the same sessions
    propensity_clip: float = 1e-3  # e(x) clipped to [clip, 1 - clip]
    pair: list[int] | None = None
    # "auto" (the group with the lower utility at alpha) or a group id: the paper's group 0
    disadvantaged_group: Any = "auto"
    min_group_sessions: int = 50  # fewer sessions in a group of a pair: decomposition undefined
    n_bootstrap: int = 200  # resamples for the terms' standard errors (0 = none)
    n_bins: int = 10  # calibration bins (ECE, reliability diagrams)
    lemma_grid_points: int = 201  # directions of the Lemma 2.3 grid (simplex lattice)
    lemma_tolerance: float = 0.01  # Lemma 2.3 "holds" if relative regret <= this
    output_dir: str = "audit_reports"  # report folders go here, relative to the launch folder

    def disadvantaged(self) -> int | None:
        """The named disadvantaged group, or None for ``auto``."""
        return None if str(self.disadvantaged_group) == "auto" else int(self.disadvantaged_group)

    def check(self, n_labels: int | None = None) -> None:
        group = self.disadvantaged_group
        require(
            str(group) == "auto" or (isinstance(group, int) and not isinstance(group, bool) and group >= 0),
            "audit.disadvantaged_group",
            group,
            "auto (the group with the lower utility at audit.alpha) or a group id >= 0",
        )
        if self.alpha is not None:
            alpha = list(self.alpha)
            for k, a in enumerate(alpha):
                require(
                    isinstance(a, int | float) and math.isfinite(a) and a >= 0,
                    f"audit.alpha[{k}]",
                    a,
                    "a finite weight >= 0",
                )
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
        require(
            self.propensity_folds >= 0,
            "audit.propensity_folds",
            self.propensity_folds,
            "an integer >= 0",
        )
        require(
            0.0 < self.propensity_clip < 0.5,
            "audit.propensity_clip",
            self.propensity_clip,
            "a number in (0, 0.5)",
        )
        if self.pair is not None:
            pair = list(self.pair)
            require(
                len(pair) == 2 and pair[0] != pair[1] and min(pair) >= 0,
                "audit.pair",
                pair,
                "two distinct group ids [a, b], or null for every pair",
            )
        require(
            self.min_group_sessions >= 2,
            "audit.min_group_sessions",
            self.min_group_sessions,
            "an integer >= 2",
        )
        require(
            self.n_bootstrap == 0 or self.n_bootstrap >= 2,
            "audit.n_bootstrap",
            self.n_bootstrap,
            "0 (no standard errors) or an integer >= 2",
        )
        require(self.n_bins >= 1, "audit.n_bins", self.n_bins, "an integer >= 1")
        require(
            self.lemma_grid_points >= 2, "audit.lemma_grid_points", self.lemma_grid_points, "an integer >= 2"
        )
        require(self.lemma_tolerance >= 0, "audit.lemma_tolerance", self.lemma_tolerance, "a number >= 0")
