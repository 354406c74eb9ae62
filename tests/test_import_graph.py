"""The package layout is the data flow: a stage imports only from stages below it, and no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sysfair"

# Lowest first. Foundation modules (errors, checks) may be imported by every stage.
STAGES = [
    "data",
    "scorers",
    "retrievers",
    "system",
    "optimizers",
    "experiment",
    "study",
    "audit",
    "report",
    "api",
    "cli",
]
FOUNDATION = {"errors", "checks", "plotting", "__init__"}


def _stage(module: str) -> str | None:
    """``sysfair.system.platform`` -> ``system``; None for foundation modules."""
    parts = module.split(".")
    if parts[0] != "sysfair" or len(parts) < 2 or parts[1] in FOUNDATION:
        return None
    return parts[1]


def _imports(path: Path) -> set[str]:
    """Every ``sysfair.*`` module imported anywhere in ``path`` (deferred imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m == "sysfair" or m.startswith("sysfair.")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in SRC.rglob("*.py")}


def test_every_module_belongs_to_a_stage() -> None:
    for module in _graph():
        parts = module.split(".")
        if len(parts) == 1:
            continue
        assert parts[1] in STAGES or parts[1] in FOUNDATION, f"{module} is in no stage of {STAGES}"


def test_lower_stages_never_import_higher_ones() -> None:
    bad = []
    for module, imported in _graph().items():
        own = _stage(module)
        if own is None:
            # foundation modules import nothing above them
            bad += [f"{module} -> {m}" for m in imported if _stage(m) is not None]
            continue
        for target in imported:
            other = _stage(target)
            if other is not None and STAGES.index(other) > STAGES.index(own):
                bad.append(f"{module} ({own}) -> {target} ({other})")
    assert not bad, "imports against the data flow:\n" + "\n".join(sorted(bad))


def test_no_import_cycle_between_modules() -> None:
    graph = _graph()
    modules = set(graph)

    def resolve(name: str) -> str | None:
        # ``from sysfair.x import y`` may name a module or a package; keep known modules only
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = {m: {r for t in ts if (r := resolve(t)) and r != m} for m, ts in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                # a package's __init__ importing its own submodules is not a cycle of concern
                if not all(c.startswith(cycle[0]) or cycle[0].startswith(c) for c in cycle):
                    pytest.fail("import cycle: " + " -> ".join(cycle))
            elif state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)


def test_checker_catches_a_planted_upward_import(tmp_path: Path) -> None:
    """The check itself can fail: an upward import in a parsed file is reported."""
    planted = tmp_path / "mod.py"
    planted.write_text("from sysfair.report import build_report\n")
    assert _imports(planted) == {"sysfair.report"}
    assert STAGES.index(_stage("sysfair.report")) > STAGES.index(_stage("sysfair.system.platform"))
