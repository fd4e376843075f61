"""apiKey (header/query/cookie), basic, bearer: effective security, alternatives, sources of
credentials, missing credentials - against the loopback server."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest
from auth_support import (
    API_KEY,
    BEARER,
    PASSWORD,
    api_requests,
    ok_routes,
    workflow,
    write,
)
from server import ScriptedServer

import arazzo

ALL = {"keyHeader": API_KEY, "keyQuery": API_KEY, "keyCookie": API_KEY,
       "basicAuth": ("ada", PASSWORD), "bearerAuth": BEARER}


def _run(server: ScriptedServer, path: Path, wf: str, auth: dict[str, object] | None,
         **kwargs: object) -> arazzo.RunResult:
    ok_routes(server)
    result = arazzo.run(path, wf, servers={"api": server.url}, loop_delay=0,
                        auth=auth, **kwargs)  # type: ignore[arg-type]
    assert result.succeeded, result.error
    return result


def test_each_scheme_kind_is_applied(server: ScriptedServer, tmp_path: Path) -> None:
    path = write(tmp_path, workflow("w", "rootOp", "queryOp", "cookieOp", "basicOp",
                                    "bearerOp"))
    _run(server, path, "w", {"api": ALL})
    root, query, cookie, basic, bearer = api_requests(server)
    assert root.headers["x-api-key"] == API_KEY  # root security (operation has none)
    assert "authorization" not in root.headers
    assert query.query == {"api_key": [API_KEY]}
    assert "x-api-key" not in query.headers  # operation security overrides the root's
    assert cookie.headers["cookie"] == f"sid={API_KEY}"
    expected = base64.b64encode(f"ada:{PASSWORD}".encode()).decode()
    assert basic.headers["authorization"] == f"Basic {expected}"
    assert bearer.headers["authorization"] == f"Bearer {BEARER}"


def test_query_key_joins_other_parameters_and_cookie_joins_cookies(
        server: ScriptedServer, tmp_path: Path) -> None:
    path = write(tmp_path, """\
- workflowId: w
  steps:
  - stepId: q
    operationId: queryOp
    parameters: [{name: page, in: query, value: 2}]
  - stepId: c
    operationId: cookieOp
    parameters: [{name: theme, in: cookie, value: dark}]
""")
    _run(server, path, "w", {"api": ALL})
    query, cookie = api_requests(server)
    assert query.query == {"page": ["2"], "api_key": [API_KEY]}
    assert cookie.headers["cookie"] == f"theme=dark; sid={API_KEY}"


def test_empty_security_and_optional_requirement(server: ScriptedServer,
                                                 tmp_path: Path) -> None:
    path = write(tmp_path, workflow("w", "publicOp", "optionalOp"))
    _run(server, path, "w", None)  # nothing needed: no error without credentials
    public, optional = api_requests(server)
    assert "x-api-key" not in public.headers
    assert "authorization" not in public.headers
    assert "authorization" not in optional.headers
    server.reset()
    _run(server, path, "w", {"api": {"bearerAuth": BEARER}})
    assert api_requests(server)[1].headers["authorization"] == f"Bearer {BEARER}"


def test_alternatives_first_with_credentials_wins(server: ScriptedServer,
                                                  tmp_path: Path) -> None:
    path = write(tmp_path, workflow("w", "eitherOp"))
    _run(server, path, "w", {"api": {"bearerAuth": BEARER}})
    assert api_requests(server)[0].headers["authorization"] == f"Bearer {BEARER}"
    server.reset()
    _run(server, path, "w", {"api": {"bearerAuth": BEARER, "basicAuth": ("ada", PASSWORD)}})
    assert api_requests(server)[0].headers["authorization"].startswith("Basic ")


def test_requirement_with_two_schemes_applies_both(server: ScriptedServer,
                                                   tmp_path: Path) -> None:
    path = write(tmp_path, workflow("w", "bothOp"))
    _run(server, path, "w", {"api": {"keyHeader": API_KEY, "keyQuery": "other-key"}})
    request = api_requests(server)[0]
    assert request.headers["x-api-key"] == API_KEY
    assert request.query == {"api_key": ["other-key"]}


def test_a_step_that_sets_the_credential_itself_is_left_alone(server: ScriptedServer,
                                                              tmp_path: Path) -> None:
    path = write(tmp_path, """\
- workflowId: w
  steps:
  - stepId: own
    operationId: rootOp
    parameters: [{name: X-API-Key, in: header, value: from-the-step}]
  - stepId: ownBearer
    operationId: bearerOp
    parameters: [{name: Authorization, in: header, value: Bearer step-token}]
""")
    _run(server, path, "w", None)
    own, own_bearer = api_requests(server)
    assert own.headers["x-api-key"] == "from-the-step"
    assert own_bearer.headers["authorization"] == "Bearer step-token"


def test_environment_credentials(server: ScriptedServer, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_AUTH_API_KEYHEADER", API_KEY)
    monkeypatch.setenv("ARAZZO_AUTH_API_BASICAUTH_USERNAME", "ada")
    monkeypatch.setenv("ARAZZO_AUTH_API_BASICAUTH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ARAZZO_AUTH_API_BEARERAUTH", "env-bearer")
    path = write(tmp_path, workflow("w", "rootOp", "basicOp", "bearerOp"))
    _run(server, path, "w", {"api": {"bearerAuth": BEARER}})  # auth= wins over the env
    root, basic, bearer = api_requests(server)
    assert root.headers["x-api-key"] == API_KEY
    assert basic.headers["authorization"] == "Basic " + base64.b64encode(
        f"ada:{PASSWORD}".encode()).decode()
    assert bearer.headers["authorization"] == f"Bearer {BEARER}"


def test_env_name_rule() -> None:
    from arazzo.engine._auth import env_name

    assert env_name("petStore", "api_key") == "ARAZZO_AUTH_PETSTORE_API_KEY"
    assert env_name("my-api", "oauth.cc") == "ARAZZO_AUTH_MY_API_OAUTH_CC"


def test_missing_credentials_is_one_error_before_any_request(
        server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_AUTH_API_KEYHEADER", raising=False)
    monkeypatch.setenv("ARAZZO_AUTH_API_BASICAUTH_USERNAME", "ada")  # half set
    path = write(tmp_path, workflow("w", "publicOp", "rootOp", "basicOp", "eitherOp",
                                    "codeOp"))
    ok_routes(server)
    with pytest.raises(arazzo.MissingCredentials) as info:
        arazzo.run(path, "w", servers={"api": server.url})
    message = str(info.value)
    assert server.requests == []
    assert isinstance(info.value, arazzo.InputError)
    assert "scheme 'keyHeader' of source 'api' (apiKey in header X-API-Key)" in message
    assert "ARAZZO_AUTH_API_KEYHEADER" in message
    assert "--auth 'api.keyHeader=${VAR}'" in message
    assert "ARAZZO_AUTH_API_BASICAUTH_PASSWORD is not set" in message
    assert "any one of" in message
    assert "http-digest is not supported" in message
    assert "only the clientCredentials flow is fetched" in message
    assert ("api", "keyHeader", "ARAZZO_AUTH_API_KEYHEADER") in info.value.missing


def test_bad_auth_arguments(tmp_path: Path) -> None:
    path = write(tmp_path, workflow("w", "rootOp"))
    with pytest.raises(arazzo.InputError, match="no OpenAPI source description named 'apj'; "
                                                "did you mean 'api'"):
        arazzo.run(path, "w", auth={"apj": {"keyHeader": "x"}})
    with pytest.raises(arazzo.InputError, match="declares no security scheme 'keyheader'; "
                                                "did you mean 'keyHeader'"):
        arazzo.run(path, "w", auth={"api": {"keyheader": "x"}})
    with pytest.raises(arazzo.InputError, match=r"HTTP basic scheme takes a \(username, "
                                                r"password\) pair, got str"):
        arazzo.run(path, "w", auth={"api": {"basicAuth": "ada:pw"}})


def test_none_sends_without_credentials(server: ScriptedServer, tmp_path: Path) -> None:
    path = write(tmp_path, workflow("w", "rootOp"))
    _run(server, path, "w", {"api": None})
    assert "x-api-key" not in api_requests(server)[0].headers


def test_a_caller_transport_is_trusted_when_credentials_are_missing(
        server: ScriptedServer, tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    path = write(tmp_path, workflow("w", "rootOp", "bearerOp"))
    result = arazzo.run(path, "w", transports={"api": httpx.MockTransport(handler)})
    assert result.succeeded, result.error
    assert "x-api-key" not in seen[0].headers
    # credentials given are applied whatever the transport
    seen.clear()
    result = arazzo.run(path, "w", transports={"api": httpx.MockTransport(handler)},
                        auth={"api": {"keyHeader": API_KEY}})
    assert seen[0].headers["x-api-key"] == API_KEY


def test_run_async_applies_credentials(server: ScriptedServer, tmp_path: Path) -> None:
    ok_routes(server)
    path = write(tmp_path, workflow("w", "rootOp", "bearerOp"))
    result = asyncio.run(arazzo.run_async(path, "w", servers={"api": server.url},
                                          auth={"api": {"keyHeader": API_KEY,
                                                        "bearerAuth": BEARER}}))
    assert result.succeeded, result.error
    root, bearer = api_requests(server)
    assert root.headers["x-api-key"] == API_KEY
    assert bearer.headers["authorization"] == f"Bearer {BEARER}"
