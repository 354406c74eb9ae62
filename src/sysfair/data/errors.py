"""Errors of the data loaders: missing files, wrong columns, bad values (all user-fixable)."""

from __future__ import annotations

from sysfair.errors import SysfairError


class DataError(SysfairError, ValueError):
    """Input data are malformed: wrong columns, non-numeric values, values out of range."""


class DataNotFoundError(SysfairError, FileNotFoundError):
    """A dataset folder or file is missing; the message names the expected files."""
