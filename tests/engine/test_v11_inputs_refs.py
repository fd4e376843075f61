"""Workflow inputs ``$ref``s: JSON Pointer and plain-name (``$anchor``) fragments both resolve
(V11-VER-09), and one that does not resolve is a validation error, never a traceback (WF-03)."""

from __future__ import annotations

from pathlib import Path

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
