"""Workflow inputs ``$ref``s: JSON Pointer and plain-name (``$anchor``) fragments both resolve
(V11-VER-09), and one that does not resolve is a validation error, never a traceback (WF-03)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _docs import HEADER, doc
from server import Reply, ScriptedServer

import arazzo

HEADER_11 = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.1.0")

BODY = """
components:
  inputs:
    pet:
      $anchor: petInputs
      type: object
      required: [petId]
      properties:
        petId: {type: string}
        verbose: {type: boolean, default: true}
workflows:
- workflowId: w
  inputs: {$ref: '#petInputs'}
  steps:
  - stepId: show
    operationId: getPet
    parameters:
    - {name: petId, in: path, value: $inputs.petId}
    - {name: verbose, in: query, value: $inputs.verbose}
"""


def test_V11_VER_09_a_plain_name_fragment_in_inputs(tmp_path: Path,
                                                     server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{petId}", Reply(200, json={}))
    path = doc(tmp_path, BODY, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = arazzo.run(path, "w", {"petId": "7"}, servers={"api": server.url + "/v1"})
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "verbose=true"  # the anchored schema's default
    with pytest.raises(arazzo.InputError, match="missing required inputs: petId"):
        arazzo.run(path, "w", {}, servers={"api": server.url + "/v1"})


@pytest.mark.parametrize("header", [HEADER, HEADER_11], ids=["1.0", "1.1"])
@pytest.mark.parametrize("ref", ["#/components/inputs/nope", "#noSuchAnchor"])
def test_WF03_an_inputs_ref_that_does_not_resolve(tmp_path: Path, server: ScriptedServer,
                                                  header: str, ref: str) -> None:
    path = doc(tmp_path, BODY.replace("'#petInputs'", f"'{ref}'").replace(
        "      $anchor: petInputs\n", ""), header=header)
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [("inputs-ref", "/workflows/0/inputs/$ref")]
    assert f"$ref {ref!r}" in errors[0].message
    assert errors[0].line is not None
    with pytest.raises(arazzo.ValidationFailed, match="does not resolve"):
        arazzo.run(path, "w", {"petId": "7"}, servers={"api": server.url + "/v1"})
    assert server.requests == []


LOOPS = {
    # an allOf member that is the schema itself, twice (every run once hung or overflowed)
    "allOf-self": ("""
    pet:
      type: object
      allOf: [{$ref: '#/components/inputs/pet'}, {$ref: '#/components/inputs/pet'}]
      properties: {petId: {type: string, default: '7'}}
""", ["/components/inputs/pet/allOf/0/$ref", "/components/inputs/pet/allOf/1/$ref"]),
    # two schemas that refer to each other through anyOf and not
    "anyOf-not": ("""
    pet:
      anyOf: [{$ref: '#/components/inputs/other'}]
    other:
      not: {$ref: '#/components/inputs/pet'}
""", ["/components/inputs/other/not/$ref"]),
    # a plain-name $ref back to its own anchor, inside if/then
    "anchor-then": ("""
    pet:
      $anchor: petInputs
      if: {required: [petId]}
      then: {$ref: '#petInputs'}
""", ["/components/inputs/pet/then/$ref"]),
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_WF03_an_inputs_ref_loop_is_an_error_not_a_hang(tmp_path: Path, server: ScriptedServer,
                                                        name: str) -> None:
    """A ``$ref`` that brings the inputs schema back to itself for the same value (never into a
    property or an item) makes any check endless: ``inputs-ref-loop``, at the ``$ref``."""
    schemas, pointers = LOOPS[name]
    body = BODY.split("workflows:")[1].replace("'#petInputs'", "'#/components/inputs/pet'")
    path = doc(tmp_path, "components:\n  inputs:" + schemas + "workflows:" + body,
               header=HEADER_11)
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [("inputs-ref-loop", p) for p in pointers]
    assert all(d.line is not None for d in errors)
    assert "never ends" in errors[0].message
    with pytest.raises(arazzo.ValidationFailed, match="inputs-ref-loop"):
        arazzo.run(path, "w", {"petId": "7"}, servers={"api": server.url + "/v1"})
    assert server.requests == []


def test_WF03_recursion_through_properties_and_items_is_no_loop(tmp_path: Path,
                                                                server: ScriptedServer) -> None:
    """A tree (a schema met again one property or item deeper) is checked as usual."""
    server.route("GET", "/v1/pets/{petId}", Reply(200, json={}))
    schemas = """
    pet:
      type: object
      allOf: [{$ref: '#/components/inputs/node'}]
      properties: {petId: {type: string}}
    node:
      type: object
      properties:
        child: {$ref: '#/components/inputs/node'}
        children: {type: array, items: {$ref: '#/components/inputs/node'}}
        depth: {type: integer, default: 0}
"""
    body = BODY.split("workflows:")[1].replace("'#petInputs'", "'#/components/inputs/pet'")
    path = doc(tmp_path, "components:\n  inputs:" + schemas + "workflows:" + body,
               header=HEADER_11)
    assert [d for d in arazzo.validate(path) if d.is_error] == []
    result = arazzo.run(path, "w", {"petId": "7", "child": {"children": [{}]}},
                        servers={"api": server.url + "/v1"})
    assert result.succeeded, result.error
    with pytest.raises(arazzo.InputError, match="child/children/0/depth"):
        arazzo.run(path, "w", {"petId": "7", "child": {"children": [{"depth": "x"}]}},
                   servers={"api": server.url + "/v1"})


def test_WF03_an_endless_inputs_check_is_an_input_error_at_run_time() -> None:
    """Behind the validation rule, a check that never ends (here the rule is bypassed: the
    plan is made directly) is a clear InputError, not a RecursionError's traceback."""
    from arazzo.engine._plan import InputsPlan

    loop = {"allOf": [{"$ref": "#/components/inputs/a"}], "required": ["x"]}
    root: dict[str, Any] = {
        "workflows": [{"workflowId": "w", "inputs": {"$ref": "#/components/inputs/a"}}],
        "components": {"inputs": {"a": loop}}}
    plan = InputsPlan("w", root["workflows"][0]["inputs"], root, 0, frozenset())
    with pytest.raises(arazzo.InputError, match="refers back to itself"):
        plan.prepare({})
