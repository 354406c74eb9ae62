"""The report's errors: what the MLflow store cannot give."""

from __future__ import annotations

from sysfair.errors import SysfairError

__all__ = ["ExperimentNotFoundError", "NoFinishedRunsError", "ReportError", "RunNotFoundError"]


class ReportError(SysfairError):
    """The report cannot be built from what the store holds."""


class ExperimentNotFoundError(ReportError):
    def __init__(self, experiment: str, uri: str, available: list[str]) -> None:
        names = ", ".join(sorted(available)) or "none"
        super().__init__(
            f"no MLflow experiment named {experiment!r} in {uri} (experiments there: {names}); "
            "pass --experiment NAME or --tracking-uri URI"
        )


class NoFinishedRunsError(ReportError):
    pass


class RunNotFoundError(ReportError):
    pass
