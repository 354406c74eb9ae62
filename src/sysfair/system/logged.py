"""Production logs -> CandidateLog, skipping scorer training and retrieval.

One row per (session, candidate): ``session_id``, ``group``, ``item_id``, one score column and
one label column per outcome, optional session feature columns (constant within a session).
The candidates of a session fill its slots in file order; sessions are ordered by first
appearance. Groups are mapped to ``0..G-1`` in the order of ``cfg.groups`` (default: sorted
distinct values). Every defect raises :class:`DataError` naming the column or value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sysfair.data.errors import DataError
from sysfair.data.io import require_columns
from sysfair.system.candidates import CandidateLog
from sysfair.system.log_files import read_log_table

__all__ = ["load_logged", "logged_from_frame", "read_log_table"]


def _numeric(frame: pd.DataFrame, col: str, what: str, session_col: str) -> np.ndarray:
    """Column ``col`` as numbers ``[n]``: a view of a numeric column (its own dtype), else float64."""
    column = frame[col]
    if column.dtype.kind in "biuf":
        values = column.to_numpy()
        bad = np.isnan(values) if values.dtype.kind == "f" else None
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values)
    if bad is not None and bad.any():
        i = int(bad.argmax())
        raise DataError(
            f"column {col!r} ({what}) must be numeric without gaps; row {i} "
            f"(session {frame[session_col].iloc[i]!r}) holds {column.iloc[i]!r}"
        )
    return values


def _in_unit_interval(values: np.ndarray, frame: pd.DataFrame, col: str, what: str, session_col: str) -> None:
    bad = (values < 0) | (values > 1)
    if bad.any():
        i = int(bad.argmax())
        raise DataError(
            f"column {col!r}: {what}s must lie in [0, 1]; row {i} (session "
            f"{frame[session_col].iloc[i]!r}) holds {float(values[i])!r}"
        )


def logged_from_frame(frame: pd.DataFrame, cfg: Any, *, consume: bool = False) -> CandidateLog:
    """Validate ``frame`` against ``cfg`` (a LoggedConfig) and pack it as a CandidateLog.

    Column by column, without copying the frame; ``consume=True`` (the loader's own frame) also
    drops each score, label and item column from ``frame`` once packed, so that 20M rows (1M
    sessions x 20 candidates) peak at ~1 GB on top of the CandidateLog's 0.5 GB.
    """
    scol, gcol, icol = cfg.session_column, cfg.group_column, cfg.item_column
    score_cols, label_cols = list(cfg.score_columns), list(cfg.label_columns)
    feat_cols = list(cfg.session_feature_columns)
    needed = [scol, gcol, icol, *score_cols, *label_cols, *feat_cols]
    require_columns(frame, needed, f"dataset.path={cfg.path!r}")
    if frame.empty:
        raise DataError(f"dataset.path={cfg.path!r}: the log holds no rows")
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    if frame[scol].isna().any() or frame[gcol].isna().any():
        col = scol if frame[scol].isna().any() else gcol
        raise DataError(f"column {col!r}: row {int(frame[col].isna().to_numpy().argmax())} is empty")

    columns = {c: _numeric(frame, c, "score", scol) for c in score_cols}
    columns.update({c: _numeric(frame, c, "label", scol) for c in label_cols})
    for cols, what in ((score_cols, "score"), (label_cols, "label")):
        for c in cols:
            _in_unit_interval(columns[c], frame, c, what, scol)

    # sessions numbered by first appearance (factorize keeps that order)
    session, session_codes = pd.factorize(frame[scol], sort=False)
    session_codes = np.asarray(session_codes, dtype=object)
    n_s = session_codes.size
    sizes = np.bincount(session, minlength=n_s)
    if (sizes < 2).any():
        lonely = session_codes[sizes < 2]
        raise DataError(
            f"column {scol!r}: {lonely.size} session(s) have a single candidate (e.g. {lonely[0]!r}); "
            "serving needs at least 2 candidates per session"
        )

    group_code, found_all = _codes(frame[gcol])
    used = np.bincount(group_code, minlength=len(found_all)) > 0
    found = [v for v, u in zip(found_all, used, strict=True) if u]
    values = [str(g) for g in cfg.groups] if cfg.groups is not None else sorted(set(found))
    if len(values) < 2:
        raise DataError(f"column {gcol!r}: only group {values[0]!r} occurs; the log needs >= 2 groups")
    index = {v: g for g, v in enumerate(values)}
    unknown = sorted(set(found) - set(index))
    if unknown:
        raise DataError(f"column {gcol!r}: value {unknown[0]!r} is not in dataset.groups={values}")
    group_rows = np.array([index.get(v, -1) for v in found_all], dtype=np.int16)[group_code]
    del group_code
    group = np.full(n_s, -1)
    group[session] = group_rows
    mixed = np.flatnonzero(group[session] != group_rows)
    if mixed.size:
        raise DataError(
            f"column {gcol!r}: session {session_codes[session[mixed[0]]]!r} has rows in several groups"
        )
    del group_rows
    empty = [v for g, v in enumerate(values) if not (group == g).any()]
    if empty:
        raise DataError(f"column {gcol!r}: group {empty[0]!r} has no sessions (groups: {values})")

    feats = np.zeros((n_s, len(feat_cols)))
    for j, col in enumerate(feat_cols):
        x = _numeric(frame, col, "session feature", scol)
        feats[session, j] = x
        varies = np.flatnonzero(feats[session, j] != x)
        if varies.size:
            raise DataError(
                f"column {col!r}: session feature varies within session {session_codes[session[varies[0]]]!r}"
            )

    m = int(sizes.max()) if cfg.max_candidates is None else int(cfg.max_candidates)
    k = len(score_cols)
    grouped = session.size < 2 or bool((session[1:] >= session[:-1]).all())  # rows grouped by session
    if grouped and (sizes == m).all():  # every session fills its m slots, in file order
        flat, keep = None, None
    else:
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        slot = np.arange(session.size) - start[session] if grouped else _slots(session, start)
        keep = slot < m
        flat = (session * m + slot)[keep]  # index into [S * m]
        del slot
        keep = None if keep.all() else keep
    out_scores = np.zeros((n_s, m, k), dtype=np.float32)
    out_labels = np.zeros((n_s, m, k), dtype=np.float32)
    mask = np.zeros((n_s, m), dtype=bool)
    items = np.full((n_s, m), -1, dtype=np.int64)

    def put(out: np.ndarray, values: np.ndarray) -> None:
        """Write ``values [n]`` (one per row) into ``out [S, m]`` at each row's (session, slot)."""
        values = values if keep is None else values[keep]
        if flat is None:
            out[...] = values.reshape(n_s, m)
        else:
            out.reshape(-1)[flat] = values

    for out, cols in ((out_scores, score_cols), (out_labels, label_cols)):
        for c, col in enumerate(cols):
            part = np.zeros((n_s, m), dtype=np.float32)  # cast as from float64 (exact in between)
            put(part, columns.pop(col))
            out[..., c] = part
            if consume:
                del frame[col]
    put(mask, np.ones(session.size, dtype=bool))
    item_raw = frame[icol]
    if item_raw.dtype.kind in "iub":
        item_num = item_raw.to_numpy(dtype=np.int64)
    else:
        numeric = pd.to_numeric(item_raw, errors="coerce")
        if numeric.isna().any() or (numeric % 1 != 0).any():  # non-integer ids -> codes by first use
            numeric = pd.Series(pd.factorize(item_raw)[0])
        item_num = numeric.to_numpy(dtype=np.int64)
    put(items, item_num)
    if consume:
        del frame[icol]
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


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``(codes [n], values)``: each row's index into ``values``, the column's distinct values as
    text (a categorical column's categories, unused ones included)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), [str(v) for v in column.cat.categories]
    codes, uniques = pd.factorize(column, sort=False)
    return codes, [str(v) for v in uniques]


def _slots(session: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Each row's slot ``[n]``: its rank among its session's rows, in file order."""
    order = np.argsort(session, kind="stable")
    slot = np.empty(order.size, dtype=np.int64)
    slot[order] = np.arange(order.size) - start[session[order]]
    return slot


def load_logged(cfg: Any) -> CandidateLog:
    """The CandidateLog of the log file ``cfg.path`` (see :class:`sysfair.data.configs.LoggedConfig`)."""
    needed = [cfg.session_column, cfg.group_column, cfg.item_column]
    needed += [*cfg.score_columns, *cfg.label_columns, *cfg.session_feature_columns]
    return logged_from_frame(read_log_table(cfg.path, list(dict.fromkeys(needed))), cfg, consume=True)
