"""Exceptions raised at sysfair's boundaries: bad configuration and bad input data."""

from __future__ import annotations


class SysfairError(Exception):
    """Base class: an error a user can fix; the CLI prints its message without a traceback."""


class ConfigError(SysfairError, ValueError):
    """A configuration value is out of range or inconsistent with another one."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!r} is not allowed: {allowed}")
