"""``build_request``: a step's request and its secrets, built without side effects.

The engine calls it for every operation step and registers the returned secrets with the
run's masker; the CLI's dry run calls the same function. Building twice gives equal results
and leaves the context (and any masker) as it was; the secrets it returns are exactly what a
run masks.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
from _docs import doc

import arazzo
from arazzo.documents._loading import load
from arazzo.engine._plan import plan_for
from arazzo.engine._requests import build_request
from arazzo.expressions import EvaluationContext

KEY = "key-5d1f0a"
QUERY_TOKEN = "qtok-8e2b71"
SESSION = "sess-19c4d2"
BEARER = "bear-3a7f60"

WORKFLOW = """
workflows:
- workflowId: w
  inputs:
    type: object
    properties:
      key: {type: string}
      token: {type: string}
      session: {type: string}
      bearer: {type: string}
      n: {type: integer}
  steps:
  - stepId: call
    operationId: headerStyles
    parameters:
    - {name: X-Api-Key, in: header, value: $inputs.key}
    - {name: Authorization, in: header, value: 'Bearer {$inputs.bearer}'}
    - {name: X-List, in: header, value: [a, b]}
    - {name: session, in: cookie, value: $inputs.session}
    - {name: access_token, in: query, value: $inputs.token}
    - {name: plain, in: query, value: $inputs.n}
    outputs:
      echoed: $response.body#/echo
  outputs:
    echoed: $steps.call.outputs.echoed
"""

INPUTS = {"key": KEY, "token": QUERY_TOKEN, "session": SESSION, "bearer": BEARER, "n": 7}


def _step_and_context(path: Path) -> tuple[Any, EvaluationContext]:
    document = load(path)
    workflow = plan_for(document).workflow(document, "w")
    ctx = EvaluationContext(inputs=dict(INPUTS), outputs={}, steps={}, workflows={},
                            source_descriptions=workflow.source_descriptions,
                            components=workflow.components)
    return workflow.steps[0], ctx


def _state(ctx: EvaluationContext) -> Any:
    return copy.deepcopy((ctx.inputs, ctx.outputs, ctx.steps, ctx.workflows, ctx.url,
                          ctx.method, ctx.status_code, ctx.request, ctx.response))


def test_building_twice_gives_equal_results_and_changes_nothing(tmp_path: Path) -> None:
    step, ctx = _step_and_context(doc(tmp_path, WORKFLOW))
    before = _state(ctx)
    first = build_request(step, ctx, {"api": "https://other.example/v2"})
    second = build_request(step, ctx, {"api": "https://other.example/v2"})
    assert first == second
    assert _state(ctx) == before
    request = first.request
    assert request.method == "GET"
    assert request.url == (f"https://other.example/v2/headers?access_token={QUERY_TOKEN}"
                           "&plain=7")
    assert ("Cookie", f"session={SESSION}") in request.headers
    assert ("X-List", "a,b") in request.headers
    # the secrets it holds: secret headers (and the credential after the auth scheme),
    # cookie values, secret-named query parameters; nothing else (not 'a,b', not '7')
    assert sorted(first.secrets) == sorted(
        [KEY, f"Bearer {BEARER}", BEARER, SESSION, QUERY_TOKEN])


def test_the_step_server_is_used_without_servers(tmp_path: Path) -> None:
    step, ctx = _step_and_context(doc(tmp_path, WORKFLOW))
    built = build_request(step, ctx)
    assert built.request.url.startswith("https://api.example.com/v1/headers?")


def test_the_secrets_returned_are_what_a_run_masks(tmp_path: Path) -> None:
    path = doc(tmp_path, WORKFLOW)
    step, ctx = _step_and_context(path)
    secrets = set(build_request(step, ctx).secrets)

    def handler(request: httpx.Request) -> httpx.Response:
        # the server echoes every secret back: the response is shown masked too
        return httpx.Response(200, json={"echo": " ".join(sorted(secrets))},
                              headers={"X-Echo": QUERY_TOKEN})

    events: list[Any] = []
    result = arazzo.run(path, "w", INPUTS, transports={"api": httpx.MockTransport(handler)},
                        hooks=[events.append])
    assert result.succeeded, result.error
    # the values a run masks are exactly the secrets build_request returned (the workflow
    # declares no secret inputs and no security: nothing else is secret)
    assert result._masker is not None
    assert result._masker.values == secrets
    # ... and none of them appears in what is shown once the request is built (RunStarted
    # comes before: it masks the inputs declared secret, and these are not declared so)
    assert isinstance(events[0], arazzo.RunStarted)
    shown = result.masked().to_json() + "".join(repr(e) for e in events[1:])
    for secret in secrets:
        assert secret not in shown, secret
    assert "***" in json.loads(result.masked().to_json())["outputs"]["echoed"]
    # the caller still gets the real values
    assert QUERY_TOKEN in result.outputs["echoed"]
