"""Why a run failed is data: :class:`arazzo.Failure` on the result and on the step records.

Every way a run or a step attempt can fail has its ``kind``; the table below provokes each one
through :func:`arazzo.run` (responses from ``httpx.MockTransport``) and reads the result's
failure, its record's reasons and their JSON form.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo

Handler = Callable[[httpx.Request], httpx.Response]


def _reply(status: int = 200, **kwargs: Any) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, **kwargs)
    return handler


def _raise(error: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("no luck", request=request)
    return handler


@dataclass(frozen=True)
class Case:
    body: str
    handler: Handler = field(default_factory=_reply)
    inputs: dict[str, Any] = field(default_factory=dict)
    max_steps: int | None = None
    #: the expected failure: kind, then the fields it must hold
    kind: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    #: the kind of the failure's cause, if it has one
    cause: str | None = None


ONE_STEP = """
workflows:
- workflowId: w
  steps:
  - stepId: a
    operationId: getStatus
{extra}
"""


def _one(extra: str = "") -> str:
    return ONE_STEP.format(extra=extra)


CASES: dict[str, Case] = {
    "criteria": Case(_one("""\
    successCriteria:
    - condition: $statusCode == 200
    - condition: $response.body.state == 'ready'
"""), handler=_reply(200, json={"state": "busy"}), kind="criteria", expected={
        "step_id": "a", "workflow_id": "w", "criterion": "$response.body.state == 'ready'",
        "criterion_index": 1, "status_code": 200}),
    "status": Case(_one(), handler=_reply(404), kind="status",
                   expected={"step_id": "a", "status_code": 404, "criterion": None}),
    "expression": Case(_one("""\
    successCriteria:
    - {context: $response.body, condition: //state, type: xpath}
"""), handler=_reply(200, text="<state", headers={"content-type": "text/plain"}),
        kind="expression", expected={"step_id": "a", "criterion": "//state",
                                     "criterion_index": 0, "status_code": 200}),
    "request": Case("""
workflows:
- workflowId: w
  inputs: {type: object, properties: {id: {type: string}}}
  steps:
  - stepId: a
    operationId: getPet
    parameters: [{name: petId, in: path, value: $inputs.id}]
""", kind="request", expected={"step_id": "a", "status_code": None}),
    "transport": Case(_one(), handler=_raise(httpx.ConnectError), kind="transport",
                      expected={"step_id": "a", "code": "connect"}),
    "timeout": Case(_one(), handler=_raise(httpx.ReadTimeout), kind="timeout",
                    expected={"step_id": "a", "code": "timeout"}),
    "response": Case(_one(), handler=_reply(200, text="{not json",
                                            headers={"content-type": "application/json"}),
                     kind="response", expected={"step_id": "a", "status_code": 200}),
    "input": Case("""
workflows:
- workflowId: w
  steps:
  - stepId: call
    workflowId: sub
- workflowId: sub
  inputs: {type: object, required: [id], properties: {id: {type: string}}}
  steps: [{stepId: s, operationId: getStatus}]
""", kind="input", expected={"step_id": "call", "workflow_id": "w"}),
    "workflow": Case("""
workflows:
- workflowId: w
  steps:
  - stepId: call
    workflowId: sub
- workflowId: sub
  steps: [{stepId: s, operationId: getStatus}]
""", handler=_reply(503), kind="workflow", cause="status",
        expected={"step_id": "call", "workflow_id": "w", "status_code": 503}),
    "dependency": Case("""
workflows:
- workflowId: w
  dependsOn: [dep]
  steps: [{stepId: a, operationId: getStatus}]
- workflowId: dep
  steps: [{stepId: d, operationId: getStatus}]
""", handler=_reply(500), kind="dependency", cause="status",
        expected={"step_id": None, "workflow_id": "w"}),
    "goto": Case("""
workflows:
- workflowId: w
  steps:
  - stepId: a
    operationId: getStatus
    onSuccess: [{name: elsewhere, type: goto, workflowId: other}]
- workflowId: other
  inputs: {type: object, required: [id], properties: {id: {type: string}}}
  steps: [{stepId: o, operationId: getStatus}]
""", kind="goto", expected={"step_id": None, "workflow_id": "other"}),
    "limit (max_steps)": Case(_one("""\
    onSuccess: [{name: again, type: goto, stepId: a}]
"""), max_steps=3, kind="limit", expected={"step_id": "a", "workflow_id": "w"}),
    "limit (loop limit)": Case(_one("""\
    x-arazzo-max-iterations: 2
    onSuccess: [{name: again, type: goto, stepId: a}]
"""), kind="limit", expected={"step_id": "a", "workflow_id": "w"}),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_way_to_fail_has_its_kind(tmp_path: Path, case: Case) -> None:
    result = arazzo.run(doc(tmp_path, case.body), "w", case.inputs,
                        servers={"api": "http://api.test"},
                        transports={"api": httpx.MockTransport(case.handler)},
                        max_steps=case.max_steps, loop_delay=0)
    assert not result.succeeded
    failure = result.failure
    assert failure is not None
    assert failure.kind == case.kind
    assert failure.message == result.error  # the run's message, as before
    for name, value in case.expected.items():
        assert getattr(failure, name) == value, name
    assert (failure.cause.kind if failure.cause else None) == case.cause
    data = json.loads(result.to_json())
    assert data["error"] == result.error  # the existing key is kept
    assert data["failure"] == failure.to_dict()
    assert data["failure"]["kind"] == case.kind


def test_every_kind_is_in_the_table() -> None:
    # ``auth`` (a token endpoint that gives no token) is tested in tests/auth
    assert {case.kind for case in CASES.values()} | {"auth"} == set(get_args(arazzo.FailureKind))


def test_the_record_holds_every_reason_the_run_names_the_first(tmp_path: Path) -> None:
    path = doc(tmp_path, _one("""\
    successCriteria:
    - condition: $statusCode == 201
    - condition: $response.body.state == 'ready'
"""))
    result = arazzo.run(path, "w", servers={"api": "http://api.test"}, transports={
        "api": httpx.MockTransport(_reply(200, json={"state": "busy"}))})
    record = result.steps[0]
    assert [(r.kind, r.criterion_index, r.status_code) for r in record.reasons] == [
        ("criteria", 0, 200), ("criteria", 1, 200)]
    assert record.failures == tuple(r.message for r in record.reasons)  # the texts, as before
    assert [r.criterion for r in record.reasons] == ["$statusCode == 201",
                                                     "$response.body.state == 'ready'"]
    assert result.failure is not None
    assert result.failure.criterion_index == 0
    assert result.failure.message.startswith("step 'a' failed: ")
    data = record.to_dict()
    assert data["failures"] == list(record.failures)  # the existing key is kept
    assert data["reasons"] == [r.to_dict() for r in record.reasons]
    assert data["reasons"][1] == {
        "kind": "criteria", "message": record.failures[1], "stepId": "a", "workflowId": "w",
        "criterion": "$response.body.state == 'ready'", "criterionIndex": 1, "statusCode": 200,
        "code": None, "cause": None}
    assert result.to_dict()["failure"]["criterionIndex"] == 0


def test_a_called_workflow_failure_is_the_cause(tmp_path: Path) -> None:
    path = doc(tmp_path, CASES["workflow"].body)
    result = arazzo.run(path, "w", servers={"api": "http://api.test"},
                        transports={"api": httpx.MockTransport(_reply(503))})
    assert result.failure is not None
    assert result.failure.cause is not None
    cause = result.failure.cause
    assert (cause.kind, cause.step_id, cause.workflow_id, cause.status_code) == (
        "status", "s", "sub", 503)
    assert result.steps[-1].reasons[0].cause == cause
    assert result.to_dict()["failure"]["cause"]["stepId"] == "s"


def test_success_has_no_failure(tmp_path: Path) -> None:
    result = arazzo.run(doc(tmp_path, _one()), "w", servers={"api": "http://api.test"},
                        transports={"api": httpx.MockTransport(_reply(200))})
    assert result.succeeded
    assert result.failure is None
    assert result.steps[0].reasons == ()
    assert result.to_dict()["failure"] is None
    assert result.raise_for_failure() is result


def test_the_run_timeout_is_a_timeout_failure(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, delay=2.0))
    result = arazzo.run(doc(tmp_path, _one()), "w", servers={"api": server.url}, timeout=0.3)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.step_id, result.failure.code) == (
        "timeout", "a", None)
    assert "timeout=" in result.failure.message


SECRET = "s3cr3t-9f1a"

SECRET_DOC = """
workflows:
- workflowId: w
  inputs:
    type: object
    properties: {key: {type: string, format: password}}
  steps:
  - stepId: a
    operationId: getStatus
    parameters: [{name: X-Key, in: header, value: $inputs.key}]
    successCriteria:
    - condition: $response.body.key == 'other'
    outputs: {key: $response.body.key}
  outputs: {key: $steps.a.outputs.key}
"""


def _secret_run(tmp_path: Path) -> arazzo.RunResult:
    return arazzo.run(doc(tmp_path, SECRET_DOC), "w", {"key": SECRET},
                      servers={"api": "http://api.test"},
                      transports={"api": httpx.MockTransport(_reply(200, json={"key": SECRET}))})


def test_failure_messages_are_masked_the_values_are_not(tmp_path: Path) -> None:
    result = _secret_run(tmp_path)
    assert result.outputs == {"key": SECRET}  # the caller's data
    failure = result.failure
    assert failure is not None
    assert failure.kind == "criteria"
    assert SECRET not in failure.message
    assert "***" in failure.message
    assert result.error == failure.message
    reason = result.steps[0].reasons[0]
    assert SECRET not in reason.message
    assert "***" in reason.message
    shown = result.masked()
    assert shown.failure == failure
    assert SECRET not in shown.to_json()


def test_raise_for_failure(tmp_path: Path) -> None:
    result = _secret_run(tmp_path)
    with pytest.raises(arazzo.WorkflowFailed) as info:
        result.raise_for_failure()
    error = info.value
    assert isinstance(error, arazzo.ArazzoError)
    assert error.result is result
    assert error.failure is result.failure
    assert str(error) == result.error  # the masked message
    assert SECRET not in str(error)
    assert error.result.outputs == {"key": SECRET}  # the real data


def test_command_line_json_and_report_carry_the_failure(
        tmp_path: Path, server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> None:
    from arazzo.cli import main

    server.route("GET", "/status", Reply(200, json={"key": SECRET}))
    report = tmp_path / "report.json"
    code = main(["run", str(doc(tmp_path, SECRET_DOC)), "-w", "w", "--input", f"key={SECRET}",
                 "--server", f"api={server.url}", "--no-progress", "--format", "json",
                 "--report", f"json={report}"])
    assert code != 0
    out = capsys.readouterr().out
    for data in (json.loads(out), json.loads(report.read_text())):
        failure = data["failure"]
        assert failure["kind"] == "criteria"
        assert failure["criterion"] == "$response.body.key == 'other'"
        assert failure["message"] == data["error"]
        assert data["steps"][0]["reasons"][0]["kind"] == "criteria"
    assert SECRET not in out + report.read_text()
