"""Negative sampling shared by the recipes with synthetic negatives."""

from __future__ import annotations

import numpy as np


def sample_negatives(
    session_user: np.ndarray,
    wanted: np.ndarray,
    rated_codes: np.ndarray,
    n_items: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Per session s, ``wanted[s]`` distinct item indices that its user never rated.

    ``rated_codes`` = sorted ``user_index * n_items + item_index`` of the rated pairs. Returns
    (session [M], item index [M]). A session whose user rated almost everything gets fewer.
    """
    sessions_out, items_out = [], []
    need = wanted.astype(np.int64).copy()
    have = np.zeros_like(need)
    for _ in range(50):
        todo = np.flatnonzero(need > have)
        if todo.size == 0:
            break
        draws = 2 * (need[todo] - have[todo]) + 4
        sess = np.repeat(todo, draws)
        item = rng.integers(n_items, size=sess.size)
        codes = session_user[sess].astype(np.int64) * n_items + item
        ok = ~np.isin(codes, rated_codes, assume_unique=False)
        sess, item = sess[ok], item[ok]
        if sessions_out:  # drop items the session already has
            prev = np.concatenate(sessions_out) * n_items + np.concatenate(items_out)
            ok = ~np.isin(sess * n_items + item, prev)
            sess, item = sess[ok], item[ok]
        _, first = np.unique(sess * n_items + item, return_index=True)
        first.sort()
        sess, item = sess[first], item[first]
        order = np.argsort(sess, kind="stable")
        sess, item = sess[order], item[order]
        start = np.searchsorted(sess, np.arange(need.size))
        rank = np.arange(sess.size) - start[sess]
        keep = rank < (need - have)[sess]
        sess, item = sess[keep], item[keep]
        have += np.bincount(sess, minlength=need.size)
        sessions_out.append(sess)
        items_out.append(item)
    if not sessions_out:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(sessions_out), np.concatenate(items_out)
