"""``sysfair report``: figures, tables and tests of an MLflow experiment's runs (issue 5, item 1).

:func:`build_report` (:mod:`.build`) reads the runs (:mod:`.collect`, :mod:`.runs`), builds each
setting's tables and figures (:mod:`.setting_report`, with :mod:`.stats`, :mod:`.figures`,
:mod:`.setting_surfaces`), writes ``report.md`` (:mod:`.markdown`, :mod:`.paper_sections`) and logs
every file as an artifact of a report run (tag ``mode=report``).
"""

from __future__ import annotations

from sysfair.report.build import ReportResult, build_report
from sysfair.report.collect import SWEEP_TAG, collect
from sysfair.report.errors import ExperimentNotFoundError, NoFinishedRunsError, ReportError, RunNotFoundError
from sysfair.report.setting_report import SettingReport
from sysfair.report.stats import WilcoxonResult, paired_wilcoxon

__all__ = [
    "SWEEP_TAG",
    "ExperimentNotFoundError",
    "NoFinishedRunsError",
    "ReportError",
    "ReportResult",
    "RunNotFoundError",
    "SettingReport",
    "WilcoxonResult",
    "build_report",
    "collect",
    "paired_wilcoxon",
]
