"""Arazzo 1.1 identity: ``$self`` is a document's URI and the base for its references, and an
Arazzo source is found by identity before location (V11-VER-02..06, V11-VER-16, V11-VER-17,
V11-AMB-01, V11-AMB-02)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import arazzo
from arazzo.documents._loading import ArazzoSource

OPENAPI = """\
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: https://api.example.com}]
paths:
  /ping:
    get: {operationId: ping, responses: {'200': {description: ok}}}
"""

MAIN = """\
arazzo: 1.1.0
$self: https://flows.example.com/shop/main.arazzo.yaml
info: {title: main, version: '1'}
sourceDescriptions:
- {name: sub, url: ./sub.arazzo.yaml, type: arazzo}
- {name: api, url: ./api.yaml, type: openapi}
workflows:
- workflowId: top
  steps:
  - {stepId: callSub, workflowId: $sourceDescriptions.sub.helper}
- workflowId: leaf
  steps:
  - {stepId: ping, operationId: $sourceDescriptions.api.ping}
"""

SUB = """\
arazzo: 1.1.0
$self: https://flows.example.com/shop/sub.arazzo.yaml
info: {title: sub, version: '1'}
sourceDescriptions:
- {name: main, url: https://flows.example.com/shop/main.arazzo.yaml, type: arazzo}
workflows:
- workflowId: helper
  steps:
  - {stepId: back, workflowId: $sourceDescriptions.main.leaf}
"""


def write(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("_", ".")).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path / "main.arazzo.yaml"


def test_V11_VER_17_a_source_url_is_resolved_by_identity(tmp_path: Path) -> None:
    path = write(tmp_path, main_arazzo_yaml=MAIN, sub_arazzo_yaml=SUB, api_yaml=OPENAPI)
    doc = arazzo.load(path)
    assert arazzo.validate(doc) == []
    sub = doc.sources["sub"]
    assert isinstance(sub, ArazzoSource)
    back = sub.document.sources["main"]
    # the absolute URL names the entry document by its $self: no fetch, the same document
    assert isinstance(back, ArazzoSource)
    assert back.document is doc
    assert doc.identity == "https://flows.example.com/shop/main.arazzo.yaml"
    assert sub.document.identity == "https://flows.example.com/shop/sub.arazzo.yaml"
    steps = arazzo.plan(doc, "top").steps
    assert steps[0].workflow_id == "helper"


def test_V11_VER_16_without_identity_the_url_is_a_location(tmp_path: Path) -> None:
    # the same documents as 1.0: no $self, so the absolute URL is a remote location
    main = MAIN.replace("arazzo: 1.1.0", "arazzo: 1.0.1").replace(
        "$self: https://flows.example.com/shop/main.arazzo.yaml\n", "")
    sub = SUB.replace("arazzo: 1.1.0", "arazzo: 1.0.1").replace(
        "$self: https://flows.example.com/shop/sub.arazzo.yaml\n", "")
    path = write(tmp_path, main_arazzo_yaml=main, sub_arazzo_yaml=sub, api_yaml=OPENAPI)
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity.value) for d in diags] == [("source-load", "warning")]
    assert "refusing to fetch 'https://flows.example.com/shop/main.arazzo.yaml'" in \
        diags[0].message


def test_V11_VER_02_self_in_a_1_0_document_is_an_error(tmp_path: Path) -> None:
    main = MAIN.replace("arazzo: 1.1.0", "arazzo: 1.0.1")
    path = write(tmp_path, main_arazzo_yaml=main, sub_arazzo_yaml=SUB, api_yaml=OPENAPI)
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [("schema", "/$self")]
    assert "the field '$self' is Arazzo 1.1" in errors[0].message


def test_V11_AMB_01_two_documents_with_one_identity(tmp_path: Path) -> None:
    sub = SUB.replace("shop/sub.arazzo.yaml", "shop/main.arazzo.yaml", 1)
    path = write(tmp_path, main_arazzo_yaml=MAIN, sub_arazzo_yaml=sub, api_yaml=OPENAPI)
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert [d.rule for d in errors] == ["self-identity"]
    assert errors[0].file is not None
    assert errors[0].file.endswith("sub.arazzo.yaml")


def test_V11_AMB_02_identity_without_self_is_the_location(tmp_path: Path) -> None:
    main = MAIN.replace("$self: https://flows.example.com/shop/main.arazzo.yaml\n", "")
    path = write(tmp_path, main_arazzo_yaml=main, sub_arazzo_yaml=SUB, api_yaml=OPENAPI)
    doc = arazzo.load(path)
    assert doc.identity == path.resolve().as_uri()
    relative = MAIN.replace("$self: https://flows.example.com/shop/main.arazzo.yaml",
                            "$self: flows/main.arazzo.yaml")
    path = write(tmp_path, main_arazzo_yaml=relative, sub_arazzo_yaml=SUB, api_yaml=OPENAPI)
    assert arazzo.load(path).identity == (tmp_path / "flows" / "main.arazzo.yaml").resolve(
        ).as_uri()  # a relative $self is resolved against the location first (V11-VER-05)
