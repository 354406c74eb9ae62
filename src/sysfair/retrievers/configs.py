"""Config schemas of the ``retriever`` group."""

from __future__ import annotations

from dataclasses import dataclass

from sysfair.checks import require


@dataclass
class RandomRetrieverConfig:
    """m candidates drawn uniformly without replacement from the session's corpus."""

    name: str = "random"
    m: int = 20

    def check(self) -> None:
        require(self.m >= 1, "retriever.m", self.m, "an integer >= 1")


RETRIEVER_SCHEMAS: dict[str, type] = {"random": RandomRetrieverConfig}
