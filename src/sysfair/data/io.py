"""File helpers shared by the loaders: checked paths, tolerant text decoding, column checks."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from sysfair.data.errors import DataError, DataNotFoundError


def download_hint(name: str) -> str:
    """The command that fetches dataset ``name`` (see :mod:`sysfair.data.download`)."""
    return f"sysfair data download {name} --dir DIR"


def require_folder(path: str | Path, expected: Sequence[str], key: str, hint: str | None) -> Path:
    """``path`` as a folder, or :class:`DataNotFoundError` naming the files it should hold."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        how = f"; get them with `{hint}` and set {key}=DIR/<folder>" if hint else ""
        raise DataNotFoundError(
            f"{key}={str(path)!r}: no such folder (resolved to {folder.resolve()}). "
            f"Expected a folder holding {', '.join(expected)}{how}"
        )
    return folder


def require_file(folder: Path, name: str, expected: Sequence[str], key: str, hint: str | None) -> Path:
    """``folder / name`` or :class:`DataNotFoundError` naming every expected file."""
    path = folder / name
    if not path.is_file():
        how = f"; get them with `{hint}`" if hint else ""
        raise DataNotFoundError(
            f"{key}={str(folder)!r}: missing file {name!r} (expected {', '.join(expected)}){how}"
        )
    return path


def read_text(path: Path, encodings: Iterable[str] = ("utf-8", "latin-1")) -> str:
    """File text decoded with the first encoding that works (latin-1 accepts any byte)."""
    raw = path.read_bytes()
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def read_delimited(
    path: Path,
    sep: str,
    names: Sequence[str],
    dtypes: dict[str, type],
    encodings: Iterable[str] = ("utf-8", "latin-1"),
) -> pd.DataFrame:
    """A header-less delimited file (``sep`` may be several characters, e.g. ``::``) as a frame.

    Raises :class:`DataError` naming the file when a row has too few fields or a typed column
    holds a value that does not parse.
    """
    text = read_text(path, encodings)
    if len(sep) > 1:
        text = text.replace(sep, "\x1f")
        sep = "\x1f"
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            names=list(names),
            usecols=range(len(names)),
            dtype=str,
            keep_default_na=False,
            quoting=3,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: cannot parse as {len(names)} {sep!r}-separated fields: {exc}") from exc
    for col, kind in dtypes.items():
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            line = int(bad.to_numpy().argmax()) + 1
            raise DataError(
                f"{path}: column {col!r} must be numeric; line {line} holds {frame[col].iloc[line - 1]!r}"
            )
        frame[col] = values.astype(kind)
    return frame


def require_columns(frame: pd.DataFrame, needed: Sequence[str], source: str) -> None:
    """:class:`DataError` naming every column of ``needed`` that ``frame`` lacks."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {', '.join(map(repr, missing))}; found "
            f"{', '.join(map(repr, frame.columns))}"
        )
