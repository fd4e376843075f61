"""One end-to-end test per runtime item of inventory sections E-L not covered elsewhere.

Every test runs a real workflow against the loopback :class:`ScriptedServer` and checks what
the server received and what the run returned. Items that are purely static (a validation rule
without runtime effect) are checked by showing that ``arazzo.run`` refuses the bad document
before any request is sent. The ids are those of ``shared/design/arazzo-spec-inventory.md``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from _docs import HEADER, doc
from server import Reply, ScriptedServer

import arazzo


def run(path: Path, server: ScriptedServer, wf: str = "w", inputs: dict[str, Any] | None = None,
        **kw: Any) -> arazzo.RunResult:
    kw.setdefault("loop_delay", 0)
    kw.setdefault("servers", {"api": server.url + "/v1"})
    return arazzo.run(path, wf, inputs or {}, **kw)


def refused(path: Path, server: ScriptedServer, wf: str = "w", *, says: str = "",
            **kw: Any) -> arazzo.ValidationFailed:
    """``run`` raises ValidationFailed, an error mentions ``says``, nothing reached the server."""
    with pytest.raises(arazzo.ValidationFailed) as info:
        run(path, server, wf, **kw)
    assert server.requests == []
    assert says in messages(info.value), messages(info.value)
    return info.value


def messages(exc: arazzo.ValidationFailed) -> str:
    return "\n".join(d.format() for d in exc.diagnostics if d.is_error)


def warnings_of(path: Path) -> list[arazzo.Diagnostic]:
    return [d for d in arazzo.validate(path) if not d.is_error]


OTHER_OPENAPI = """
openapi: 3.0.3
info: {title: Other, version: '1'}
servers:
- url: https://other.example.com/v2
paths:
  /status:
    get:
      operationId: getStatus
      responses: {'200': {description: ok}}
  /pets/{petId}:
    get:
      operationId: fetchPet
      parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /url:
    get:
      operationId: url
      responses: {'200': {description: ok}}
"""

TWO_SOURCES = HEADER + "- {name: other, url: ./other.openapi.yaml, type: openapi}\n"


def two_sources(tmp_path: Path, body: str) -> Path:
    (tmp_path / "other.openapi.yaml").write_text(textwrap.dedent(OTHER_OPENAPI))
    return doc(tmp_path, body, header=TWO_SOURCES)


def run2(path: Path, server: ScriptedServer, wf: str = "w", **kw: Any) -> arazzo.RunResult:
    return run(path, server, wf,
               servers={"api": server.url + "/v1", "other": server.url + "/v2"}, **kw)


# -- E. Workflow Object ---------------------------------------------------------------------


def test_WF01_workflow_id_is_found_case_sensitively(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: flow
      steps: [{stepId: s, operationId: getStatus}]
    - workflowId: Flow
      steps: [{stepId: s, operationId: listPets}]
    """)
    assert run(path, server, "Flow").succeeded
    assert [r.path for r in server.requests] == ["/v1/pets"]
    assert run(path, server, "flow").succeeded
    assert [r.path for r in server.requests] == ["/v1/pets", "/v1/status"]
    server.requests.clear()
    with pytest.raises(arazzo.InputError, match="FLOW"):
        run(path, server, "FLOW")
    assert server.requests == []


@pytest.mark.parametrize("reference", [
    "dependsOn: [Fetch]",
    "steps: [{stepId: call, workflowId: Fetch}]",
    "steps: [{stepId: s, operationId: getStatus, "
    "onSuccess: [{name: g, type: goto, workflowId: FETCH}]}]",
])
def test_WF01_workflow_references_are_case_sensitive(tmp_path: Path, server: ScriptedServer,
                                                     reference: str) -> None:
    """Static rule: 'Fetch' does not name workflow 'fetch'; the run is refused, nothing sent."""
    steps = "" if reference.startswith("steps") else (
        "\n      steps: [{stepId: s, operationId: getStatus}]")
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      {reference}{steps}
    - workflowId: fetch
      steps: [{{stepId: s, operationId: getStatus}}]
    """)
    refused(path, server, says="did you mean 'fetch'")


def test_WF01_STP01_ids_off_the_recommended_pattern_warn_but_run(
        tmp_path: Path, server: ScriptedServer) -> None:
    """SHOULD rule ``[A-Za-z0-9_-]+``: a warning, the run proceeds."""
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: 'my flow.v1'
      steps:
      - {stepId: get.pets, operationId: listPets, outputs: {code: $statusCode}}
    """)
    found = " ".join(d.message for d in warnings_of(path))
    assert "'my flow.v1'" in found
    assert "'get.pets'" in found
    result = run(path, server, "my flow.v1")
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"code": 200}
    assert len(server.requests) == 1


def test_WF02_summary_and_description_do_not_change_the_run(tmp_path: Path,
                                                            server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"ok": True}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      summary: 'Check the status: $statusCode == 500 {$inputs.x}'
      description: |
        # Heading

        *CommonMark* with `$response.body` and {$steps.s.outputs.ok} that is never evaluated.
      steps:
      - stepId: s
        description: 'a **step** {$inputs.nothing}'
        operationId: getStatus
        outputs: {ok: $response.body#/ok}
      outputs: {ok: $steps.s.outputs.ok}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"ok": True}
    assert len(server.requests) == 1


def test_WF05_steps_run_in_list_order(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    server.route("GET", "/v1/pets/{id}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - {stepId: zeta, operationId: getPet, parameters: [{name: petId, in: path, value: 1}]}
      - {stepId: alpha, operationId: listPets}
      - {stepId: mid, operationId: getStatus}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/pets/1", "/v1/pets", "/v1/status"]
    assert [r.step_id for r in result.steps] == ["zeta", "alpha", "mid"]


def test_WF08_outputs_evaluated_at_the_end_missing_left_out(tmp_path: Path,
                                                            server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"state": "pending", "n": 1}),
                 Reply(200, json={"state": "pending", "n": 2}),
                 Reply(200, json={"state": "done", "n": 3}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: poll
        operationId: getStatus
        outputs: {state: $response.body#/state, n: $response.body#/n,
                  extra: $response.body#/extra}
        onSuccess:
        - name: again
          type: goto
          stepId: poll
          criteria: [{condition: $response.body#/state == 'pending'}]
        - {name: skip, type: goto, stepId: last}
      - {stepId: never, operationId: listPets, outputs: {x: $statusCode}}
      - {stepId: last, operationId: getStatus}
      outputs:
        final.state: $steps.poll.outputs.state
        n-count_1: $steps.poll.outputs.n
        fromSkipped: $steps.never.outputs.x
        absent: $steps.poll.outputs.extra
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert len(server.requests) == 4
    # evaluated once the workflow ended: the last poll iteration is the one reported
    assert result.outputs["final.state"] == "done"
    assert result.outputs["n-count_1"] == 3
    assert "fromSkipped" not in result.outputs
    assert "absent" not in result.outputs


def test_WF10_extensions_on_workflow_and_root_are_ignored(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    x-root: {anything: [1, 2]}
    workflows:
    - workflowId: w
      x-owner: team-a
      x-nested: {condition: $statusCode == 500, list: [$inputs.a]}
      steps: [{stepId: s, operationId: getStatus}]
    """)
    assert [d for d in arazzo.validate(path) if d.is_error] == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert len(server.requests) == 1


# -- F. Step Object -------------------------------------------------------------------------


def test_STP01_step_ids_case_sensitive_and_scoped_to_workflow(tmp_path: Path,
                                                              server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", lambda r: Reply(200, json={"id": r.path[9:]}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: lower}]
        outputs: {id: $response.body#/id}
      - stepId: GET
        operationId: getPet
        parameters: [{name: petId, in: path, value: upper}]
        outputs: {id: $response.body#/id}
      outputs: {lower: $steps.get.outputs.id, upper: $steps.GET.outputs.id}
    - workflowId: v
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: other}]
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"lower": "lower", "upper": "upper"}
    assert run(path, server, "v").succeeded
    assert server.requests[-1].path == "/v1/pets/other"


@pytest.mark.parametrize("targets", [
    "operationId: getStatus, workflowId: v",
    "operationId: getStatus, operationPath: '{$sourceDescriptions.api.url}#/paths/~1pets/get'",
    "description: no target at all",
])
def test_STP02_exactly_one_target_refused_otherwise(tmp_path: Path, server: ScriptedServer,
                                                    targets: str) -> None:
    """Static rule (``oneOf`` operationId/operationPath/workflowId): nothing is sent."""
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - {{stepId: ok, operationId: getStatus}}
      - {{stepId: s, {targets}}}
    - workflowId: v
      steps: [{{stepId: t, operationId: getStatus}}]
    """)
    refused(path, server)


def test_STP03_bare_and_qualified_operation_ids_across_two_sources(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v2/status", Reply(200, json={"from": "other"}))
    server.route("GET", "/v1/status", Reply(200, json={"from": "api"}))
    server.route("GET", "/v2/pets/{id}", Reply(200))
    path = two_sources(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: q1
        operationId: $sourceDescriptions.other.getStatus
        outputs: {from: $response.body#/from}
      - stepId: q2
        operationId: $sourceDescriptions.api.getStatus
        outputs: {from: $response.body#/from}
      - stepId: bare
        operationId: fetchPet
        parameters: [{name: petId, in: path, value: 3}]
      outputs: {a: $steps.q1.outputs.from, b: $steps.q2.outputs.from}
    """)
    result = run2(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v2/status", "/v1/status", "/v2/pets/3"]
    assert result.outputs == {"a": "other", "b": "api"}


def test_STP03_ambiguous_bare_operation_id_refused_before_any_request(
        tmp_path: Path, server: ScriptedServer) -> None:
    """``getStatus`` exists in both sources: a bare reference is ambiguous."""
    path = two_sources(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - {stepId: first, operationId: $sourceDescriptions.api.listPets}
      - {stepId: s, operationId: getStatus}
    """)
    refused(path, server, says="operationId 'getStatus' is ambiguous",
            servers={"api": server.url + "/v1", "other": server.url + "/v2"})


def test_STP03_bare_id_with_one_openapi_and_one_arazzo_source(tmp_path: Path,
                                                               server: ScriptedServer) -> None:
    """Only non-arazzo sources count: a single OpenAPI source allows bare operationIds."""
    server.route("POST", "/v1/pets", Reply(201))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "sub.arazzo.yaml").write_text(HEADER.replace(
        "./api.openapi.yaml", "../api.openapi.yaml") + textwrap.dedent("""
    workflows:
    - workflowId: inner
      steps: [{stepId: s, operationId: listPets}]
    """))
    path = doc(tmp_path, """
    - {name: subflows, url: ./sub/sub.arazzo.yaml, type: arazzo}
    workflows:
    - workflowId: w
      steps:
      - {stepId: a, operationId: createPet, requestBody: {payload: {}}}
      - {stepId: b, workflowId: $sourceDescriptions.subflows.inner}
    """)
    assert warnings_of(path) == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert [(r.method, r.path) for r in server.requests] == [("POST", "/v1/pets"),
                                                             ("GET", "/v1/pets")]


def test_STP12_description_and_extensions_on_a_step(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"v": 1}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        description: |
          Reads the **status**; `$statusCode` here is prose.
        x-vendor: {retries: 99, condition: $statusCode == 500}
        x-note: just a note
        operationId: getStatus
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {v: $response.body#/v}
    """)
    assert [d for d in arazzo.validate(path) if d.is_error] == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"v": 1}
    assert len(server.requests) == 1


# -- G. Parameter Object --------------------------------------------------------------------


def test_PAR02_parameter_names_are_case_sensitive(tmp_path: Path,
                                                  server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      parameters:
      - {name: Limit, in: query, value: 1}
      - {name: X-Mode, in: header, value: workflow}
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: 2}
        - {name: x-mode, in: header, value: step}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    req = server.requests[0]
    # query names differ by case: two parameters; header names match case-insensitively
    assert req.query == {"Limit": ["1"], "limit": ["2"]}
    assert req.headers["x-mode"] == "step"


def test_PAR02_path_parameter_name_must_match_case(tmp_path: Path,
                                                   server: ScriptedServer) -> None:
    """``PetId`` does not fill the ``{petId}`` template: the request cannot be built, so the
    run is refused by validation (PAR-06) before any request."""
    server.route("GET", "/v1/pets/{id}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getPet
        parameters: [{name: PetId, in: path, value: 3}]
    """)
    refused(path, server, says="does not supply path parameter 'petId'")


def test_PAR03_workflow_step_parameters_become_inputs_without_in(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      parameters:
      - {name: limit, value: 7}
      steps:
      - stepId: call
        workflowId: list
        parameters:
        - {name: tag, value: cats}
        - {name: mode, in: header, value: fast}
    - workflowId: list
      inputs:
        type: object
        required: [tag, limit]
        properties: {tag: {type: string}, limit: {type: integer}, mode: {type: string}}
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: tags, in: query, value: $inputs.tag}
        - {name: limit, in: query, value: $inputs.limit}
      outputs: {tag: $inputs.tag, limit: $inputs.limit, mode: $inputs.mode}
    """)
    # 'in' on a workflowId step's parameter is not used (a warning says so)
    assert any("'mode'" in d.message for d in warnings_of(path))
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].query == {"tags": ["cats"], "limit": ["7"]}
    assert "mode" not in server.requests[0].headers
    assert result.workflows["list"] == {"tag": "cats", "limit": 7, "mode": "fast"}


@pytest.mark.parametrize(("param", "says"), [
    ("{name: limit, value: 1}", "'in'"),
    ("{name: limit, in: body, value: 1}", "'body'"),
])
def test_PAR03_operation_parameter_needs_a_valid_in(tmp_path: Path, server: ScriptedServer,
                                                    param: str, says: str) -> None:
    """Static rule: ``in`` is required for operation steps, ``body`` is gone in 1.0.1."""
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        parameters: [{param}]
    """)
    refused(path, server, says=says)


def test_PAR07_extensions_on_parameters(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      parameters:
      - {name: X-Wf, in: header, value: wf, x-origin: workflow}
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: 3, x-note: {in: header, value: 99}}
    """)
    assert [d for d in arazzo.validate(path) if d.is_error] == []
    result = run(path, server)
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.raw_query == "limit=3"
    assert req.headers["x-wf"] == "wf"


# -- H. Request Body / Payload Replacement --------------------------------------------------

BODY_OPENAPI = """
openapi: 3.0.3
info: {title: Bodies, version: '1'}
servers:
- url: https://api.example.com/v1
paths:
  /vnd:
    post:
      operationId: postVnd
      requestBody:
        content:
          application/vnd.pets+json: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /form:
    put:
      operationId: putForm
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object}}
          application/json: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /csv:
    post:
      operationId: postCsv
      requestBody:
        content:
          text/csv: {schema: {type: string}}
      responses: {'200': {description: ok}}
  /json:
    post:
      operationId: postJson
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /any:
    post:
      operationId: postAny
      requestBody:
        content:
          '*/*': {schema: {}}
          application/*: {schema: {}}
      responses: {'200': {description: ok}}
"""


def test_RB01_content_type_taken_from_the_operation(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    for p in ("/v1/vnd", "/v1/csv"):
        server.route("POST", p, Reply(200))
    server.route("PUT", "/v1/form", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: vnd
        operationId: postVnd
        requestBody: {payload: {name: rex, n: 1}}
      - stepId: form
        operationId: putForm
        requestBody: {payload: {name: rex, n: 1}}
      - stepId: csv
        operationId: postCsv
        requestBody: {payload: "a,b\\n1,2\\n"}
      - stepId: explicit
        operationId: putForm
        requestBody: {contentType: application/json, payload: {name: rex}}
    """, openapi=BODY_OPENAPI)
    result = run(path, server)
    assert result.succeeded, result.error
    vnd, form, csv, explicit = server.requests
    assert vnd.headers["content-type"] == "application/vnd.pets+json"
    assert vnd.body == b'{"name":"rex","n":1}'
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form.body == b"name=rex&n=1"
    assert csv.headers["content-type"] == "text/csv"
    assert csv.body == b"a,b\n1,2\n"
    assert explicit.headers["content-type"] == "application/json"
    assert explicit.json == {"name": "rex"}


def test_RB01_wildcard_media_types_never_label_a_request(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    """'*/*' is not a Content-Type: with only wildcards declared the payload decides."""
    server.route("POST", "/v1/any", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: obj
        operationId: postAny
        requestBody: {payload: {name: rex}}
      - stepId: text
        operationId: postAny
        requestBody: {payload: plain words}
    """, openapi=BODY_OPENAPI)
    result = run(path, server)
    assert result.succeeded, result.error
    obj, text = server.requests
    assert obj.headers["content-type"] == "application/json"
    assert obj.json == {"name": "rex"}
    assert text.headers["content-type"] == "text/plain"
    assert text.body == b"plain words"


def test_RB04_extensions_on_request_body_and_replacements(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("POST", "/v1/json", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: postJson
        requestBody:
          x-body-note: {payload: ignored}
          payload: {a: 1}
          replacements:
          - {target: /a, value: 2, x-why: {target: /b, value: 3}}
    """, openapi=BODY_OPENAPI)
    assert [d for d in arazzo.validate(path) if d.is_error] == []
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].json == {"a": 2}


def test_PR02_replacement_values_of_any_type(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/json", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {owner: {type: object}}}
      steps:
      - stepId: s
        operationId: postJson
        requestBody:
          payload: {n: '0', list: 'x', obj: 'x', flag: 'x', nothing: 'x', float: 'x', owner: 'x',
                    tpl: 'x'}
          replacements:
          - {target: /n, value: 42}
          - {target: /float, value: 1.5}
          - {target: /list, value: [1, two, {three: 3}]}
          - {target: /obj, value: {k: v, nested: [true]}}
          - {target: /flag, value: false}
          - {target: /nothing, value: null}
          - {target: /owner, value: $inputs.owner}
          - {target: /tpl, value: 'id-{$inputs.owner#/id}'}
    """, openapi=BODY_OPENAPI)
    result = run(path, server, inputs={"owner": {"id": 7, "tags": ["a"]}})
    assert result.succeeded, result.error
    assert server.requests[0].json == {
        "n": 42, "float": 1.5, "list": [1, "two", {"three": 3}],
        "obj": {"k": "v", "nested": [True]}, "flag": False, "nothing": None,
        "owner": {"id": 7, "tags": ["a"]}, "tpl": "id-7"}


# -- I. Criteria ----------------------------------------------------------------------------


def test_CRI01_criteria_in_success_criteria_and_both_action_kinds(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(202, json={"phase": "queued"}),
                 Reply(200, json={"phase": "ready"}))
    server.route("GET", "/v1/pets", Reply(409, json={"code": "conflict"}))
    server.route("GET", "/v1/pets/{id}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: wait
        operationId: getStatus
        successCriteria: [{condition: $statusCode == 200}]
        onFailure:
        - {name: notQueued, type: end, criteria: [{condition: $statusCode == 500}]}
        - {name: queued, type: goto, stepId: wait,
           criteria: [{condition: $response.body#/phase == 'queued'}]}
        onSuccess:
        - {name: notReady, type: end, criteria: [{condition: $response.body#/phase != 'ready'}]}
        - {name: ready, type: goto, stepId: list,
           criteria: [{condition: $response.body#/phase == 'ready'}]}
      - stepId: skipped
        operationId: getPet
        parameters: [{name: petId, in: path, value: 1}]
        onSuccess: [{name: fin, type: end}]
      - stepId: list
        operationId: listPets
        onFailure:
        - {name: other, type: end, criteria: [{condition: $response.body#/code == 'other'}]}
        - {name: conflict, type: goto, stepId: skipped,
           criteria: [{condition: $response.body#/code == 'CONFLICT'}]}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.ended_by == "fin"
    assert [r.path for r in server.requests] == ["/v1/status", "/v1/status", "/v1/pets",
                                                 "/v1/pets/1"]
    actions = [r.action.name if r.action else None for r in result.steps]
    assert actions == ["queued", "ready", "conflict", "fin"]


def test_CRI03_type_defaults_to_simple_and_all_types_run(tmp_path: Path,
                                                         server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"items": [{"k": "a"}], "s": "ok"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
        - condition: $response.body#/s == 'OK'
        - {condition: $response.body#/s == 'ok', type: simple, context: $response.body}
        - {condition: '^o', type: regex, context: $response.body#/s}
        - {condition: '$.items[?@.k == ''a'']', type: jsonpath, context: $response.body}
      - stepId: t
        operationId: getStatus
        successCriteria:
        - {condition: '$.items[?@.k == ''b'']', type: jsonpath, context: $response.body}
    """)
    result = run(path, server)
    assert [r.succeeded for r in result.steps] == [True, False]
    assert not result.succeeded
    assert len(result.steps[1].failures) == 1


@pytest.mark.parametrize(("kind", "condition"), [
    ("regex", "'^2'"), ("jsonpath", "'$.a'"), ("xpath", "'/a'")])
def test_CRI04_context_required_for_non_simple_types(tmp_path: Path, server: ScriptedServer,
                                                     kind: str, condition: str) -> None:
    """Static rule: ``type`` without ``context`` is refused; nothing is sent."""
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria: [{{condition: {condition}, type: {kind}}}]
    """)
    refused(path, server, says=f"a {kind} criterion MUST have a 'context'")


def test_CRI04_context_selects_the_value_and_simple_without_context_warns(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"deep": {"list": [1, 2]}},
                                            headers={"X-Region": "eu-west-1"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
        - {condition: '^eu-', type: regex, context: $response.header.X-Region}
        - {condition: '$[?@ > 1]', type: jsonpath, context: $response.body#/deep/list}
        - {condition: $statusCode == 200, type: simple}
    """)
    found = warnings_of(path)
    assert any("context" in d.message for d in found), found
    result = run(path, server)
    assert result.succeeded, result.error


@pytest.mark.parametrize(("condition", "passes"), [
    ("$response.body#/name == 'REX'", True),
    ("$response.body.name == 'rex' && $statusCode == 200", True),
    ("$response.body.name == 'tom' || $response.body.age >= 3", True),
    ("!($response.body.name == 'tom') && ($statusCode < 300)", True),
    ("!($response.body.age > 2)", False),
    ("$response.body.tags[1] == 'Friendly'", True),
    ("$response.body.owner.address.city == 'paris'", True),
    ("$response.body.tags[5] == 'x'", False),
    ("$response.body.name == 'o''brien'", False),
    ("$response.body.quote == 'o''brien'", True),
    ("$response.body.age == 3.0 && $response.body.vip == true && $response.body.gone == null",
     True),
    ("$response.body.name != 'rex' || $response.body.age < 1", False),
    ("$response.body.name < 'queen'", False),
    ("$response.body.name > 'QUEEN'", True),
    ("$response.header.X-Count > 40 && $response.header.x-count == 42", True),
    ("$response.body.missing != 1", False),
    ("!$response.body.missing", True),
    ("$response.body.vip", True),
    ("$response.body.age", False),
    ("{$statusCode == 200}", True),
])
def test_CRI05_simple_conditions_end_to_end(tmp_path: Path, server: ScriptedServer,
                                            condition: str, passes: bool) -> None:
    server.route("GET", "/v1/status", Reply(200, json={
        "name": "Rex", "age": 3, "tags": ["a", "friendly"], "vip": True, "gone": None,
        "quote": "O'Brien", "owner": {"address": {"city": "Paris"}}},
        headers={"X-Count": "42"}))
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
        - condition: "{condition}"
    """)
    result = run(path, server)
    assert result.succeeded is passes, result.error
    assert len(server.requests) == 1


def test_CRI06_regex_on_status_code(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(201), Reply(201), Reply(404), Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: anchored
        operationId: getStatus
        successCriteria: [{condition: '^2\\d\\d$', type: regex, context: $statusCode}]
      - stepId: search
        operationId: getStatus
        successCriteria: [{condition: '0', type: regex, context: $statusCode}]
      - stepId: fails
        operationId: getStatus
        successCriteria: [{condition: '^2\\d\\d$', type: regex, context: $statusCode}]
        onFailure: [{name: next, type: goto, stepId: noContext}]
      - stepId: noContext
        operationId: getStatus
        successCriteria: [{condition: '.*', type: regex, context: $response.header.X-None}]
    """)
    result = run(path, server)
    assert [r.succeeded for r in result.steps] == [True, True, False, False]
    assert result.steps[2].status_code == 404
    # a missing context fails even a pattern that matches the empty string
    assert "X-None" in result.steps[3].failures[0]


def test_CRI07_jsonpath_on_object_and_array_bodies(tmp_path: Path,
                                                   server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"pets": [{"name": "rex"}], "n": 1}))
    server.route("GET", "/v1/pets", Reply(200, json=[{"name": "rex", "age": 3},
                                                     {"name": "tom", "age": 9}]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: obj
        operationId: getStatus
        successCriteria:
        - {condition: '$[?count(@.pets) > 0]', type: jsonpath, context: $response.body}
        - {condition: '$.pets[?@.name == ''rex'']', type: jsonpath, context: $response.body}
      - stepId: arr
        operationId: listPets
        successCriteria:
        - {condition: '$[?@.age > 5 && @.name == ''tom'']', type: jsonpath,
           context: $response.body}
      - stepId: arrNone
        operationId: listPets
        successCriteria:
        - {condition: '$[?@.age > 50]', type: jsonpath, context: $response.body}
        onFailure: [{name: on, type: goto, stepId: objNotEqual}]
      - stepId: objNotEqual
        operationId: getStatus
        successCriteria:
        - {condition: '$[?@.n != 1]', type: jsonpath, context: $response.body}
      - stepId: objNotEqualGuarded
        operationId: getStatus
        successCriteria:
        - {condition: '$[?@.n && @.n != 1]', type: jsonpath, context: $response.body}
        onFailure: [{name: on, type: goto, stepId: nullContext}]
      - stepId: nullContext
        operationId: getStatus
        successCriteria:
        - {condition: '$', type: jsonpath, context: $response.body#/missing}
    """)
    result = run(path, server)
    # objNotEqual passes: RFC 9535 selects the member value [{"name": "rex"}], which has no
    # n (Nothing != 1 is true); the guarded form does not (validation: jsonpath-negation)
    assert [(r.step_id, r.succeeded) for r in result.steps] == [
        ("obj", True), ("arr", True), ("arrNone", False), ("objNotEqual", True),
        ("objNotEqualGuarded", False), ("nullContext", False)]


def test_CRI08_xpath_on_an_xml_response(tmp_path: Path, server: ScriptedServer) -> None:
    xml = "<pets><pet id='1'><name>rex</name></pet><pet id='2'><name>tom</name></pet></pets>"
    server.route("GET", "/v1/status", Reply(200, body=xml, content_type="application/xml"))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: node
        operationId: getStatus
        successCriteria:
        - {condition: "/pets/pet[@id='2']/name = 'tom'", type: xpath, context: $response.body}
        - {condition: count(//pet) = 2, type: xpath, context: $response.body}
      - stepId: empty
        operationId: getStatus
        successCriteria:
        - {condition: "//pet[name='max']", type: xpath, context: $response.body}
    """)
    result = run(path, server)
    assert [r.succeeded for r in result.steps] == [True, False]


def test_CRI09_goessner_dialect_via_expression_type_object(tmp_path: Path,
                                                           server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"pets": [{"name": "rex", "age": 3}]}))
    server.route("GET", "/v1/pets", Reply(200, body="<pets><pet/></pets>",
                                          content_type="application/xml"))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: g
        operationId: getStatus
        successCriteria:
        - condition: $.pets[?(@.age > 2)]
          context: $response.body
          type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00, x-note: old}
      - stepId: x
        operationId: listPets
        successCriteria:
        - condition: count(//pet) = 1
          context: $response.body
          type: {type: xpath, version: xpath-10}
        - condition: "string-join(('a', 'b'), '-') = 'a-b'"
          context: $response.body
          type: {type: xpath, version: xpath-20}
      - stepId: none
        operationId: getStatus
        successCriteria:
        - condition: $.pets[?(@.age > 5)]
          context: $response.body
          type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}
    """)
    result = run(path, server)
    assert [r.succeeded for r in result.steps] == [True, True, False]


def test_CRI11_embedded_input_in_regex_condition(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"id": "ord-2024-17"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {prefix: {type: string}, year: {type: integer}}}
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
        - {condition: '^{$inputs.prefix}-{$inputs.year}-\\d{1,3}$', type: regex,
           context: $response.body#/id}
    """)
    assert run(path, server, inputs={"prefix": "ord", "year": 2024}).succeeded
    result = run(path, server, inputs={"prefix": "inv", "year": 2024})
    assert not result.succeeded
    assert len(server.requests) == 2


@pytest.mark.parametrize(("name", "passes"), [("rex", True), ("tom", False)])
def test_CRI11_embedded_input_in_jsonpath_and_xpath_conditions(
        tmp_path: Path, server: ScriptedServer, name: str, passes: bool) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[{"name": "rex"}]))
    server.route("GET", "/v1/status", Reply(200, body="<a><b>rex</b></a>",
                                            content_type="application/xml"))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {name: {type: string}}}
      steps:
      - stepId: json
        operationId: listPets
        successCriteria:
        - {condition: "$[?@.name == '{$inputs.name}']", type: jsonpath, context: $response.body}
        onFailure: [{name: on, type: goto, stepId: xml}]
      - stepId: xml
        operationId: getStatus
        successCriteria:
        - {condition: "/a/b = '{$inputs.name}'", type: xpath, context: $response.body}
    """)
    result = run(path, server, inputs={"name": name})
    assert [r.succeeded for r in result.steps] == [passes, passes]


# -- J. Actions -----------------------------------------------------------------------------


def test_ACT01_success_action_names_case_sensitive_all_criteria(tmp_path: Path,
                                                                server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"a": 1, "b": 2}))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      successActions:
      - {name: finish, type: end}
      steps:
      - stepId: a
        operationId: getStatus
        onSuccess:
        - name: Finish
          type: goto
          stepId: b
          criteria:
          - condition: $response.body#/a == 1
          - condition: $response.body#/b == 3
      - {stepId: b, operationId: listPets}
    """)
    result = run(path, server)
    # 'Finish' does not redefine the workflow's 'finish'; its criteria are not all true
    assert result.succeeded, result.error
    assert result.ended_by == "finish"
    assert len(server.requests) == 1


@pytest.mark.parametrize(("action", "says"), [
    ("{name: x, type: retry}", "'retry'"),
    ("{name: x, type: goto}", ""),
    ("{name: x, type: goto, stepId: b, workflowId: v}", ""),
    ("{type: end}", "'name'"),
])
def test_ACT01_malformed_success_action_refused(tmp_path: Path, server: ScriptedServer,
                                                action: str, says: str) -> None:
    """Static rule (type end|goto; goto needs exactly one target; name required)."""
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - {{stepId: a, operationId: getStatus, onSuccess: [{action}]}}
      - {{stepId: b, operationId: getStatus}}
    - workflowId: v
      steps: [{{stepId: c, operationId: getStatus}}]
    """)
    refused(path, server, says=says)


def test_ACT02_failure_action_retry_with_workflow_and_decimal_delay(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200, json={"token": "fresh"}))
    server.route("GET", "/v1/status", Reply(401), Reply(200))
    events: list[Any] = []
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        operationId: getStatus
        onFailure:
        - name: reauth
          type: retry
          workflowId: refresh
          retryAfter: 0.01
          retryLimit: 1
          criteria: [{condition: $statusCode == 401}]
          x-note: extensions allowed
    - workflowId: refresh
      steps:
      - {stepId: login, operationId: login, requestBody: {payload: {grant: refresh}}}
    """)
    result = run(path, server, hooks=events.append)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/status", "/v1/login", "/v1/status"]
    retries = [e for e in events if isinstance(e, arazzo.RetryScheduled)]
    assert [(e.action, e.delay) for e in retries] == [("reauth", 0.01)]


@pytest.mark.parametrize(("action", "says"), [
    ("{name: x, type: retry, retryAfter: -1}", "-1"),
    ("{name: x, type: retry, retryLimit: 1.5}", "1.5"),
    ("{name: x, type: retry, retryLimit: -1}", "-1"),
    ("{name: x, type: goto, stepId: a, workflowId: v}", ""),
    ("{name: x, type: skip}", "'skip'"),
])
def test_ACT02_malformed_failure_action_refused(tmp_path: Path, server: ScriptedServer,
                                                action: str, says: str) -> None:
    """Static rules of the Failure Action Object: nothing is sent."""
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - {{stepId: a, operationId: getStatus, onFailure: [{action}]}}
    - workflowId: v
      steps: [{{stepId: c, operationId: getStatus}}]
    """)
    refused(path, server, says=says)


@pytest.mark.parametrize("where", ["onSuccess", "onFailure"])
def test_ACT08_duplicate_action_names_refused(tmp_path: Path, server: ScriptedServer,
                                              where: str) -> None:
    """Static rule (no duplicates in an action list): nothing is sent."""
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: getStatus
        {where}:
        - {{name: same, type: end, criteria: [{{condition: $statusCode == 201}}]}}
        - {{name: same, type: end}}
    """)
    refused(path, server, says="action name 'same' is used twice")


# -- K. Components & Reusable Objects -------------------------------------------------------


def test_CMP01_all_four_component_maps_used_in_a_run(tmp_path: Path,
                                                      server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(503), Reply(200, json=[{"id": 1}]))
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {$ref: '#/components/inputs/query'}
      steps:
      - stepId: list
        operationId: listPets
        parameters:
        - reference: $components.parameters.limit
        - {name: tags, in: query, value: $inputs.tag}
        onSuccess: [{reference: $components.successActions.done}]
        onFailure: [{reference: $components.failureActions.again}]
      - {stepId: never, operationId: getStatus}
    components:
      x-owner: team
      inputs:
        query:
          type: object
          properties: {tag: {type: string, default: dogs}}
      parameters:
        limit: {name: limit, in: query, value: 2}
      successActions:
        done: {name: done, type: end}
      failureActions:
        again: {name: again, type: retry, retryLimit: 1}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.ended_by == "done"
    assert [r.raw_query for r in server.requests] == ["limit=2&tags=dogs"] * 2


def test_CMP02_component_keys_with_dots_dashes_underscores(tmp_path: Path,
                                                           server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {$ref: '#/components/inputs/my.org.Query-v1_0'}
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - reference: $components.parameters.my.org.page-size_1
        - {name: tags, in: query, value: $inputs.tag}
        onSuccess: [{reference: $components.successActions.end.now}]
    components:
      inputs:
        my.org.Query-v1_0: {type: object, properties: {tag: {type: string, default: t}}}
      parameters:
        my.org.page-size_1: {name: limit, in: query, value: 9}
      successActions:
        end.now: {name: endNow, type: end}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.ended_by == "endNow"
    assert server.requests[0].raw_query == "limit=9&tags=t"


def test_CMP04_inputs_ref_into_components_with_defaults(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={"id": 5}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs:
        $ref: '#/components/inputs/newPet'
      steps:
      - stepId: create
        operationId: createPet
        requestBody: {payload: $inputs.pet}
        outputs: {id: $response.body#/id}
      outputs: {id: $steps.create.outputs.id, kind: $inputs.pet.kind}
    components:
      inputs:
        newPet:
          type: object
          required: [pet]
          properties:
            pet: {$ref: '#/components/inputs/pet'}
        pet:
          type: object
          required: [name]
          properties:
            name: {type: string}
            kind: {type: string, default: cat}
            vaccinated: {type: boolean, default: false}
    """)
    with pytest.raises(arazzo.InputError):
        run(path, server, inputs={"pet": {"kind": "dog"}})
    assert server.requests == []
    result = run(path, server, inputs={"pet": {"name": "rex"}})
    assert result.succeeded, result.error
    assert server.requests[0].json == {"name": "rex", "kind": "cat", "vaccinated": False}
    assert result.outputs == {"id": 5, "kind": "cat"}


def test_REU03_extra_properties_on_reusable_object_ignored(tmp_path: Path,
                                                           server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {reference: $components.parameters.limit, name: other, in: header, x-note: hi}
        onSuccess:
        - {reference: $components.successActions.done, name: renamed, type: goto}
    components:
      parameters:
        limit: {name: limit, in: query, value: 4}
      successActions:
        done: {name: done, type: end}
    """)
    found = warnings_of(path)
    assert found, "expected warnings about the extra properties"
    assert [d for d in arazzo.validate(path) if d.is_error] == []
    result = run(path, server)
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.raw_query == "limit=4"
    assert "other" not in req.headers
    assert result.ended_by == "done"


def test_REU04_referenced_parameter_identity_is_resolved_name_and_in(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      parameters:
      - reference: $components.parameters.pageSize
      - reference: $components.parameters.mode
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: 50}
        - {name: X-MODE, in: header, value: step}
    components:
      parameters:
        pageSize: {name: limit, in: query, value: 10}
        mode: {name: x-mode, in: header, value: workflow}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.raw_query == "limit=50"
    assert req.headers["x-mode"] == "step"


# -- L. Runtime expressions -----------------------------------------------------------------


def test_RTE01_url_is_the_request_url(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getPet
        parameters:
        - {name: petId, in: path, value: 5}
        - {name: fields, in: query, value: name}
        successCriteria:
        - {condition: '/v1/pets/5\\?fields=name$', type: regex, context: $url}
        outputs: {url: $url}
      outputs: {url: $steps.s.outputs.url}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"url": f"{server.url}/v1/pets/5?fields=name"}
    assert result.steps[0].url == result.outputs["url"]


def test_RTE02_method_is_the_http_method(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("DELETE", "/v1/pets/{id}", Reply(204))
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: del
        operationId: deletePet
        parameters: [{name: petId, in: path, value: 1}]
        successCriteria: [{condition: $method == 'delete'}]
        outputs: {m: $method}
      - stepId: add
        operationId: createPet
        requestBody: {payload: {m: $steps.del.outputs.m}}
        outputs: {m: $method}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert [r.method for r in server.requests] == ["DELETE", "POST"]
    assert server.requests[1].json == {"m": "DELETE"}
    assert result.steps[1].outputs == {"m": "POST"}


def test_RTE03_status_code_is_an_integer(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201), Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: a
        operationId: createPet
        requestBody: {payload: {}}
        successCriteria:
        - condition: $statusCode >= 200 && $statusCode < 300
        - condition: $statusCode == '201'
        - {condition: '^201$', type: regex, context: $statusCode}
        outputs: {code: $statusCode}
      - stepId: b
        operationId: createPet
        requestBody: {payload: {code: $steps.a.outputs.code, now: $statusCode}}
      outputs: {code: $steps.a.outputs.code}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[1].body == b'{"code":201}'
    assert result.outputs["code"] == 201
    assert type(result.outputs["code"]) is int


def test_RTE05_response_header_lookup_is_case_insensitive(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, headers={"X-Request-ID": "AbC-1"},
                                            json={}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
        - condition: $response.header.x-request-id == 'abc-1'
        - {condition: '^AbC', type: regex, context: $response.header.X-REQUEST-ID}
        outputs:
          lower: $response.header.x-request-id
          upper: $response.header.X-REQUEST-ID
          ctype: $response.header.content-type
          none: $response.header.X-Nothing
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"lower": "AbC-1", "upper": "AbC-1",
                                       "ctype": "application/json"}


def test_RTE06_inputs_with_dots_and_pointers(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs:
        type: object
        properties:
          customer: {type: object}
          my.key: {type: string}
      steps:
      - stepId: s
        operationId: createPet
        parameters:
        - {name: X-Who, in: header, value: '{$inputs.customer.firstName} {$inputs.customer#/last}'}
        requestBody:
          payload:
            first: $inputs.customer#/firstName
            dotted: $inputs.customer.firstName
            exact: $inputs.my.key
            tag: $inputs.customer#/tags/1
            tagDotted: $inputs.customer.tags.0
            whole: $inputs.customer#/address
            missing: $inputs.customer#/nope
    """)
    customer = {"firstName": "Ann", "last": "Lee", "tags": ["x", "y"],
                "address": {"city": "Oslo"}}
    result = run(path, server, inputs={"customer": customer, "my.key": "dot"})
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.headers["x-who"] == "Ann Lee"
    assert req.json == {"first": "Ann", "dotted": "Ann", "exact": "dot", "tag": "y",
                        "tagDotted": "x", "whole": {"city": "Oslo"}}


def test_RTE07_outputs_after_a_workflow_id_step(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"name": "rex", "tags": ["a", "b"]}))
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        workflowId: fetch
        parameters: [{name: id, value: 9}]
        successCriteria:
        - condition: $outputs.pet.name == 'REX'
        outputs:
          name: $outputs.pet#/name
          tag: $outputs.pet#/tags/1
          whole: $outputs.pet
          count: $outputs.count
      - stepId: use
        operationId: createPet
        requestBody: {payload: {name: $steps.call.outputs.name, n: $steps.call.outputs.count}}
      outputs: {tag: $steps.call.outputs.tag}
    - workflowId: fetch
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: $inputs.id}]
        outputs: {pet: $response.body}
      outputs: {pet: $steps.get.outputs.pet, count: $inputs.id}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    call = result.step("call")
    assert call is not None
    assert call.outputs["name"] == "rex"
    assert call.outputs["whole"] == {"name": "rex", "tags": ["a", "b"]}
    assert server.requests[1].json == {"name": "rex", "n": 9}
    assert result.outputs == {"tag": "b"}


def test_RTE08_step_outputs_with_pointer(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={
        "owner": {"id": "o-7"}, "tags": ["a", "b"], "a/b": {"m~n": 1}}))
    server.route("GET", "/v1/pets/{id}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: first
        operationId: getStatus
        outputs: {data: $response.body}
      - stepId: second
        operationId: getPet
        parameters:
        - {name: petId, in: path, value: $steps.first.outputs.data#/owner/id}
        - {name: tag, in: query, value: $steps.first.outputs.data#/tags/1}
        successCriteria: [{condition: $steps.first.outputs.data#/a~1b/m~0n == 1}]
      outputs:
        owner: $steps.first.outputs.data#/owner
        odd: $steps.first.outputs.data#/a~1b/m~0n
        gone: $steps.first.outputs.data#/owner/name
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    req = server.requests[1]
    assert req.path == "/v1/pets/o-7"
    assert req.raw_query == "tag=b"
    assert result.outputs == {"owner": {"id": "o-7"}, "odd": 1}


def test_RTE09_workflows_outputs_and_inputs_after_depends_on(tmp_path: Path,
                                                             server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200, json={"session": {"token": "tk", "ttl": 60}}))
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: auth
      inputs: {type: object, properties: {user: {type: string}}}
      steps:
      - stepId: login
        operationId: login
        requestBody: {payload: {user: $inputs.user}}
        outputs: {session: $response.body#/session}
      outputs: {session: $steps.login.outputs.session}
    - workflowId: w
      dependsOn: [auth]
      inputs: {type: object, properties: {user: {type: string}}}
      steps:
      - stepId: s
        operationId: getStatus
        parameters:
        - {name: X-Ticket, in: header, value: $workflows.auth.outputs.session#/token}
        - {name: X-User, in: header, value: $workflows.auth.inputs.user}
      outputs:
        ttl: $workflows.auth.outputs.session#/ttl
        session: $workflows.auth.outputs.session
    """)
    result = run(path, server, inputs={"user": "ann"})
    assert result.succeeded, result.error
    login, status = server.requests
    assert login.body == b"user=ann"
    assert status.headers["x-ticket"] == "tk"
    assert status.headers["x-user"] == "ann"
    assert result.outputs == {"ttl": 60, "session": {"token": "tk", "ttl": 60}}


def test_WF04_a_dependency_gets_the_inputs_its_referenced_schema_declares(
        tmp_path: Path, server: ScriptedServer) -> None:
    """The dependency's inputs schema is a ``$ref`` to components/inputs (and an ``allOf``
    member): the caller's inputs it declares are passed on, the others are not."""
    server.route("POST", "/v1/login", Reply(200, json={"session": {"token": "tk", "ttl": 60}}))
    server.route("GET", "/v1/status", Reply(200))
    path = doc(tmp_path, """
    components:
      inputs:
        creds: {type: object, properties: {user: {type: string}}}
        auth: {allOf: [{$ref: '#/components/inputs/creds'},
                       {type: object, properties: {realm: {type: string}}}]}
    workflows:
    - workflowId: auth
      inputs: {$ref: '#/components/inputs/auth'}
      steps:
      - stepId: login
        operationId: login
        requestBody: {payload: {user: $inputs.user}}
        outputs: {session: $response.body#/session}
      outputs: {session: $steps.login.outputs.session}
    - workflowId: w
      dependsOn: [auth]
      inputs: {type: object, properties: {user: {type: string}, realm: {type: string},
                                          other: {type: string}}}
      steps:
      - stepId: s
        operationId: getStatus
        parameters:
        - {name: X-User, in: header, value: $workflows.auth.inputs.user}
      outputs:
        user: $workflows.auth.inputs.user
        realm: $workflows.auth.inputs.realm
        other: $workflows.auth.inputs.other
    """)
    result = run(path, server, inputs={"user": "ann", "realm": "r1", "other": "x"})
    assert result.succeeded, result.error
    login, status = server.requests
    assert login.body == b"user=ann"
    assert status.headers["x-user"] == "ann"
    assert result.outputs == {"user": "ann", "realm": "r1"}  # "other" was not passed on


def test_RTE09_workflows_expressions_after_a_workflow_id_step(tmp_path: Path,
                                                             server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"n": 1}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: call
        workflowId: fetch
        parameters: [{name: id, value: 3}]
      outputs:
        id: $workflows.fetch.inputs.id
        n: $workflows.fetch.outputs.n
        notRun: $workflows.other.outputs.n
    - workflowId: fetch
      steps:
      - stepId: get
        operationId: getPet
        parameters: [{name: petId, in: path, value: $inputs.id}]
        outputs: {n: $response.body#/n}
      outputs: {n: $steps.get.outputs.n}
    - workflowId: other
      steps: [{stepId: x, operationId: listPets, outputs: {n: $statusCode}}]
      outputs: {n: $steps.x.outputs.n}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.outputs == {"id": 3, "n": 1}
    assert [r.path for r in server.requests] == ["/v1/pets/3"]


def test_RTE10_source_description_url_in_operation_path(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    server.route("GET", "/v2/pets/{id}", Reply(200, json={"from": "other"}))
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = two_sources(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: viaOther
        operationPath: '{$sourceDescriptions.other.url}#/paths/~1pets~1%7BpetId%7D/get'
        parameters: [{name: petId, in: path, value: 4}]
        outputs: {from: $response.body#/from, src: $sourceDescriptions.other.url}
      - stepId: viaApi
        operationPath: '{$sourceDescriptions.api.url}#/paths/~1pets/get'
    """)
    result = run2(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v2/pets/4", "/v1/pets"]
    assert result.steps[0].outputs == {"from": "other", "src": "./other.openapi.yaml"}


def test_RTE10_operation_id_named_url_wins_over_the_field(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    """1.1 rule adopted by the inventory (issue #427): an operationId first, then fields."""
    server.route("GET", "/v2/url", Reply(200))
    path = two_sources(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: $sourceDescriptions.other.url
    """)
    result = run2(path, server)
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v2/url"]


def test_RTE11_components_references_resolve_and_missing_refused(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(500), Reply(200, json=[]))
    body = """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        parameters: [{reference: $components.parameters.page-size}]
        onFailure: [{reference: $components.failureActions.retry_once}]
        onSuccess: [{reference: $components.successActions.stop}]
    components:
      parameters:
        page-size: {name: limit, in: query, value: 20}
      failureActions:
        retry_once: {name: retryOnce, type: retry}
      successActions:
        stop: {name: stop, type: end}
    """
    path = doc(tmp_path, body)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.ended_by == "stop"
    assert [r.raw_query for r in server.requests] == ["limit=20", "limit=20"]
    server.reset()
    path = doc(tmp_path, body.replace("parameters.page-size}", "parameters.page_size}"))
    refused(path, server, says="no key 'page_size'")
    path = doc(tmp_path, body.replace("parameters.page-size}", "successActions.stop}"))
    refused(path, server, says="may only reference '$components.parameters.<key>'")


def test_RTE12_whole_value_expressions_keep_their_type(tmp_path: Path,
                                                       server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"count": 3, "ratio": 0.5,
                                                       "items": [{"id": 1}], "ok": False}))
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object}
      steps:
      - stepId: a
        operationId: getStatus
        outputs: {count: $response.body#/count, items: $response.body#/items,
                  ok: $response.body#/ok, ratio: $response.body#/ratio}
      - stepId: b
        operationId: createPet
        requestBody:
          payload:
            obj: $inputs.obj
            arr: $inputs.arr
            num: $inputs.num
            flag: $inputs.flag
            nul: $inputs.nul
            count: $steps.a.outputs.count
            ratio: $steps.a.outputs.ratio
            items: $steps.a.outputs.items
            ok: $steps.a.outputs.ok
    """)
    inputs = {"obj": {"k": [1, {"z": None}]}, "arr": [1, "2", 3.5], "num": 12,
              "flag": True, "nul": None}
    result = run(path, server, inputs=inputs)
    assert result.succeeded, result.error
    assert server.requests[1].json == {**inputs, "count": 3, "ratio": 0.5,
                                       "items": [{"id": 1}], "ok": False}


def test_RTE13_pointer_escapes_indices_and_missing_targets(tmp_path: Path,
                                                           server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={
        "a/b": 1, "m~n": 2, "~1": 3, "list": [{"id": 10}, {"id": 11}], "": 4}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        outputs:
          slash: $response.body#/a~1b
          tilde: $response.body#/m~0n
          literal: $response.body#/~01
          index: $response.body#/list/1/id
          empty: $response.body#/
          outOfRange: $response.body#/list/5/id
          dash: $response.body#/list/-
          leadingZero: $response.body#/list/01
          noField: $response.body#/nope/deeper
        successCriteria:
        - condition: $response.body#/list/0/id == 10
        - condition: '!($response.body#/nope == 1)'
      outputs:
        index: $steps.s.outputs.index
        missing: $steps.s.outputs.noField
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"slash": 1, "tilde": 2, "literal": 3, "index": 11,
                                       "empty": 4}
    assert result.outputs == {"index": 11}


def test_RTE14_embedded_expressions_in_header_and_json_template(tmp_path: Path,
                                                                server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object}
      steps:
      - stepId: s
        operationId: createPet
        parameters:
        - {name: X-Trace, in: header, value: 'id={$inputs.id};n={$inputs.n};ok={$inputs.ok}'}
        - {name: X-Obj, in: header, value: 'obj={$inputs.obj} tags={$inputs.tags}'}
        - {name: q, in: query, value: 'pre-{$inputs.id}-{$inputs.none}-post'}
        requestBody:
          contentType: application/json
          payload: '{"id": "{$inputs.id}", "n": {$inputs.n}, "tags": {$inputs.tags},
            "obj": {$inputs.obj}, "z": {$inputs.z}}'
    """)
    inputs = {"id": "p1", "n": 2.5, "ok": True, "tags": ["a", "b"], "obj": {"k": 1},
              "z": None}
    result = run(path, server, inputs=inputs)
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.headers["x-trace"] == "id=p1;n=2.5;ok=true"
    assert req.headers["x-obj"] == 'obj={"k":1} tags=["a","b"]'
    assert req.query == {"q": ["pre-p1--post"]}
    assert req.json == {"id": "p1", "n": 2.5, "tags": ["a", "b"], "obj": {"k": 1}, "z": None}


def test_RTE15_invalid_dollar_strings_stay_literal(tmp_path: Path,
                                                   server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {a: {type: string}}}
      steps:
      - stepId: s
        operationId: createPet
        parameters:
        - {name: select, in: query, value: '$.store.book[0]'}
        requestBody:
          payload:
            path: '$.a[0]'
            price: '$5.00'
            shell: '$HOME/bin'
            real: $inputs.a
            list: ['$..author', $inputs.a]
    """)
    result = run(path, server, inputs={"a": "A"})
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.query == {"select": ["$.store.book[0]"]}
    assert req.json == {"path": "$.a[0]", "price": "$5.00", "shell": "$HOME/bin",
                        "real": "A", "list": ["$..author", "A"]}


@pytest.mark.parametrize("literal", ["$inputs.a extra", "$url/x", "pre {$inputs.a b} post"])
def test_RTE15_broken_expression_text_stays_literal(tmp_path: Path, server: ScriptedServer,
                                                    literal: str) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      inputs: {{type: object, properties: {{a: {{type: string}}}}}}
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {{sentence: '{literal}'}}
    """)
    warnings = [d for d in arazzo.validate(path) if d.rule == "literal-expression"]
    assert [d.severity for d in warnings] == [arazzo.Severity.WARNING]
    result = run(path, server, inputs={"a": "A"})
    assert result.succeeded, result.error
    assert server.requests[0].json == {"sentence": literal}


def test_RTE16_RTE17_braces_and_identifier_rules(tmp_path: Path,
                                                 server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"state": "done", "v": "x"}))
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object}
      steps:
      - stepId: get-status_1
        operationId: getStatus
        successCriteria:
        - condition: $response.body#/state=='done'&&$statusCode==200
        outputs: {pet.name: $response.body#/v, pet: $response.body}
      - stepId: post
        operationId: createPet
        requestBody:
          payload:
            closing: '{$inputs.a}}'
            doubled: '{{$inputs.a}}'
            adjacent: '{$inputs.a}{$inputs.b}'
            plainBraces: '{not an expression}'
            exactKey: $steps.get-status_1.outputs.pet.name
            viaPointer: $steps.get-status_1.outputs.pet#/state
    """)
    result = run(path, server, inputs={"a": "A", "b": "B"})
    assert result.succeeded, result.error
    assert server.requests[1].json == {
        "closing": "A}", "doubled": "{A}", "adjacent": "AB", "plainBraces": "{not an expression}",
        "exactKey": "x", "viaPointer": "done"}


def test_CRI12_action_criteria_see_the_steps_own_fresh_outputs(tmp_path: Path,
                                                               server: ScriptedServer) -> None:
    """A poll written with the step's own outputs (``$steps.poll.outputs.state``) loops on the
    value of the attempt that just ran, not the previous one (CRI-12, ACT-04)."""
    server.route("GET", "/v1/status", Reply(200, json={"state": "pending"}),
                 Reply(200, json={"state": "pending"}), Reply(200, json={"state": "done"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: poll
        operationId: getStatus
        outputs: {state: $response.body#/state}
        onSuccess:
        - name: again
          type: goto
          stepId: poll
          criteria: [{condition: $steps.poll.outputs.state == 'pending'}]
      outputs: {state: $steps.poll.outputs.state}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert len(server.requests) == 3
    assert [r.action.name if r.action else "no action" for r in result.steps] == [
        "again", "again", None]
    assert result.outputs == {"state": "done"}


# -- static rules: the document is refused, nothing is sent ------------------------------------

REFUSED = [
    # Static rule (uniqueness): the document is refused, nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps: [{stepId: s, operationId: getStatus}]
    - workflowId: w
      steps: [{stepId: t, operationId: listPets}]
    """, "duplicate workflowId 'w'", id="WF01_duplicate_workflow_id"),
    # Static rule (schema ``minItems: 1``): nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps: []
    """, "non-empty", id="WF05_empty_steps"),
    # Static rule (uniqueness within a workflow): nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps:
      - {stepId: s, operationId: getStatus}
      - {stepId: s, operationId: listPets}
    """, "duplicate stepId", id="STP01_duplicate_step_id"),
    pytest.param("""
    workflows:
    - workflowId: w
      steps: [{stepId: s, operationId: GetStatus}]
    """, "'GetStatus' not found", id="STP03_operation_id_resolution_is_case_sensitive"),
    # Static rule: a Criterion without ``condition`` is refused; nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria: [{context: $statusCode, type: regex}]
    """, "'condition'", id="CRI02_condition_is_required"),
    # Static rule: ``type`` must be simple/regex/jsonpath/xpath or a type object.
    pytest.param("""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria: [{condition: '^2', type: glob, context: $statusCode}]
    """, "'glob'", id="CRI03_unknown_criterion_type_refused"),
    # Static rule: the version must be one the spec lists; nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria:
        - condition: $.a
          context: $response.body
          type: {type: jsonpath, version: jsonpath-2007}
    """, "jsonpath-2007", id="CRI09_unknown_dialect_version_refused"),
    # Static rule: the same Reusable Object twice in one list; nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      failureActions:
      - reference: $components.failureActions.stop
      - reference: $components.failureActions.stop
      steps: [{stepId: a, operationId: getStatus}]
    components:
      failureActions:
        stop: {name: stop, type: end}
    """, "listed twice", id="ACT08_duplicate_reusable_action_references_refused"),
    # Static rule (keys ``^[a-zA-Z0-9.\-_]+$``): nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps: [{stepId: s, operationId: getStatus}]
    components:
      parameters:
        'bad key!': {name: limit, in: query, value: 1}
    """, "'bad key!'", id="CMP02_invalid_component_key_refused"),
    # Static rule (no duplicate parameters, identity = resolved name+in): nothing is sent.
    pytest.param("""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - reference: $components.parameters.pageSize
        - {name: limit, in: query, value: 50}
    components:
      parameters:
        pageSize: {name: limit, in: query, value: 10}
    """, "duplicate parameter 'limit' in query", id="REU04_reference_and_inline_same_identity"),
]


@pytest.mark.parametrize(("body", "says"), REFUSED)
def test_refused_before_any_request(tmp_path: Path, server: ScriptedServer, body: str,
                                    says: str) -> None:
    """``run`` raises ValidationFailed naming the rule's finding; nothing reached the server."""
    refused(doc(tmp_path, body), server, says=says)
