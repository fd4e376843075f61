"""Arazzo 1.1 Selector Objects and expressions in runs against the loopback server
(docs/spec-1.1.md): outputs (V11-SEL-05), parameter values (V11-PAR-06), payloads and
replacement values (V11-RBD-01, V11-RBD-05), what selectors yield and their errors
(V11-AMB-20..22), ``$self`` and ``$message`` (V11-RTE-09/10, V11-AMB-02, V11-AMB-14), the
1.0 gate (V11-VER-01) and the validator's ``selector-syntax`` / ``selector-type`` rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo

HEADER_11 = """\
arazzo: 1.1.0
info: {title: test, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.openapi.yaml, type: openapi}
"""

PETS = {"items": [{"id": 7, "name": "rex", "tags": ["a", "b"]},
                  {"id": 9, "name": "tom", "tags": []}], "total": 2}
XML = ('<?xml version="1.0"?><Envelope><Item id="i1"><Name>rex</Name><Price>2.50</Price>'
       '</Item><Item id="i2"><Name>tom</Name><Price>4</Price></Item></Envelope>')


def run(path: Path, server: ScriptedServer, inputs: dict[str, Any] | None = None
        ) -> arazzo.RunResult:
    return arazzo.run(path, "w", inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0)


def doc11(tmp_path: Path, body: str) -> Path:
    return doc(tmp_path, body, header=HEADER_11)


def test_v11_sel_05_step_and_workflow_outputs_from_selectors(tmp_path: Path,
                                                             server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          firstId: {context: $response.body, selector: '$.items[0].id', type: jsonpath}
          names: {context: $response.body, selector: '$.items[*].name', type: jsonpath}
          none: {context: $response.body, selector: '$.items[?@.id > 100]', type: jsonpath}
          second: {context: $response.body, selector: /items/1/name, type: jsonpointer}
          goessner:
            context: $response.body
            selector: $.items[1].tags
            type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}
          all: $response.body
      outputs:
        tags:
          context: $steps.list.outputs.all
          selector: /items/0/tags/1
          type: {type: jsonpointer, version: rfc6901}
        count: {context: $steps.list.outputs.names, selector: '$[1]', type: jsonpath}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    outputs = result.steps[0].outputs
    assert outputs["firstId"] == 7  # a singular query: the value (V11-AMB-20)
    assert outputs["names"] == ["rex", "tom"]  # otherwise the nodelist's values
    assert outputs["none"] == []
    assert outputs["second"] == "tom"
    assert outputs["goessner"] == []
    assert result.outputs == {"tags": "b", "count": "tom"}


def test_v11_amb_20_xpath_outputs_from_an_xml_body(tmp_path: Path,
                                                   server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, body=XML, content_type="application/xml"))
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          name: {context: $response.body, selector: '/Envelope/Item[2]/Name', type: xpath}
          ids: {context: $response.body, selector: /Envelope/Item/@id, type: xpath}
          count:
            context: $response.body
            selector: count(/Envelope/Item)
            type: {type: xpath, version: xpath-10}
          total: {context: $response.body, selector: 'sum(//Price)', type: xpath}
          xml: $response.body
      outputs:
        again: {context: $steps.list.outputs.xml, selector: 'string(//Item[1]/@id)', type: xpath}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    outputs = result.steps[0].outputs
    assert outputs["name"] == "tom"
    assert outputs["ids"] == ["i1", "i2"]
    assert outputs["count"] == 2
    assert outputs["total"] == 6.5
    assert result.outputs == {"again": "i1"}  # V11-AMB-21: a string context is parsed as XML


def test_v11_par_06_parameter_values_from_selectors(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"id": 9}))
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {filter: {type: object}}}
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - name: limit
          in: query
          value: {context: $inputs.filter, selector: $.limit, type: jsonpath}
        outputs:
          body: $response.body
      - stepId: get
        operationId: getPet
        parameters:
        - name: petId
          in: path
          value: {context: $steps.list.outputs.body, selector: /items/1/id, type: jsonpointer}
        - name: X-Names
          in: header
          value: {context: $steps.list.outputs.body, selector: '$.items[*].name', type: jsonpath}
    """)
    result = run(path, server, {"filter": {"limit": 5}})
    assert result.succeeded, result.error
    first, second = server.requests
    assert first.raw_query == "limit=5"
    assert second.path == "/v1/pets/9"
    assert second.headers["x-names"] == "rex,tom"


def test_v11_rbd_01_payload_and_replacement_selectors(tmp_path: Path,
                                                      server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    server.route("POST", "/v1/pets", Reply(201, json={}))
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          body: $response.body
      - stepId: create
        operationId: createPet
        requestBody:
          contentType: application/json
          payload:
            pet:
              name: {context: $steps.list.outputs.body, selector: '$.items[0].name', type: jsonpath}
              tags:
              - {context: $steps.list.outputs.body, selector: /items/0/tags/0, type: jsonpointer}
              - literal
            note: 'from {$steps.list.outputs.body#/total} pets'
            keep: {context: not-an-expression, selector: /x, type: jsonpointer}
          replacements:
          - target: /pet/id
            value: {context: $steps.list.outputs.body, selector: '$.items[1].id', type: jsonpath}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[1].json == {
        "pet": {"name": "rex", "tags": ["a", "literal"], "id": 9},
        "note": "from 2 pets",
        # V11-AMB-22: not a Selector Object (the context is no runtime expression): a literal
        "keep": {"context": "not-an-expression", "selector": "/x", "type": "jsonpointer"},
    }


def test_v11_amb_22_a_selector_shaped_payload_object_is_a_literal_in_1_0(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: create
        operationId: createPet
        requestBody:
          contentType: application/json
          payload:
            pet: {context: $inputs.name, selector: $.x, type: jsonpath}
    """)
    result = run(path, server, {"name": "rex"})
    assert result.succeeded, result.error
    assert server.requests[0].json == {
        "pet": {"context": "rex", "selector": "$.x", "type": "jsonpath"}}


def test_v11_ver_01_selector_outputs_are_errors_in_1_0(tmp_path: Path,
                                                       server: ScriptedServer) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          x: {context: $response.body, selector: /a, type: jsonpointer}
    """)
    with pytest.raises(arazzo.ValidationFailed) as info:
        run(path, server)
    assert any("Arazzo 1.1" in d.message for d in info.value.diagnostics)
    assert not server.requests


def test_v11_ver_01_a_selector_shaped_parameter_value_is_a_literal_in_1_0(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - name: limit
          in: query
          value: {context: '$inputs.n', selector: /a, type: jsonpointer}
    """)
    result = run(path, server, {"n": 3})
    assert result.succeeded, result.error
    assert server.requests[0].query == {"context": ["3"], "selector": ["/a"],
                                        "type": ["jsonpointer"]}


@pytest.mark.parametrize(("output", "body", "fragment"), [
    ("{context: $response.body, selector: '$.items[5].id', type: jsonpath}", PETS,
     "jsonpath selector '$.items[5].id' on $response.body: the query selects nothing"),
    ("{context: $response.body, selector: /items/0/age, type: jsonpointer}", PETS,
     "jsonpointer selector '/items/0/age' on $response.body: no member 'age' at /items/0"),
    ("{context: $response.body, selector: /Envelope, type: xpath}", PETS,
     "needs an XML document (a string), but the context is an object"),
    ("{context: $response.body#/nothing, selector: $.a, type: jsonpath}", PETS,
     "the context has no value: JSON pointer '/nothing'"),
    ("{context: $response.body, selector: /Envelope/Nope, type: xpath}", XML,
     "xpath selector '/Envelope/Nope' on $response.body: the expression selects nothing"),
])
def test_v11_amb_20_a_selector_that_gives_no_value_fails_the_step(
        tmp_path: Path, server: ScriptedServer, output: str, body: Any, fragment: str) -> None:
    reply = Reply(200, json=body) if isinstance(body, dict) else Reply(
        200, body=body, content_type="application/xml")
    server.route("GET", "/v1/pets", reply)
    path = doc11(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          fine: $statusCode
          broken: {output}
    """)
    result = run(path, server)
    assert not result.succeeded
    (failure,) = result.steps[0].reasons
    assert failure.kind == "expression"
    assert failure.message.startswith("output 'broken': ")
    assert fragment in failure.message
    assert result.steps[0].outputs == {"fine": 200}
    assert fragment in (result.error or "")


def test_v11_amb_20_a_parameter_selector_without_a_value_fails_before_sending(
        tmp_path: Path, server: ScriptedServer) -> None:
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object}
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - name: limit
          in: query
          value: {context: $inputs.filter, selector: $.limit, type: jsonpath}
    """)
    result = run(path, server, {"filter": {"other": 1}})
    assert not result.succeeded
    (failure,) = result.steps[0].reasons
    assert failure.kind == "expression"
    assert "cannot build the request: jsonpath selector '$.limit' on $inputs.filter: the " \
           "query selects nothing" in failure.message
    assert not server.requests


def test_v11_amb_20_a_payload_selector_on_a_string_context_fails_before_sending(
        tmp_path: Path, server: ScriptedServer) -> None:
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object}
      steps:
      - stepId: create
        operationId: createPet
        requestBody:
          payload:
            name: {context: $inputs.raw, selector: /name, type: jsonpointer}
    """)
    result = run(path, server, {"raw": '{"name": "rex"}'})
    assert not result.succeeded
    (failure,) = result.steps[0].reasons
    assert "needs parsed JSON data, but the context is a string" in failure.message
    assert not server.requests


def test_v11_rte_10_self_and_v11_amb_14_message_in_a_run(tmp_path: Path,
                                                         server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    path = doc(tmp_path, """
    $self: https://example.com/flows/pets.arazzo.yaml
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - {name: X-Source, in: header, value: 'from {$self}'}
        outputs:
          self: $self
    """, header=HEADER_11)
    result = run(path, server)
    assert server.requests[0].headers["x-source"] == (
        "from https://example.com/flows/pets.arazzo.yaml")
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"self": "https://example.com/flows/pets.arazzo.yaml"}
    # '$message' on an HTTP step is refused before the run (V11-AMB-14); evaluated without
    # a message it is an evaluation error (tests/expressions/test_v11_expressions.py)
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.strip() == "self: $self")
    indent = line[:len(line) - len(line.lstrip())]
    path.write_text(text.replace(line, f"{line}\n{indent}message: $message.payload#/id"),
                    encoding="utf-8")
    with pytest.raises(arazzo.ValidationFailed, match="so it has no message"):
        run(path, server)


def test_v11_amb_02_self_without_a_self_field_is_the_retrieval_uri(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
      outputs:
        me: $self
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"me": path.resolve().as_uri()}


def test_v11_ver_05_a_relative_self_is_resolved_against_the_retrieval_uri(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=PETS))
    path = doc(tmp_path, """
    $self: flows/pets.arazzo.yaml
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
      outputs:
        me: $self
    """, header=HEADER_11)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"me": (tmp_path.resolve() / "flows/pets.arazzo.yaml").as_uri()}


# -- the validator -------------------------------------------------------------------------


def _findings(path: Path) -> list[tuple[str, str]]:
    return [(d.rule, d.pointer) for d in arazzo.validate(path) if d.is_error]


def test_v11_sel_04_selector_syntax_is_a_validation_error(tmp_path: Path) -> None:
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - name: limit
          in: query
          value: {context: $inputs.f, selector: '$.a[', type: jsonpath}
        outputs:
          x: {context: $response.body, selector: '/Envelope/[', type: xpath}
          y: {context: $response.body, selector: 'a/b', type: jsonpointer}
      - stepId: create
        operationId: createPet
        requestBody:
          payload:
            deep: [{context: $response.body, selector: '$..[', type: jsonpath}]
    """)
    found = _findings(path)
    assert ("selector-syntax", "/workflows/0/steps/0/parameters/0/value/selector") in found
    assert ("selector-syntax", "/workflows/0/steps/0/outputs/x/selector") in found
    assert ("selector-syntax", "/workflows/0/steps/0/outputs/y/selector") in found
    assert ("selector-syntax", "/workflows/0/steps/1/requestBody/payload/deep/0/selector") \
        in found
    diagnostics = {d.pointer: d for d in arazzo.validate(path)}
    message = diagnostics["/workflows/0/steps/0/outputs/x/selector"].message
    assert message.startswith("invalid xpath selector: invalid XPath expression")
    assert "\n    /Envelope/[\n              ^" in message


def test_v11_sel_02_selector_context_is_checked_as_an_expression(tmp_path: Path) -> None:
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          x: {context: $steps.nope.outputs.a, selector: /a, type: jsonpointer}
          y: {context: '$components.inputs.a', selector: /a, type: jsonpointer}
    """)
    found = _findings(path)
    assert ("step-output-ref", "/workflows/0/steps/0/outputs/x/context") in found
    assert ("expression-syntax", "/workflows/0/steps/0/outputs/y/context") in found


def test_v11_expressions_in_a_1_1_document_validate_and_1_0_ones_do_not(
        tmp_path: Path) -> None:
    body = """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        outputs:
          me: $self
          m: $message.header.X-Id
          c: $components.inputs.a
    """
    (tmp_path / "v11").mkdir()
    (tmp_path / "v10").mkdir()
    v11 = {p for r, p in _findings(doc11(tmp_path / "v11", body)) if r == "expression-syntax"}
    assert v11 == {"/workflows/0/steps/0/outputs/c"}  # V11-RTE-08
    v10 = {p for r, p in _findings(doc(tmp_path / "v10", body)) if r == "expression-syntax"}
    assert v10 == {"/workflows/0/steps/0/outputs/me", "/workflows/0/steps/0/outputs/m"}


def test_v11_sel_08_an_unknown_selector_version_is_a_validation_error(tmp_path: Path) -> None:
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: create
        operationId: createPet
        requestBody:
          payload:
            a: {context: $inputs.x, selector: /a, type: {type: xpath, version: xpath-40}}
    """)
    (finding,) = [d for d in arazzo.validate(path) if d.rule == "selector-type"]
    assert finding.pointer == "/workflows/0/steps/0/requestBody/payload/a/type"
    assert "unknown xpath version 'xpath-40'" in finding.message


def test_v11_amb_39_dotted_message_payload_is_a_non_conformant_warning(tmp_path: Path) -> None:
    path = doc11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: $message.payload.limit}
    """)
    (finding,) = [d for d in arazzo.validate(path) if d.rule == "non-conformant"]
    assert "$message.payload#/limit" in finding.message
    # the only error: an HTTP step has no message at all (V11-AMB-14)
    assert [d.rule for d in arazzo.validate(path) if d.is_error] == ["async-expression"]
