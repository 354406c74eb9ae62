"""Retrievers: top-m selection, single_label and embedding_knn on known cases, and the build path."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from omegaconf import OmegaConf

from sysfair.errors import ConfigError, SysfairError
from sysfair.retrievers import (
    EmbeddingKnnRetriever,
    RandomRetriever,
    RetrievalInputs,
    SingleLabelRetriever,
    make_retriever,
    top_m_per_session,
)
from sysfair.retrievers.configs import RETRIEVER_SCHEMAS
from sysfair.retrievers.embedding_knn import inner_products, item_embeddings
from sysfair.system.build import build_candidate_log


def _inputs(
    features: np.ndarray, session_features: np.ndarray, scores: np.ndarray | None = None
) -> RetrievalInputs:
    calls: list[list[int] | None] = []

    def predict(labels: list[int] | None) -> np.ndarray:
        calls.append(labels)
        assert scores is not None
        return scores if labels is None else scores[:, labels]

    inputs = RetrievalInputs(features, session_features, predict, ("y1", "y2"))
    inputs.calls = calls  # type: ignore[attr-defined]
    return inputs


def test_top_m_per_session_keeps_the_largest_keys_in_random_slots() -> None:
    rng = np.random.default_rng(0)
    session = np.repeat(np.arange(4), [10, 3, 7, 0])
    key = rng.random(session.size)
    slots = top_m_per_session(session=session, n_sessions=4, key=key, m=5, rng=rng)
    assert slots.shape == (4, 5)
    for s in range(4):
        rows = np.flatnonzero(session == s)
        want = set(rows[np.argsort(-key[rows])][:5].tolist())
        got = slots[s][slots[s] >= 0]
        assert set(got.tolist()) == want
        assert np.all(slots[s][len(got) :] == -1)  # padding at the end
    assert not np.all(np.diff(slots[0]) < 0)  # not left in key order (random slots)


def test_single_label_retrieves_top_m_by_the_chosen_label_and_scores_only_that_label_once() -> None:
    rng = np.random.default_rng(1)
    n_s, corpus, m = 50, 30, 6
    session = np.repeat(np.arange(n_s), corpus)
    scores = rng.random((session.size, 2))
    inputs = _inputs(np.zeros((session.size, 1)), np.zeros((n_s, 1)), scores)
    cfg = SimpleNamespace(m=m, label=1)
    slots = SingleLabelRetriever(cfg).retrieve(session, n_s, rng, inputs=inputs)
    SingleLabelRetriever(cfg).retrieve(session, n_s, rng, inputs=inputs)  # cached: no second call
    assert inputs.calls == [[1]] and not inputs.has_scores  # type: ignore[attr-defined]
    for s in range(n_s):
        rows = np.flatnonzero(session == s)
        assert set(slots[s].tolist()) == set(rows[np.argsort(-scores[rows, 1])][:m].tolist())
    with pytest.raises(ConfigError, match="retriever.label"):
        SingleLabelRetriever(SimpleNamespace(m=m, label=2)).retrieve(session, n_s, rng, inputs=inputs)
    with pytest.raises(SysfairError):
        SingleLabelRetriever(cfg).retrieve(session, n_s, rng)


def test_embedding_knn_aligned_is_exact_top_m_by_inner_product() -> None:
    rng = np.random.default_rng(2)
    n_s, corpus, m, d = 40, 25, 5, 3
    session = np.repeat(np.arange(n_s), corpus)
    users = rng.standard_normal((n_s, d))
    items = rng.standard_normal((session.size, d))
    features = np.hstack([rng.standard_normal((session.size, 2)), items])  # item part last
    cfg = SimpleNamespace(m=m, item_embedding="aligned", normalize=False, ridge=1.0)
    slots = EmbeddingKnnRetriever(cfg).retrieve(session, n_s, rng, inputs=_inputs(features, users))
    for s in range(n_s):
        rows = np.flatnonzero(session == s)
        brute = items[rows] @ users[s]
        assert set(slots[s].tolist()) == set(rows[np.argsort(-brute)][:m].tolist())
    # cosine ranking is invariant to rescaling item rows
    cos = inner_products(user=users, item=items * 7.0, session=session, normalize=True)
    assert np.allclose(cos, inner_products(user=users, item=items, session=session, normalize=True))


def test_embedding_knn_projection_maps_rows_into_the_session_space() -> None:
    rng = np.random.default_rng(3)
    n_s, corpus, d, d_s = 300, 20, 6, 2
    session = np.repeat(np.arange(n_s), corpus)
    x = rng.standard_normal((n_s, d_s))
    # rows of a session resemble its covariates through a known linear map
    mix = rng.standard_normal((d_s, d))
    feats = x[session] @ mix + 0.3 * rng.standard_normal((session.size, d))
    emb = item_embeddings(
        row_features=feats, session_features=x, session=session, method="projection", ridge=1e-3
    )
    assert emb.shape == (session.size, d_s)
    assert np.corrcoef(emb[:, 0], x[session, 0])[0, 1] > 0.9
    with pytest.raises(SysfairError, match="aligned"):
        item_embeddings(row_features=feats[:, :1], session_features=x, session=session, method="aligned")
    with pytest.raises(SysfairError, match="session features"):
        item_embeddings(row_features=feats, session_features=x[:, :0], session=session, method="projection")


def test_random_retriever_ignores_inputs_and_schemas_check() -> None:
    session = np.repeat(np.arange(3), 4)
    a = RandomRetriever(SimpleNamespace(m=2)).retrieve(session, 3, np.random.default_rng(0))
    b = make_retriever(SimpleNamespace(name="random", m=2)).retrieve(
        session, 3, np.random.default_rng(0), inputs=_inputs(np.zeros((12, 1)), np.zeros((3, 1)))
    )
    assert np.array_equal(a, b)
    for name, schema in RETRIEVER_SCHEMAS.items():
        node = schema()
        assert node.name == name
        node.check()
    with pytest.raises(ConfigError, match="retriever.item_embedding"):
        RETRIEVER_SCHEMAS["embedding_knn"](item_embedding="hnsw").check()
    with pytest.raises(ConfigError, match="retriever.label"):
        RETRIEVER_SCHEMAS["single_label"](label=-1).check()


@pytest.mark.slow
@pytest.mark.parametrize("retriever", ["single_label", "embedding_knn"])
def test_build_with_ranked_retrievers(compose_cfg, retriever: str) -> None:
    """Hydra composes the new options; the log's scores are the scorer's predictions of its rows."""
    overrides = [
        "dataset.n_sessions=150",
        "dataset.corpus_size=40",
        "scorer.n_estimators=8",
        "scorer.n_jobs=1",
    ]
    obj = OmegaConf.to_object(compose_cfg(f"retriever={retriever}", "retriever.m=8", *overrides))
    obj.retriever.check()
    log = build_candidate_log(obj.dataset, obj.scorer, obj.retriever, [0.8, 0.2], seed=0)
    assert log.scores.shape[1:] == (8, 2) and log.mask.all()
    if retriever == "single_label":
        rand = OmegaConf.to_object(compose_cfg("retriever=random", "retriever.m=8", *overrides))
        base = build_candidate_log(rand.dataset, rand.scorer, rand.retriever, [0.8, 0.2], seed=0)
        # ranked by the first label's scorer: far higher retrieved y1 scores than at random
        assert log.scores[..., 0].mean() > base.scores[..., 0].mean() + 0.1
        assert log.labels[..., 0].mean() > base.labels[..., 0].mean()
