"""Requests: parameters (PAR-*), styles, bodies (RB-*), replacements (PR-*), servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo


def run(path: Path, server: ScriptedServer, wf: str = "w", inputs: dict[str, Any] | None = None,
        **kw: object) -> arazzo.RunResult:
    return arazzo.run(path, wf, inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0, **kw)  # type: ignore[arg-type]


def test_PAR01_locations_path_query_header_cookie(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200, json={"id": 7}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {id: {type: string}}}
      steps:
      - stepId: s
        operationId: getPet
        parameters:
        - {name: petId, in: path, value: $inputs.id}
        - {name: verbose, in: query, value: true}
        - {name: x-trace, in: header, value: 'trace-{$inputs.id}'}
        - {name: session, in: cookie, value: abc}
    """)
    result = run(path, server, inputs={"id": "a b/c"})
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.path == "/v1/pets/a b/c"  # decoded by the server: '/' was percent-encoded
    assert req.raw_query == "verbose=true"
    assert req.headers["x-trace"] == "trace-a b/c"
    assert req.headers["cookie"] == "session=abc"
    assert result.steps[0].url is not None
    assert "a%20b%2Fc" in result.steps[0].url


def test_PAR04_value_types_preserved_and_missing_left_out(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets", Reply(200, json=[]))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {tags: {type: array}, limit: {type: integer}}}
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: tags, in: query, value: $inputs.tags}
        - {name: limit, in: query, value: $inputs.limit}
        - {name: X-Absent, in: header, value: $inputs.nothing}
    """)
    result = run(path, server, inputs={"tags": ["a", "b"]})
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.raw_query == "tags=a&tags=b"  # form + explode (default), limit absent: left out
    assert "x-absent" not in req.headers


def test_PAR05_path_styles_simple_label_matrix(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/styles/{a}/{b}/{c}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: pathStyles
        parameters:
        - {name: simple, in: path, value: [1, 2, 3]}
        - {name: label, in: path, value: {r: 1, g: 2}}
        - {name: matrix, in: path, value: [x, y]}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    url = result.steps[0].url or ""
    assert url.endswith("/v1/styles/1,2,3/.r,1,g,2/;matrix=x;matrix=y")


def test_PAR05_query_styles(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/query", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: queryStyles
        parameters:
        - {name: formNo, in: query, value: [a, b]}
        - {name: formYes, in: query, value: {k: v, n: 1}}
        - {name: space, in: query, value: [a, b]}
        - {name: pipe, in: query, value: [a, b]}
        - {name: deep, in: query, value: {color: red, size: 2}}
        - {name: reserved, in: query, value: 'http://x/y?z'}
        - {name: plain, in: query, value: 'http://x/y?z'}
        - {name: filter, in: query, value: {q: 1}}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == (
        "formNo=a,b&k=v&n=1&space=a%20b&pipe=a|b&deep%5Bcolor%5D=red&deep%5Bsize%5D=2"
        "&reserved=http://x/y?z&plain=http%3A%2F%2Fx%2Fy%3Fz"
        "&filter=%7B%22q%22%3A1%7D")


def test_PAR05_header_styles_and_case_insensitive_names(tmp_path: Path,
                                                        server: ScriptedServer) -> None:
    server.route("GET", "/v1/headers", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: headerStyles
        parameters:
        - {name: x-obj, in: header, value: {a: 1, b: 2}}
        - {name: X-List, in: header, value: [1, 2]}
        - {name: session, in: cookie, value: [p, q]}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    req = server.requests[0]
    assert req.headers["x-obj"] == "a=1,b=2"
    assert req.headers["x-list"] == "1,2"
    assert req.headers["cookie"] == "session=p&session=q".replace("&", "; ")


def test_PAR06_missing_path_parameter_is_a_step_error(tmp_path: Path,
                                                      server: ScriptedServer) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getPet
        parameters:
        - {name: petId, in: path, value: $inputs.nope}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert "petId" in (result.error or "")
    assert server.requests == []


def test_STP07_RB02_json_payload_patterns(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201, json={"id": 1}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {pet: {type: object}, name: {type: string}}}
      steps:
      - stepId: whole
        operationId: createPet
        requestBody:
          payload: $inputs.pet
      - stepId: fields
        operationId: createPet
        requestBody:
          contentType: application/json
          payload:
            name: $inputs.name
            nick: $inputs.absent
            tags: [$inputs.name, literal]
            n: 3
      - stepId: template
        operationId: createPet
        requestBody:
          contentType: application/merge-patch+json
          payload: '{"name": "{$inputs.name}", "n": 1}'
    """)
    result = run(path, server, inputs={"pet": {"name": "rex", "age": 3}, "name": "tom"})
    assert result.succeeded, result.error
    whole, fields, template = server.requests
    # RB-01: content type from the operation when omitted
    assert whole.headers["content-type"] == "application/json"
    assert whole.json == {"name": "rex", "age": 3}
    assert fields.json == {"name": "tom", "tags": ["tom", "literal"], "n": 3}
    assert template.headers["content-type"] == "application/merge-patch+json"
    assert template.json == {"name": "tom", "n": 1}


def test_RB02_form_multipart_text_xml_bodies(tmp_path: Path, server: ScriptedServer) -> None:
    for route in ("/v1/login", "/v1/upload", "/v1/text", "/v1/xml"):
        server.route("POST", route, Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {user: {type: string}}}
      steps:
      - stepId: form
        operationId: login
        requestBody:
          payload: {user: $inputs.user, scope: [a, b], skip: $inputs.none}
      - stepId: formString
        operationId: login
        requestBody:
          payload: 'grant_type=password&user={$inputs.user}'
      - stepId: multipart
        operationId: upload
        requestBody:
          payload: {name: $inputs.user, meta: {k: 1}}
      - stepId: text
        operationId: postText
        requestBody:
          payload: 'hello {$inputs.user}'
      - stepId: xml
        operationId: postXml
        requestBody:
          payload: '<user><name>{$inputs.user}</name></user>'
    """)
    result = run(path, server, inputs={"user": "ann&co"})
    assert result.succeeded, result.error
    form, form_string, multipart, text, xml = server.requests
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form.body == b"user=ann%26co&scope=a&scope=b"
    assert form_string.body == b"grant_type=password&user=ann&co"
    assert multipart.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="name"' in multipart.body
    assert b"ann&co" in multipart.body
    assert b'{"k":1}' in multipart.body
    assert text.body == b"hello ann&co"
    assert text.headers["content-type"] == "text/plain"
    assert xml.body == b"<user><name>ann&co</name></user>"
    assert xml.headers["content-type"] == "application/xml"


def test_RB03_PR01_replacements_in_order_after_evaluation(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {n: {type: integer}}}
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {name: x, tags: [a], owner: {id: 0}}
          replacements:
          - {target: /name, value: first}
          - {target: /name, value: second}
          - {target: /owner/id, value: $inputs.n}
          - {target: /tags/-, value: b}
          - {target: /created, value: true}
      - stepId: again
        operationId: createPet
        requestBody:
          payload: {name: x}
          replacements:
          - {target: /name, value: unchanged-constant-check}
    """)
    result = run(path, server, inputs={"n": 42})
    assert result.succeeded, result.error
    assert server.requests[0].json == {"name": "second", "tags": ["a", "b"],
                                       "owner": {"id": 42}, "created": True}


def test_RB03_form_string_payload_replacements_address_its_fields(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {scope: {type: string}}}
      steps:
      - stepId: s
        operationId: login
        requestBody:
          payload: 'grant_type=client_credentials&scope=read&empty=&a=1&a=2&b=x+y%21'
          replacements:
          - {target: /scope, value: $inputs.scope}
          - {target: /a/1, value: '3'}
          - {target: /client_id, value: 'abc&d'}
    """)
    result = run(path, server, inputs={"scope": "read write"})
    assert result.succeeded, result.error
    sent = server.requests[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    # fields in their order, replaced in place, a new one appended; encoded as a form again
    assert sent.body == (b"grant_type=client_credentials&scope=read%20write&empty=&a=1&a=3"
                         b"&b=x%20y%21&client_id=abc%26d")


def test_PR01_replacement_target_without_parent_fails_step(tmp_path: Path,
                                                           server: ScriptedServer) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {name: x}
          replacements:
          - {target: /owner/id, value: 1}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert "/owner" in (result.error or "")
    assert server.requests == []


def test_STP04_operation_path_and_server_override(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"ok": True}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationPath: '{$sourceDescriptions.api.url}#/paths/~1status/get'
        outputs: {ok: $response.body#/ok}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"ok": True}


def test_server_variables_and_relative_server_needs_override(tmp_path: Path,
                                                             server: ScriptedServer) -> None:
    openapi = """
    openapi: 3.0.3
    info: {title: t, version: '1'}
    servers:
    - url: /relative
    paths:
      /status:
        get:
          operationId: getStatus
          responses: {'200': {description: ok}}
    """
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
    """, openapi=openapi)
    result = arazzo.run(path, "w", loop_delay=0)
    assert not result.succeeded
    assert "relative" in (result.error or "")
    assert "servers=" in (result.error or "")
    server.route("GET", "/base/status", Reply(200))
    result = arazzo.run(path, "w", servers={"api": server.url + "/base"}, loop_delay=0)
    assert result.succeeded, result.error


def test_SEC03_expression_cannot_escape_server(tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{id}", Reply(200))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {id: {type: string}}}
      steps:
      - stepId: s
        operationId: getPet
        parameters:
        - {name: petId, in: path, value: $inputs.id}
    """)
    for evil in ("..", "../../admin", "http://evil.example/x"):
        result = run(path, server, inputs={"id": evil})
        # either encoded into one harmless path segment, or refused
        for req in server.requests:
            assert req.path.startswith("/v1/pets/")
        assert all(unquote(r.path).count("/") >= 3 for r in server.requests)
        server.requests.clear()
        assert result.steps


def test_header_injection_refused(tmp_path: Path, server: ScriptedServer) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {v: {type: string}}}
      steps:
      - stepId: s
        operationId: getStatus
        parameters:
        - {name: X-V, in: header, value: $inputs.v}
    """)
    result = run(path, server, inputs={"v": "a\r\nX-Evil: 1"})
    assert not result.succeeded
    assert "line break" in (result.error or "")
    assert server.requests == []


@pytest.mark.parametrize("content_type", ["application/json", "application/vnd.api+json",
                                          "application/x-amz-json-1.0"])
def test_RB02_json_family_compact(tmp_path: Path, server: ScriptedServer,
                                  content_type: str) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          contentType: {content_type}
          payload: {{a: 1, b: [1, 2]}}
    """)
    assert run(path, server).succeeded
    assert server.requests[0].body == b'{"a":1,"b":[1,2]}'
    assert server.requests[0].headers["content-type"] == content_type


def test_SEC03_join_url_refuses_to_leave_the_server_every_time() -> None:
    """The joined URL is cached per (base, path, query); a refusal is raised on every call,
    never cached as a result."""
    from arazzo.engine._requests import RequestError, join_url

    base = "https://api.example.com/v1"
    assert join_url(base, "/pets/7", ["a=1"]) == "https://api.example.com/v1/pets/7?a=1"
    assert join_url(base, "/pets/7", ["a=1"]) == "https://api.example.com/v1/pets/7?a=1"
    assert join_url(base, "/pets/7", ["a=2"]) == "https://api.example.com/v1/pets/7?a=2"
    for _ in range(2):
        with pytest.raises(RequestError, match="dot-segments"):
            join_url(base, "/pets/../../admin", [])
    assert join_url(base, "@evil.example.com/x", []) == (  # a path: it stays on the server
        "https://api.example.com/v1/@evil.example.com/x")
