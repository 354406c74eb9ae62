"""Production logs -> CandidateLog, skipping scorer training and retrieval.

One row per (session, candidate): ``session_id``, ``group``, ``item_id``, one score column and
one label column per outcome, optional session feature columns (constant within a session).
The candidates of a session fill its slots in file order; sessions are ordered by first
appearance. Groups are mapped to ``0..G-1`` in the order of ``cfg.groups`` (default: sorted
distinct values). Every defect raises :class:`DataError` naming the column or value.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sysfair.data.errors import DataError, DataNotFoundError
from sysfair.data.io import read_text, require_columns
from sysfair.system.candidates import CandidateLog


def read_log_table(path: str | Path) -> pd.DataFrame:
    """A ``.csv`` (utf-8 or latin-1) or ``.parquet`` file as a frame."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataNotFoundError(
            f"dataset.path={str(path)!r}: no such file (expected a .csv or .parquet log with one row "
            "per (session, candidate))"
        )
    suffix = file.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            return pd.read_parquet(file)
        except ImportError as exc:
            raise DataError(f"{file}: reading Parquet needs pyarrow (pip install pyarrow): {exc}") from exc
        except Exception as exc:  # pyarrow raises its own error types on corrupt files
            raise DataError(f"{file}: cannot read as Parquet: {exc}") from exc
    if suffix not in (".csv", ".txt", ".tsv"):
        raise DataError(f"dataset.path={str(path)!r}: unknown format {suffix!r}; use .csv or .parquet")
    try:
        return pd.read_csv(io.StringIO(read_text(file)), sep="\t" if suffix == ".tsv" else ",")
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{file}: cannot parse as CSV: {exc}") from exc


def _numeric(frame: pd.DataFrame, col: str, what: str) -> np.ndarray:
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        i = int(bad.argmax())
        raise DataError(
            f"column {col!r} ({what}) must be numeric without gaps; row {i} "
            f"(session {frame.iloc[i, 0]!r}) holds {frame[col].iloc[i]!r}"
        )
    return values.to_numpy(dtype=np.float64)


def logged_from_frame(frame: pd.DataFrame, cfg: Any) -> CandidateLog:
    """Validate ``frame`` against ``cfg`` (a LoggedConfig) and pack it as a CandidateLog."""
    scol, gcol, icol = cfg.session_column, cfg.group_column, cfg.item_column
    score_cols, label_cols = list(cfg.score_columns), list(cfg.label_columns)
    feat_cols = list(cfg.session_feature_columns)
    needed = [scol, gcol, icol, *score_cols, *label_cols, *feat_cols]
    require_columns(frame, needed, f"dataset.path={cfg.path!r}")
    if frame.empty:
        raise DataError(f"dataset.path={cfg.path!r}: the log holds no rows")
    frame = frame[[scol, gcol, icol, *score_cols, *label_cols, *feat_cols]].reset_index(drop=True)
    if frame[scol].isna().any() or frame[gcol].isna().any():
        col = scol if frame[scol].isna().any() else gcol
        raise DataError(f"column {col!r}: row {int(frame[col].isna().to_numpy().argmax())} is empty")

    scores = np.column_stack([_numeric(frame, c, "score") for c in score_cols])
    labels = np.column_stack([_numeric(frame, c, "label") for c in label_cols])
    for cols, arr, what in ((score_cols, scores, "score"), (label_cols, labels, "label")):
        bad = (arr < 0) | (arr > 1)
        if bad.any():
            i, k = np.argwhere(bad)[0]
            raise DataError(
                f"column {cols[k]!r}: {what}s must lie in [0, 1]; row {i} (session "
                f"{frame[scol].iloc[i]!r}) holds {arr[i, k]!r}"
            )

    ids = frame[scol].to_numpy()
    session_codes, first_row, session = np.unique(ids, return_index=True, return_inverse=True)
    appearance = np.argsort(first_row, kind="stable")  # sessions in order of first appearance
    renumber = np.empty_like(appearance)
    renumber[appearance] = np.arange(appearance.size)
    session = renumber[session]
    session_codes = session_codes[appearance]
    n_s = session_codes.size
    sizes = np.bincount(session, minlength=n_s)
    if (sizes < 2).any():
        lonely = session_codes[sizes < 2]
        raise DataError(
            f"column {scol!r}: {lonely.size} session(s) have a single candidate (e.g. {lonely[0]!r}); "
            "serving needs at least 2 candidates per session"
        )

    group_of_row = frame[gcol].astype(str).to_numpy()
    values = [str(g) for g in cfg.groups] if cfg.groups is not None else sorted(set(group_of_row))
    if len(values) < 2:
        raise DataError(f"column {gcol!r}: only group {values[0]!r} occurs; the log needs >= 2 groups")
    index = {v: g for g, v in enumerate(values)}
    unknown = sorted(set(group_of_row) - set(index))
    if unknown:
        raise DataError(f"column {gcol!r}: value {unknown[0]!r} is not in dataset.groups={values}")
    group_rows = np.array([index[v] for v in group_of_row])
    group = np.full(n_s, -1)
    group[session] = group_rows
    mixed = np.flatnonzero(group[session] != group_rows)
    if mixed.size:
        raise DataError(
            f"column {gcol!r}: session {session_codes[session[mixed[0]]]!r} has rows in several groups"
        )
    empty = [v for g, v in enumerate(values) if not (group == g).any()]
    if empty:
        raise DataError(f"column {gcol!r}: group {empty[0]!r} has no sessions (groups: {values})")

    feats = np.zeros((n_s, len(feat_cols)))
    for j, col in enumerate(feat_cols):
        x = _numeric(frame, col, "session feature")
        feats[session, j] = x
        varies = np.flatnonzero(feats[session, j] != x)
        if varies.size:
            raise DataError(
                f"column {col!r}: session feature varies within session {session_codes[session[varies[0]]]!r}"
            )

    order = np.argsort(session, kind="stable")
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    slot = np.empty(order.size, dtype=np.int64)
    slot[order] = np.arange(order.size) - start[session[order]]
    m = int(sizes.max()) if cfg.max_candidates is None else int(cfg.max_candidates)
    keep = slot < m
    k = len(score_cols)
    out_scores = np.zeros((n_s, m, k), dtype=np.float32)
    out_labels = np.zeros((n_s, m, k), dtype=np.float32)
    mask = np.zeros((n_s, m), dtype=bool)
    items = np.full((n_s, m), -1, dtype=np.int64)
    s, j = session[keep], slot[keep]
    out_scores[s, j] = scores[keep]
    out_labels[s, j] = labels[keep]
    mask[s, j] = True
    item_raw = frame[icol]
    item_num = pd.to_numeric(item_raw, errors="coerce")
    if item_num.isna().any() or (item_num % 1 != 0).any():  # non-integer ids -> codes by first use
        item_num = pd.Series(pd.factorize(item_raw)[0])
    items[s, j] = item_num.to_numpy(dtype=np.int64)[keep]
    names = tuple(cfg.label_names) if cfg.label_names is not None else tuple(label_cols)
    return CandidateLog(
        scores=out_scores,
        labels=out_labels,
        mask=mask,
        group=group,
        session_features=feats.astype(np.float32),
        item_ids=items,
        label_names=names,
        n_groups=len(values),
        meta={"source": str(cfg.path), "groups": ",".join(values)},
    )


def load_logged(cfg: Any) -> CandidateLog:
    """The CandidateLog of the log file ``cfg.path`` (see :class:`sysfair.data.configs.LoggedConfig`)."""
    return logged_from_frame(read_log_table(cfg.path), cfg)
