"""Arazzo 1.1 step rules against the loopback server: ``dependsOn`` and output references as
the run's order (V11-STP-08..15, V11-AMB-17, V11-AMB-18), the step ``timeout``
(V11-STP-07, V11-AMB-12), and retries exhausted before later failure actions (ACT-05, unchanged
in 1.1). Each 1.1 behaviour beside the 1.0 document's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _docs import HEADER, doc
from server import Reply, ScriptedServer

import arazzo

HEADER_11 = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.1.0")


def run(path: Path, server: ScriptedServer, wf: str = "w",
        inputs: dict[str, Any] | None = None, **kw: Any) -> arazzo.RunResult:
    return arazzo.run(path, wf, inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0, **kw)


ORDERED = """
workflows:
- workflowId: w
  steps:
  - stepId: show
    operationId: getPet
    dependsOn: [create]
    parameters: [{name: petId, in: path, value: $steps.create.outputs.id}]
    outputs: {name: $response.body#/name}
  - stepId: status
    operationId: getStatus
  - stepId: create
    operationId: createPet
    requestBody: {payload: {name: Rex}}
    outputs: {id: $response.body#/id}
  outputs: {name: $steps.show.outputs.name}
"""


def test_V11_STP_14_depends_on_orders_the_run(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={"id": "7"}))
    server.route("GET", "/v1/pets/{petId}", Reply(200, json={"name": "Rex"}))
    server.route("GET", "/v1/status", Reply(200, json={}))
    path = doc(tmp_path, ORDERED, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    # a stable topological order: 'status' keeps its place before 'create', 'show' waits
    assert [r.step_id for r in result.steps] == ["status", "create", "show"]
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/v1/status"), ("POST", "/v1/pets"), ("GET", "/v1/pets/7")]
    assert result.outputs == {"name": "Rex"}
    steps = [s.step_id for s in arazzo.plan(path, "w").steps]
    assert steps == ["status", "create", "show"]


def test_V11_STP_13_an_output_reference_is_an_implicit_dependency(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={"id": "7"}))
    server.route("GET", "/v1/pets/{petId}", Reply(200, json={"name": "Rex"}))
    server.route("GET", "/v1/status", Reply(200, json={}))
    # 'status' declares dependsOn on 'show'; 'show' reads 'create' without declaring it
    body = ORDERED.replace("    dependsOn: [create]\n", "").replace(
        "  - stepId: status\n    operationId: getStatus\n",
        "  - stepId: status\n    operationId: getStatus\n    dependsOn: [show]\n")
    path = doc(tmp_path, body, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.step_id for r in result.steps] == ["create", "show", "status"]


def test_V11_STP_15_forward_reference_without_depends_on_is_an_error(tmp_path: Path) -> None:
    body = ORDERED.replace("    dependsOn: [create]\n", "")
    errors = [d for d in arazzo.validate(doc(tmp_path, body, header=HEADER_11)) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [
        ("step-output-ref", "/workflows/0/steps/0/parameters/0/value")]
    assert "forward reference" in errors[0].message
    assert "dependsOn" in errors[0].message
    # the same document as 1.0 keeps its warning (RTE-08): a goto loop may make it readable
    diags = arazzo.validate(doc(tmp_path, body))
    assert [(d.rule, d.severity.value) for d in diags] == [("step-output-ref", "warning")]


def test_V11_AMB_18_a_dependency_cycle_is_an_error(tmp_path: Path) -> None:
    body = ORDERED.replace("    operationId: createPet\n",
                           "    operationId: createPet\n    dependsOn: [show]\n")
    errors = [d for d in arazzo.validate(doc(tmp_path, body, header=HEADER_11)) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [("depends-on", "/workflows/0/steps")]
    assert "'show', 'create' depend on each other" in errors[0].message


def test_V11_AMB_17_a_goto_past_a_dependency_fails_the_step(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={}))
    server.route("GET", "/v1/pets", Reply(500, json={}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: first
        operationId: getStatus
        onSuccess: [{name: skip, type: goto, stepId: last}]
      - stepId: list
        operationId: listPets
      - stepId: last
        operationId: getStatus
        dependsOn: [list]
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert not result.succeeded
    assert result.failure is not None
    assert (result.failure.kind, result.failure.step_id) == ("dependency", "last")
    assert "depends on 'list', which has not completed successfully" in result.failure.message
    assert [r.path for r in server.requests] == ["/v1/status"]  # 'last' sent nothing


def test_V11_STP_09_a_step_of_another_workflow(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={}))
    body = """
    workflows:
    - workflowId: prep
      steps:
      - {stepId: ping, operationId: getStatus}
    - workflowId: w
      dependsOn: [prep]
      steps:
      - stepId: go
        operationId: getStatus
        dependsOn: ['$workflows.prep.steps.ping']
    - workflowId: alone
      steps:
      - stepId: go
        operationId: getStatus
        dependsOn: ['$workflows.prep.steps.ping']
    """
    path = doc(tmp_path, body, header=HEADER_11)
    assert arazzo.validate(path) == []
    assert run(path, server).succeeded  # prep ran first (WF-04), so ping completed
    result = run(path, server, "alone")  # nothing ran prep in this run
    assert result.failure is not None
    assert result.failure.kind == "dependency"
    assert "'$workflows.prep.steps.ping'" in result.failure.message


def test_V11_STP_07_timeout_fails_the_step_into_its_failure_actions(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={}, delay=1.0))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: slow
        operationId: getStatus
        timeout: 100
        onFailure: [{name: fallback, type: goto, stepId: other}]
        onSuccess: [{name: done, type: end}]
      - stepId: other
        operationId: listPets
    """, header=HEADER_11)
    assert arazzo.validate(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    slow = result.steps[0]
    assert not slow.succeeded
    assert slow.reasons[0].kind == "timeout"
    assert "the step's timeout (100 ms) passed" in slow.reasons[0].message
    assert slow.action is not None
    assert slow.action.name == "fallback"
    assert [r.step_id for r in result.steps] == ["slow", "other"]


@pytest.mark.parametrize("header", [HEADER, HEADER_11], ids=["1.0", "1.1"])
def test_ACT05_retry_limit_is_exhausted_before_later_failure_actions(
        tmp_path: Path, server: ScriptedServer, header: str) -> None:
    server.route("GET", "/v1/status", Reply(503, json={}))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: flaky
        operationId: getStatus
        successCriteria: [{condition: $statusCode == 200}]
        onFailure:
        - {name: again, type: retry, retryLimit: 2, retryAfter: 0}
        - {name: giveUp, type: goto, stepId: other}
        onSuccess: [{name: done, type: end}]
      - stepId: other
        operationId: listPets
    """, header=header)
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/status"] * 3 + ["/v1/pets"]
    assert [r.action.name if r.action else None for r in result.steps] == [
        "again", "again", "giveUp", None]


def test_V11_AMB_12_timeout_on_a_workflow_step_is_said_to_have_no_effect(
        tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: sub
      steps:
      - {stepId: ping, operationId: getStatus}
    - workflowId: w
      steps:
      - {stepId: call, workflowId: sub, timeout: 100}
    """, header=HEADER_11)
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity.value, d.pointer) for d in diags] == [
        ("step-timeout", "warning", "/workflows/1/steps/0/timeout")]
    assert "has no effect" in diags[0].message
