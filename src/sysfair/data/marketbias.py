"""ModCloth and Electronics (Wan et al. 2020, "marketBias") as candidate rows (paper Appendix C.3).

Input: ``df_modcloth.csv`` / ``df_electronics.csv`` with header
``item_id,user_id,rating,timestamp,size,fit,user_attr,model_attr,category,brand,year,split``.

Recipe (sysfair's reading of the paper):

- Rows without ``user_id`` or ``item_id`` are dropped (the authors' loader maps them to ``''``,
  which would merge unrelated users); a repeated (user, item) pair keeps its latest row.
- One **session per user** (most users have 1-3 purchases, too few to cut in time windows);
  ``max_users`` keeps a random subset of users (Electronics has 1.16M). The corpus holds the
  user's purchases (positives) and ``max(round(negative_ratio * n), corpus_size - n)``
  negatives: distinct items drawn uniformly among the items the user did not buy, so items the
  user rated >= 4 have zero probability (as in the paper; lower-rated purchases are excluded
  too, so that a corpus never holds the same item twice).
- Labels (any subset, in order, of): *viewed* = 1 for purchases; for a negative, a rating r is
  drawn from the empirical rating distribution, shifted down by one, and viewed =
  1{r - 1 >= viewed_threshold}. *rating* = 1{rating >= rating_threshold} (0 for negatives).
  *fit* = 1 when the ``fit`` text is one of ``fit_positive`` (case-insensitive; 0 for
  negatives and missing values). Then label ``flip`` becomes 1 - y (de-correlates the labels:
  *viewed* for ModCloth, *rating* for Electronics).
- Features: user ``user_attr`` one-hot (all zero when missing), log purchase count; item
  ``model_attr`` one-hot, ``category`` one-hot, normalised ``year``, log popularity.
  ``Interactions.user`` holds integer user codes for the collaborative-filtering scorer.
- Groups: ``user_attr`` is kept as ``session_group`` (codes by decreasing frequency, -1 for
  users without it; those users stay in the data). build.py re-assigns groups at random with
  ``preferences.prevalences`` (80/20 by default) for every session, with or without
  ``user_attr``, as the paper scrambles groups. ``preferences.assignment=attribute`` keeps
  ``user_attr`` instead and drops the serving sessions without it; as ``user_attr`` is also a
  feature, the groups then do not overlap in X (the audit's shared space is nearly empty).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.data.base import Interactions
from sysfair.data.errors import DataError
from sysfair.data.io import download_hint, read_text, require_columns, require_file, require_folder
from sysfair.data.sampling import sample_negatives

HEADER = (
    "item_id",
    "user_id",
    "rating",
    "timestamp",
    "size",
    "fit",
    "user_attr",
    "model_attr",
    "category",
    "brand",
    "year",
    "split",
)
FILES = {"modcloth": "df_modcloth.csv", "electronics": "df_electronics.csv"}
LABELS = ("viewed", "rating", "fit")


def find_marketbias(path: str | Path, name: str) -> Path:
    """The CSV of ``name`` (modcloth, electronics) in folder ``path``; DataNotFoundError if absent."""
    file = FILES[name]
    folder = require_folder(path, [file], "dataset.path", download_hint("marketbias"))
    return require_file(folder, file, [file], "dataset.path", download_hint("marketbias"))


def read_marketbias(path: str | Path, name: str, labels: tuple[str, ...]) -> pd.DataFrame:
    """The raw CSV as strings (``rating`` numeric); raises on a missing file or missing columns."""
    csv = find_marketbias(path, name)
    try:
        frame = pd.read_csv(io.StringIO(read_text(csv)), dtype=str, keep_default_na=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{csv}: cannot parse as CSV: {exc}") from exc
    needed = ["item_id", "user_id", "rating", "user_attr", "model_attr", "category"]
    needed += ["fit"] if "fit" in labels else []
    require_columns(frame, needed, str(csv))
    rating = pd.to_numeric(frame["rating"], errors="coerce")
    bad = rating.isna()
    if bad.any():
        line = int(bad.to_numpy().argmax()) + 2
        value = frame["rating"].iloc[line - 2]
        raise DataError(f"{csv}: column 'rating' must be numeric; line {line} holds {value!r}")
    frame["rating"] = rating.astype(float)
    return frame


def _one_hot(values: pd.Series, top: int | None = None) -> tuple[np.ndarray, list[str]]:
    """One-hot ``[n, c]`` of the (``top`` most frequent) non-missing values; missing -> zeros."""
    counts = values.dropna().value_counts()
    cats = sorted(counts.index[:top] if top else counts.index)
    codes = pd.Categorical(values, categories=cats).codes
    out = np.zeros((len(values), len(cats)))
    ok = codes >= 0
    out[np.flatnonzero(ok), codes[ok]] = 1.0
    return out, cats


def load_marketbias(cfg: Any, rng: np.random.Generator) -> Interactions:
    """ModCloth (``cfg.name == "modcloth"``) or Electronics rows; see the module docstring."""
    labels = tuple(cfg.labels)
    frame = read_marketbias(cfg.path, cfg.name, labels)
    frame = frame.dropna(subset=["user_id", "item_id"])
    if "timestamp" in frame.columns:
        frame = frame.assign(_ts=pd.to_datetime(frame["timestamp"], errors="coerce", utc=True))
        frame = frame.sort_values("_ts", kind="stable", na_position="first")
    frame = frame.drop_duplicates(["user_id", "item_id"], keep="last")
    if frame.empty:
        raise DataError(f"dataset.path={cfg.path!r}: no row has both user_id and item_id")
    users = np.unique(frame["user_id"].to_numpy())
    if cfg.max_users is not None and users.size > cfg.max_users:
        users = np.sort(rng.choice(users, size=cfg.max_users, replace=False))
        frame = frame[frame["user_id"].isin(users)]
    frame = frame.sort_values(["user_id"], kind="stable").reset_index(drop=True)

    # Items: every item of the file is a possible negative (attributes from its first row).
    item_codes, item_of_row = np.unique(frame["item_id"].to_numpy(), return_inverse=True)
    items = frame.groupby(item_of_row, sort=True).first()
    model_attr, _ = _one_hot(items["model_attr"])
    category, _ = _one_hot(items["category"], top=cfg.max_categories)
    raw_year = items["year"] if "year" in items else pd.Series(np.nan, items.index)
    year = pd.to_numeric(raw_year, errors="coerce").to_numpy(dtype=float)
    if np.isfinite(year).any():
        lo, hi = np.nanmin(year), np.nanmax(year)
        year = np.nan_to_num((year - lo) / max(hi - lo, 1.0), nan=0.0)
    else:
        year = np.zeros_like(year)
    popularity = np.log1p(np.bincount(item_of_row, minlength=item_codes.size))
    item_x = np.column_stack([model_attr, category, year, popularity / max(popularity.max(), 1.0)])

    # Sessions: one per user.
    session_codes, session_of_row = np.unique(frame["user_id"].to_numpy(), return_inverse=True)
    n_sessions = session_codes.size
    attr_rows = frame.groupby(session_of_row, sort=True)["user_attr"].first()
    user_attr, attr_names = _one_hot(attr_rows)
    n_bought = np.bincount(session_of_row, minlength=n_sessions)
    user_x = np.column_stack([user_attr, np.log1p(n_bought)])
    freq = attr_rows.value_counts()
    rank = {v: g for g, v in enumerate(freq.index)}
    group_hint = np.array([rank.get(v, -1) if isinstance(v, str) else -1 for v in attr_rows], np.int64)

    wanted = np.maximum(np.round(cfg.negative_ratio * n_bought), cfg.corpus_size - n_bought).astype(np.int64)
    bought = np.unique(session_of_row.astype(np.int64) * item_codes.size + item_of_row)
    neg_session, neg_item = sample_negatives(
        np.arange(n_sessions), np.maximum(wanted, 0), bought, item_codes.size, rng
    )

    stars = frame["rating"].to_numpy()
    n_pos, n_neg = stars.size, neg_session.size
    columns: dict[str, np.ndarray] = {}
    shifted = rng.choice(stars, size=n_neg) - 1.0
    columns["viewed"] = np.r_[np.ones(n_pos), (shifted >= cfg.viewed_threshold).astype(float)]
    columns["rating"] = np.r_[(stars >= cfg.rating_threshold).astype(float), np.zeros(n_neg)]
    if "fit" in labels:
        ok = {v.strip().lower() for v in cfg.fit_positive}
        fit = frame["fit"].fillna("").str.strip().str.lower().isin(ok).to_numpy(dtype=float)
        columns["fit"] = np.r_[fit, np.zeros(n_neg)]
    if cfg.flip is not None:
        columns[cfg.flip] = 1.0 - columns[cfg.flip]

    session = np.r_[session_of_row, neg_session]
    item = np.r_[item_of_row, neg_item]
    order = np.argsort(session, kind="stable")
    session, item = session[order], item[order]
    features = np.hstack([user_x[session], item_x[item]])
    return Interactions(
        features=features,
        labels=np.stack([columns[k][order] for k in labels], axis=1),
        session=session,
        item=item.astype(np.int64),
        label_names=labels,
        label_features=tuple(np.arange(features.shape[1]) for _ in labels),
        session_features=user_x,
        user=session.astype(np.int64),
        session_group=group_hint,
    )
