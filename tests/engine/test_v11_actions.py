"""Arazzo 1.1 action parameters (V11-ACT-01..05, V11-PAR-05, V11-AMB-40): on a goto to a
workflow or a retry that runs a workflow first, they are evaluated in the context of the step
that triggered the action (its response included) and become that workflow's inputs,
checked against its inputs schema; validation diagnostics; the same in a 1.0 document."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from _docs import HEADER, doc
from server import Reply, ScriptedServer

import arazzo
from arazzo import Severity

HEADER_11 = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.1.0")

#: the workflow a goto or retry runs: it reads pet ``petId`` and outputs its name
SHOW = """
- workflowId: show
  inputs:
    type: object
    required: [petId]
    properties:
      petId: {type: string}
      note: {type: string, default: none}
  steps:
  - stepId: get
    operationId: getPet
    parameters:
    - {name: petId, in: path, value: $inputs.petId}
    - {name: note, in: query, value: $inputs.note}
    outputs:
      name: $response.body#/name
  outputs:
    name: $steps.get.outputs.name
"""


def with_show(body: str) -> str:
    """``body`` (dedented) with workflow ``show`` appended to its workflows."""
    text = textwrap.dedent(body)
    head, components, tail = text.partition("components:")
    return head.rstrip("\n") + SHOW + components + tail


def v11(tmp_path: Path, body: str) -> Path:
    return doc(tmp_path, with_show(body), header=HEADER_11)


def run(path: Path, server: ScriptedServer, wf: str = "w",
        inputs: dict[str, Any] | None = None) -> arazzo.RunResult:
    return arazzo.run(path, wf, inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0)


def errors(path: Path) -> list[arazzo.Diagnostic]:
    return [d for d in arazzo.validate(path) if d.severity is Severity.ERROR]


def line_of(path: Path, text: str, nth: int = 1) -> int:
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{text!r} not in {path}")


# ------------------------------------------------------------------------------------------
# the run


def test_V11_ACT01_success_goto_passes_parameters_as_inputs(tmp_path: Path,
                                                            server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={"id": "p7"}))
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "rex"}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {tag: {type: string}}}
      steps:
      - stepId: create
        operationId: createPet
        requestBody: {payload: {name: rex}}
        onSuccess:
        - name: show-it
          type: goto
          workflowId: show
          parameters:
          - {name: petId, value: $response.body#/id}
          - {name: note, value: 'made-{$inputs.tag}-{$statusCode}'}
          - {name: absent, value: $inputs.nothing}
    """)
    assert errors(path) == []
    result = run(path, server, inputs={"tag": "t1"})
    assert result.succeeded, result.error
    get = server.requests[1]
    assert get.path == "/v1/pets/p7"
    assert get.query == {"note": ["made-t1-201"]}
    assert result.workflows["show"] == {"name": "rex"}
    assert [s.step_id for s in result.steps] == ["create", "get"]


def test_V11_ACT02_failure_goto_reads_the_failed_response(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(409, json={"existing": "p1"}))
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "old"}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: create
        operationId: createPet
        requestBody: {payload: {name: rex}}
        onFailure:
        - name: use-existing
          type: goto
          workflowId: show
          criteria:
          - condition: $statusCode == 409
          parameters:
          - {name: petId, value: $response.body#/existing}
    """)
    assert errors(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[1].path == "/v1/pets/p1"
    assert server.requests[1].query == {"note": ["none"]}  # the schema default applies


def test_V11_ACT02_retry_runs_the_workflow_with_parameters_first(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(503, json={"pet": "p3"}), Reply(200))
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "x"}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: poll
        operationId: getStatus
        onFailure:
        - name: again
          type: retry
          retryLimit: 1
          workflowId: show
          parameters:
          - {name: petId, value: $response.body#/pet}
          - {name: note, value: 'code-{$statusCode}'}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert [(r.path, r.raw_query) for r in server.requests] == [
        ("/v1/status", ""), ("/v1/pets/p3", "note=code-503"), ("/v1/status", "")]


def test_V11_ACT03_reusable_parameters_resolve_from_components(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"id": "p9"}))
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "x"}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - reference: $components.successActions.show-pet
    components:
      parameters:
        pet: {name: petId, value: $response.body#/id}
        note: {name: note, value: from-component}
      successActions:
        show-pet:
          name: show-pet
          type: goto
          workflowId: show
          parameters:
          - reference: $components.parameters.pet
          - reference: $components.parameters.note
            value: overridden
    """)
    assert errors(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert (server.requests[1].path, server.requests[1].raw_query) == (
        "/v1/pets/p9", "note=overridden")


def test_V11_ACT01_inputs_are_checked_against_the_target_schema(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"id": 5}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - name: wrong-type
          type: goto
          workflowId: show
          parameters:
          - {name: petId, value: $response.body#/id}
    - workflowId: w2
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - name: missing
          type: goto
          workflowId: show
          parameters:
          - {name: note, value: x}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert result.failure is not None
    assert result.failure.kind == "goto"
    assert "goto workflow 'show'" in (result.error or "")
    assert "petId: 5 is not of type 'string'" in (result.error or "")
    result = run(path, server, "w2")
    assert "missing required inputs: petId" in (result.error or "")
    assert "passes no inputs" not in (result.error or "")
    assert len(server.requests) == 2  # the target workflow never ran


def test_V11_ACT01_an_absent_parameter_value_is_left_out(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, body=b"not json", content_type="text/plain"))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - name: go
          type: goto
          workflowId: show
          parameters:
          - {name: petId, value: $response.body#/id}
    """)
    result = run(path, server)
    assert not result.succeeded
    # absent (the body is no JSON): left out, as for workflowId steps, so the schema says so
    assert result.error == ("goto workflow 'show': workflow 'show': missing required inputs: "
                            "petId")
    assert len(server.requests) == 1


def test_ACT04_1_0_goto_workflow_still_passes_no_inputs(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - {name: go, type: goto, workflowId: show}
    """.replace("\n    ", "\n") + SHOW)
    result = run(path, server)
    assert not result.succeeded
    assert "missing required inputs: petId (a goto without parameters passes no inputs)" in (
        result.error or "")


# ------------------------------------------------------------------------------------------
# validation


def test_V11_AMB40_parameters_without_workflow_id_are_errors(tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - name: loop
          type: goto
          stepId: s
          parameters:
          - {name: petId, value: a}
        - name: stop
          type: end
          parameters:
          - {name: petId, value: a}
        onFailure:
        - name: again
          type: retry
          parameters:
          - {name: petId, value: a}
    """)
    found = errors(path)
    assert [(d.rule, d.pointer) for d in found] == [
        ("action-parameters", "/workflows/0/steps/0/onSuccess/0/parameters"),
        ("action-parameters", "/workflows/0/steps/0/onSuccess/1/parameters"),
        ("action-parameters", "/workflows/0/steps/0/onFailure/0/parameters"),
    ]  # the schema's own errors for these ('reference' is required ...) are replaced
    assert [d.line for d in found] == [line_of(path, "parameters:", n) for n in (1, 2, 3)]
    assert "this goto names stepId 's', not a workflow" in found[0].message
    assert "an 'end' action runs no workflow" in found[1].message
    assert "this retry names no workflow" in found[2].message
    assert all("V11-AMB-40" in d.message for d in found)


def test_V11_ACT04_ACT05_ACT03_parameter_errors(tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - name: go
          type: goto
          workflowId: show
          parameters:
          - {name: petId, value: a}
          - {name: petId, value: b}
          - {name: note, in: query, value: c}
          - reference: $components.successActions.x
          - reference: $components.parameters.nope
    components:
      successActions:
        x: {name: x, type: end}
    """)
    found = errors(path)
    assert [(d.rule, d.pointer) for d in found] == [
        ("duplicate-parameter", "/workflows/0/steps/0/onSuccess/0/parameters/1"),
        ("parameter-in", "/workflows/0/steps/0/onSuccess/0/parameters/2"),
        ("reusable-kind", "/workflows/0/steps/0/onSuccess/0/parameters/3/reference"),
        ("reusable-missing", "/workflows/0/steps/0/onSuccess/0/parameters/4/reference"),
    ]
    assert "V11-ACT-04" in found[0].message
    assert "'in' MUST NOT be used" in found[1].message
    assert "V11-ACT-05" in found[1].message
    assert found[1].line == line_of(path, "in: query")


def test_V11_ACT01_parameter_values_are_checked_in_the_steps_context(tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        outputs:
          id: $response.body#/id
        onSuccess:
        - name: go
          type: goto
          workflowId: show
          parameters:
          - {name: petId, value: $steps.s.outputs.id}
          - {name: note, value: $steps.s.outputs.nope}
    """)
    found = [d for d in arazzo.validate(path) if d.rule == "step-output-ref"]
    # the step's own outputs exist when its actions run; an undeclared one is an error
    assert [(d.severity, d.pointer) for d in found] == [
        (Severity.ERROR, "/workflows/0/steps/0/onSuccess/0/parameters/1/value")]


def test_V11_VER01_action_parameters_in_a_1_0_document_are_errors(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess:
        - name: go
          type: goto
          workflowId: show
          parameters:
          - {name: petId, value: a}
    """.replace("\n    ", "\n") + SHOW)
    found = errors(path)
    assert [d.pointer for d in found] == ["/workflows/0/steps/0/onSuccess/0/parameters"]
    assert "the field 'parameters' is Arazzo 1.1" in found[0].message
    assert "V11-VER-01" in found[0].message


def test_V11_ACT01_secret_inputs_given_by_a_goto_are_masked_in_events(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200, json={"session": "s3cr3t-value"}))
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: login
        operationId: login
        requestBody: {payload: {user: a}}
        onSuccess:
        - name: on
          type: goto
          workflowId: use
          parameters:
          - {name: session, value: $response.body#/session}
    - workflowId: use
      inputs:
        type: object
        properties:
          session: {type: string, format: password}
      steps:
      - stepId: status
        operationId: getStatus
        parameters:
        - {name: s, in: query, value: $inputs.session}
    """, header=HEADER_11)
    events: list[object] = []
    result = arazzo.run(path, "w", {}, servers={"api": server.url + "/v1"}, loop_delay=0,
                        hooks=[events.append])
    assert result.succeeded, result.error
    assert server.requests[1].query == {"s": ["s3cr3t-value"]}
    sent = [e for e in events if isinstance(e, arazzo.RequestSent)]
    assert sent[1].url.endswith("/v1/status?s=***")
