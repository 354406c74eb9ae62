"""Retrievers: pick m candidate rows out of each session's corpus."""

from __future__ import annotations

from typing import Any

from sysfair.retrievers.random import RandomRetriever

__all__ = ["RandomRetriever", "make_retriever"]


def make_retriever(cfg: Any) -> RandomRetriever:
    """The retriever named by ``cfg.name``."""
    return {"random": RandomRetriever}[cfg.name](cfg)
