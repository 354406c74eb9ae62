"""Give the C heap's freed memory back to the operating system (glibc ``malloc_trim``).

After a large transient computation (the model audit, the exact oracle on a million sessions)
glibc keeps much of the freed heap mapped, so the process still shows ~1 GB more than it holds.
That matters just before trial workers start: their memory adds to it. Elsewhere than glibc this
is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["release_freed_memory"]


@functools.cache
def _trim() -> object | None:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:  # pragma: no cover - no C library to load
        return None


def release_freed_memory() -> bool:
    """Return freed heap pages to the OS; True if glibc's ``malloc_trim`` ran."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
