"""Credentials never leak: records, events, errors, results, snapshots, logs, reports
(JUnit/JSON/HAR), dry runs and reprs are searched for every secret string."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from auth_support import (
    ACCESS_1,
    ACCESS_2,
    API_KEY,
    BEARER,
    CLIENT_SECRET,
    PASSWORD,
    SECRETS,
    ok_routes,
    token_reply,
)
from auth_support import write as write_doc
from server import Recorded, Reply, ScriptedServer

import arazzo
from arazzo._run import prepare
from arazzo.cli import main

CLIENT = {"client_id": "my-client", "client_secret": CLIENT_SECRET}
AUTH = {"api": {"keyHeader": API_KEY, "keyQuery": API_KEY, "keyCookie": API_KEY,
                "basicAuth": ("ada", PASSWORD), "bearerAuth": BEARER, "cc": CLIENT}}

WORKFLOWS = """\
- workflowId: w
  steps:
  - {stepId: root, operationId: rootOp}
  - {stepId: query, operationId: queryOp}
  - {stepId: cookie, operationId: cookieOp}
  - {stepId: basic, operationId: basicOp}
  - stepId: bearer
    operationId: bearerOp
    outputs: {echoed: $response.body#/echo, sent: $request.header.Authorization}
  - stepId: oauth
    operationId: oauthOp
    outputs: {echoed: $response.body#/echo}
  - stepId: oauthAgain
    operationId: oauthOp2
  outputs:
    echoed: $steps.bearer.outputs.echoed
    oauthEchoed: $steps.oauth.outputs.echoed
- workflowId: failing
  steps:
  - {stepId: oauthWrite, operationId: oauthWriteOp}
"""


def _echo(request: Recorded) -> Reply:
    """Echoes what it received, credentials included (a careless API)."""
    return Reply(200, json={"echo": request.headers.get("authorization"),
                            "query": request.raw_query, "cookie": request.headers.get("cookie")})


def _script(server: ScriptedServer) -> None:
    for path in ("/bearer", "/oauth"):
        server.route("GET", path, _echo)
    # the first token is refused on the second use: renewed once after the 401
    server.route("GET", "/oauth2", lambda r: Reply(200, json={"echo": r.headers.get(
        "authorization")}) if ACCESS_2 in r.headers.get("authorization", "") else Reply(
        401, json={"error": "invalid_token", "token": ACCESS_1}))
    server.route("POST", "/oauth/token",
                 lambda r: Reply(400, json={"error": "invalid_scope",
                                            "error_description": f"bad {CLIENT_SECRET}"})
                 if "write" in r.body.decode() else token_reply(ACCESS_1, ACCESS_2)[0],
                 lambda r: Reply(400, json={"error": "invalid_scope",
                                            "error_description": f"bad {CLIENT_SECRET}"})
                 if "write" in r.body.decode() else token_reply(ACCESS_2)[0])
    ok_routes(server)  # after the echoing routes (the first matching route answers)


def _clean(texts: list[str]) -> None:
    blob = "\n".join(texts)
    for secret in SECRETS:
        assert secret not in blob, f"{secret!r} leaked"


def test_secrets_never_leak_from_a_python_run(server: ScriptedServer, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _script(server)
    path = write_doc(tmp_path, WORKFLOWS)
    events: list[object] = []
    texts: list[str] = []
    result = arazzo.run(path, "w", servers={"api": server.url}, auth=AUTH,
                        hooks=events.append, loop_delay=0)
    assert result.succeeded, result.error
    assert result.outputs["echoed"] == f"Bearer {BEARER}"  # the caller's data, unmasked
    assert result.masked().outputs["echoed"] == "Bearer ***"
    assert result.step("bearer") is not None
    texts += [result.masked().to_json(), repr(result), repr(events), str(result.steps)]
    # the requests really carried the secrets
    assert any(API_KEY in r.raw_query for r in server.requests)
    failed = arazzo.run(path, "failing", servers={"api": server.url}, auth=AUTH,
                        hooks=events.append)
    assert not failed.succeeded
    assert "HTTP 400 invalid_scope bad ***" in (failed.error or "")
    texts += [failed.masked().to_json(), repr(failed), repr(events), failed.error or ""]
    _doc, engine = prepare(path, "w", servers={"api": server.url}, auth=AUTH)
    texts += [json.dumps(engine.snapshot()), repr(engine.auth),
              repr(engine.auth.given if engine.auth else None)]
    texts += [r.getMessage() for r in caplog.records]
    _clean(texts)


def test_secrets_never_leak_from_the_command_line(
        server: ScriptedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _script(server)
    path = write_doc(tmp_path, WORKFLOWS)
    monkeypatch.setenv("ARAZZO_AUTH_API_KEYHEADER", API_KEY)
    monkeypatch.setenv("ARAZZO_AUTH_API_KEYQUERY", API_KEY)
    monkeypatch.setenv("ARAZZO_AUTH_API_KEYCOOKIE", API_KEY)
    monkeypatch.setenv("ARAZZO_AUTH_API_BEARERAUTH", BEARER)
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("CS", CLIENT_SECRET)
    out = tmp_path / "reports"
    texts: list[str] = []
    for workflow_id in ("w", "failing"):
        argv = ["run", str(path), "-w", workflow_id, "--server", f"api={server.url}",
                "--auth", "api.basicAuth=ada:${PW}", "--auth", "api.cc=my-client:${CS}",
                "--report", f"junit={out / workflow_id / 'junit.xml'}",
                "--report", f"json={out / workflow_id / 'run.json'}",
                "--report", f"har={out / workflow_id / 'run.har'}"]
        main(["--log-level", "DEBUG", *argv])
        captured = capsys.readouterr()
        texts += [captured.out, captured.err]
        main([*argv[:-6], "--format", "json"])
        captured = capsys.readouterr()
        texts += [captured.out, captured.err]
        main([*argv[:-6], "--dry-run"])
        captured = capsys.readouterr()
        texts += [captured.out, captured.err]
    reports = sorted(out.rglob("*"))
    assert len([p for p in reports if p.is_file()]) == 6
    texts += [p.read_text(encoding="utf-8") for p in reports if p.is_file()]
    har = json.loads((out / "w" / "run.har").read_text(encoding="utf-8"))
    headers = {h["name"]: h["value"] for e in har["log"]["entries"]
               for h in e["request"]["headers"]}
    assert headers["Authorization"] == "***"
    assert headers["X-API-Key"] == "***"
    _clean(texts)
