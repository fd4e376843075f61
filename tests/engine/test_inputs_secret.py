"""Which inputs are secret (SEC-04): ``format: password`` or ``writeOnly: true`` properties of
the inputs schema (WF-03), also behind a ``$ref`` and in ``allOf`` members (and ``$ref``s in
them). A secret input is masked wherever the run shows it: events, the masked result, the
messages of invalid inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo
from arazzo.engine._plan import _secret_inputs

SECRET = "pw-5e3c1f"

#: the credentials are declared in an allOf member, one of them behind a $ref
ALL_OF = """
workflows:
- workflowId: w
  inputs:
    allOf:
    - $ref: '#/components/inputs/creds'
    - type: object
      properties:
        apiKey: {type: string, writeOnly: true}
    - type: object
      properties:
        user: {type: string}
  steps:
  - stepId: status
    operationId: getStatus
    parameters:
    - {name: s, in: query, value: $inputs.password}
    - {name: k, in: query, value: $inputs.apiKey}
    outputs:
      password: $inputs.password
components:
  inputs:
    creds:
      type: object
      properties:
        password: {type: string, format: password}
"""


def test_SEC04_WF03_secret_inputs_follow_allof_members_and_their_refs() -> None:
    raw: dict[str, Any] = {"components": {"inputs": {
        "creds": {"type": "object", "properties": {"password": {"format": "password"}}},
        "more": {"allOf": [{"$ref": "#/components/inputs/creds"},
                           {"properties": {"token": {"writeOnly": True}}}]}}}}
    schema = {"allOf": [{"$ref": "#/components/inputs/more"},
                        {"properties": {"user": {"type": "string"},
                                        "key": {"$ref": "#/components/inputs/key"}}}]}
    raw["components"]["inputs"]["key"] = {"type": "string", "writeOnly": True}
    assert _secret_inputs(schema, raw) == {"password", "token", "key"}
    # a $ref cycle through allOf ends
    raw["components"]["inputs"]["loop"] = {"allOf": [{"$ref": "#/components/inputs/loop"},
                                                     {"properties": {"p": {"format": "password"}}}]}
    assert _secret_inputs({"$ref": "#/components/inputs/loop"}, raw) == {"p"}


def test_SEC04_WF03_secret_input_in_allof_member_masked_in_events_and_result(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, json={"s": "ok"}))
    path = doc(tmp_path, ALL_OF)
    events: list[Any] = []
    result = arazzo.run(path, "w", {"password": SECRET, "apiKey": "k-77a1", "user": "ann"},
                        servers={"api": server.url}, hooks=[events.append])
    assert result.succeeded, result.error
    assert server.requests[0].query == {"s": [SECRET], "k": ["k-77a1"]}  # really sent
    assert result.steps[0].outputs == {"password": SECRET}  # the caller gets the real value
    shown = result.masked()
    assert shown.steps[0].outputs == {"password": "***"}
    blob = shown.to_json() + repr(result) + repr(result.steps) + repr(events)
    assert SECRET not in blob
    assert "k-77a1" not in blob
    assert "ann" in repr(events)  # a plain input is shown


def test_SEC04_WF03_invalid_secret_input_in_allof_member_not_echoed(tmp_path: Path) -> None:
    path = doc(tmp_path, ALL_OF)
    with pytest.raises(arazzo.InputError) as info:
        arazzo.run(path, "w", {"password": 987654321})
    assert "987654321" not in str(info.value)
    assert "password: invalid value (secret, not shown)" in str(info.value)


def test_SEC04_WF03_secret_inputs_in_anyof_oneof_and_beside_refs() -> None:
    """Any alternative that calls a property secret makes it secret (masking one value too
    many shows less, never more); keywords beside a ``$ref`` count, at every step of a chain
    of references."""
    raw: dict[str, Any] = {"components": {"inputs": {
        "plain": {"type": "string"},
        "chained": {"$ref": "#/components/inputs/plain", "writeOnly": True},
        "base": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}
    schema = {
        "$ref": "#/components/inputs/base",
        "properties": {"beside": {"$ref": "#/components/inputs/plain", "format": "password"},
                       "chain": {"$ref": "#/components/inputs/chained"},
                       "nested": {"allOf": [{"$ref": "#/components/inputs/chained"}]},
                       "name": {"$ref": "#/components/inputs/plain"}},
        "anyOf": [{"properties": {"token": {"oneOf": [{"type": "null"},
                                                      {"writeOnly": True}]}}},
                  {"properties": {"pin": {"format": "password"}}}],
        "oneOf": [{"$ref": "#/components/inputs/missing"},
                  {"properties": {"otp": {"anyOf": [{"format": "password"}]}}}]}
    assert _secret_inputs(schema, raw) == {"beside", "chain", "nested", "token", "pin", "otp"}
