"""resolve_operation / resolve_workflow (STP-03, STP-04, STP-05, S-21, RTE-10)."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo
from arazzo._exceptions import ReferenceError_
from arazzo.documents._operations import (
    Resolved,
    SourceUnavailable,
    parse_operation_path,
    resolve_operation,
    resolve_workflow,
)

from ._util import DATA, write

TWO_SOURCES = """\
  - name: store
    url: ./store.openapi.yaml
"""


def _step(doc: arazzo.Document, workflow: int = 0, step: int = 0) -> arazzo.documents.models.Step:
    return doc.spec.workflows[workflow].steps[step]


def _doc(tmp_path: Path, *targets: str, extra_sources: str = "") -> arazzo.Document:
    steps = "".join(f"      - stepId: s{i}\n        {t}\n" for i, t in enumerate(targets))
    body = extra_sources + "workflows:\n  - workflowId: wf\n    steps:\n" + steps
    return arazzo.load(write(tmp_path, body))


def test_stp03_bare_operation_id(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: showPetById")
    resolved = resolve_operation(doc, _step(doc))
    assert isinstance(resolved, Resolved)
    assert resolved.warnings == ()
    assert (resolved.operation.path, resolved.operation.method) == ("/pets/{petId}", "get")
    assert resolved.operation.source.name == "petstore"


def test_stp03_qualified_operation_id(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: $sourceDescriptions.store.listPets",
               extra_sources=TWO_SOURCES)
    resolved = resolve_operation(doc, _step(doc))
    assert resolved.operation.source.name == "store"
    assert resolved.operation.path == "/orders"


def test_s21_ambiguous_bare_id_lists_the_sources(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: listPets", extra_sources=TWO_SOURCES)
    with pytest.raises(ReferenceError_) as info:
        resolve_operation(doc, _step(doc))
    message = info.value.message
    assert "ambiguous" in message
    assert "$sourceDescriptions.petstore.listPets" in message
    assert "$sourceDescriptions.store.listPets" in message
    assert info.value.location is not None
    assert info.value.location.pointer == "/workflows/0/steps/0/operationId"
    assert info.value.location.line == 15  # header (8) + sources (2) + 4 lines + 1


def test_stp03_unqualified_with_several_sources_warns(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: placeOrder", extra_sources=TWO_SOURCES)
    resolved = resolve_operation(doc, _step(doc))
    assert resolved.operation.operation_id == "placeOrder"
    assert len(resolved.warnings) == 1
    assert "$sourceDescriptions.store.placeOrder" in \
        resolved.warnings[0]


def test_stp03_case_only_difference_is_suggested(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: $sourceDescriptions.petstore.PAR")
    with pytest.raises(ReferenceError_, match=r"did you mean 'Par'\?"):
        resolve_operation(doc, _step(doc))


def test_stp03_not_found_suggests_close_ids(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: listPet")
    with pytest.raises(ReferenceError_, match="did you mean 'listPets'"):
        resolve_operation(doc, _step(doc))


def test_rte10_unknown_source_name(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: $sourceDescriptions.petstor.listPets")
    with pytest.raises(ReferenceError_, match="no source description named 'petstor'"):
        resolve_operation(doc, _step(doc))


def test_redocly_dotted_form_is_lenient(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "operationId: store.placeOrder", extra_sources=TWO_SOURCES)
    resolved = resolve_operation(doc, _step(doc))
    assert resolved.operation.operation_id == "placeOrder"
    assert "$sourceDescriptions.store.placeOrder" in resolved.warnings[0]


def test_stp04_operation_path_percent_then_tilde_decoding(tmp_path: Path) -> None:
    doc = _doc(tmp_path,
               "operationPath: '{$sourceDescriptions.petstore.url}#/paths/~1pets~1%7BpetId%7D/get'")
    resolved = resolve_operation(doc, _step(doc))
    assert resolved.operation.operation_id == "showPetById"
    assert resolved.warnings == ()


@pytest.mark.parametrize("text", [
    "$sourceDescriptions.petstore.url#/paths/~1pets/get",
    "petstore#/paths/~1pets/get",
    "./petstore.openapi.yaml#/paths/~1pets/get",
])
def test_stp04_lenient_operation_paths_warn(tmp_path: Path, text: str) -> None:
    doc = _doc(tmp_path, f"operationPath: '{text}'")
    resolved = resolve_operation(doc, _step(doc))
    assert resolved.operation.operation_id == "listPets"
    assert len(resolved.warnings) == 1
    assert "STP-04" in resolved.warnings[0]


@pytest.mark.parametrize(("text", "needle"), [
    ("{$sourceDescriptions.petstore.url}#/paths/~1pets", "must reach an operation"),
    ("{$sourceDescriptions.petstore.url}#/paths/~1pet/get", "did you mean '/pets'"),
    ("{$sourceDescriptions.petstore.url}#/paths/~1pets/put", "has no 'put' operation"),
    ("/pets", "is not a source reference plus JSON pointer"),
    ("{$sourceDescriptions.nope.url}#/paths/~1pets/get", "no source description named"),
])
def test_stp04_operation_path_errors(tmp_path: Path, text: str, needle: str) -> None:
    doc = _doc(tmp_path, f"operationPath: '{text}'")
    with pytest.raises(ReferenceError_, match=needle.replace("(", r"\(")) as info:
        resolve_operation(doc, _step(doc))
    assert info.value.location is not None
    assert info.value.location.pointer == "/workflows/0/steps/0/operationPath"


def test_parse_operation_path() -> None:
    assert parse_operation_path("{$sourceDescriptions.a.b.url}#/paths/~1x/get") == (
        "a.b", "/paths/~1x/get", None)
    assert parse_operation_path("no fragment") is None


def test_missing_source_says_why(tmp_path: Path) -> None:
    body = """\
  - name: gone
    url: ./gone.yaml
workflows:
  - workflowId: wf
    steps:
      - stepId: s
        operationId: $sourceDescriptions.gone.op
"""
    doc = arazzo.load(write(tmp_path, body))
    with pytest.raises(SourceUnavailable, match=r"could not be loaded .*file not found") as info:
        resolve_operation(doc, _step(doc))
    assert not info.value.remote_denied


def test_remote_source_denied_is_flagged(tmp_path: Path) -> None:
    body = """\
  - name: remote
    url: https://example.com/openapi.yaml
workflows:
  - workflowId: wf
    steps:
      - stepId: s
        operationId: $sourceDescriptions.remote.op
"""
    doc = arazzo.load(write(tmp_path, body))
    with pytest.raises(SourceUnavailable) as info:
        resolve_operation(doc, _step(doc))
    assert info.value.remote_denied


def test_steps_of_a_referenced_document_use_its_own_sources() -> None:
    doc = arazzo.load(DATA / "main.arazzo.yaml")
    sub_doc, workflow = resolve_workflow(doc, "$sourceDescriptions.subflows.list-all")
    assert sub_doc is not doc
    assert workflow.workflow_id == "list-all"
    resolved = resolve_operation(doc, workflow.steps[0])
    assert resolved.operation.source is sub_doc.sources["petstore"]


def test_resolve_workflow_local_and_errors() -> None:
    doc = arazzo.load(DATA / "main.arazzo.yaml")
    assert resolve_workflow(doc, "adopt")[1].workflow_id == "adopt"
    with pytest.raises(ReferenceError_, match=r"\$sourceDescriptions.subflows.list-all"):
        resolve_workflow(doc, "list-all")
    with pytest.raises(ReferenceError_, match="has no workflow 'nope'"):
        resolve_workflow(doc, "$sourceDescriptions.subflows.nope")
    with pytest.raises(ReferenceError_, match="OpenAPI description"):
        resolve_workflow(doc, "$sourceDescriptions.petstore.x")
    with pytest.raises(ReferenceError_, match="did you mean 'adopt'"):
        resolve_workflow(doc, "adpot")


def test_workflow_step_is_not_an_operation() -> None:
    doc = arazzo.load(DATA / "main.arazzo.yaml")
    with pytest.raises(ReferenceError_, match="resolve_workflow"):
        resolve_operation(doc, _step(doc))


def test_a_dropped_document_frees_its_openapi_descriptions_without_the_cyclic_gc(
        tmp_path: Path) -> None:
    """An OpenAPI source indexes its operations; the operations point back at it weakly, so
    a loaded description is not a reference cycle: it is freed as soon as its Document is
    dropped, not at the next full collection of the cyclic GC (which, for a 2 MB
    description, took ~20 ms and kept the whole tree alive until then)."""
    import gc
    import weakref

    doc = _doc(tmp_path, "operationId: showPetById")
    operation = resolve_operation(doc, _step(doc)).operation
    source = weakref.ref(operation.source)
    assert operation.source is doc.sources["petstore"]
    gc.disable()
    try:
        del doc
        assert source() is None
    finally:
        gc.enable()
    with pytest.raises(ReferenceError, match=r"GET /pets/\{petId\}: its OpenAPI description "
                                              r"is no longer loaded"):
        operation.source  # noqa: B018
