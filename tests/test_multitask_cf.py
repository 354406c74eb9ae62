"""Multi-task CF scorer: learns user/item structure, deterministic, clear error without user ids."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from sysfair.data.base import Interactions
from sysfair.data.errors import DataError
from sysfair.errors import ConfigError
from sysfair.scorers import MultitaskCFScorer, make_scorer
from sysfair.scorers.configs import MultitaskCFConfig


def _cf_data(n_users: int = 80, n_items: int = 60, seed: int = 0, with_users: bool = True) -> Interactions:
    rng = np.random.default_rng(seed)
    pu, pi = rng.standard_normal((n_users, 2)), rng.standard_normal((n_items, 2))
    user = np.repeat(np.arange(n_users), 40)
    item = rng.integers(n_items, size=user.size)
    logits = np.stack([(pu[user] * pi[item]).sum(1), pu[user, 0] - pi[item, 1]], axis=1) * 2
    labels = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(float)
    session = user // 4
    return Interactions(
        features=rng.standard_normal((user.size, 3)),
        labels=labels,
        session=session,
        item=item,
        label_names=("a", "b"),
        label_features=(np.arange(3), np.arange(3)),
        session_features=np.zeros((session.max() + 1, 1)),
        user=user if with_users else None,
    )


def _cfg(**kw: object) -> MultitaskCFConfig:
    cfg = MultitaskCFConfig(max_epochs=30, n_threads=1, **kw)  # type: ignore[arg-type]
    cfg.check()
    return cfg


def test_learns_and_is_deterministic() -> None:
    data = _cf_data()
    rows = np.arange(data.labels.shape[0])
    train, test = rows[rows % 5 != 0], rows[rows % 5 == 0]
    a = make_scorer(_cfg(), seed=3).fit(data, train)
    pred = a.predict(data, test)
    assert pred.shape == (test.size, 2) and ((pred >= 0) & (pred <= 1)).all()
    for k in range(2):
        assert roc_auc_score(data.labels[test, k], pred[:, k]) > 0.65
    b = MultitaskCFScorer(_cfg(), seed=3).fit(data, train)
    assert np.array_equal(pred, b.predict(data, test))
    assert len(a.history_) <= 30


def test_features_and_unseen_users() -> None:
    data = _cf_data()
    rows = np.arange(data.labels.shape[0])
    seen = rows[data.user < 60]
    scorer = MultitaskCFScorer(_cfg(use_features=True, validation_fraction=0.2), seed=0).fit(data, seen)
    unseen = rows[data.user >= 60]
    pred = scorer.predict(data, unseen)  # users never seen: mean embedding
    assert ((pred > 0) & (pred < 1)).all()
    # every unseen user shares one embedding, the mean of the trained users' embeddings
    net = scorer.net_
    torch.testing.assert_close(net.user.weight[-1], net.user.weight[:-1].mean(dim=0))
    relabelled = dataclasses.replace(data, user=np.where(data.user >= 60, 1000 + data.user, data.user))
    np.testing.assert_array_equal(scorer.predict(relabelled, unseen), pred)
    # a seen user's own embedding gives other predictions than the mean one for the same rows
    as_seen = dataclasses.replace(data, user=np.where(data.user >= 60, 0, data.user))
    assert np.abs(scorer.predict(as_seen, unseen) - pred).max() > 1e-3
    # the features enter the heads: other feature values, other predictions
    shifted = dataclasses.replace(data, features=data.features + 1.0)
    assert np.abs(scorer.predict(shifted, unseen) - pred).max() > 1e-3
    # label b depends on the item through -pi[item, 1]: the item embeddings carry it to unseen users
    assert roc_auc_score(data.labels[unseen, 1], pred[:, 1]) > 0.6


def test_needs_user_ids() -> None:
    data = _cf_data(with_users=False)
    with pytest.raises(DataError, match="needs user ids"):
        MultitaskCFScorer(_cfg(), seed=0).fit(data, np.arange(10))


def test_config_checks() -> None:
    with pytest.raises(ConfigError, match="scorer.validation_fraction"):
        MultitaskCFConfig(validation_fraction=1.0).check()
    with pytest.raises(ConfigError, match="scorer.embedding_dim"):
        MultitaskCFConfig(embedding_dim=0).check()


class _Terminal:
    """A stderr that says it is a terminal, so tqdm's ``disable=None`` bars show."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def write(self, s: str) -> int:
        self.text.append(s)
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_training_shows_a_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch, terminal: bool) -> None:
    """Scorer training is the longest silent step of a first run: a bar per epoch / per label."""
    from sysfair.scorers.configs import RandomForestConfig

    data = _cf_data(n_users=20, n_items=10)
    rows = np.arange(data.labels.shape[0])
    err = _Terminal()
    if not terminal:
        err.isatty = lambda: False  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", err)
    cf_cfg = MultitaskCFConfig(max_epochs=3, n_threads=1)
    cf = make_scorer(cf_cfg, seed=0).fit(data, rows)
    forest = make_scorer(RandomForestConfig(n_estimators=2, n_jobs=1), seed=0).fit(data, rows)
    shown = "".join(err.text)
    assert ("training multitask_cf" in shown) == terminal
    assert ("training random_forest" in shown) == terminal
    assert ("0/3" in shown) == terminal  # epochs: up to max_epochs
    assert ("0/2" in shown) == terminal  # one forest per label
    assert len(cf.history_) <= 3 and len(forest.models_) == 2
