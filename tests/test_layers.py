"""The layers have one direction — rules ← engine (correspondence) ← night (scheduler) ← command line
(scheduler.cli) — and no two files import each other, even through a function-local import.

Read from the source with `ast`, so an import hidden inside a function counts like one at the top."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rules", "correspondence", "scheduler")


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:  # Alembic's scripts: run by Alembic, not imported
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


@lru_cache(maxsize=1)
def imports() -> dict[str, set[str]]:
    """Every project module each module imports, wherever the import statement stands."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in known else base)
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def layer(module: str) -> int:
    if module == "scheduler.cli" or module.startswith("scheduler.cli."):
        return 3
    return {"rules": 0, "correspondence": 1, "scheduler": 2}[module.split(".")[0]]


def test_every_import_points_down_the_layers() -> None:
    upward = sorted(f"{m} imports {t}" for m, targets in imports().items() for t in targets if layer(t) > layer(m))
    assert not upward, "\n".join(upward)


def test_no_two_files_import_each_other_even_through_others() -> None:
    graph = imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not cycles, "\n".join(" ↔ ".join(c) for c in cycles)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_reader_finds_the_imports_it_judges(package: str) -> None:
    """The checks above are only as good as the reader: it must see the imports that do exist."""
    graph = imports()
    assert any(graph[m] for m in graph if m.startswith(package + ".")), package
