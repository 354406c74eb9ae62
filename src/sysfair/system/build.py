"""Build a CandidateLog from configs: dataset -> model split -> scorers -> retriever -> groups."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from sysfair.data import load_dataset
from sysfair.errors import SysfairError
from sysfair.retrievers import RetrievalInputs, make_retriever
from sysfair.scorers import make_scorer
from sysfair.system.candidates import CandidateLog

log = logging.getLogger(__name__)

_GATHER_SESSIONS = 1 << 16  # sessions copied at once into the log's arrays
# rows scored per call: a multiple of multitask_cf's 65,536-row batches, so its batches (and bits)
# are those of one call; the random forest scores each row on its own
_PREDICT_ROWS = 1 << 20


def assign_groups(n: int, prevalences: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random groups ``[n]`` with exact shares: round(p_g * n) per group, remainder to the largest."""
    counts = np.floor(np.asarray(prevalences) * n).astype(int)
    counts[np.argmax(prevalences)] += n - counts.sum()
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def attribute_groups(data: Any, dataset_name: str, n_groups: int) -> np.ndarray:
    """The dataset's own group of each session ``[S]`` (-1 = unknown), checked against n_groups."""
    hint = data.session_group
    if hint is None:
        raise SysfairError(
            f"preferences.assignment=attribute needs a dataset with a group attribute; dataset="
            f"{dataset_name} has none (movielens: gender from u.user/users.dat; modcloth, "
            "electronics: user_attr). Use preferences.assignment=scrambled"
        )
    found = int(hint.max()) + 1 if (hint >= 0).any() else 0
    if found != n_groups:
        raise SysfairError(
            f"preferences.assignment=attribute: dataset={dataset_name} has {found} groups in its "
            f"attribute, but preferences.prevalences has {n_groups} entries; give {found} "
            f"prevalences and {found} rows of preferences.weights"
        )
    return np.asarray(hint)


def _train_rows(rows: np.ndarray, scorer: Any, dataset: Any, rng: np.random.Generator) -> np.ndarray:
    """``rows`` itself, or as many as the smaller of ``scorer.max_train_rows`` and
    ``dataset.max_train_rows`` (where the dataset has one) allow, drawn at random (in row order)."""
    cap, name = None, ""
    for owner, cfg in (("scorer", scorer), ("dataset", dataset)):
        value = getattr(cfg, "max_train_rows", None)
        if value is not None and (cap is None or value < cap):
            cap, name = int(value), owner
    if cap is None or rows.size <= cap:
        return rows
    log.info("scorer trained on %d of the model sessions' %d rows (%s.max_train_rows)", cap, rows.size, name)
    return np.sort(rng.choice(rows, size=cap, replace=False))


def _scatter(out: np.ndarray, mask: np.ndarray, take: Callable[[int, int], np.ndarray]) -> None:
    """``out[mask] = values`` (``out [S, m, ...]``, ``mask [S, m]``), where ``take(lo, hi)`` gives
    values ``lo:hi`` in the mask's row-major order; a block of sessions at a time, so that neither
    the values nor the mask's index arrays exist whole (on a 20M-slot log, hundreds of MB each)."""
    done = 0
    for start in range(0, mask.shape[0], _GATHER_SESSIONS):
        block = mask[start : start + _GATHER_SESSIONS]
        n = int(block.sum())
        out[start : start + _GATHER_SESSIONS][block] = take(done, done + n)
        done += n


def build_candidate_log(
    dataset: Any,
    scorer: Any,
    retriever: Any,
    prevalences: list[float],
    seed: int,
    assignment: str = "scrambled",
) -> CandidateLog:
    """Everything that depends on (dataset, scorer, retriever, prevalences, seed, assignment).

    ``assignment="scrambled"`` (the paper's) draws serving sessions' groups at random with exactly
    ``prevalences``; ``"attribute"`` keeps the dataset's own group attribute (MovieLens gender,
    marketBias ``user_attr``), drops serving sessions without it, and ignores ``prevalences``
    beyond their number: groups then differ in their features X, as real groups do.
    """
    # spawn(5)'s first four streams are spawn(4)'s: adding the fifth changed no number
    data_rng, split_rng, retrieve_rng, group_rng, train_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)
    )
    data = load_dataset(dataset, data_rng)
    # checked before any training: a wrong assignment fails in seconds, not after the scorers
    hint = attribute_groups(data, dataset.name, len(prevalences)) if assignment == "attribute" else None
    n_model = max(1, round(dataset.model_fraction * data.n_sessions))
    model_mask = np.zeros(data.n_sessions, dtype=bool)
    model_mask[split_rng.choice(data.n_sessions, size=n_model, replace=False)] = True
    log.info(
        "dataset %s: %d rows, %d sessions (%d train the scorers, %d serve)",
        dataset.name,
        data.labels.shape[0],
        data.n_sessions,
        n_model,
        data.n_sessions - n_model,
    )
    train = _train_rows(data.rows_of(model_mask), scorer, dataset, train_rng)
    model = make_scorer(scorer, seed=seed).fit(data, train)

    serving = ~model_mask if hint is None else ~model_mask & (hint >= 0)
    pool = np.flatnonzero(serving)
    pool_rows = data.rows_of(serving)
    renumber = np.full(data.n_sessions, -1)
    renumber[pool] = np.arange(pool.size)
    inputs = RetrievalInputs(  # what ranked retrievers may use; scores only computed if asked for
        features=lambda: data.features[pool_rows],  # copied only if the retriever looks
        session_features=data.session_features[pool],
        predict=lambda labels: model.predict(data, pool_rows, labels),
        label_names=data.label_names,
    )
    local = make_retriever(retriever).retrieve(
        renumber[data.session[pool_rows]], pool.size, retrieve_rng, inputs=inputs
    )  # [S, m] indices into pool_rows
    mask = local >= 0
    rows = pool_rows[local.ravel() if mask.all() else local[mask]]  # a full log needs no [S*m] copy
    n_s, m, k = pool.size, local.shape[1], data.n_labels
    scores = np.zeros((n_s, m, k), dtype=np.float32)
    labels = np.zeros((n_s, m, k), dtype=np.float32)
    item_ids = np.full((n_s, m), -1, dtype=np.int64)
    if inputs.has_scores:
        scores[mask] = inputs.scores()[local[mask]]
    else:  # predicted _PREDICT_ROWS at a time into float32: no [len(rows), K] float64 array
        flat = np.empty((rows.size, k), dtype=np.float32)
        for start in range(0, rows.size, _PREDICT_ROWS):
            flat[start : start + _PREDICT_ROWS] = model.predict(data, rows[start : start + _PREDICT_ROWS])
        _scatter(scores, mask, lambda lo, hi: flat[lo:hi])
        del flat
    del inputs, local  # not needed below: their [N, K] scores, if any, and [S, m] indices go
    _scatter(labels, mask, lambda lo, hi: data.labels[rows[lo:hi]])
    _scatter(item_ids, mask, lambda lo, hi: data.item[rows[lo:hi]])
    hidden = None
    if data.hidden is not None:
        if data.hidden_weights is None or len(data.hidden_weights) != len(prevalences):
            raise SysfairError(
                f"dataset.hidden_outcome needs one weight per group ({len(prevalences)} groups in "
                f"preferences.prevalences), got {data.hidden_weights}"
            )
        hidden = np.zeros((n_s, m), dtype=np.float32)
        _scatter(hidden, mask, lambda lo, hi: data.hidden[rows[lo:hi]])
    return CandidateLog(
        scores=scores,
        labels=labels,
        mask=mask,
        group=(
            assign_groups(n_s, np.asarray(prevalences), group_rng)
            if hint is None
            else hint[pool].astype(np.int64)
        ),
        session_features=data.session_features[pool].astype(np.float32),
        item_ids=item_ids,
        label_names=data.label_names,
        n_groups=len(prevalences),
        hidden=hidden,
        hidden_weights=None if hidden is None else np.asarray(data.hidden_weights, dtype=np.float64),
    )
