"""CandidateLog cache: miss -> build, hit -> load, truncated / altered / stale -> rebuild."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import random_log

from sysfair.system.cache import cache_key, load_or_build
from sysfair.system.candidates import CandidateLog

SPEC = {"dataset": {"name": "toy", "n": 3}, "scorer": {"n_estimators": 5, "n_jobs": 2}, "seed": 1}


class Builder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> CandidateLog:
        self.calls += 1
        return random_log(n_sessions=40, m=5)


def _assert_same(a: CandidateLog, b: CandidateLog) -> None:
    for name in ("scores", "labels", "mask", "group", "session_features", "item_ids"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.label_names == b.label_names and a.n_groups == b.n_groups


def test_round_trip(tmp_path: Path) -> None:
    log = random_log()
    log.save(tmp_path / "x.npz")
    _assert_same(log, CandidateLog.load(tmp_path / "x.npz"))


def test_miss_then_hit(tmp_path: Path) -> None:
    build = Builder()
    first, path, hit = load_or_build(tmp_path, "c", SPEC, build)
    assert not hit and build.calls == 1 and path.exists()
    second, path2, hit2 = load_or_build(tmp_path, "c", SPEC, build)
    assert hit2 and build.calls == 1 and path2 == path
    _assert_same(first, second)


def test_key_ignores_n_jobs_but_not_results_settings() -> None:
    same = {**SPEC, "scorer": {"n_estimators": 5, "n_jobs": 1}}
    other = {**SPEC, "scorer": {"n_estimators": 6, "n_jobs": 2}}
    assert cache_key(SPEC) == cache_key(same)
    assert cache_key(SPEC) != cache_key(other)


@pytest.mark.parametrize("damage", ["truncate", "flip_byte", "delete_manifest", "stale_format"])
def test_damaged_entry_is_rebuilt(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    build = Builder()
    _, path, _ = load_or_build(tmp_path, "c", SPEC, build)
    manifest = path.with_suffix(".json")
    if damage == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip_byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "delete_manifest":
        manifest.unlink()
    else:
        info = json.loads(manifest.read_text())
        info["format"] = -1
        manifest.write_text(json.dumps(info))
    with caplog.at_level(logging.WARNING, logger="sysfair.system.cache"):
        _, _, hit = load_or_build(tmp_path, "c", SPEC, build)
    assert not hit and build.calls == 2
    assert "rebuilding" in caplog.text
    _, _, hit = load_or_build(tmp_path, "c", SPEC, build)  # the rebuilt entry is valid again
    assert hit and build.calls == 2


def _slow_build(marker_dir: str) -> CandidateLog:
    """A build that takes a while and leaves one marker file per call (counts builds across processes)."""
    import os
    import time

    Path(marker_dir, f"built-{os.getpid()}").touch()
    time.sleep(1.0)
    return random_log(n_sessions=40, m=5)


def _load_or_build_in_child(cache_dir: str, marker_dir: str, out: str) -> None:
    candidates, _, hit = load_or_build(cache_dir, "c", SPEC, lambda: _slow_build(marker_dir))
    np.save(out, candidates.scores)
    Path(out + ".hit").write_text(str(hit))


@pytest.mark.slow
def test_concurrent_processes_build_once_and_all_load_it(tmp_path: Path) -> None:
    """Parallel sweep jobs on one config: the first builds, the others wait for its entry."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("needs the fork start method (POSIX)")
    ctx = mp.get_context("fork")
    markers = tmp_path / "markers"
    markers.mkdir()
    outs = [str(tmp_path / f"scores-{i}.npy") for i in range(3)]
    procs = [
        ctx.Process(target=_load_or_build_in_child, args=(str(tmp_path / "cache"), str(markers), out))
        for out in outs
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert len(list(markers.iterdir())) == 1  # one build for three processes
    hits = sorted(Path(o + ".hit").read_text() for o in outs)
    assert hits == ["False", "True", "True"]
    first = np.load(outs[0])
    for out in outs[1:]:
        np.testing.assert_array_equal(np.load(out), first)
    assert not list((tmp_path / "cache").glob("*.tmp"))  # no temp file left behind
