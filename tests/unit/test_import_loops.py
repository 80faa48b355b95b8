"""No import loop outside the synthetic generator (issue 18): two modules that import each
other, however lazily (an import inside a function counts), are one room in two files. An
import only for the type checker (under ``TYPE_CHECKING``) runs nothing and is not counted.
The import graph comes from grimp (import-linter's), so it is the same the layer contracts
in pyproject.toml are checked against."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp


def loops(package: str, *, outside: str | None = None) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), skipping modules
    under ``outside``."""
    graph = grimp.build_graph(package, cache_dir=None, exclude_type_checking_imports=True)
    modules = [m for m in graph.modules if not (outside and m.startswith(outside))]
    edges = {
        m: {t for t in graph.find_modules_directly_imported_by(m) if t in modules} for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_loop_outside_the_generator() -> None:
    assert loops("joinedup", outside="joinedup.synth") == []


def test_the_check_finds_a_planted_loop(tmp_path: Path, monkeypatch) -> None:
    """A test that cannot fail is a defect: a loop through a lazy import is found."""
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from planted import b\n")
    (package / "b.py").write_text("def later():\n    from planted import a\n    return a\n")
    (package / "c.py").write_text("from planted import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert loops("planted") == [["planted.a", "planted.b"]]
