"""The record's names and config identity, spelled out: a renamed metric breaks every reader."""

from __future__ import annotations

import pytest

from sysfair.experiment import record as rec


def test_metric_names_are_grouped_by_section() -> None:
    assert rec.trial_metric("best_der") == "outcome/best_der"
    assert rec.trial_metric("seconds") == "run/seconds"
    assert rec.summary_metric("hypervolume_regret", "sd") == "outcome/hypervolume_regret_sd"
    assert rec.summary_metric("seconds", "mean") == "run/seconds_mean"
    assert rec.series_metric("exact_der") == "progress/exact_der"
    assert rec.series_metric("ask_seconds") == "run/ask_seconds"
    assert rec.group_series("observed", 1) == "progress/observed_utility_group1"
    assert rec.group_series("exact", 0) == "progress/exact_utility_group0"
    assert rec.alpha_series("click rate%") == "progress/alpha_click rate_"
    assert rec.convergence_metric("best_hypervolume", parent=False) == "progress/best_hypervolume"
    assert rec.convergence_metric("hypervolume_regret", parent=True) == "progress/hypervolume_regret_mean"
    assert rec.oracle_metric("n_points") == "setting/oracle/n_points"
    assert rec.model_metric("y1", 0, "auc") == "setting/model/y1_group0_auc"
    assert rec.model_metric("like/ok", "all", "ece") == "setting/model/like_ok_groupall_ece"
    assert rec.audit_metric(None, "gap") == "outcome/gap"
    assert rec.audit_metric("bound", "y 1:x") == "outcome/bound/y 1_x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("y1", "y1"), ("Click-Rate_2.b e", "Click-Rate_2.b e"), ("a/b", "a_b"), ("α*(g)", "___g_"), (3, "3")],
)
def test_safe_keeps_mlflow_characters_only(text: object, expected: str) -> None:
    assert rec.safe(text) == expected  # type: ignore[arg-type]


def test_config_hash_ignores_speed_only_settings_and_order() -> None:
    base = {"dataset.n_sessions": "1000", "optimizer.name": "random", "seed": "0"}
    h = rec.config_hash(base)
    assert len(h) == 16 and int(h, 16) >= 0
    speed = {**base, "trials.n_jobs": "8", "progress": "false", "tracking.uri": "x", "audit.alpha": "y"}
    assert rec.config_hash(speed) == h
    assert rec.config_hash(dict(reversed(list(base.items())))) == h
    assert rec.config_hash({**base, "seed": "1"}) != h
    assert rec.config_hash({**base, "trials.n_trials": "3"}) != h  # not every trials.* key is speed
    assert rec.config_hash({}) != h


def test_speed_only_is_a_prefix_rule() -> None:
    assert rec.is_speed_only("trials.n_jobs") and rec.is_speed_only("tracking.uri")
    assert rec.is_speed_only("cache_dir") and rec.is_speed_only("mode")
    assert not rec.is_speed_only("trials.n_iterations") and not rec.is_speed_only("seed")


class _Tracker:
    def __init__(self) -> None:
        self.ended: list[tuple[str, str]] = []

    def end_run(self, run_id: str, status: str) -> None:
        self.ended.append((run_id, status))


@pytest.mark.parametrize(
    ("raised", "status"),
    [(None, "FINISHED"), (KeyboardInterrupt, "KILLED"), (RuntimeError, "FAILED")],
)
def test_run_status_ends_the_run_once_with_its_status(
    raised: type[BaseException] | None, status: str
) -> None:
    tracker = _Tracker()
    if raised is None:
        with rec.run_status(tracker, "r1"):
            pass
    else:
        with pytest.raises(raised), rec.run_status(tracker, "r1"):
            raise raised()
    assert tracker.ended == [("r1", status)]
