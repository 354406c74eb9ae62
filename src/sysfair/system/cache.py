"""On-disk cache of CandidateLogs, keyed by the config that determines them.

Each entry is ``<name>-<key>.npz`` plus a ``.json`` manifest holding the key, the cache format
and the file's SHA-256. The manifest is written last, so an interrupted write leaves no valid
entry; a truncated, altered or stale file fails the check and is rebuilt.

Concurrent processes (the jobs of a parallel sweep) take a per-entry file lock
(``<name>-<key>.lock``) around check-and-build: the first builds, the others wait and load its
entry, so the scorers are trained once and no process sees another's half-written files.

Input files enter the key by *content* (:func:`file_digests`: BLAKE2b, remembered per file
against its size and mtime so each file is read once), so an edited file never reuses a stale
log. A read-only cache folder (a team's shared, pre-built cache) is read without a lock; cache
files follow the umask. :func:`list_entries` and :func:`clear` back ``sysfair cache list|clear``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
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


def _writable(folder: Path) -> bool:
    """Whether ``folder`` (created if missing) accepts new files."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def load_or_build(
    cache_dir: str | Path, name: str, spec: dict[str, Any], build: Callable[[], CandidateLog]
) -> tuple[CandidateLog, Path, bool]:
    """The cached log for ``spec`` if valid, else ``build()`` and cache it; returns (log, path, hit)."""
    key = cache_key(spec)
    cache_dir = Path(cache_dir)
    if not _writable(cache_dir):
        return _load_read_only(cache_dir, name, key)
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


def _load_read_only(cache_dir: Path, name: str, key: str) -> tuple[CandidateLog, Path, bool]:
    """Read an entry of a read-only cache (no lock: nobody can be writing it)."""
    npz, manifest = cache_dir / f"{name}-{key}.npz", cache_dir / f"{name}-{key}.json"
    problem = _check(npz, manifest, key)
    if problem is None:
        return CandidateLog.load(npz), npz, True
    from sysfair.errors import SysfairError

    raise SysfairError(
        f"cache_dir={cache_dir} is read-only and has no usable entry {name}-{key} ({problem}); "
        "point cache_dir= at a writable folder to build it there"
    )


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
    _follow_umask(npz)
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
    _warn_if_large(cache_dir)
    return candidates, npz, False


def _follow_umask(path: Path) -> None:
    """Give ``path`` the permissions a plain new file gets (mkstemp makes it 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)


def _warn_if_large(cache_dir: Path) -> None:
    """Say how big the cache folder is once it passes ``$SYSFAIR_CACHE_WARN_GB`` (default 20)."""
    limit = float(os.environ.get("SYSFAIR_CACHE_WARN_GB", "20"))
    size = sum(e.size for e in list_entries(cache_dir))
    if size > limit * 1e9:
        log.warning(
            "the CandidateLog cache %s holds %.1f GB (more than SYSFAIR_CACHE_WARN_GB=%g); "
            "free space with `sysfair cache clear --dir %s --older-than 30d`",
            cache_dir,
            size / 1e9,
            limit,
            cache_dir,
        )


def file_digests(path: str | Path | None, memo_dir: Path | None = None) -> dict[str, str]:
    """BLAKE2b digest of each file at ``path`` (a file, or the files of a folder), by file name.

    Each digest is remembered in ``memo_dir/file-digests.json`` against the file's size and
    mtime, so unchanged files are read once; an edit that keeps size and mtime still changes
    the key the next time the memo is missing or the file is re-read.
    """
    if path is None or str(path) in ("", "???"):
        return {}
    target = Path(path)
    files = [target] if target.is_file() else sorted(f for f in target.glob("*") if f.is_file())
    memo_file = None if memo_dir is None else Path(memo_dir) / "file-digests.json"
    memo: dict[str, list[Any]] = {}
    if memo_file is not None and memo_file.is_file():
        try:
            memo = json.loads(memo_file.read_text())
        except (OSError, ValueError):
            memo = {}
    out, changed = {}, False
    for f in files:
        st = f.stat()
        stamp = [st.st_size, st.st_mtime_ns]
        known = memo.get(str(f.resolve()))
        if known is not None and known[:2] == stamp:
            out[f.name] = known[2]
            continue
        digest = hashlib.blake2b(digest_size=16)
        with f.open("rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 22), b""):
                digest.update(chunk)
        out[f.name] = digest.hexdigest()
        memo[str(f.resolve())] = [*stamp, out[f.name]]
        changed = True
    if changed and memo_file is not None and _writable(memo_file.parent):
        tmp = memo_file.with_suffix(f".json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo, indent=1))
        os.replace(tmp, memo_file)
    return out


@dataclass(frozen=True)
class CacheEntry:
    """One cached CandidateLog: its file, size (bytes), age (seconds) and what built it."""

    path: Path
    size: int
    age_seconds: float
    built_from: str  # "dataset=... scorer=... retriever=... seed=..."


def list_entries(cache_dir: str | Path) -> list[CacheEntry]:
    """Every entry (``.npz`` with its manifest) in ``cache_dir``, oldest first."""
    folder = Path(cache_dir)
    if not folder.is_dir():
        return []
    entries = []
    now = time.time()
    for npz in folder.glob("*.npz"):
        manifest = npz.with_suffix(".json")
        size = npz.stat().st_size + (manifest.stat().st_size if manifest.exists() else 0)
        try:
            spec = json.loads(manifest.read_text()).get("spec", {})
        except (OSError, ValueError):
            spec = {}
        parts = [
            f"{part}={(spec.get(part) or {}).get('name', '?')}" for part in ("dataset", "scorer", "retriever")
        ]
        parts.append(f"seed={spec.get('seed', '?')}")
        entries.append(CacheEntry(npz, size, now - npz.stat().st_mtime, " ".join(parts)))
    return sorted(entries, key=lambda e: -e.age_seconds)


def clear(cache_dir: str | Path, *, older_than_seconds: float | None = None) -> list[CacheEntry]:
    """Delete entries (data, manifest, lock) older than the given age (all when None)."""
    removed = []
    for entry in list_entries(cache_dir):
        if older_than_seconds is not None and entry.age_seconds < older_than_seconds:
            continue
        for suffix in (".npz", ".json", ".lock"):
            entry.path.with_suffix(suffix).unlink(missing_ok=True)
        removed.append(entry)
    return removed
