"""Bad inputs and hostile conditions: clear errors, never a traceback; secrets masked."""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest
from _docs import doc
from server import Reply, ScriptedServer, closed_port

import arazzo
from arazzo.engine._plan import plan_for

SIMPLE = """
workflows:
- workflowId: fetchStatus
  steps: [{stepId: a, operationId: getStatus}]
"""


def test_unknown_workflow_suggests_closest(tmp_path: Path) -> None:
    path = doc(tmp_path, SIMPLE)
    with pytest.raises(arazzo.InputError, match="did you mean 'fetchStatus'"):
        arazzo.run(path, "fetchStatuz")


def test_unresolved_operation_refused_before_any_request(tmp_path: Path,
                                                         server: ScriptedServer) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps: [{stepId: a, operationId: getStatsu}]
    """)
    with pytest.raises(arazzo.ValidationFailed) as info:
        arazzo.run(path, "w", servers={"api": server.url})
    assert "getStatsu" in str(info.value)
    assert info.value.diagnostics
    assert server.requests == []


def test_bad_arguments(tmp_path: Path, server: ScriptedServer) -> None:
    path = doc(tmp_path, SIMPLE)
    with pytest.raises(arazzo.InputError, match="no source description named 'apii'"):
        arazzo.run(path, "fetchStatus", servers={"apii": server.url})
    with pytest.raises(arazzo.InputError, match="absolute http"):
        arazzo.run(path, "fetchStatus", servers={"api": "ftp://x"})
    with pytest.raises(arazzo.InputError, match="mapping"):
        arazzo.run(path, "fetchStatus", [1, 2])  # type: ignore[arg-type]


def test_response_not_of_declared_content_type(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, body="<html>oops</html>",
                                         content_type="application/json"))
    path = doc(tmp_path, SIMPLE)
    result = arazzo.run(path, "fetchStatus", servers={"api": server.url})
    assert not result.succeeded
    assert "application/json but its body is not JSON" in (result.error or "")
    assert result.steps[0].status_code == 200


def test_huge_body_over_limit(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, body=b"x" * 5000, content_type="text/plain"))
    path = doc(tmp_path, SIMPLE)
    result = arazzo.run(path, "fetchStatus", servers={"api": server.url},
                        max_response_bytes=1024)
    assert not result.succeeded
    assert "larger than the 1024 bytes limit" in (result.error or "")
    assert result.steps[0].error_code == "too-large"


def test_huge_body_default_limit_by_content_length(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": str(64 * 1024 * 1024)},
                              stream=httpx.ByteStream(b""))

    path = doc(tmp_path, SIMPLE)
    result = arazzo.run(path, "fetchStatus", servers={"api": "http://api.test"},
                        transports={"api": httpx.MockTransport(handler)})
    assert not result.succeeded
    assert "33554432 bytes limit" in (result.error or "")


def test_connection_refused(tmp_path: Path) -> None:
    path = doc(tmp_path, SIMPLE)
    result = arazzo.run(path, "fetchStatus",
                        servers={"api": f"http://127.0.0.1:{closed_port()}"})
    assert not result.succeeded
    assert result.steps[0].error_code == "connect"
    assert "cannot connect" in (result.error or "")


def test_timeout_overall(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, delay=2.0))
    path = doc(tmp_path, SIMPLE)
    result = arazzo.run(path, "fetchStatus", servers={"api": server.url}, timeout=0.3)
    assert not result.succeeded
    assert "timeout" in (result.error or "")
    assert "'a'" in (result.error or "")


def test_timeout_during_loop_delay(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onSuccess: [{name: again, type: goto, stepId: a}]
    """)
    result = arazzo.run(path, "w", servers={"api": server.url}, timeout=0.3, loop_delay=5)
    assert not result.succeeded
    assert "timeout" in (result.error or "")
    assert len(server.requests) == 1


def test_max_steps_reached(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onSuccess: [{name: again, type: goto, stepId: a}]
    """)
    result = arazzo.run(path, "w", servers={"api": server.url}, loop_delay=0, max_steps=5)
    assert not result.succeeded
    assert "max_steps (5) reached" in (result.error or "")
    assert len(server.requests) == 5


def test_loop_delay_extension_overrides(tmp_path: Path, server: ScriptedServer,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("arazzo._run.time.sleep", slept.append)
    server.route("GET", "/status", Reply(200, json={"s": "p"}), Reply(200, json={"s": "p"}),
                 Reply(200, json={"s": "d"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        x-arazzo-loop-delay: 0.5
        onSuccess:
        - {name: again, type: goto, stepId: a, criteria: [{condition: $response.body#/s == 'p'}]}
    """)
    result = arazzo.run(path, "w", servers={"api": server.url})
    assert result.succeeded
    assert slept == [0.5, 0.5]


SECRET_DOC = """
workflows:
- workflowId: w
  inputs:
    type: object
    properties:
      password: {type: string, format: password}
      apiKey: {type: string, writeOnly: true}
      user: {type: string}
  steps:
  - stepId: login
    operationId: login
    parameters:
    - {name: Authorization, in: header, value: 'Bearer {$inputs.apiKey}'}
    - {name: X-Api-Key, in: header, value: $inputs.apiKey}
    requestBody:
      payload: {user: $inputs.user, password: $inputs.password}
    outputs:
      echoed: $response.body#/echo
      auth: $request.header.Authorization
  outputs: {echoed: $steps.login.outputs.echoed}
"""


def test_secrets_real_in_results_masked_when_shown(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/login", Reply(500, json={"echo": "pw=hunter22",
                                                    "message": "bad key sk-12345"}))
    path = doc(tmp_path, SECRET_DOC)
    events: list[Any] = []
    result = arazzo.run(path, "w", {"password": "hunter22", "apiKey": "sk-12345", "user": "ann"},
                        servers={"api": server.url}, hooks=[events.append])
    assert server.requests[0].headers["authorization"] == "Bearer sk-12345"  # really sent
    # the caller gets the real values back; what is shown is masked
    assert result.outputs == {"echoed": "pw=hunter22"}
    assert result.steps[0].outputs["auth"] == "Bearer sk-12345"
    shown = result.masked()
    assert shown.outputs == {"echoed": "pw=***"}
    assert shown.steps[0].outputs["auth"] == "***"  # a secret header value, whole
    dump = (shown.to_json() + repr(result) + repr(result.steps) + repr(events)
            + json.dumps(shown.to_dict()))
    assert "hunter22" not in dump
    assert "sk-12345" not in dump
    assert "***" in dump
    assert result.steps[0].error_message == "bad key ***"  # messages are text to show


def test_secret_input_invalid_value_not_echoed(tmp_path: Path) -> None:
    path = doc(tmp_path, SECRET_DOC)
    with pytest.raises(arazzo.InputError) as info:
        arazzo.run(path, "w", {"password": 123456789})
    assert "123456789" not in str(info.value)


@pytest.mark.parametrize("limit", [10, "default"])
def test_loop_constant_memory_10000_iterations(tmp_path: Path, limit: int | str) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: poll
        operationId: getStatus
        outputs: {n: $response.body#/n}
        onSuccess:
        - name: again
          type: goto
          stepId: poll
          criteria: [{condition: $response.body#/n < $inputs.limit}]
      inputs: {type: object, properties: {limit: {type: integer}}}
      outputs: {n: $steps.poll.outputs.n}
    """)
    counter = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        counter["n"] += 1
        return httpx.Response(200, json={"n": counter["n"]})

    transport = httpx.MockTransport(handler)
    document = arazzo.load(path)

    options: dict[str, Any] = {} if limit == "default" else {"record_limit": limit}
    kept = 1000 if limit == "default" else int(limit)  # the engine's default record limit

    def go(iterations: int) -> tuple[arazzo.RunResult, int]:
        counter["n"] = 0
        gc.collect()
        tracemalloc.start()
        result = arazzo.run(document, "w", {"limit": iterations},
                            servers={"api": "http://x.test"}, transports={"api": transport},
                            loop_delay=0, max_steps=20_000, **options)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return result, peak

    small, peak_small = go(2 * kept)
    big, peak_big = go(10_000)
    assert small.succeeded
    assert big.succeeded
    assert big.outputs == {"n": 10_000}
    assert len(big.steps) == kept
    assert big.dropped_records == 10_000 - kept
    # the start of the run is kept, then the latest attempts (numbers jump over the gap)
    head = kept // 10
    assert [r.number for r in big.steps[:head]] == list(range(1, head + 1))
    assert big.steps[-1].number == 10_000
    assert big.steps[head].number == 10_000 - (kept - head) + 1
    # constant memory: 10x the iterations must not grow the peak meaningfully
    assert peak_big < peak_small * 1.5 + 200_000, (peak_small, peak_big)


def test_plan_compiled_once_per_document(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200))
    document = arazzo.load(doc(tmp_path, SIMPLE))
    arazzo.run(document, "fetchStatus", servers={"api": server.url})
    plan = plan_for(document)
    compiled = plan.workflow(document, "fetchStatus")
    arazzo.run(document, "fetchStatus", servers={"api": server.url})
    assert plan_for(document) is plan
    assert plan.workflow(document, "fetchStatus") is compiled


def test_events_sequence_and_snapshot(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(500), Reply(200, json={"ok": 1}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onFailure: [{name: again, type: retry, retryAfter: 0}]
        outputs: {ok: $response.body#/ok}
    """)
    events: list[Any] = []
    result = arazzo.run(path, "w", servers={"api": server.url}, hooks=events.append)
    assert result.succeeded
    names = [type(e).__name__ for e in events]
    assert names[0] == "RunStarted"
    assert names[-1] == "RunFinished"
    for kind in ("StepStarted", "RequestSent", "ResponseReceived", "ActionTaken",
                 "RetryScheduled", "LoopIteration", "StepFinished"):
        assert kind in names
    from arazzo._run import prepare

    _, engine = prepare(path, "w", servers={"api": server.url})
    gen = engine.run()
    effect = next(gen)
    snap = engine.snapshot()
    json.dumps(snap)
    assert snap["frames"][0]["stepId"] == "a"
    assert not snap["finished"]
    gen.close()
    assert type(effect).__name__ == "Send"


def test_run_result_to_json_round_trip(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, body=b"\x00\x01", content_type="image/png"))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - {stepId: a, operationId: getStatus, outputs: {raw: $response.body}}
      outputs: {raw: $steps.a.outputs.raw}
    """)
    result = arazzo.run(path, "w", servers={"api": server.url})
    assert result.outputs == {"raw": b"\x00\x01"}
    data = json.loads(result.to_json())
    assert data["outputs"] == {"raw": {"$base64": "AAE="}}
    assert data["succeeded"] is True
    assert data["steps"][0]["statusCode"] == 200
