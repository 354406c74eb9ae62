"""Cache keys follow file content; read-only caches are readable; files follow the umask; list/clear."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import random_log

from sysfair.errors import SysfairError
from sysfair.system.cache import clear, file_digests, list_entries, load_or_build

CLI = [sys.executable, "-m", "sysfair.cli.main"]
SPEC = {"dataset": {"name": "toy"}, "scorer": {"name": "rf"}, "retriever": {"name": "random"}, "seed": 0}


def test_digest_changes_with_content_even_at_equal_size_and_mtime(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    f = data / "u.data"
    f.write_bytes(b"1\t2\t5\n")
    stamp = f.stat().st_mtime_ns
    first = file_digests(data, tmp_path / "cache")
    f.write_bytes(b"1\t2\t4\n")  # same size
    os.utime(f, ns=(stamp, stamp))  # same mtime
    # the memo is keyed by (size, mtime): a fresh memo folder reads the content again
    second = file_digests(data, tmp_path / "other-cache")
    assert first["u.data"] != second["u.data"]
    # the memo avoids re-reading: with the memo of the first run, the old digest is remembered
    assert file_digests(data, tmp_path / "cache") == first
    # a change of mtime alone re-reads the file (and finds the new content)
    os.utime(f, ns=(stamp + 10**9, stamp + 10**9))
    assert file_digests(data, tmp_path / "cache") == second


def test_read_only_cache_is_readable_and_files_follow_the_umask(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built = random_log(n_sessions=20, seed=1)
    old = os.umask(0o022)
    try:
        _, path, hit = load_or_build(cache, "c", SPEC, lambda: built)
    finally:
        os.umask(old)
    assert not hit
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # colleagues can read it
    cache.chmod(0o555)  # a team's shared, pre-built cache
    try:
        if os.access(cache, os.W_OK):
            pytest.skip("running as a user that can write to a read-only folder (root)")
        loaded, _, hit = load_or_build(cache, "c", SPEC, lambda: pytest.fail("must not build"))
        assert hit
        np.testing.assert_array_equal(loaded.scores, built.scores)
        with pytest.raises(SysfairError, match="read-only"):
            load_or_build(cache, "c", {**SPEC, "seed": 1}, lambda: built)
    finally:
        cache.chmod(0o755)


def test_read_only_cache_path_without_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same as above for root, who can write anywhere: the folder reports itself not writable."""
    import sysfair.system.cache as cache_module

    cache = tmp_path / "cache"
    built = random_log(n_sessions=20, seed=1)
    load_or_build(cache, "c", SPEC, lambda: built)
    locks_before = sorted(p.name for p in cache.iterdir())
    monkeypatch.setattr(cache_module, "_writable", lambda folder: False)
    loaded, _, hit = load_or_build(cache, "c", SPEC, lambda: pytest.fail("must not build"))
    assert hit and sorted(p.name for p in cache.iterdir()) == locks_before  # nothing written
    with pytest.raises(SysfairError, match=r"cache_dir=.* is read-only .* no usable entry"):
        load_or_build(cache, "c", {**SPEC, "seed": 2}, lambda: built)


def test_list_and_clear_older_than(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for seed in (0, 1):
        load_or_build(cache, "candidates-toy", {**SPEC, "seed": seed}, lambda s=seed: random_log(20, seed=s))
    entries = list_entries(cache)
    assert len(entries) == 2
    assert all("dataset=toy scorer=rf retriever=random" in e.built_from for e in entries)
    old = entries[0].path
    past = old.stat().st_mtime - 40 * 86400
    os.utime(old, (past, past))
    removed = clear(cache, older_than_seconds=30 * 86400)
    assert [e.path for e in removed] == [old]
    assert not old.exists() and not old.with_suffix(".json").exists()
    assert len(list_entries(cache)) == 1
    out = subprocess.run(
        [*CLI, "cache", "list", "--dir", str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0 and "1 entries" in out.stdout and "seed=1" in out.stdout
    bad = subprocess.run(
        [*CLI, "cache", "clear", "--dir", str(cache), "--older-than", "soon"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "--older-than='soon'" in bad.stderr and "Traceback" not in bad.stderr
