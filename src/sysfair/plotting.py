"""Figures without pyplot: :class:`matplotlib.figure.Figure` objects need no backend.

Importing sysfair never selects a matplotlib backend (no ``matplotlib.use``) and never touches
global rcParams; figures are drawn off-screen and saved with ``Figure.savefig``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["STYLE", "styled", "subplots"]

# font sizes of every sysfair figure, applied per figure (rc_context), never globally
STYLE = {"font.size": 11, "axes.titlesize": 12, "legend.fontsize": 9}


def styled(draw: F) -> F:
    """Run a drawing function inside sysfair's style (titles and legends are styled when created)."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def subplots(nrows: int = 1, ncols: int = 1, *, squeeze: bool = True, **figure_kw: Any) -> tuple[Any, Any]:
    """``(Figure, axes)`` like ``pyplot.subplots``, on a bare Figure in sysfair's style."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(**figure_kw)
        axes = fig.subplots(nrows, ncols, squeeze=squeeze)
    return fig, axes
