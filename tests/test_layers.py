"""The package's layers (docs/architecture.md): no import circle, and imports run down.

Every ``import`` of an ``arazzo`` module counts, also one inside a function or under
``TYPE_CHECKING``: a lazy import is still a dependency, only a cheaper one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import arazzo

PACKAGE = Path(arazzo.__file__).parent

#: lowest first; a module may import its own layer and the layers below it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("arazzo._version", "arazzo._diagnostics", "arazzo._exceptions")),
    ("expressions", ("arazzo.expressions",)),
    ("criteria", ("arazzo.criteria",)),
    ("documents", ("arazzo.documents", "arazzo.models")),
    ("engine", ("arazzo.engine",)),
    # validation checks a document against what the engine will do with it (the security a
    # step needs, the media types it sends), so it sits above the engine it asks
    ("validation", ("arazzo.documents._validation",)),
    ("transports", ("arazzo.transports",)),
    ("observers", ("arazzo.observers", "arazzo.tracing")),
    # durable runs drive the engine like run() does (run(run_id=) hands over to them)
    ("drivers", ("arazzo._options", "arazzo._prepare", "arazzo._run", "arazzo._preview",
                 "arazzo.durable", "arazzo.runs", "arazzo")),
    ("cli", ("arazzo.cli", "arazzo.__main__")),
    # the AWS plug-in: a provider (asked by the engine through the Provider protocol, loaded
    # by name) and its own `arazzo run` options, built on the CLI's helpers
    ("aws", ("arazzo.aws",)),
]

#: imports that run up a layer on purpose, each with its reason (keep this short)
UPWARD: dict[tuple[str, str], str] = {
    ("arazzo.engine._providers", "arazzo.aws._provider"):
        "DEFAULT_PROVIDERS names the AWS plug-in by a module path string, imported lazily",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "arazzo")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.split(".")[0] != "arazzo":
                continue
            for alias in node.names:  # `from arazzo.engine import _plan` names a module
                candidate = f"{module}.{alias.name}"
                found.add(candidate if _exists(candidate) else module)
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").exists() or (
        PACKAGE.parent / relative / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        graph[name] = {m for m in _imports(path, name) if m != name}
    return graph


def _layer(module: str) -> int:
    best: tuple[int, int] | None = None  # (prefix length, layer index): longest prefix wins
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for module in _graph():
        _layer(module)


def test_imports_run_down_the_layers() -> None:
    upward = []
    for module, imports in _graph().items():
        for imported in imports:
            if _layer(imported) > _layer(module) and (module, imported) not in UPWARD:
                upward.append(f"{module} ({LAYERS[_layer(module)][0]}) imports {imported} "
                              f"({LAYERS[_layer(imported)][0]})")
    assert sorted(upward) == []


def test_no_import_circle() -> None:
    graph = _graph()
    # a package's __init__ re-exporting its own modules is not a circle of modules
    edges = {m: {i for i in imports if not (m.startswith(i + ".") and i in graph)}
             for m, imports in graph.items()}
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt):], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert circles == []


def test_at_most_twelve_modules_directly_in_the_package() -> None:
    direct = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(direct) <= 12, direct


def test_every_package_says_what_it_owns() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.parent.name}/__init__.py has no docstring"
