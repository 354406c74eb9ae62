"""Range checks shared by the config dataclasses."""

from __future__ import annotations

from sysfair.errors import ConfigError


def require(ok: bool, key: str, value: object, allowed: str) -> None:
    """Raise :class:`ConfigError` naming ``key``, ``value`` and what is allowed unless ``ok``."""
    if not ok:
        raise ConfigError(key, value, allowed)
