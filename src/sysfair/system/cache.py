"""On-disk cache of CandidateLogs, keyed by the config that determines them.

Each entry is ``<name>-<key>.npz`` plus a ``.json`` manifest holding the key, the cache format
and the file's SHA-256. The manifest is written last, so an interrupted write leaves no valid
entry; a truncated, altered or stale file fails the check and is rebuilt.

Concurrent processes (the jobs of a parallel sweep) take a per-entry file lock
(``<name>-<key>.lock``) around check-and-build: the first builds, the others wait and load its
entry, so the scorers are trained once and no process sees another's half-written files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from sysfair.system.candidates import CandidateLog

log = logging.getLogger(__name__)



class CacheMissError(LookupError):
    """No valid cache entry, and the caller asked not to build one (e.g. a report never retrains)."""


FORMAT_VERSION = 1  # bump whenever a change alters what a given config builds
_IGNORED_KEYS = {"n_jobs"}  # settings that change speed, not results


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _IGNORED_KEYS}
    if isinstance(value, list | tuple):
        return [_strip(v) for v in value]
    return value


def cache_key(spec: dict[str, Any]) -> str:
    """16 hex digits of SHA-256 over the canonical JSON of ``spec`` (minus speed-only keys)."""
    blob = json.dumps({"format": FORMAT_VERSION, **_strip(spec)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check(npz: Path, manifest: Path, key: str) -> str | None:
    """Why the entry cannot be used, or None if it is valid."""
    if not npz.exists() and not manifest.exists():
        return "no cache entry"
    try:
        info = json.loads(manifest.read_text())
    except (OSError, ValueError) as exc:
        return f"manifest unreadable ({exc.__class__.__name__})"
    if info.get("format") != FORMAT_VERSION or info.get("key") != key:
        return f"stale (format {info.get('format')}, expected {FORMAT_VERSION})"
    if not npz.exists():
        return "data file missing"
    if _sha256(npz) != info.get("sha256"):
        return "data file truncated or altered (checksum mismatch)"
    return None


def load_or_build(
    cache_dir: str | Path, name: str, spec: dict[str, Any], build: Callable[[], CandidateLog]
) -> tuple[CandidateLog, Path, bool]:
    """The cached log for ``spec`` if valid, else ``build()`` and cache it; returns (log, path, hit)."""
    key = cache_key(spec)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(cache_dir / f"{name}-{key}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("another process is building cache entry %s-%s; waiting for it", name, key)
        lock.acquire()
    try:
        return _load_or_build_locked(cache_dir, name, key, spec, build)
    finally:
        lock.release()


def _load_or_build_locked(
    cache_dir: Path, name: str, key: str, spec: dict[str, Any], build: Callable[[], CandidateLog]
) -> tuple[CandidateLog, Path, bool]:
    npz, manifest = cache_dir / f"{name}-{key}.npz", cache_dir / f"{name}-{key}.json"
    problem = _check(npz, manifest, key)
    if problem is None:
        try:
            candidates = CandidateLog.load(npz)
            log.debug("CandidateLog loaded from cache %s", npz)
            return candidates, npz, True
        except (OSError, ValueError, KeyError) as exc:
            problem = f"unreadable ({exc})"
    if problem != "no cache entry":
        log.warning("cache entry %s is not usable: %s; rebuilding", npz, problem)
    manifest.unlink(missing_ok=True)
    candidates = build()
    candidates.save(npz)
    tmp = manifest.with_suffix(f".json.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps(
            {"format": FORMAT_VERSION, "key": key, "sha256": _sha256(npz), "spec": spec},
            indent=2,
            default=str,
        )
    )
    os.replace(tmp, manifest)
    log.debug("CandidateLog built and cached at %s", npz)
    return candidates, npz, False
