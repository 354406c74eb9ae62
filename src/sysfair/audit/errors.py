"""Why an audit cannot be computed, in words a user can act on."""

from __future__ import annotations

from sysfair.errors import SysfairError

__all__ = ["AuditError"]


class AuditError(SysfairError, ValueError):
    """The log cannot support the requested audit (e.g. one group, or a group too small)."""
