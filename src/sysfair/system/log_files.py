"""Read a production log file (``.csv`` or ``.parquet``) as a frame, for :mod:`sysfair.system.logged`."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from sysfair.data.errors import DataError, DataNotFoundError
from sysfair.data.io import read_text

__all__ = ["read_log_table"]


def read_log_table(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A ``.csv`` (utf-8 or latin-1) or ``.parquet`` file as a frame.

    ``columns``: of a Parquet file, read only these when it has them all (a log of millions of
    rows then holds no unused column in memory); otherwise every column.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataNotFoundError(
            f"dataset.path={str(path)!r}: no such file (expected a .csv or .parquet log with one row "
            "per (session, candidate))"
        )
    suffix = file.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            return _read_parquet(file, columns)
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


def _read_parquet(file: Path, columns: list[str] | None) -> pd.DataFrame:
    """A Parquet file as a frame, numeric columns filled row group by row group into numpy arrays
    (peak ~1x the data, not Arrow's table plus pandas' copy); other columns through pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(file)
    schema = source.schema_arrow
    columns = columns if columns is not None and set(schema.names).issuperset(columns) else schema.names
    kinds = (pa.types.is_floating, pa.types.is_integer, pa.types.is_boolean)
    numeric = [c for c in columns if any(kind(schema.field(c).type) for kind in kinds)]
    out: dict[str, np.ndarray | pd.Series] = {
        c: np.empty(source.metadata.num_rows, dtype=schema.field(c).type.to_pandas_dtype()) for c in numeric
    }
    at = 0
    for i in range(source.num_row_groups):
        part = source.read_row_group(i, columns=numeric)
        for c in list(out):
            chunk = part.column(c)
            if chunk.null_count and not pa.types.is_floating(chunk.type):  # gaps: pandas decides
                del out[c]
                continue
            out[c][at : at + part.num_rows] = chunk.to_numpy()
        at += part.num_rows
    pa.default_memory_pool().release_unused()  # Arrow's pool keeps freed row groups otherwise
    others = [c for c in columns if c not in out]
    if others:
        frame = source.read(columns=others).to_pandas()
        out.update({c: frame[c] for c in others})
    return pd.DataFrame({c: out[c] for c in columns}, copy=False)
