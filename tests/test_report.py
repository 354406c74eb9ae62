"""`sysfair report` on a small sweep in a temporary MLflow store; tables checked against values
computed independently from the stored metrics (MlflowClient), Wilcoxon against known answers."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from scipy import stats

from sysfair.cli.app import CONF_DIR
from sysfair.cli.report import main_report
from sysfair.experiment import record as rec
from sysfair.experiment.runner import run_experiment
from sysfair.report import (
    ExperimentNotFoundError,
    NoFinishedRunsError,
    ReportError,
    ReportResult,
    build_report,
    paired_wilcoxon,
)
from sysfair.report.stats import paired_by_seed

pytestmark = pytest.mark.slow  # end to end: deselect with -m 'not slow'

METHODS = ("random", "sobol", "fair_nehvi")
N_TRIALS = 6


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, ReportResult]:
    """3 methods x 6 trials x 4 iterations in one store, and the report built from it."""
    tmp = tmp_path_factory.mktemp("sweep")
    uri = f"sqlite:///{tmp}/mlflow.db"
    for name in METHODS:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(
                config_name="config",
                overrides=[
                    f"cache_dir={tmp}/cache",
                    f"tracking.uri={uri}",
                    "dataset.n_sessions=300",
                    "scorer.n_estimators=10",
                    "scorer.n_jobs=1",
                    "trials=smoke",
                    f"trials.n_trials={N_TRIALS}",
                    "trials.n_iterations=4",
                    "trials.batch_size=50",
                    "trials.n_jobs=1",
                    "progress=false",
                    f"optimizer={name}",
                ],
            )
        run_experiment(cfg, tmp)
    return uri, tmp, build_report(uri, "sysfair", tmp / "report")


def _stored(uri: str) -> tuple[MlflowClient, dict[str, str], pd.DataFrame]:
    """Independently of the report: {optimizer: parent id}, and one row per trial run's metrics."""
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("sysfair")
    runs = client.search_runs([exp.experiment_id])
    parents = {
        r.data.tags["optimizer"]: r.info.run_id
        for r in runs
        if "mlflow.parentRunId" not in r.data.tags and r.data.tags.get("mode") != "report"
    }
    by_parent = {v: k for k, v in parents.items()}
    rows = [
        {
            "method": by_parent[r.data.tags["mlflow.parentRunId"]],
            "run_id": r.info.run_id,
            "seed": int(r.data.params[rec.PARAM_TRIAL_SEED]),
            **{k: r.data.metrics[rec.trial_metric(k)] for k in rec.OUTCOME_KEYS},
        }
        for r in runs
        if r.data.tags.get("mlflow.parentRunId") in by_parent
    ]
    return client, parents, pd.DataFrame(rows)


def test_summary_matches_stored_metrics(sweep: tuple[str, Path, ReportResult]) -> None:
    uri, _, result = sweep
    client, parents, trials = _stored(uri)
    (setting,) = result.settings
    summary = setting.summary.set_index("method")
    assert sorted(summary.index) == sorted(METHODS)
    for method in METHODS:
        mine = trials[trials["method"] == method]
        assert len(mine) == N_TRIALS == summary.loc[method, "n_trials"]
        parent = client.get_run(parents[method]).data.metrics
        for key in ("best_utility", "best_der", "hypervolume", "hypervolume_regret"):
            values = mine[key].to_numpy()
            assert summary.loc[method, f"{key}_mean"] == pytest.approx(values.mean(), abs=1e-12)
            assert summary.loc[method, f"{key}_sd"] == pytest.approx(values.std(ddof=1), abs=1e-12)
            # and the experiment's own summary agrees
            assert summary.loc[method, f"{key}_mean"] == pytest.approx(
                parent[rec.summary_metric(key, "mean")], abs=1e-9
            )
        # scalarised score from the per-iteration metric histories of each trial run
        expected = []
        for run_id in mine["run_id"]:
            u = [
                m.value
                for m in sorted(
                    client.get_metric_history(run_id, rec.series_metric("exact_utility")),
                    key=lambda m: m.step,
                )
            ]
            d = [
                m.value
                for m in sorted(
                    client.get_metric_history(run_id, rec.series_metric("exact_der")), key=lambda m: m.step
                )
            ]
            expected.append(max(a * b for a, b in zip(u, d, strict=True)))
        assert summary.loc[method, "scalarised_mean"] == pytest.approx(np.mean(expected), abs=1e-12)


def test_front_shares_match_brute_force(sweep: tuple[str, Path, ReportResult]) -> None:
    uri, _, result = sweep
    client, _, trials = _stored(uri)
    pts = []
    for row in trials.itertuples():
        u = sorted(
            client.get_metric_history(row.run_id, rec.series_metric("observed_utility")), key=lambda m: m.step
        )
        d = sorted(
            client.get_metric_history(row.run_id, rec.series_metric("observed_der")), key=lambda m: m.step
        )
        pts += [(row.method, a.value, b.value) for a, b in zip(u, d, strict=True)]
    xy = np.array([(a, b) for _, a, b in pts])
    dominated = np.array([bool(np.any(np.all(xy >= p, axis=1) & np.any(xy > p, axis=1))) for p in xy])
    counts = pd.Series([m for (m, _, _), dom in zip(pts, dominated, strict=True) if not dom]).value_counts()
    shares = result.settings[0].shares.set_index("method")
    for method in METHODS:
        assert shares.loc[method, "n_on_front"] == counts.get(method, 0)
        assert shares.loc[method, "n_points"] == N_TRIALS * 4
    assert shares["share"].sum() == pytest.approx(1.0)


def test_wilcoxon_table_matches_scipy_on_stored_values(sweep: tuple[str, Path, ReportResult]) -> None:
    uri, _, result = sweep
    _, _, trials = _stored(uri)
    setting = result.settings[0]
    table = setting.wilcoxon.set_index(["fair", "baseline", "metric"])
    assert set(table.index.get_level_values("baseline")) == {"random"}
    assert any("`ei` did not run" in n for n in setting.wilcoxon_notes)
    fair = trials[trials["method"] == "fair_nehvi"].set_index("seed").sort_index()
    base = trials[trials["method"] == "random"].set_index("seed").sort_index()
    assert list(fair.index) == list(base.index)  # paired by seed
    for metric in ("best_der", "best_utility", "hypervolume"):
        row = table.loc[("fair_nehvi", "random", metric)]
        d = fair[metric].to_numpy() - base[metric].to_numpy()
        assert row["n_pairs"] == N_TRIALS
        assert row["wins"] == (d > 0).sum() and row["losses"] == (d < 0).sum()
        if np.any(d != 0):
            expected = stats.wilcoxon(fair[metric], base[metric]).pvalue
            assert row["p_value"] == pytest.approx(expected)
        else:
            assert np.isnan(row["p_value"])


def test_wilcoxon_known_answers() -> None:
    # all 6 differences positive: T = 0; exact two-sided p = 2 * 1 / 2**6
    res = paired_wilcoxon(np.arange(1, 7) + 10.0, np.full(6, 10.0))
    assert res.p_value == pytest.approx(2 / 64) and res.method == "exact" and res.wins == 6
    # d = 1, -2, 3, 4, 5, 6: negative rank sum 2; sign patterns with rank sum <= 2: {}, {1}, {2}
    res = paired_wilcoxon(np.array([1.0, -2, 3, 4, 5, 6]), np.zeros(6))
    assert res.statistic == 2 and res.p_value == pytest.approx(2 * 3 / 64)
    # a zero difference is dropped: the 5 others rank as above but n = 5 -> note, p from permutation
    res = paired_wilcoxon(np.array([0.0, 1, 2, 3, 4, 5]), np.zeros(6))
    assert res.n_nonzero == 5 and res.ties == 1 and res.p_value == pytest.approx(2 / 32)
    assert res.method == "permutation (zeros/ties)" and "cannot reach 0.05" in res.note
    # every difference zero: undefined, documented
    res = paired_wilcoxon(np.ones(8), np.ones(8))
    assert np.isnan(res.p_value) and res.method == "undefined" and "zero" in res.note
    res = paired_wilcoxon(np.array([np.nan]), np.array([1.0]))
    assert res.n_pairs == 0 and np.isnan(res.p_value)


def test_files_and_report_run(sweep: tuple[str, Path, ReportResult]) -> None:
    uri, _, result = sweep
    text = result.report_path.read_text()
    for heading in ("Mean ± 1 sd", "global front", "Wilcoxon", "Utility and DER over α", "Model-level"):
        assert heading in text
    assert "Scalarised score" in text and "utility × DER" in text
    setting = result.settings[0]
    assert f"{setting.summary.set_index('method').loc['random', 'best_der_mean']:.4f}" in text
    figures = [setting.fronts_figure, setting.comparison_figure, setting.surface_figure]
    for fig in figures:
        assert fig is not None and fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert fig.stat().st_size > 10_000
        assert f"({fig.name})" in text
    assert any("reproduced" in n for n in setting.surface_notes)
    # the model audit next to the paper's Table 1 (dataset=synthetic): our AUCs, read back
    auc = setting.paper_auc
    assert auc is not None and len(auc) == 6 and set(auc["table"]) == {1}
    ours = setting.audit.set_index(["label", "group"])["auc"]
    for row in auc.itertuples():
        assert row.auc == pytest.approx(ours[(row.label, row.group)], abs=1e-12)
    assert "Table 1" in text and f"{auc['auc'].iloc[0]:.4f}" in text
    assert result.out_dir / f"paper_auc_{setting.slug}.csv" in result.files
    client = MlflowClient(uri)
    run = client.get_run(result.run_id)
    assert run.data.tags["mode"] == "report" and run.info.status == "FINISHED"
    logged = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"report.md", *(f.name for f in figures)} <= logged


def test_sweep_filter_errors_and_cli(
    sweep: tuple[str, Path, ReportResult],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    uri, tmp, _ = sweep
    client, parents, _ = _stored(uri)
    for method in ("random", "fair_nehvi"):
        client.set_tag(parents[method], "sweep", "pair")
    with caplog.at_level(logging.INFO, logger="sysfair.report"):
        tagged = build_report(uri, "sysfair", tmp / "pair", sweep_tag="pair", log_run=False)
    assert "report: setting 1/1 (" in caplog.text  # progress, one line per setting
    assert sorted(tagged.settings[0].summary["method"]) == ["fair_nehvi", "random"]
    assert tagged.run_id is None
    with pytest.raises(NoFinishedRunsError, match="sweep 'nope'"):
        build_report(uri, "sysfair", tmp / "x", sweep_tag="nope", log_run=False)
    with pytest.raises(ExperimentNotFoundError, match="no MLflow experiment named 'other'"):
        build_report(uri, "other", tmp / "x", log_run=False)
    with pytest.raises(ReportError, match="does not exist"):
        build_report(f"sqlite:///{tmp}/missing.db", "sysfair", tmp / "x")
    with pytest.raises(SystemExit) as exit_info:
        main_report(["--tracking-uri", uri, "--experiment", "other"])
    assert exit_info.value.code == 2 and "sysfair: error: no MLflow experiment" in capsys.readouterr().err
    # the report runs logged so far are not taken for experiments
    main_report(["--tracking-uri", uri, "--out", str(tmp / "cli"), "--no-log"])
    assert "report written to" in capsys.readouterr().out
    assert (tmp / "cli" / "report.md").is_file()
    assert "| sobol |" in (tmp / "cli" / "report.md").read_text()


@pytest.mark.parametrize("seed", range(6))
def test_wilcoxon_explicit_method_matches_scipy_auto(seed: int) -> None:
    """The method sysfair names and passes gives scipy's own automatic choice, p for p."""
    from scipy import stats as scipy_stats

    from sysfair.report.stats import paired_wilcoxon

    rng = np.random.default_rng(seed)
    n = [8, 12, 20, 30, 60, 10][seed]
    x = rng.normal(size=n)
    y = x + rng.normal(0.3, 1.0, size=n)
    if seed % 2:  # ties and zeros
        y = np.round(y, 1)
        x = np.round(x, 1)
        y[:2] = x[:2]
    res = paired_wilcoxon(x, y)
    auto = scipy_stats.wilcoxon(x, y, zero_method="wilcox", method="auto")
    assert res.p_value == pytest.approx(float(auto.pvalue), rel=1e-12)
    expected = "exact" if seed % 2 == 0 and n <= 50 else "permutation (zeros/ties)" if n <= 13 else "normal"
    assert res.method.startswith(expected)


def test_paper_view_averages_the_iterations_of_each_trial(sweep: tuple[str, Path, ReportResult]) -> None:
    """Section 4's aggregation, recomputed from the stored per-iteration histories."""
    uri, _, result = sweep
    client, _, trials = _stored(uri)
    setting = result.settings[0]
    averages = setting.paper.set_index(["method", "seed"])
    per_method: dict[str, list[tuple[float, float]]] = {}
    for row in trials.itertuples():
        u = [m.value for m in client.get_metric_history(row.run_id, rec.series_metric("observed_utility"))]
        d = [m.value for m in client.get_metric_history(row.run_id, rec.series_metric("observed_der"))]
        assert len(u) == len(d) == 4
        mine = averages.loc[(row.method, row.seed)]
        assert mine["avg_utility"] == pytest.approx(np.mean(u), abs=1e-12)
        assert mine["avg_der"] == pytest.approx(np.mean(d), abs=1e-12)
        per_method.setdefault(row.method, []).append((np.mean(u), np.mean(d)))
    summary = setting.paper_summary.set_index("method")
    for method, values in per_method.items():
        arr = np.array(values)
        assert summary.loc[method, "avg_der_mean"] == pytest.approx(arr[:, 1].mean(), abs=1e-12)
        assert summary.loc[method, "avg_der_sd"] == pytest.approx(arr[:, 1].std(ddof=1), abs=1e-12)
    tests = setting.paper_wilcoxon.set_index(["fair", "baseline", "metric"])
    _, x, y = paired_by_seed(setting.paper, "fair_nehvi", "random", "avg_der")
    assert tests.loc[("fair_nehvi", "random", "avg_der"), "p_value"] == pytest.approx(
        stats.wilcoxon(x, y).pvalue, rel=1e-12
    )
    report = result.report_path.read_text()
    assert "The paper's view (Section 4)" in report and "best found (sysfair's view" in report
    assert setting.paper_figure.is_file() and setting.exact_fronts_figure.is_file()
