"""The record equals the results (issue 18, item 2) and the record's contract (issue 13).

A small experiment is run in-process; every number it wrote to MLflow is read back and compared,
exactly, with the in-memory result it came from, and the trial protocol is re-derived by hand.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY
from mlflow.tracking import MlflowClient

from sysfair.experiment import record as rec
from sysfair.experiment.candidates import candidate_log
from sysfair.experiment.runner import ExperimentResult, run_experiment
from sysfair.experiment.trials import capped_n_jobs, trial_batches
from sysfair.system.oracle import hypervolume_regret
from sysfair.system.pareto import hypervolume
from sysfair.system.platform import Platform

N_TRIALS = 3


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExperimentResult, object, Path]:
    from hydra import compose, initialize_config_dir

    from sysfair.cli.app import CONF_DIR

    tmp = tmp_path_factory.mktemp("record")
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(
            "config",
            [
                f"cache_dir={tmp / 'cache'}",
                f"tracking.uri=sqlite:///{tmp / 'mlflow.db'}",
                *TINY,
                f"trials.n_trials={N_TRIALS}",
                "trials.seed=5",
                "optimizer=sobol",
            ],
        )
    return run_experiment(cfg, tmp), cfg, tmp


def _history(client: MlflowClient, run_id: str, key: str) -> tuple[list[int], np.ndarray]:
    hist = sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)
    return [m.step for m in hist], np.array([m.value for m in hist])


def test_trial_runs_hold_exactly_the_trial_results(experiment) -> None:
    result, cfg, _ = experiment
    client = MlflowClient(result.tracking_uri)
    children = client.search_runs(
        [result.experiment_id], f"tags.`{rec.TAG_PARENT}` = '{result.run_id}'", max_results=100
    )
    by_index = {int(c.data.tags[rec.TAG_TRIAL]): c for c in children}
    assert sorted(by_index) == list(range(N_TRIALS))
    reference = np.asarray(json.loads(client.get_run(result.run_id).data.params["trials.reference_point"]))
    for trial in result.trials:
        run = by_index[trial.index]
        assert run.info.status == rec.FINISHED
        assert run.data.params[rec.PARAM_TRIAL_SEED] == str(5 + trial.index) == str(trial.seed)
        T = trial.alphas.shape[0]
        series = {rec.series_metric(k): getattr(trial, k) for k in rec.TRIAL_SERIES}
        series[rec.series_metric("ask_seconds")] = trial.ask_seconds
        for g in range(trial.exact_group_utility.shape[1]):
            series[rec.group_series("observed", g)] = trial.observed_group_utility[:, g]
            series[rec.group_series("exact", g)] = trial.exact_group_utility[:, g]
        for k, name in enumerate(result.label_names):
            series[rec.alpha_series(name)] = trial.alphas[:, k]
        exact = np.column_stack([trial.exact_utility, trial.exact_der])
        series[rec.convergence_metric("best_hypervolume", parent=False)] = [
            hypervolume(exact[: t + 1], reference) for t in range(T)
        ]
        series[rec.convergence_metric("hypervolume_regret", parent=False)] = [
            hypervolume_regret(result.oracle, exact[: t + 1]) for t in range(T)
        ]
        for key, values in series.items():
            steps, logged = _history(client, run.info.run_id, key)
            assert steps == list(range(T)), key
            np.testing.assert_array_equal(logged, np.asarray(values, dtype=float), err_msg=key)
        # timestamps: when each iteration was observed, in order
        stamps = [
            m.timestamp for m in sorted(client.get_metric_history(run.info.run_id, key), key=lambda m: m.step)
        ]
        assert stamps == sorted(stamps)
        np.testing.assert_array_equal(stamps, (trial.observed_at * 1000).astype(int))
        for key, value in trial.summary(reference, result.oracle).items():
            assert run.data.metrics[rec.trial_metric(key)] == value, key


def test_trial_protocol_seed_plus_i_and_noise_free_on_the_whole_pool(experiment) -> None:
    result, cfg, tmp = experiment
    from omegaconf import OmegaConf

    obj = OmegaConf.to_object(cfg)
    platform = Platform(candidate_log(obj, tmp), np.asarray(obj.preferences.weights))
    for i, trial in enumerate(result.trials):
        assert trial.index == i and trial.seed == 5 + i
        batches = trial_batches(5 + i, obj.trials.n_iterations, obj.trials.batch_size, platform.n_sessions)
        for t, batch in enumerate(batches):
            ev = platform.evaluate(trial.alphas[t], batch)
            assert trial.observed_utility[t] == ev.utility[0] and trial.observed_der[t] == ev.der[0]
        whole = platform.evaluate(trial.alphas)  # every session of the pool
        np.testing.assert_array_equal(trial.exact_utility, whole.utility)
        np.testing.assert_array_equal(trial.exact_group_utility, whole.group_utility)
        batch_only = platform.evaluate(trial.alphas, batches[0])
        assert not np.array_equal(trial.exact_utility, batch_only.utility)  # not just one batch


def test_parent_summary_convergence_and_params_equal_the_results(experiment) -> None:
    result, cfg, _ = experiment
    client = MlflowClient(result.tracking_uri)
    parent = client.get_run(result.run_id)
    reference = np.asarray(json.loads(parent.data.params["trials.reference_point"]))
    np.testing.assert_array_equal(reference, result.oracle.reference)
    per_trial = {
        k: np.array([t.summary(reference, result.oracle)[k] for t in result.trials]) for k in rec.SUMMARY_KEYS
    }
    for key, values in per_trial.items():
        assert parent.data.metrics[rec.summary_metric(key, "mean")] == pytest.approx(values.mean(), rel=1e-15)
        assert parent.data.metrics[rec.summary_metric(key, "sd")] == pytest.approx(
            values.std(ddof=1), rel=1e-15
        )
        assert result.summary.loc[key, "sd"] == pytest.approx(values.std(ddof=1), rel=1e-15)
    for key in rec.CONVERGENCE_KEYS:
        steps, logged = _history(client, result.run_id, rec.convergence_metric(key, parent=True))
        curves = np.array([t.convergence(reference, result.oracle)[key] for t in result.trials])
        assert steps == list(range(curves.shape[1]))
        np.testing.assert_allclose(logged, curves.mean(axis=0), rtol=1e-15)
    params = parent.data.params
    assert params["trials.seed"] == "5" and params["optimizer.name"] == "sobol"
    assert params["dataset.label_correlation"] == "-0.8"  # the value used, not the config's null
    assert params["trials.n_jobs"] == "1"
    assert params["trials.n_trials"] == str(N_TRIALS)
    tags = parent.data.tags
    assert tags[rec.TAG_MODE] == rec.MODE_EXPERIMENT and tags[rec.TAG_PID].isdigit()
    assert {rec.TAG_USER, rec.TAG_SOURCE_NAME, rec.TAG_GIT_COMMIT, rec.TAG_HOST} <= set(tags)
    assert parent.info.run_name.startswith("sobol-synthetic-")
    front = result.front
    pts = np.column_stack(
        [
            np.concatenate([t.exact_utility for t in result.trials]),
            np.concatenate([t.exact_der for t in result.trials]),
        ]
    )
    for u, d in zip(front["utility"], front["der"], strict=True):  # nothing found dominates a front point
        assert not np.any((pts[:, 0] >= u) & (pts[:, 1] >= d) & ((pts[:, 0] > u) | (pts[:, 1] > d)))


def test_outcome_section_comes_first_in_the_ui() -> None:
    """The MLflow UI orders chart sections alphabetically (un-sectioned metrics last)."""
    names = [
        rec.summary_metric("hypervolume", "mean"),
        rec.convergence_metric("best_hypervolume", parent=True),
        rec.oracle_metric("hypervolume"),
        rec.model_metric("y1", 0, "auc"),
        rec.summary_metric("seconds", "mean"),
    ]
    sections = [n.rsplit("/", 1)[0] for n in names]
    assert sorted(sections)[0] == rec.OUTCOME == sections[0]
    assert rec.model_metric("y1", 0, "auc") == "setting/model/y1_group0_auc"


@pytest.mark.parametrize(
    ("requested", "left", "cores", "expected", "warns"),
    [
        (1000, 20, 2, 2, True),
        (-1, 20, 2, 2, False),
        (4, 1, 2, 1, True),
        (1, 5, 2, 1, False),
        (-2, 5, 4, 3, False),
    ],
)
def test_n_jobs_capped_at_trials_left_and_cores(
    requested: int, left: int, cores: int, expected: int, warns: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="sysfair"):
        assert capped_n_jobs(requested, left, cores) == expected
    assert len(caplog.records) == int(warns)
    if warns:
        assert f"trials.n_jobs={requested} is more than the {cores} usable cores" in caplog.text


def test_n_jobs_1000_runs_on_the_usable_cores(compose_cfg, caplog: pytest.LogCaptureFixture) -> None:
    from sysfair.experiment.trials import usable_cores

    with caplog.at_level(logging.WARNING, logger="sysfair"):
        result = run_experiment(compose_cfg(*TINY, "trials.n_jobs=1000"))
    used = MlflowClient(result.tracking_uri).get_run(result.run_id).data.params["trials.n_jobs"]
    assert used == str(min(2, usable_cores()))  # 2 trials left
    assert sum("more than the" in r.message for r in caplog.records) == 1
