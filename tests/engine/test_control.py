"""Control flow: criteria, actions (ACT-*), workflows (WF-*), components (REU-*, CMP-*)."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from _docs import HEADER, doc, write
from server import Reply, ScriptedServer

import arazzo


def run(path: Path, server: ScriptedServer, wf: str = "w", inputs: dict[str, Any] | None = None,
        **kw: Any) -> arazzo.RunResult:
    kw.setdefault("loop_delay", 0)
    return arazzo.run(path, wf, inputs or {}, servers={"api": server.url + "/v1"}, **kw)


def statuses(server: ScriptedServer, *codes: int, body: Any = None) -> None:
    server.route("GET", "/v1/status", *[Reply(c, json=body if body is not None else {"n": i})
                                        for i, c in enumerate(codes)])


def test_STP08_no_criteria_means_2xx(tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 204, 404)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - {stepId: a, operationId: getStatus}
      - {stepId: b, operationId: getStatus}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert [r.succeeded for r in result.steps] == [True, False]
    assert "HTTP 404" in (result.error or "")


def test_STP09_STP11_default_next_and_step_outputs(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"id": 7, "name": "rex"},
                                               headers={"X-Rate": "9"}))
    server.route("GET", "/v1/status", Reply(200, json={"ok": True}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        outputs: {ok: $response.body#/ok, code: $statusCode}
      - stepId: b
        operationId: getPet
        parameters: [{name: petId, in: path, value: $steps.a.outputs.code}]
        successCriteria: [{condition: $steps.a.outputs.ok == true}]
        outputs:
          name: $response.body#/name
          rate: $response.header.x-rate
          url: $url
          method: $method
          pathParam: $request.path.petId
          missing: $response.body#/nope
      outputs:
        name: $steps.b.outputs.name
        rate: $steps.b.outputs.rate
        gone: $steps.b.outputs.missing
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[1].path == "/v1/pets/200"
    outputs = result.steps[1].outputs
    assert outputs["name"] == "rex"
    assert outputs["rate"] == "9"
    assert outputs["method"] == "GET"
    assert outputs["url"].endswith("/v1/pets/200")
    assert outputs["pathParam"] == 200
    assert "missing" not in outputs
    # WF-08: an output without a value is left out
    assert result.outputs == {"name": "rex", "rate": "9"}


def test_STP10_failure_without_actions_fails_and_stops(tmp_path: Path,
                                                       server: ScriptedServer) -> None:
    statuses(server, 500, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - {stepId: a, operationId: getStatus, successCriteria: [{condition: $statusCode == 200}]}
      - {stepId: b, operationId: getStatus}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert len(server.requests) == 1
    assert result.steps[0].failures
    assert "$statusCode == 200" in result.steps[0].failures[0]


def test_CRI10_all_success_criteria_must_pass(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"state": "done", "n": 3}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        successCriteria:
        - condition: $statusCode == 200
        - {context: $response.body, condition: '^\\{"state"', type: regex}
        - {context: $response.body, condition: '$[?@.n > 5]', type: jsonpath}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert len(result.steps[0].failures) == 1


@pytest.mark.parametrize(("condition", "passes"), [
    ("$[?@.n == 2]", True),  # RFC 9535: the member value {"n": 2} is selected
    ("$[?@.n == 3]", False),
    ("$[?@.items[1] == 2]", True),  # the object rule: the object itself is tested too
])
def test_CRI07_root_filter_selects_member_values_of_the_response(
        tmp_path: Path, condition: str, passes: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [1, 2], "summary": {"n": 2}})

    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        successCriteria:
        - {{context: $response.body, condition: '{condition}', type: jsonpath}}
    """)
    result = arazzo.run(path, "w", servers={"api": "http://api.test"},
                        transports={"api": httpx.MockTransport(handler)})
    assert result.succeeded is passes, result.error
    assert list(result.steps[0].failures) == ([] if passes else [
        f"jsonpath condition '{condition}' did not match on $response.body = "
        '{"items":[1,2],"summary":{"n":2}}'])


def test_CRI12_action_criteria_see_current_response(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"state": "pending"}),
                 Reply(200, json={"state": "pending"}), Reply(200, json={"state": "done"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: poll
        operationId: getStatus
        onSuccess:
        - name: again
          type: goto
          stepId: poll
          criteria:
          - condition: $response.body#/state == 'pending'
          - condition: $statusCode == 200
        outputs: {state: $response.body#/state}
      outputs: {state: $steps.poll.outputs.state}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert len(server.requests) == 3
    assert result.outputs == {"state": "done"}


def test_ACT03_end_on_success_succeeds_on_failure_fails(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    statuses(server, 200, 500)
    path = doc(tmp_path, """
    workflows:
    - workflowId: ok
      steps:
      - stepId: a
        operationId: getStatus
        onSuccess: [{name: stopHere, type: end}]
      - {stepId: never, operationId: getStatus}
    - workflowId: bad
      steps:
      - stepId: a
        operationId: getStatus
        onFailure: [{name: giveUp, type: end}]
        outputs: {n: $response.body#/n}
      outputs: {n: $steps.a.outputs.n}
    """)
    result = run(path, server, "ok")
    assert result.succeeded
    assert result.ended_by == "stopHere"
    assert len(server.requests) == 1
    result = run(path, server, "bad")
    assert not result.succeeded
    assert result.ended_by == "giveUp"
    assert result.outputs == {"n": 1}  # ACT-03: applicable outputs still returned


def test_ACT04_goto_step_and_ACT09_recovery(tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 503, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: first
        operationId: getStatus
        onFailure: [{name: recover, type: goto, stepId: fallback}]
      - {stepId: skipped, operationId: getPet,
         parameters: [{name: petId, in: path, value: 1}]}
      - {stepId: fallback, operationId: getStatus}
    """)
    result = run(path, server)
    assert result.succeeded, result.error  # ACT-09: a handled failure does not fail the run
    assert [r.step_id for r in result.steps] == ["first", "fallback"]
    assert result.steps[0].action is not None
    assert result.steps[0].action.name == "recover"


def test_ACT04_goto_workflow_runs_target_without_inputs(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"v": 1}))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {x: {type: string}}}
      steps:
      - stepId: a
        operationId: getStatus
        onSuccess: [{name: jump, type: goto, workflowId: other}]
        outputs: {v: $response.body#/v}
      - {stepId: never, operationId: getPet,
         parameters: [{name: petId, in: path, value: 1}]}
      outputs: {v: $steps.a.outputs.v}
    - workflowId: other
      inputs: {type: object, properties: {x: {type: string, default: dflt}}}
      steps:
      - stepId: b
        operationId: listPets
        parameters: [{name: limit, in: query, value: $inputs.x}]
      outputs: {x: $inputs.x}
    """)
    result = run(path, server, inputs={"x": "given"})
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/status", "/v1/pets"]
    assert server.requests[1].raw_query == "limit=dflt"  # no inputs passed: only defaults
    assert result.outputs == {"v": 1}
    assert result.workflows["other"] == {"x": "dflt"}


def test_ACT05_retry_limit_default_one(tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 500, 500, 500)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onFailure: [{name: again, type: retry}]
    """)
    result = run(path, server)
    assert not result.succeeded
    assert len(server.requests) == 2  # the call + one retry
    assert [r.attempt for r in result.steps] == [1, 2]


def test_ACT05_retry_limit_then_success(tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 500, 500, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onFailure: [{name: again, type: retry, retryLimit: 3, retryAfter: 0}]
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert len(server.requests) == 3


def test_ACT05_retry_limit_zero_means_no_retry(tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 500, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onFailure: [{name: again, type: retry, retryLimit: 0}]
    """)
    assert not run(path, server).succeeded
    assert len(server.requests) == 1


def test_ACT05_exhausted_retry_falls_through_to_next_action(tmp_path: Path,
                                                            server: ScriptedServer) -> None:
    statuses(server, 500, 500, 500, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onFailure:
        - {name: again, type: retry, retryLimit: 2}
        - {name: fallback, type: goto, stepId: b}
      - stepId: b
        operationId: getStatus
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.step_id for r in result.steps] == ["a", "a", "a", "b"]
    assert [r.action.name if r.action else None for r in result.steps][:3] == [
        "again", "again", "fallback"]


def test_ACT05_retry_after_seconds_and_header_override(tmp_path: Path, server: ScriptedServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("arazzo._run.time.sleep", slept.append)
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.route("GET", "/v1/status", Reply(503), Reply(503, headers={"Retry-After": "2"}),
                 Reply(503, headers={"Retry-After": date}), Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onFailure: [{name: again, type: retry, retryAfter: 0.25, retryLimit: 5}]
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert slept[0] == 0.25
    assert slept[1] == 2.0
    assert 25 <= slept[2] <= 31


def test_ACT05_retry_with_step_target_runs_it_first(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200, json={"token": "t2"}))
    server.route("GET", "/v1/status", Reply(401), Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        operationId: getStatus
        parameters: [{name: X-Token, in: header, value: $steps.refresh.outputs.token}]
        onSuccess: [{name: ok, type: end}]
        onFailure:
        - name: refreshThenRetry
          type: retry
          stepId: refresh
          criteria: [{condition: $statusCode == 401}]
      - stepId: refresh
        operationId: login
        requestBody: {payload: {grant: refresh}}
        outputs: {token: $response.body#/token}
        onSuccess: [{name: done, type: end}]
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/status", "/v1/login", "/v1/status"]
    assert "x-token" not in server.requests[0].headers
    assert server.requests[2].headers["x-token"] == "t2"


def test_ACT06_first_matching_action_wins(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"kind": "b"}))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        onSuccess:
        - {name: toA, type: end, criteria: [{condition: $response.body#/kind == 'a'}]}
        - {name: toB, type: goto, stepId: b, criteria: [{condition: $response.body#/kind == 'b'}]}
        - {name: alsoB, type: end}
      - {stepId: b, operationId: listPets}
    """)
    result = run(path, server)
    assert result.succeeded
    assert result.steps[0].action is not None
    assert result.steps[0].action.name == "toB"


def test_ACT07_WF06_WF07_workflow_actions_merged_after_step_actions(
        tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 500, 500, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      failureActions:
      - {name: retryOnce, type: retry, retryLimit: 5}
      - {name: giveUp, type: end}
      successActions:
      - {name: finish, type: end}
      steps:
      - stepId: a
        operationId: getStatus
        onFailure:
        - {name: retryOnce, type: retry, retryLimit: 1}
      - {stepId: b, operationId: getStatus}
    """)
    result = run(path, server)
    # the step's retryOnce (limit 1) replaces the workflow's; then the workflow's giveUp applies
    assert not result.succeeded
    assert result.ended_by == "giveUp"
    assert len(server.requests) == 2


def test_ACT10_plain_transport_never_retries(tmp_path: Path, server: ScriptedServer) -> None:
    statuses(server, 503, 200)
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps: [{stepId: a, operationId: getStatus}]
    """)
    assert not run(path, server).succeeded
    assert len(server.requests) == 1


def test_WF09_STP06_workflow_parameters_step_overrides(tmp_path: Path,
                                                       server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      parameters:
      - {name: X-Api-Version, in: header, value: '1'}
      - {name: limit, in: query, value: 10}
      - {name: fromWorkflow, value: ignored-for-operations}
      steps:
      - stepId: a
        operationId: listPets
        parameters: [{name: x-api-version, in: header, value: '2'}]
    """)
    assert run(path, server).succeeded
    req = server.requests[0]
    assert req.headers["x-api-version"] == "2"
    assert req.raw_query == "limit=10"


def test_REU01_REU02_reusable_parameters_and_actions(tmp_path: Path,
                                                     server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(500), Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: listPets
        parameters:
        - {reference: $components.parameters.limit, value: 5}
        - reference: $components.parameters.tag
        onFailure: [{reference: $components.failureActions.retryFast}]
    components:
      parameters:
        limit: {name: limit, in: query, value: 1}
        tag: {name: tags, in: query, value: cats}
      failureActions:
        retryFast: {name: retryFast, type: retry, retryLimit: 2}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[1].raw_query == "limit=5&tags=cats"


def test_WF03_inputs_components_ref_defaults_and_missing(tmp_path: Path,
                                                         server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {$ref: '#/components/inputs/q'}
      steps:
      - stepId: a
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: $inputs.opts.limit}
        - {name: tags, in: query, value: $inputs.tag}
    components:
      inputs:
        q:
          type: object
          required: [tag, other]
          properties:
            tag: {type: string}
            other: {type: string}
            opts: {$ref: '#/components/inputs/opts'}
        opts:
          type: object
          default: {}
          properties: {limit: {type: integer, default: 25}}
    """)
    with pytest.raises(arazzo.InputError, match="missing required inputs: tag, other"):
        run(path, server)
    with pytest.raises(arazzo.InputError, match="tag"):
        run(path, server, inputs={"tag": 5, "other": "x"})
    assert server.requests == []
    result = run(path, server, inputs={"tag": "t", "other": "x"})
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "limit=25&tags=t"


def test_STP05_sub_workflow_step_inputs_and_outputs(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "rex"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        workflowId: fetch
        parameters: [{name: id, value: 42}]
        outputs: {name: $outputs.petName}
      outputs: {name: $steps.call.outputs.name, sub: $workflows.fetch.outputs.petName}
    - workflowId: fetch
      inputs: {type: object, required: [id], properties: {id: {type: integer}}}
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: $inputs.id}]
        outputs: {name: $response.body#/name}
      outputs: {petName: $steps.get.outputs.name}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].path == "/v1/pets/42"
    assert result.outputs == {"name": "rex", "sub": "rex"}
    assert [(r.workflow_id, r.step_id) for r in result.steps] == [("fetch", "get"),
                                                                  ("w", "call")]


def test_STP05_failing_sub_workflow_fails_the_step(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(404))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        workflowId: fetch
        parameters: [{name: id, value: 1}]
    - workflowId: fetch
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: $inputs.id}]
    """)
    result = run(path, server)
    assert not result.succeeded
    assert "fetch" in (result.error or "")
    assert "404" in (result.error or "")


def test_WF04_depends_on_runs_first_once(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200, json={"token": "tok"}))
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: auth
      inputs: {type: object, properties: {user: {type: string}}}
      steps:
      - stepId: login
        operationId: login
        requestBody: {payload: {user: $inputs.user}}
        outputs: {token: $response.body#/token}
      outputs: {token: $steps.login.outputs.token}
    - workflowId: a
      dependsOn: [auth]
      steps:
      - stepId: s
        operationId: getStatus
        parameters: [{name: X-Token, in: header, value: $workflows.auth.outputs.token}]
    - workflowId: w
      dependsOn: [auth, a]
      inputs: {type: object, properties: {user: {type: string}, other: {type: string}}}
      steps:
      - stepId: s
        operationId: getStatus
        parameters: [{name: X-Token, in: header, value: $workflows.auth.outputs.token}]
    """)
    result = run(path, server, inputs={"user": "ann", "other": "x"})
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/login", "/v1/status", "/v1/status"]
    assert server.requests[0].body == b"user=ann"
    assert server.requests[2].headers["x-token"] == "tok"


def test_WF04_failed_dependency_fails_dependant(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(401))
    path = doc(tmp_path, """
    workflows:
    - workflowId: auth
      steps: [{stepId: login, operationId: login}]
    - workflowId: w
      dependsOn: [auth]
      steps: [{stepId: s, operationId: getStatus}]
    """)
    result = run(path, server)
    assert not result.succeeded
    assert "dependency 'auth' failed" in (result.error or "")
    assert [r.path for r in server.requests] == ["/v1/login"]


def test_CMP03_steps_of_referenced_document_use_its_components_and_sources(
        tmp_path: Path, server: ScriptedServer) -> None:
    sub = HEADER + """
workflows:
- workflowId: inner
  steps:
  - stepId: s
    operationId: listPets
    parameters: [{reference: $components.parameters.lim}]
  outputs: {n: $statusCode}
components:
  parameters:
    lim: {name: limit, in: query, value: 3}
"""
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", sub, name="sub.arazzo.yaml")
    path = doc(tmp_path, """
    - {name: subflows, url: ./sub/sub.arazzo.yaml, type: arazzo}
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        workflowId: $sourceDescriptions.subflows.inner
    components:
      parameters:
        lim: {name: limit, in: query, value: 999}
    """)
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "limit=3"


def test_RTE04_request_expressions_in_outputs(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={"id": 1}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        parameters: [{name: X-Req, in: header, value: abc}]
        requestBody: {payload: {name: rex}}
        outputs:
          header: $request.header.x-req
          body: $request.body#/name
          status: $statusCode
    """)
    result = run(path, server)
    assert result.steps[0].outputs == {"header": "abc", "body": "rex", "status": 201}
