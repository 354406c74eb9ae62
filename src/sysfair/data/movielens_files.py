"""The MovieLens 100K and 1M files, read and checked: ratings, movies' genre flags, users.

:func:`read_movielens` takes the folder holding either release (``u.data``, ``u.item``[,
``u.user``] or ``ratings.dat``, ``movies.dat``[, ``users.dat``]) and fails with a message naming
what is missing and how to download it. :mod:`sysfair.data.movielens` builds the sessions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sysfair.data.errors import DataError, DataNotFoundError
from sysfair.data.io import download_hint, read_delimited, require_file, require_folder

__all__ = ["FILES_100K", "FILES_1M", "read_movielens"]

FILES_100K = ("u.data", "u.item", "u.user")
FILES_1M = ("ratings.dat", "movies.dat", "users.dat")
_EXPECTED = "u.data, u.item[, u.user] (MovieLens 100K) or ratings.dat, movies.dat[, users.dat] (MovieLens 1M)"
_LATIN = ("latin-1",)


def _read_100k(folder: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DataFrame | None]:
    hint = download_hint("movielens-100k")
    ratings = read_delimited(
        require_file(folder, "u.data", FILES_100K, "dataset.path", hint),
        "\t",
        ["user", "item", "rating", "ts"],
        {"user": int, "item": int, "rating": float, "ts": int},
    )
    item_path = require_file(folder, "u.item", FILES_100K, "dataset.path", hint)
    names = ["item", "title", "release", "video", "url"] + [f"g{j}" for j in range(19)]
    items = read_delimited(item_path, "|", names, {"item": int, **{f"g{j}": int for j in range(19)}}, _LATIN)
    genres = items[[f"g{j}" for j in range(19)]].to_numpy(dtype=np.float64)
    users = None
    if (folder / "u.user").is_file():
        users = read_delimited(
            folder / "u.user", "|", ["user", "age", "gender", "occupation", "zip"], {"user": int}, _LATIN
        )
    return ratings, items["item"].to_numpy(), genres, users


def _read_1m(folder: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DataFrame | None]:
    hint = download_hint("movielens-1m")
    ratings = read_delimited(
        require_file(folder, "ratings.dat", FILES_1M, "dataset.path", hint),
        "::",
        ["user", "item", "rating", "ts"],
        {"user": int, "item": int, "rating": float, "ts": int},
    )
    movies = read_delimited(
        require_file(folder, "movies.dat", FILES_1M, "dataset.path", hint),
        "::",
        ["item", "title", "genres"],
        {"item": int},
        _LATIN,
    )
    flags = movies["genres"].str.get_dummies(sep="|")
    flags = flags[sorted(flags.columns)]
    users = None
    if (folder / "users.dat").is_file():
        users = read_delimited(
            folder / "users.dat", "::", ["user", "gender", "age", "occupation", "zip"], {"user": int}, _LATIN
        )
    return ratings, movies["item"].to_numpy(), flags.to_numpy(dtype=np.float64), users


def find_movielens(path: str | Path) -> Path:
    """The folder holding MovieLens 100K or 1M files; :class:`DataNotFoundError` otherwise (reads nothing)."""
    folder = require_folder(path, [_EXPECTED], "dataset.path", download_hint("movielens-100k"))
    if not ((folder / "u.data").is_file() or (folder / "ratings.dat").is_file()):
        found = ", ".join(sorted(p.name for p in folder.iterdir())[:10]) or "nothing"
        raise DataNotFoundError(
            f"dataset.path={str(path)!r} holds no MovieLens ratings file (found: {found}). Expected "
            f"{_EXPECTED}; get them with `{download_hint('movielens-100k')}`"
        )
    return folder


def read_movielens(path: str | Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DataFrame | None]:
    """(ratings [user, item, rating, ts], item ids [I], genre flags [I, n_genres], users or None)."""
    folder = find_movielens(path)
    out = _read_100k(folder) if (folder / "u.data").is_file() else _read_1m(folder)
    ratings, item_ids, genres, users = out
    if ratings.empty:
        raise DataError(f"dataset.path={str(path)!r}: the ratings file holds no rows")
    unknown = ~np.isin(ratings["item"].to_numpy(), item_ids)
    if unknown.any():
        raise DataError(
            f"dataset.path={str(path)!r}: the ratings refer to movie id "
            f"{int(ratings['item'].to_numpy()[unknown][0])} absent from the movie file"
        )
    return ratings, item_ids, genres, users
