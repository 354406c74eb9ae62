"""Live A/B studies of serving weights: ask a round of arms, deploy them, tell what each saw.

:class:`Study` keeps its state in an MLflow store (:mod:`.store`), proposes joint batches with
Fair-BO under the buckets' observed noise (:mod:`.propose`, :mod:`.noise`); ``sysfair study``
is its command line (:mod:`.cli`).
"""

from sysfair.study.config import STUDY_OPTIMIZERS, StudyConfig, StudyError, optimizer_config
from sysfair.study.noise import ArmEstimate, arm_estimate
from sysfair.study.study import Study, default_tracking_uri

__all__ = [
    "STUDY_OPTIMIZERS",
    "ArmEstimate",
    "Study",
    "StudyConfig",
    "StudyError",
    "arm_estimate",
    "default_tracking_uri",
    "optimizer_config",
]
