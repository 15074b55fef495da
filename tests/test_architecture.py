"""The house rules of docs/ARCHITECTURE.md, checked on the source: the import arrows point one
way, there is no import cycle, no file grows past ~1,000 lines and the scheduler stays a
timetable. Read from the files with `ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "nlp", "broker", "reports", "store")
OURS = (*PACKAGES, "scheduler")

# Which of our top-level packages each may import (besides itself).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "nlp": frozenset(),
    "broker": frozenset(),
    "store": frozenset({"broker"}),
    "reports": frozenset({"broker"}),
    "handlers": frozenset({"nlp", "broker", "reports", "store"}),
    "scheduler": frozenset({"handlers", "nlp", "broker", "reports", "store"}),
    "bot": frozenset(OURS),
}


def _sources() -> Iterator[Path]:
    yield ROOT / "scheduler.py"
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, *, lazy: bool = True) -> set[str]:
    """Every module of ours this file imports, except under TYPE_CHECKING (annotations only,
    never executed). `lazy=False` leaves out imports inside functions: they run after both
    modules have loaded, so they are layering questions, not cycles."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {_module_name(p) for p in _sources()}
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if not lazy and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from pkg import module` needs pkg.module; `from pkg import name` needs pkg
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules and m != me}


def _graph(*, lazy: bool = True) -> dict[str, set[str]]:
    return {_module_name(p): _imports(p, lazy=lazy) for p in _sources()}


def test_imports_point_only_down_the_layers() -> None:
    wrong = []
    for module, targets in _graph().items():
        top = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != top and other not in MAY_IMPORT[top]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


# Client libraries of the outside world, kept out of the platform-neutral layers (ruff's
# banned-api rule keeps each inside its one owning module; this keeps the layers clean of the
# ones ruff allows elsewhere, such as aiohttp's client).
NO_CHAT_LIBRARIES = ("telegram", "aiohttp", "websockets", "fastapi", "uvicorn")


def _third_party(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", ["handlers", "nlp", "broker", "store", "reports"])
def test_the_platform_neutral_layers_import_no_chat_library(layer: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}: {lib}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for lib in sorted(_third_party(path) & set(NO_CHAT_LIBRARIES))
    ]
    assert wrong == []


def test_no_import_cycle_at_module_level() -> None:
    graph = _graph(lazy=False)
    # Tarjan's strongly connected components; any component with two modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            strong(v)
    assert cycles == []


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_file_over_1000_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 1000


def test_scheduler_is_only_a_timetable_under_250_lines() -> None:
    assert len((ROOT / "scheduler.py").read_text(encoding="utf-8").splitlines()) < 250
