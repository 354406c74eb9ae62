"""``--help`` answers without loading the heavy libraries, and says the same as Hydra's own help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "botorch", "mlflow", "matplotlib")

# runs one entry point's --help in a fresh interpreter, then lists the heavy modules it loaded
_PROBE = f"""
import runpy, sys
entry, *args = sys.argv[1:]
if entry == "run.py":
    sys.argv = ["run.py", *args]
    runpy.run_path("run.py", run_name="__main__")
else:
    from sysfair.cli.main import main
    main(args)
print("HEAVY:" + ",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def _help(*argv: str) -> tuple[str, list[str]]:
    """(printed help, heavy modules loaded) of ``argv`` run in a subprocess from the repository."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text, _, loaded = proc.stdout.rpartition("HEAVY:")
    return text, [m for m in loaded.strip().split(",") if m]


@pytest.mark.parametrize(
    "argv",
    [
        ("run.py", "--help"),
        ("sysfair", "--help"),
        ("sysfair", "run", "--help"),
        ("run.py", "trials=smoke", "-h"),
    ],
    ids=["run.py", "sysfair", "sysfair-run", "run.py-override"],
)
def test_help_loads_no_heavy_library(argv: tuple[str, ...]) -> None:
    text, loaded = _help(*argv)
    assert loaded == []
    assert "usage: sysfair" in text or "== Configuration groups ==" in text


def test_help_lists_groups_and_the_composed_config() -> None:
    """The fast help shows every option group and the config the overrides compose."""
    text, _ = _help("run.py", "dataset=movielens", "--help")
    groups = dict(line.split(": ", 1) for line in text.split("== Config ==")[0].splitlines() if ": " in line)
    assert "movielens" in groups["dataset"].split(", ")
    assert "random_forest" in groups["scorer"].split(", ")
    assert "smoke" in groups["trials"].split(", ")  # a YAML preset under conf/
    assert "smoke" in groups["sweep"].split(", ")  # multirun_sweeps/, through the search-path plugin
    assert not any(g.startswith("hydra/") for g in groups)
    config = text.split("== Config ==")[1]
    assert "name: movielens" in config and "hydra:" not in config
    assert text.startswith("run is powered by Hydra.")


def test_hydra_help_is_left_to_hydra() -> None:
    from sysfair.cli.help import wants_help

    assert wants_help(["--help"]) and wants_help(["x=1", "-h", "--resolve"])
    assert not wants_help(["--hydra-help"]) and not wants_help(["--help", "--cfg", "job"])
    assert not wants_help(["trials=smoke"]) and not wants_help(["--resolve"])
