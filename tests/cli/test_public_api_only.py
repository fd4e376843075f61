"""The command line is built on the public API: what it needs, an embedder gets too.

A static check (``ast``) of the CLI modules: everything they import from ``arazzo`` is a public
name (or a public module), apart from the CLI's own modules and a few presentation modules
listed below with their reason; and no attribute whose name starts with ``_`` is read off any
object (the engine, a document, a plan), apart from the argparse internals listed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import arazzo

PACKAGE = Path(arazzo.__file__).parent

CLI_MODULES = ("cli/_main.py", "cli/_run.py", "cli/_runs.py", "cli/_inspect.py",
               "cli/_validate.py", "cli/_transport.py")

#: private modules the CLI may import, and why
ALLOWED_MODULES = {
    # the CLI's own modules
    "arazzo.cli._main": "the parser and helpers the commands share",
    "arazzo.cli._run": "a CLI command",
    "arazzo.cli._runs": "a CLI command",
    "arazzo.cli._inspect": "a CLI command",
    "arazzo.cli._validate": "a CLI command",
    "arazzo.cli._transport": "the --header transport of arazzo run",
    # presentation of a run on a terminal and in files
    "arazzo.observers._progress": "the live progress line",
    "arazzo.engine._timeline": "the text timeline of a result",
    "arazzo.observers._reports": "the --report formats (the registry the Python API reads too)",
}

#: ``_``-attributes the CLI may read: argparse has no public API for walking a parser
ALLOWED_ATTRIBUTES = {("cli/_main.py", "_actions"), ("cli/_main.py", "_SubParsersAction"),
                      # os._exit: a stopped worker leaves runs going on in its threads
                      ("cli/_runs.py", "_exit"),
                      # the quick end of a process: its exit handlers first, then os._exit
                      ("cli/_main.py", "_run_exitfuncs"), ("cli/_main.py", "_exit")}


def _is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def _imports(tree: ast.AST) -> list[tuple[int, str, str | None]]:
    """(line, module, name) of each import of an ``arazzo`` module or name."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, None) for a in node.names
                         if a.name.split(".")[0] == "arazzo")
        elif isinstance(node, ast.ImportFrom) and node.module is not None and \
                node.module.split(".")[0] == "arazzo":
            found.extend((node.lineno, node.module, a.name) for a in node.names)
    return found


@pytest.mark.parametrize("filename", CLI_MODULES)
def test_the_cli_imports_only_public_names(filename: str) -> None:
    tree = ast.parse((PACKAGE / filename).read_text(encoding="utf-8"))
    wrong = []
    for line, imported, what in _imports(tree):
        module, name = imported, what
        if name is not None and name.startswith("_") and f"{module}.{name}" in ALLOWED_MODULES:
            module, name = f"{module}.{name}", None  # from arazzo.observers import _reports
        if module == "arazzo" and name is not None:
            if name == "__version__":
                continue
            if name.startswith("_"):  # from arazzo import _reports: a private module
                module, name = f"arazzo.{name}", None
            elif name not in arazzo.__all__:
                wrong.append(f"{filename}:{line}: {name} is not in arazzo.__all__")
                continue
        if _is_private(module) and module not in ALLOWED_MODULES:
            wrong.append(f"{filename}:{line}: imports {module}")
        elif name is not None and name.startswith("_"):
            wrong.append(f"{filename}:{line}: imports the private name {name} of {module}")
    assert wrong == []


@pytest.mark.parametrize("filename", CLI_MODULES)
def test_the_cli_reads_no_private_attribute(filename: str) -> None:
    tree = ast.parse((PACKAGE / filename).read_text(encoding="utf-8"))
    wrong = [f"{filename}:{node.lineno}: .{node.attr}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr.startswith("_")
             and not (node.attr.startswith("__") and node.attr.endswith("__"))
             and (filename, node.attr) not in ALLOWED_ATTRIBUTES]
    assert wrong == []


def test_the_check_sees_private_imports_and_attributes() -> None:
    source = ("from arazzo._run import _prepare\nfrom arazzo import _plan, run\n"
              "import arazzo.engine._machine\nengine._build(step)\n")
    tree = ast.parse(source)
    assert [(m, n) for _, m, n in _imports(tree)] == [
        ("arazzo._run", "_prepare"), ("arazzo", "_plan"), ("arazzo", "run"),
        ("arazzo.engine._machine", None)]
    assert [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)] == ["_build"]
