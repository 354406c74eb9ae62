"""Config schemas of the ``dataset`` group (defaults and documentation of every knob)."""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import require


@dataclass
class DatasetConfig:
    """Fields every dataset has."""

    name: str = "?"
    n_labels: int = 2  # K >= 2 labels (outcomes)
    model_fraction: float = 0.2  # share of sessions that train the scorers (rest: serving pool)

    def check(self) -> None:
        require(self.n_labels >= 2, "dataset.n_labels", self.n_labels, "an integer >= 2")
        require(
            0.0 < self.model_fraction < 1.0,
            "dataset.model_fraction",
            self.model_fraction,
            "a number in (0, 1)",
        )


@dataclass
class SyntheticConfig(DatasetConfig):
    """Synthetic pool with a real utility-DER trade-off (sysfair's default benchmark).

    Each candidate has a latent quality per label, L ~ N(0, Sigma) with unit variances and
    pairwise correlation ``label_correlation``; Y_k = 1{L_k + noise_k > t_k}, the noise having sd
    ``1 / class_sep`` and t_k set so that P(Y_k = 1) = ``base_rate``. Scorer k sees
    ``n_informative`` noisy copies of L_k plus ``n_noise_features`` pure-noise columns.
    """

    name: str = "synthetic"
    n_sessions: int = 5000  # sessions in total, before the model / serving split
    corpus_size: int = 20  # candidates per session corpus (the retriever picks m of them)
    label_correlation: float = -0.5  # correlation of the latent qualities; > -1/(K-1)
    class_sep: float = 2.0  # label noise sd = 1/class_sep: larger => better models (higher AUC)
    n_informative: int = 3  # noisy views of L_k given to scorer k
    feature_noise: float = 0.5  # sd of the noise on each informative view
    n_noise_features: int = 2  # pure-noise feature columns per label
    base_rate: float = 0.3  # P(Y_k = 1) for every label

    def check(self) -> None:
        super().check()
        require(self.n_sessions >= 10, "dataset.n_sessions", self.n_sessions, "an integer >= 10")
        require(self.corpus_size >= 1, "dataset.corpus_size", self.corpus_size, "an integer >= 1")
        lo = -1.0 / (self.n_labels - 1)
        require(
            lo < self.label_correlation < 1.0,
            "dataset.label_correlation",
            self.label_correlation,
            f"a number in ({lo:.4g}, 1) for {self.n_labels} labels (the correlation matrix must "
            "be positive definite)",
        )
        require(self.class_sep > 0, "dataset.class_sep", self.class_sep, "a number > 0")
        require(0 < self.base_rate < 1, "dataset.base_rate", self.base_rate, "a number in (0, 1)")
        require(
            self.n_informative >= 1, "dataset.n_informative", self.n_informative, "an integer >= 1"
        )
        require(self.feature_noise >= 0, "dataset.feature_noise", self.feature_noise, "a number >= 0")
        require(
            self.n_noise_features >= 0,
            "dataset.n_noise_features",
            self.n_noise_features,
            "an integer >= 0",
        )


@dataclass
class SyntheticPaperConfig(DatasetConfig):
    """The paper's recipe (Appendix C.3): one sklearn ``make_classification`` dataset per label.

    Row i of every label's dataset forms candidate i; sessions are consecutive blocks of
    ``corpus_size`` rows (rows are i.i.d., so blocks are random batches).
    """

    name: str = "synthetic_paper"
    n_sessions: int = 5000
    corpus_size: int = 20
    n_features: int = 20  # make_classification defaults
    n_informative: int = 2
    class_sep: float = 1.0
    flip_y: float = 0.01

    def check(self) -> None:
        super().check()
        require(self.n_sessions >= 10, "dataset.n_sessions", self.n_sessions, "an integer >= 10")
        require(self.corpus_size >= 1, "dataset.corpus_size", self.corpus_size, "an integer >= 1")
        require(
            1 <= self.n_informative <= self.n_features,
            "dataset.n_informative",
            self.n_informative,
            f"an integer in [1, dataset.n_features={self.n_features}]",
        )


DATASET_SCHEMAS: dict[str, type] = {
    "synthetic": SyntheticConfig,
    "synthetic_paper": SyntheticPaperConfig,
}
