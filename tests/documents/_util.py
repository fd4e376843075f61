"""Helpers for the document tests: tiny documents written next to the stub OpenAPI files."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import arazzo
from arazzo import Diagnostic

DATA = Path(__file__).parent / "data"

HEADER = """\
arazzo: 1.0.1
info:
  title: test
  version: 1.0.0
sourceDescriptions:
  - name: petstore
    url: ./petstore.openapi.yaml
    type: openapi
"""

#: one workflow with one step calling the stub petstore's ``listPets``
WORKFLOW = """\
workflows:
  - workflowId: wf
    steps:
      - stepId: s
        operationId: listPets
"""


def write(tmp_path: Path, body: str, *, name: str = "doc.arazzo.yaml",
          header: str = HEADER) -> Path:
    """Write ``header + body`` (dedented) beside copies of the stub sources; return its path."""
    for stub in DATA.glob("*.yaml"):
        target = tmp_path / stub.name
        if not target.exists():
            shutil.copy(stub, target)
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def check(tmp_path: Path, body: str, **kwargs: Any) -> list[Diagnostic]:
    """Validate a small document (see :func:`write`)."""
    return arazzo.validate(write(tmp_path, body), **kwargs)


def only(diags: list[Diagnostic], rule: str) -> list[Diagnostic]:
    return [d for d in diags if d.rule == rule]


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")
