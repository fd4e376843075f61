"""OAuth2 client credentials: token fetch through the source transport, caching, expiry
(injectable clock), one renewal after a 401, token endpoint failures."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from auth_support import (
    ACCESS_1,
    ACCESS_2,
    CLIENT_SECRET,
    api_requests,
    ok_routes,
    token_reply,
    token_requests,
    workflow,
    write,
)
from server import Reply, ScriptedServer

import arazzo
from arazzo._prepare import _Transports
from arazzo._run import drive_sync, prepare
from arazzo.engine._events import StepFinished
from arazzo.transports._httpx import default_transport

CLIENT = {"client_id": "my-client", "client_secret": CLIENT_SECRET}


def _bearer(request: object) -> str:
    return request.headers["authorization"]  # type: ignore[attr-defined, no-any-return]


def test_token_is_fetched_once_and_cached_across_steps(server: ScriptedServer,
                                                        tmp_path: Path) -> None:
    ok_routes(server)
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1, ACCESS_2))
    path = write(tmp_path, workflow("w", "oauthOp", "oauthOp2", "oauthOp", "oauthWriteOp"))
    result = arazzo.run(path, "w", servers={"api": server.url}, auth={"api": {"cc": CLIENT}})
    assert result.succeeded, result.error
    tokens = token_requests(server)
    assert len(tokens) == 2  # one per scope set: [read] and [read, write]
    first = tokens[0]
    assert first.path == "/oauth/token"  # relative tokenUrl: resolved against the server
    expected = base64.b64encode(f"my-client:{CLIENT_SECRET}".encode()).decode()
    assert first.headers["authorization"] == f"Basic {expected}"
    assert first.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(first.body.decode()) == {"grant_type": ["client_credentials"],
                                            "scope": ["read"]}
    assert parse_qs(tokens[1].body.decode())["scope"] == ["read write"]
    calls = api_requests(server)
    assert [_bearer(r) for r in calls] == [f"Bearer {ACCESS_1}"] * 3 + [f"Bearer {ACCESS_2}"]
    # the token exchange is not a step: one record per step
    assert [r.step_id for r in result.steps] == ["s0_oauthOp", "s1_oauthOp2", "s2_oauthOp",
                                                 "s3_oauthWriteOp"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _run_with_clock(server: ScriptedServer, path: Path, clock: Clock, *,
                    advance: float) -> arazzo.RunResult:
    def hook(event: object) -> None:
        if isinstance(event, StepFinished):
            clock.now += advance

    doc, engine = prepare(path, "w", servers={"api": server.url}, hooks=hook,
                          auth={"api": {"cc": CLIENT}}, loop_delay=0)
    assert engine.auth is not None
    engine.auth.clock = clock
    chooser = _Transports(doc, None, default_transport(), asynchronous=False)
    return drive_sync(engine.run(), chooser.get, timeout=30, max_response_bytes=2**20)


def test_token_is_renewed_when_it_expires(server: ScriptedServer, tmp_path: Path) -> None:
    ok_routes(server)
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1, ACCESS_2, expires_in=100))
    path = write(tmp_path, workflow("w", "oauthOp", "oauthOp2", "oauthOp"))
    clock = Clock()
    # 100 s tokens are renewed 10 s early: 85 s later still valid, 170 s later renewed
    result = _run_with_clock(server, path, clock, advance=85)
    assert result.succeeded, result.error
    assert len(token_requests(server)) == 2
    assert [_bearer(r) for r in api_requests(server)] == [
        f"Bearer {ACCESS_1}", f"Bearer {ACCESS_1}", f"Bearer {ACCESS_2}"]


def test_token_without_expires_in_is_kept(server: ScriptedServer, tmp_path: Path) -> None:
    ok_routes(server)
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1, ACCESS_2, expires_in=None))
    path = write(tmp_path, workflow("w", "oauthOp", "oauthOp2"))
    result = _run_with_clock(server, path, Clock(), advance=10**6)
    assert result.succeeded, result.error
    assert len(token_requests(server)) == 1


def test_a_401_with_a_cached_token_fetches_a_new_one_once(server: ScriptedServer,
                                                          tmp_path: Path) -> None:
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1, ACCESS_2))
    server.route("GET", "/oauth", Reply(200, json={}))
    server.route("GET", "/oauth2",
                 lambda r: Reply(200, json={}) if _bearer(r) == f"Bearer {ACCESS_2}"
                 else Reply(401, json={"error": "invalid_token"}))
    path = write(tmp_path, workflow("w", "oauthOp", "oauthOp2"))
    events: list[object] = []
    result = arazzo.run(path, "w", servers={"api": server.url}, auth={"api": {"cc": CLIENT}},
                        hooks=events.append)
    assert result.succeeded, result.error
    assert len(token_requests(server)) == 2
    assert [(r.path, _bearer(r)) for r in api_requests(server)] == [
        ("/oauth", f"Bearer {ACCESS_1}"), ("/oauth2", f"Bearer {ACCESS_1}"),
        ("/oauth2", f"Bearer {ACCESS_2}")]
    assert [r.status_code for r in result.steps] == [200, 200]


def test_a_401_with_a_fresh_token_is_the_answer(server: ScriptedServer,
                                                tmp_path: Path) -> None:
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1, ACCESS_2))
    server.route("GET", "/oauth", Reply(401, json={"error": "invalid_token"}))
    path = write(tmp_path, workflow("w", "oauthOp"))
    result = arazzo.run(path, "w", servers={"api": server.url}, auth={"api": {"cc": CLIENT}})
    assert not result.succeeded
    assert len(token_requests(server)) == 1
    assert len(api_requests(server)) == 1
    assert result.steps[0].status_code == 401


def test_token_endpoint_failure_fails_the_step(server: ScriptedServer,
                                               tmp_path: Path) -> None:
    server.route("POST", "/oauth/token", Reply(401, json={
        "error": "invalid_client", "error_description": "client authentication failed"}))
    path = write(tmp_path, workflow("w", "oauthOp"))
    result = arazzo.run(path, "w", servers={"api": server.url}, auth={"api": {"cc": CLIENT}})
    assert not result.succeeded
    assert api_requests(server) == []
    assert result.error is not None
    assert (f"cannot get an OAuth2 token for scheme 'cc' from {server.url}/oauth/token: "
            "HTTP 401 invalid_client client authentication failed") in result.error
    assert result.steps[0].error_code == "auth"
    assert result.failure is not None
    assert (result.failure.kind, result.failure.step_id) == ("auth", result.steps[0].step_id)
    assert [r.kind for r in result.steps[0].reasons] == ["auth"]


def test_token_answer_without_access_token(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("POST", "/oauth/token", Reply(200, json={"token_type": "Bearer"}))
    path = write(tmp_path, workflow("w", "oauthOp"))
    result = arazzo.run(path, "w", servers={"api": server.url}, auth={"api": {"cc": CLIENT}})
    assert not result.succeeded
    assert "the answer has no access_token" in (result.error or "")


def test_absolute_token_url_and_environment_client(server: ScriptedServer, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ok_routes(server)
    server.route("POST", "/idp/token", *token_reply(ACCESS_1))
    monkeypatch.setenv("ARAZZO_AUTH_API_CCABSOLUTE_CLIENT_ID", "env-client")
    monkeypatch.setenv("ARAZZO_AUTH_API_CCABSOLUTE_CLIENT_SECRET", CLIENT_SECRET)
    path = write(tmp_path, workflow("w", "oauthAbsOp"), token_url=f"{server.url}/idp/token")
    result = arazzo.run(path, "w", servers={"api": server.url})
    assert result.succeeded, result.error
    token = token_requests(server)[0]
    assert token.path == "/idp/token"
    assert parse_qs(token.body.decode()) == {"grant_type": ["client_credentials"]}
    assert base64.b64decode(token.headers["authorization"][6:]).decode() == \
        f"env-client:{CLIENT_SECRET}"
    assert _bearer(api_requests(server)[0]) == f"Bearer {ACCESS_1}"


def test_a_given_access_token_is_sent_as_is(server: ScriptedServer, tmp_path: Path) -> None:
    ok_routes(server)
    path = write(tmp_path, workflow("w", "oauthOp", "codeOp"))
    result = arazzo.run(path, "w", servers={"api": server.url},
                        auth={"api": {"cc": ACCESS_1, "code": {"access_token": ACCESS_2}}})
    assert result.succeeded, result.error
    assert token_requests(server) == []
    assert [_bearer(r) for r in api_requests(server)] == [f"Bearer {ACCESS_1}",
                                                          f"Bearer {ACCESS_2}"]


def test_async_run_fetches_tokens_too(server: ScriptedServer, tmp_path: Path) -> None:
    ok_routes(server)
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1))
    path = write(tmp_path, workflow("w", "oauthOp", "oauthOp2"))
    result = asyncio.run(arazzo.run_async(path, "w", servers={"api": server.url},
                                          auth={"api": {"cc": CLIENT}}))
    assert result.succeeded, result.error
    assert len(token_requests(server)) == 1
    assert [_bearer(r) for r in api_requests(server)] == [f"Bearer {ACCESS_1}"] * 2
