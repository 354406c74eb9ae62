"""Issue 15 item 6: the ablations the paper reports in words, as sweeps with their reports.

``+sweep=selection_ablation``: Fair EHVI with each of Appendix C.4's three selection rules next to
random and the paper's EI; ``+sweep=paper_constrained``: constrained EI next to the paper's methods.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from sysfair.cli.app import CONF_DIR

REPO = Path(__file__).resolve().parents[1]
RULES = ("der_improvement", "utility_improvement", "random")


def _compose(overrides: list[str]) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def test_selection_ablation_runs_the_three_rules_and_the_baselines() -> None:
    cfg = _compose(["+sweep=selection_ablation"])
    options = str(cfg.hydra.sweeper.params.optimizer).split(",")
    assert cfg.trials.n_trials == 20 and cfg.trials.n_iterations == 20  # the paper's protocol
    selected = {}
    for option in options:
        opt = _compose(["+sweep=selection_ablation", f"optimizer={option}"]).optimizer
        if opt.name == "fair_ehvi":
            selected[option] = opt.select
            assert opt.q == 10 and opt.hvi == "sweep"  # the same Fair EHVI but for the rule
    assert sorted(selected.values()) == sorted(RULES)
    assert {"random", "ei_paper"} <= set(options)


def test_paper_constrained_runs_constrained_ei_next_to_the_paper_methods() -> None:
    cfg = _compose(["+sweep=paper_constrained"])
    assert str(cfg.hydra.sweeper.params.optimizer).split(",") == [
        "random",
        "ei_paper",
        "fair_ehvi",
        "constrained_ei",
    ]
    opt = _compose(["+sweep=paper_constrained", "optimizer=constrained_ei"]).optimizer
    assert opt.name == "constrained_ei" and 0 < opt.threshold < 1


def _run_smoke(tmp_path: Path, sweep: str) -> tuple[Path, MlflowClient]:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "run.py"),
            "-m",
            f"+sweep={sweep}",
            "trials=smoke",
            "dataset=smoke_synthetic",
            "scorer.n_estimators=10",
            "trials.batch_size=100",
            "trials.n_jobs=1",
            "progress=false",
        ],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (sweep_dir,) = (tmp_path / "multirun").iterdir()
    assert sweep_dir.name.startswith(sweep)
    return sweep_dir / "report", MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")


def _wilcoxon(report: Path) -> pd.DataFrame:
    (path,) = report.glob("wilcoxon_*.csv")
    return pd.read_csv(path)


@pytest.mark.slow
def test_selection_ablation_smoke_sweep_reports_each_rule(tmp_path: Path) -> None:
    report, client = _run_smoke(tmp_path, "selection_ablation")
    exp = client.get_experiment_by_name("sysfair")
    runs = [r for r in client.search_runs([exp.experiment_id]) if "mlflow.parentRunId" not in r.data.tags]
    fair = [r for r in runs if r.data.tags.get("optimizer") == "fair_ehvi"]
    assert sorted(r.data.params["optimizer.select"] for r in fair) == sorted(RULES)
    text = (report / "report.md").read_text()
    labels = [f"fair_ehvi (select={rule})" for rule in RULES]
    for label in labels:
        assert f"`{label}`" in text
    tests = _wilcoxon(report)
    assert set(tests["fair"]) == set(labels)
    assert set(tests["baseline"]) == {"random", "ei"}
    assert len(tests) == len(labels) * 2 * tests["metric"].nunique()


@pytest.mark.slow
def test_paper_constrained_smoke_sweep_tests_fair_ehvi_against_constrained_ei(tmp_path: Path) -> None:
    report, _ = _run_smoke(tmp_path, "paper_constrained")
    text = (report / "report.md").read_text()
    assert "`constrained_ei`" in text
    tests = _wilcoxon(report)
    assert set(tests["fair"]) == {"fair_ehvi"}
    assert set(tests["baseline"]) == {"random", "ei", "constrained_ei"}
