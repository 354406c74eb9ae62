"""Model-level audit: metric helpers against references, the audit table, download validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import random_log
from sklearn.metrics import roc_auc_score

from sysfair.data.download import SOURCES, download, git_blob_id
from sysfair.data.errors import DataError
from sysfair.system.model_audit import (
    expected_calibration_error,
    format_model_audit,
    model_audit,
    reliability_curve,
    roc_auc,
)


def test_roc_auc_matches_sklearn_and_handles_edge_cases() -> None:
    rng = np.random.default_rng(0)
    y, s = rng.integers(2, size=500), rng.random(500)
    assert roc_auc(y_true=y, y_score=s) == pytest.approx(roc_auc_score(y, s))
    assert np.isnan(roc_auc(y_true=np.ones(5), y_score=rng.random(5)))
    # fractional labels = weighted positives and negatives
    frac = roc_auc(y_true=np.array([0.0, 0.5, 1.0]), y_score=np.array([0.1, 0.5, 0.9]))
    assert frac == pytest.approx(17 / 18)  # pairs weighted by y_pos * (1 - y_neg); ties count half
    with pytest.raises(ValueError, match="differ in length"):
        roc_auc(y_true=y, y_score=s[:3])


def test_calibration() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(200_000)
    y = (rng.random(p.size) < p).astype(float)
    assert expected_calibration_error(y_true=y, y_prob=p) < 0.01
    assert expected_calibration_error(y_true=y, y_prob=np.clip(p + 0.2, 0, 1)) > 0.1
    curve = reliability_curve(y_true=np.array([0, 1, 1]), y_prob=np.array([0.05, 0.95, 1.0]), n_bins=10)
    assert curve["bin"].tolist() == [0, 9] and curve["count"].tolist() == [1, 2]
    assert np.isnan(expected_calibration_error(y_true=np.zeros(0), y_prob=np.zeros(0)))


def test_model_audit_table() -> None:
    log = random_log(n_sessions=400, seed=2)
    table = model_audit(log)
    assert table.shape[0] == 2 * 3
    assert table["group"].tolist()[:3] == ["all", "0", "1"]
    per = table[table["group"] != "all"]
    assert per.groupby("label")["prevalence"].sum().round(6).eq(1.0).all()
    assert (table["auc"].between(0.78, 0.88)).all()  # uniform scores, Bernoulli labels: AUC = 5/6
    assert (table["ece"] < 0.1).all()
    text = format_model_audit(table)
    assert "y1" in text and "AUC gap between groups" in text


def test_download_validates_name(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown dataset 'movielens-25m'.*movielens-100k"):
        download("movielens-25m", tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        download("movielens-100k", tmp_path / "file")
    assert set(SOURCES) == {"movielens-100k", "movielens-1m", "marketbias"}


def test_git_blob_id(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"hello\n")
    assert git_blob_id(tmp_path / "f") == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object
