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


@dataclass
class MultitaskCFConfig:
    """Torch multi-task collaborative filtering: shared user/item embeddings, one head per label."""

    name: str = "multitask_cf"
    embedding_dim: int = 32
    hidden: int = 32  # units of each label's hidden layer
    use_features: bool = False  # also feed each head its standardised label_features columns
    learning_rate: float = 0.01
    weight_decay: float = 1e-5
    batch_size: int = 4096
    max_epochs: int = 50
    patience: int = 3  # epochs without validation improvement before stopping
    validation_fraction: float = 0.1  # training rows held out for early stopping
    n_threads: int = 2  # torch threads while fitting/predicting (<= 0: leave torch's setting)

    def check(self) -> None:
        for key in ("embedding_dim", "hidden", "batch_size", "max_epochs", "patience"):
            value = getattr(self, key)
            require(value >= 1, f"scorer.{key}", value, "an integer >= 1")
        require(self.learning_rate > 0, "scorer.learning_rate", self.learning_rate, "a number > 0")
        require(self.weight_decay >= 0, "scorer.weight_decay", self.weight_decay, "a number >= 0")
        require(
            0 <= self.validation_fraction < 1,
            "scorer.validation_fraction",
            self.validation_fraction,
            "a number in [0, 1)",
        )


SCORER_SCHEMAS: dict[str, type] = {"random_forest": RandomForestConfig, "multitask_cf": MultitaskCFConfig}
