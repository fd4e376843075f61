"""Every code example in ``docs/*.md`` runs.

- ```` ```python ```` blocks run in order, one namespace per page (like a doctest session),
  with ``docs/examples`` as the working directory and on ``sys.path`` (the example document,
  its OpenAPI description and ``pets_api.py``, a fake API).
- A block whose first line is ``# doctest: skip: REASON``, or that follows an HTML comment
  ``<!-- doctest: skip: REASON -->``, is skipped with that reason; ``# doctest: emulator``
  (or ``<!-- doctest: emulator -->``) runs only when moto is installed.
- ```` ```sh ```` blocks: every ``arazzo ...`` command must parse with the real argument
  parser; ``validate``/``list``/``describe``/``graph`` and ``run --dry-run`` on the example
  document are run for real and must exit 0.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLES = DOCS / "examples"
_FENCE = re.compile(r"^```(\w+)?[^\n]*\n(.*?)^```", re.S | re.M)
_MARK = re.compile(r"doctest:\s*(skip|emulator)(?::\s*(.*))?")


@dataclass
class Block:
    page: str
    line: int
    language: str
    code: str
    mark: str | None
    reason: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _blocks() -> Iterator[Block]:
    # the docs pages and the README (its Python example runs like the quick start's)
    for path in [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            language = match.group(1) or ""
            code = match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip().splitlines()[-1:] or [""]
            mark = reason = None
            comment = _MARK.search(before[0]) if before[0].startswith("<!--") else None
            first = code.splitlines()[0] if code.strip() else ""
            if comment is None and first.lstrip().startswith("#"):
                comment = _MARK.search(first)
            if comment is not None:
                mark = comment.group(1)
                reason = (comment.group(2) or "").rstrip(" ->").strip()
            yield Block(path.name, line, language, code, mark, reason or "")


PYTHON = [b for b in _blocks() if b.language == "python"]
SHELL = [b for b in _blocks() if b.language in ("sh", "bash", "console")]
PAGES = sorted({b.page for b in PYTHON})


@contextlib.contextmanager
def _in_examples() -> Iterator[None]:
    old = Path.cwd()
    os.chdir(EXAMPLES)
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield
    finally:
        sys.path.remove(str(EXAMPLES))
        os.chdir(old)
        sys.modules.pop("pets_api", None)


def test_there_are_examples() -> None:
    assert len(PYTHON) >= 10
    assert "quickstart.md" in PAGES
    for block in PYTHON + SHELL:
        if block.mark == "skip":
            assert block.reason, f"{block.id}: a skipped example needs a reason"


@pytest.mark.parametrize("page", PAGES)
def test_python_examples(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{page[:-3]}"}
    skipped = []
    with _in_examples():
        for block in (b for b in PYTHON if b.page == page):
            if block.mark == "skip":
                skipped.append(f"{block.id} ({block.reason})")
                continue
            if block.mark == "emulator" and importlib.util.find_spec("moto") is None:
                skipped.append(f"{block.id} (needs the emulator: moto)")
                continue
            code = compile(block.code, f"{DOCS / page}:{block.line}", "exec")
            try:
                exec(code, namespace)
            except Exception as exc:
                pytest.fail(f"the example at {block.id} failed: {exc!r}")
    capsys.readouterr()
    if skipped and len(skipped) == sum(1 for b in PYTHON if b.page == page):
        pytest.skip("every example on this page is marked: " + "; ".join(skipped))


_SAFE = ("validate", "list", "describe", "graph")


def _commands() -> Iterator[tuple[Block, list[str]]]:
    for block in SHELL:
        if block.mark == "skip":
            continue
        joined = block.code.replace("\\\n", " ")  # shell line continuations
        for raw in joined.splitlines():
            line = raw.strip().removeprefix("$ ")
            if line.startswith("arazzo "):
                yield block, shlex.split(line, comments=True)[1:]


COMMANDS = list(_commands())


@pytest.mark.parametrize(("block", "argv"), COMMANDS,
                         ids=[f"{b.id}:{' '.join(a)[:40]}" for b, a in COMMANDS])
def test_shell_examples(block: Block, argv: list[str],
                        capsys: pytest.CaptureFixture[str]) -> None:
    from arazzo.cli import build_parser, main

    parser = build_parser()
    try:
        parser.parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{block.id}: 'arazzo {' '.join(argv)}' does not parse "
                    f"({capsys.readouterr().err.strip()})")
        raise AssertionError from exc
    file = next((a for a in argv[1:] if not a.startswith("-")), None)
    runnable = file is not None and (EXAMPLES / file).is_file() and (
        argv[0] in _SAFE or (argv[0] == "run" and "--dry-run" in argv))
    if not runnable:
        return
    with _in_examples():
        code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, f"{block.id}: 'arazzo {' '.join(argv)}' exited {code}: {captured.err}"


def test_mkdocs_build_is_strict_clean(tmp_path: Path) -> None:
    """``mkdocs build --strict`` (what ``nox -s docs`` runs) passes."""
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec(
            "mkdocstrings") is None:
        pytest.skip("mkdocs-material and mkdocstrings[python] are not installed (docs deps)")
    import subprocess

    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                           str(tmp_path / "site")], cwd=DOCS.parent, capture_output=True,
                          text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "cli" / "index.html").is_file()


def test_example_output_matches(capsys: pytest.CaptureFixture[str]) -> None:
    """The quick start's claims about the example are true."""
    from arazzo.cli import main

    with _in_examples():
        assert main(["run", "pets.arazzo.yaml", "--inputs", "@inputs.json", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '"password": "***"' in out
    assert "unresolved header Authorization: $steps.login.outputs.token (needs a response)" \
        in out
    _ = io
