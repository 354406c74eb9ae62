"""Download the public datasets, verified by checksum (pooch does the HTTP and the hashing).

- ``movielens-100k`` -> ``DIR/ml-100k/`` (u.data, u.item, u.user, ...), ml-100k.zip MD5-checked.
- ``movielens-1m`` -> ``DIR/ml-1m/`` (ratings.dat, movies.dat, users.dat), ml-1m.zip MD5-checked.
- ``marketbias`` -> ``DIR/marketbias/`` (df_modcloth.csv, df_electronics.csv) from the authors'
  repository at a fixed commit; verified against the git blob ids of that commit (SHA-1 of
  ``blob <size>\\0<bytes>``), which pooch cannot check itself.

The MovieLens licence forbids redistribution: files stay in ``DIR``, outside the repository.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sysfair.data.errors import DataError

_MB_COMMIT = "c5f94806c0f2ced577dbfc839c979b4dc7d459cf"
_MB_RAW = f"https://raw.githubusercontent.com/MengtingWan/marketBias/{_MB_COMMIT}/data"


@dataclass(frozen=True)
class _Archive:
    url: str
    known_hash: str  # pooch format, e.g. "md5:..."
    folder: str  # folder created under DIR


@dataclass(frozen=True)
class _Files:
    urls: dict[str, str]  # file name -> url
    git_blobs: dict[str, str]  # file name -> git blob id
    folder: str


SOURCES: dict[str, _Archive | _Files] = {
    "movielens-100k": _Archive(
        "https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        "md5:0e33842e24a9c977be4e0107933c0723",
        "ml-100k",
    ),
    "movielens-1m": _Archive(
        "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        "md5:c4d9eecfca2ab87c1945afe126590906",
        "ml-1m",
    ),
    "marketbias": _Files(
        {f: f"{_MB_RAW}/{f}" for f in ("df_modcloth.csv", "df_electronics.csv")},
        {
            "df_modcloth.csv": "03a880ad3519c01158f555f6be8ccdeff81df4e6",
            "df_electronics.csv": "21f1831db84e11faaf7d7469b075c91c0c53c003",
        },
        "marketbias",
    ),
}


def git_blob_id(path: Path) -> str:
    """``git hash-object path``: SHA-1 of ``b"blob <size>\\0" + bytes``."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(name: str, directory: Path) -> Path:
    """Fetch dataset ``name`` into ``directory`` (created if needed); return the data folder.

    Raises :class:`DataError` on an unknown name or a checksum mismatch (the bad file is
    deleted). Files already present and intact are not fetched again.
    """
    if name not in SOURCES:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(SOURCES)}")
    directory = Path(directory).expanduser()
    if directory.exists() and not directory.is_dir():
        raise DataError(f"--dir {str(directory)!r} exists and is not a folder")
    import pooch  # optional dependency: only downloads need it

    directory.mkdir(parents=True, exist_ok=True)
    source = SOURCES[name]
    if isinstance(source, _Archive):
        zip_name = source.url.rsplit("/", 1)[1]
        pooch.retrieve(
            source.url,
            known_hash=source.known_hash,
            fname=zip_name,
            path=directory,
            processor=pooch.Unzip(extract_dir=str(directory)),
            progressbar=False,
        )
        return directory / source.folder
    target = directory / source.folder
    for fname, url in source.urls.items():
        path = target / fname
        if path.is_file() and git_blob_id(path) == source.git_blobs[fname]:
            continue
        path.unlink(missing_ok=True)
        pooch.retrieve(url, known_hash=None, fname=fname, path=target, progressbar=False)
        got = git_blob_id(path)
        if got != source.git_blobs[fname]:
            path.unlink()
            raise DataError(
                f"{url}: checksum mismatch (git blob {got}, expected {source.git_blobs[fname]}); "
                "the file was deleted"
            )
    return target
