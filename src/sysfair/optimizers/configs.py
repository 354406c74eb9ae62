"""Config schemas of the ``optimizer`` group."""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import require


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


OPTIMIZER_SCHEMAS: dict[str, type] = {"random": RandomSearchConfig}
