"""Arazzo 1.1 rules observed in a run against the loopback server (or in the loaded
documents): each test cites the rule of docs/spec-1.1.md it checks, beside the 1.0 tests of
tests/engine/test_inventory.py that these 1.1 documents mirror."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from _docs import HEADER, OPENAPI, doc
from server import Reply, ScriptedServer

import arazzo
from arazzo.documents._loading import ArazzoSource

HEADER_11 = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.1.0")


def run(path: Path, server: ScriptedServer, wf: str = "w",
        inputs: dict[str, Any] | None = None) -> arazzo.RunResult:
    return arazzo.run(path, wf, inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0)


def test_V11_RTE_02_V11_RTE_03_V11_RTE_05_pointers_after_inputs_outputs_and_workflows(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "rex", "tags": ["a", "b"]}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {pet: {type: object}}}
      steps:
      - stepId: call
        workflowId: fetch
        parameters: [{name: id, value: $inputs.pet#/ids/1}]
        outputs:
          tag: $outputs.pet#/tags/1
          name: $outputs.pet#/name
      outputs:
        tag: $steps.call.outputs.tag
        sub: $workflows.fetch.outputs.pet#/tags/0
        asked: $workflows.fetch.inputs.id
    - workflowId: fetch
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: $inputs.id}]
        outputs: {pet: $response.body}
      outputs: {pet: $steps.get.outputs.pet}
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server, inputs={"pet": {"ids": ["p1", "p2"]}})
    assert result.succeeded, result.error
    assert server.requests[0].path == "/v1/pets/p2"
    assert result.outputs == {"tag": "b", "sub": "a", "asked": "p2"}


def test_V11_RTE_07_an_operation_id_named_like_a_field_takes_precedence(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/by-url", Reply(200, json={}))
    server.route("GET", "/v1/status", Reply(200, json={}))
    openapi = OPENAPI + """
  /by-url:
    get:
      operationId: url
      responses: {'200': {description: ok}}
"""
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: one
        operationId: $sourceDescriptions.api.url
      - stepId: two
        operationId: getStatus
        outputs: {type: $sourceDescriptions.api.type}
      outputs: {type: $steps.two.outputs.type}
    """, header=HEADER_11, openapi=openapi)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/by-url", "/v1/status"]
    # no operation is called 'type': the field of the Source Description Object (priority 2)
    assert result.outputs == {"type": "openapi"}


def test_V11_STP_12_depends_on_without_an_output_reference_is_respected(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={}))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: second
        operationId: listPets
        dependsOn: [first]
      - stepId: first
        operationId: getStatus
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/status", "/v1/pets"]


def test_V11_AMB_37_a_dotted_input_name_is_looked_up_whole_first(
        tmp_path: Path, server: ScriptedServer) -> None:
    """The exact name first, else a prefix and navigation (the warning the reading asks for
    on the navigating form is not given yet)."""
    server.route("GET", "/v1/status", Reply(200, json={}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        parameters:
        - {name: X-Exact, in: header, value: $inputs.a.b}
        - {name: X-Nav, in: header, value: $inputs.c.d}
    """, header=HEADER_11)
    result = run(path, server, inputs={"a.b": "whole", "a": {"b": "nested"}, "c": {"d": "D"}})
    assert result.succeeded, result.error
    headers = server.requests[0].headers
    assert (headers["x-exact"], headers["x-nav"]) == ("whole", "D")


def test_V11_CRI_03_V11_SEL_06_the_type_decides_pass_or_fail(
        tmp_path: Path, server: ScriptedServer) -> None:
    """One condition text, two types: as a JSONPath filter (an Expression Type Object) it
    passes on a non-empty result; as a regex against the status it fails."""
    server.route("GET", "/v1/pets", Reply(200, json=[{"id": 1}]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: jp
        operationId: listPets
        successCriteria:
        - context: $response.body
          condition: $[?@.id == 1]
          type: {type: jsonpath, version: rfc9535}
      - stepId: rx
        operationId: listPets
        successCriteria:
        - {context: $statusCode, condition: '^5', type: regex}
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert [(r.step_id, r.succeeded) for r in result.steps] == [("jp", True), ("rx", False)]


def test_V11_SEL_03_V11_SEL_06_selectors_of_each_kind(tmp_path: Path,
                                                     server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json={"items": [{"id": "a"}, {"id": "b"}]}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        outputs:
          pointer: {context: $response.body, selector: /items/1/id, type: jsonpointer}
          path: {context: $response.body, selector: '$.items[0].id', type: jsonpath}
          typed:
            context: $response.body
            selector: '$.items[*].id'
            type: {type: jsonpath, version: rfc9535}
      outputs: {pointer: $steps.s.outputs.pointer, path: $steps.s.outputs.path,
                typed: $steps.s.outputs.typed}
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"pointer": "b", "path": "a", "typed": ["a", "b"]}


def test_V11_VER_08_V11_VER_10_operation_path_fragments_are_json_pointers(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationPath: '{$sourceDescriptions.api.url}#/paths/~1pets~1{petId}/get'
        parameters: [{name: petId, in: path, value: p9}]
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    assert run(path, server).succeeded
    assert server.requests[0].path == "/v1/pets/p9"


def test_V11_VER_12_the_endpoint_comes_from_the_openapi_server_not_self(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={}))
    openapi = OPENAPI.replace("https://api.example.com/v1", server.url + "/v1")
    path = doc(tmp_path, """
    $self: https://flows.example.com/shop/w.arazzo.yaml
    workflows:
    - workflowId: w
      steps:
      - {stepId: s, operationId: getStatus}
    """, header=HEADER_11, openapi=openapi)
    result = arazzo.run(path, "w", {}, loop_delay=0)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/status"]


# -- base URIs and identity ----------------------------------------------------------------

MAIN = """\
arazzo: 1.1.0
$self: https://flows.example.com/shop/main.arazzo.yaml
info: {title: main, version: '1'}
sourceDescriptions:
- {name: lib, url: ./lib/helper.arazzo.yaml, type: arazzo}
- {name: sub, url: ./sub.arazzo.yaml, type: arazzo}
workflows:
- workflowId: top
  steps:
  - {stepId: callSub, workflowId: $sourceDescriptions.sub.helper}
"""

HELPER = """\
arazzo: 1.1.0
$self: https://flows.example.com/shop/sub.arazzo.yaml
info: {title: helper, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.yaml, type: openapi}
workflows:
- workflowId: helper
  steps:
  - {stepId: s, operationId: getStatus}
"""


def layout(tmp_path: Path, main: str) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.arazzo.yaml").write_text(HELPER, encoding="utf-8")
    (tmp_path / "lib" / "api.yaml").write_text(textwrap.dedent(OPENAPI), encoding="utf-8")
    (tmp_path / "main.arazzo.yaml").write_text(main, encoding="utf-8")
    return tmp_path / "main.arazzo.yaml"


def test_V11_VER_04_V11_AMB_44_a_relative_source_is_resolved_against_self(
        tmp_path: Path) -> None:
    """'./sub.arazzo.yaml' against the $self base is the $self of lib/helper.arazzo.yaml,
    read just before: the same document, although no sub.arazzo.yaml lies beside main."""
    path = layout(tmp_path, MAIN)
    assert arazzo.validate(path) == []
    doc_ = arazzo.load(path)
    lib, sub = doc_.sources["lib"], doc_.sources["sub"]
    assert isinstance(lib, ArazzoSource)
    assert isinstance(sub, ArazzoSource)
    assert sub.document is lib.document
    assert arazzo.plan(doc_, "top").steps[0].workflow_id == "helper"


def test_V11_VER_06_V11_VER_07_without_self_a_relative_url_is_read_by_location(
        tmp_path: Path) -> None:
    """Without $self the base is where the document was read: './sub.arazzo.yaml' is then a
    file beside main (none here), not the helper's identity (V11-AMB-44's fallback)."""
    main = MAIN.replace("$self: https://flows.example.com/shop/main.arazzo.yaml\n", "")
    path = layout(tmp_path, main)
    diags = [d for d in arazzo.validate(path) if d.is_error]
    assert [(d.rule, d.pointer) for d in diags] == [("source-load", "/sourceDescriptions/1/url")]
    assert "sub.arazzo.yaml" in diags[0].message
    (tmp_path / "sub.arazzo.yaml").write_text(
        HELPER.replace("$self: https://flows.example.com/shop/sub.arazzo.yaml\n", "").replace(
            "./api.yaml", "./lib/api.yaml"), encoding="utf-8")
    assert arazzo.validate(path) == []
    sub = arazzo.load(path).sources["sub"]
    assert isinstance(sub, ArazzoSource)
    assert sub.document.identity == (tmp_path / "sub.arazzo.yaml").resolve().as_uri()


def test_V11_VER_13_V11_VER_14_identity_is_resolved_after_every_document_is_read(
        tmp_path: Path) -> None:
    """'sub' is listed before 'lib', whose $self it names: it is not unresolvable just because
    the document that carries that identity is read later."""
    swapped = MAIN.replace(
        "- {name: lib, url: ./lib/helper.arazzo.yaml, type: arazzo}\n"
        "- {name: sub, url: ./sub.arazzo.yaml, type: arazzo}\n",
        "- {name: sub, url: ./sub.arazzo.yaml, type: arazzo}\n"
        "- {name: lib, url: ./lib/helper.arazzo.yaml, type: arazzo}\n")
    assert swapped != MAIN
    path = layout(tmp_path, swapped)
    assert arazzo.validate(path) == []
    doc_ = arazzo.load(path)
    lib, sub = doc_.sources["lib"], doc_.sources["sub"]
    assert isinstance(lib, ArazzoSource)
    assert isinstance(sub, ArazzoSource)
    assert sub.document is lib.document
    assert arazzo.plan(doc_, "top").steps[0].workflow_id == "helper"
