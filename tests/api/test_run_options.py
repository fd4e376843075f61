"""``RunOptions``: one frozen value for the options ``run``, ``run_async``, ``prepare``,
``check_run`` and ``dry_run`` share; its fields also work as keyword arguments beside it
(they win), checked when the value is made, against a real loopback server."""

from __future__ import annotations

import asyncio
import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import Reply, ScriptedServer, closed_port

import arazzo
from arazzo import DEFAULT_CRITERIA, RunOptions
from arazzo._run import prepare
from arazzo.engine._events import Hook
from arazzo.expressions import EvaluationContext

OPENAPI = """\
openapi: 3.0.3
info: {title: app, version: '1'}
servers: [{url: 'https://api.example.com'}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /version:
    get:
      operationId: getVersion
      security: [{key: []}]
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: versions, version: '1'}
sourceDescriptions:
  - {name: app, url: ./app.openapi.yaml, type: openapi}
workflows:
  - workflowId: check
    steps:
      - stepId: version
        operationId: getVersion
        successCriteria:
          - condition: $statusCode == 200
          - context: $response.body#/version
            condition: '2.'
            type: prefix
        outputs:
          version: $response.body#/version
    outputs:
      version: $steps.version.outputs.version
"""


class Prefix:
    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        return isinstance(value, str) and value.startswith(compiled)


CRITERIA = DEFAULT_CRITERIA.with_type("prefix", Prefix())
SECRET = "k-7f3a-do-not-show"


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    (tmp_path / "app.openapi.yaml").write_text(OPENAPI)
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(textwrap.dedent(ARAZZO))
    return path


def _options(server: ScriptedServer, **changes: Any) -> RunOptions:
    base = RunOptions(servers={"app": server.url}, auth={"app": {"key": SECRET}},
                      criteria=CRITERIA, max_steps=10, timeout=10)
    return base.replace(**changes)


def test_one_value_serves_check_dry_run_run_and_run_async(flow: Path,
                                                          server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4.1"}))
    options = _options(server)
    arazzo.check_run(flow, "check", {}, options=options)
    dry = arazzo.dry_run(flow, "check", {}, options=options)
    (request,) = dry.requests
    assert request.url == f"{server.url}/version"
    assert ("X-Key", "***") in request.headers
    result = arazzo.run(flow, "check", {}, options=options)
    assert result.succeeded, result.error
    assert result.outputs == {"version": "2.4.1"}
    again = asyncio.run(arazzo.run_async(flow, "check", {}, options=options))
    assert again.outputs == {"version": "2.4.1"}
    _, engine = prepare(flow, "check", {}, options=options)
    assert engine.max_steps == 10
    assert [r.headers.get("x-key") for r in server.requests] == [SECRET, SECRET]


def test_without_the_options_the_custom_criterion_is_refused_everywhere(flow: Path) -> None:
    for call in (arazzo.check_run, arazzo.dry_run, arazzo.run):
        with pytest.raises(arazzo.ValidationFailed, match="prefix"):
            call(flow, "check", {}, servers={"app": "http://127.0.0.1:9"},
                 auth={"app": {"key": SECRET}})


def test_keyword_arguments_beside_options_replace_its_fields(flow: Path,
                                                             server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.0"}))
    dead_url = f"http://127.0.0.1:{closed_port()}"
    dead = _options(server, servers={"app": dead_url})
    failed = arazzo.run(flow, "check", {}, options=dead)
    assert not failed.succeeded
    assert failed.failure is not None
    assert failed.failure.kind == "transport"
    assert server.requests == []
    result = arazzo.run(flow, "check", {}, options=dead, servers={"app": server.url})
    assert result.succeeded, result.error
    assert dead.servers == {"app": dead_url}  # the call's value did not change the options
    assert len(server.requests) == 1


def test_transports_in_the_options_are_trusted_by_check_run_as_by_run(flow: Path) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"version": "2.9"})

    no_auth = RunOptions(criteria=CRITERIA)
    with pytest.raises(arazzo.MissingCredentials):
        arazzo.check_run(flow, "check", {}, options=no_auth)
    given = no_auth.replace(transports={"app": httpx.MockTransport(reply)})
    arazzo.check_run(flow, "check", {}, options=given)
    assert arazzo.run(flow, "check", {}, options=given).outputs == {"version": "2.9"}


def test_the_value_is_frozen_and_copies_what_it_is_given() -> None:
    servers = {"app": "http://127.0.0.1:1"}
    hooks: list[Hook] = [print]
    options = RunOptions(servers=servers, hooks=hooks)
    servers["app"] = "http://elsewhere.example"
    hooks.append(repr)
    assert options.servers == {"app": "http://127.0.0.1:1"}
    assert options.hooks == (print,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.max_steps = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        options.servers["app"] = "x"  # type: ignore[index]
    assert options.replace(max_steps=3).max_steps == 3
    assert options.max_steps is None
    assert RunOptions().replace(hooks=print).hooks == (print,)
    assert RunOptions(providers=()).providers == ()
    assert RunOptions() == RunOptions()


def test_auth_never_shows_in_the_repr() -> None:
    options = RunOptions(auth={"app": {"key": SECRET}}, servers={"app": "http://h"})
    assert SECRET not in repr(options)
    assert "servers" in repr(options)
    assert options.auth == {"app": {"key": SECRET}}  # the caller's data is handed back whole


@pytest.mark.parametrize(("changes", "message"), [
    ({"servers": ["http://h"]}, "servers must be a mapping {source: base URL}, not list"),
    ({"servers": {"app": 8080}}, "servers: the URL of 'app' must be a string, not int"),
    ({"transports": "x"}, "transports must be a mapping {source: httpx transport}, not str"),
    ({"auth": "token"}, "auth must be a mapping"),
    ({"hooks": [1]}, "hooks must be callables, got int"),
    ({"hooks": 5}, "hooks must be a callable or an iterable of callables, not int"),
    ({"providers": "aws"}, "providers must be a sequence of providers, not str"),
    ({"criteria": {"simple": None}}, "criteria must be CriterionTypes"),
    ({"max_steps": 0}, "max_steps must be at least 1"),
    ({"max_steps": 2.5}, "max_steps must be an integer, not float"),
    ({"max_steps": True}, "max_steps must be an integer, not bool"),
    ({"loop_delay": -1}, "loop_delay must be >= 0 seconds"),
    ({"loop_delay": "1"}, "loop_delay must be a number, not str"),
    ({"timeout": 0}, "timeout must be > 0 seconds"),
    ({"record_limit": -1}, "record_limit must be >= 0"),
    ({"max_response_bytes": 0}, "max_response_bytes must be at least 1"),
    ({"max_response_bytes": None}, "max_response_bytes must be an integer, not NoneType"),
])
def test_a_bad_value_is_refused_when_the_value_is_made(changes: dict[str, Any],
                                                       message: str, flow: Path) -> None:
    with pytest.raises(arazzo.InputError) as made:
        RunOptions(**changes)
    assert message in str(made.value)
    with pytest.raises(arazzo.InputError) as given:  # and as a keyword argument, before I/O
        arazzo.run(flow, "check", {}, **changes)
    assert message in str(given.value)


def test_an_unknown_option_names_the_call_and_the_closest_option(flow: Path) -> None:
    with pytest.raises(TypeError, match=r"run\(\) got an unexpected keyword argument "
                                        r"'sever'; did you mean 'servers'\?"):
        arazzo.run(flow, "check", {}, sever={})  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"check_run\(\) .* 'timeout_s'; did you mean "
                                        r"'timeout'\?"):
        arazzo.check_run(flow, "check", {}, timeout_s=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"RunOptions.replace\(\) .* 'hook'"):
        RunOptions().replace(hook=print)
    with pytest.raises(arazzo.InputError, match="options must be RunOptions, not dict"):
        arazzo.run(flow, "check", {}, options={"servers": {}})  # type: ignore[arg-type]


def test_every_field_has_its_check() -> None:
    from arazzo._options import _CHECKS

    assert _CHECKS.keys() == {f.name for f in dataclasses.fields(RunOptions)}
