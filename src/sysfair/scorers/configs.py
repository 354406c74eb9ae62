"""Config schemas of the ``scorer`` group."""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import require


@dataclass
class RandomForestConfig:
    """One scikit-learn random forest per label, predicting P(Y_k = 1)."""

    name: str = "random_forest"
    n_estimators: int = 300
    max_depth: int | None = None
    min_samples_leaf: int = 1
    n_jobs: int = -1  # cores used to fit and predict; results do not depend on it

    def check(self) -> None:
        require(self.n_estimators >= 1, "scorer.n_estimators", self.n_estimators, "an integer >= 1")
        require(
            self.min_samples_leaf >= 1,
            "scorer.min_samples_leaf",
            self.min_samples_leaf,
            "an integer >= 1",
        )


SCORER_SCHEMAS: dict[str, type] = {"random_forest": RandomForestConfig}
