"""``arazzo run --auth`` and ``--sigv4``: credentials from the environment only, dry runs
announce (masked) auth, forced SigV4 for a description that does not declare it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from auth_support import (
    ACCESS_1,
    API_KEY,
    CLIENT_SECRET,
    PASSWORD,
    ROOT,
    api_requests,
    ok_routes,
    token_reply,
    token_requests,
    workflow,
    write,
)
from server import Reply, ScriptedServer

from arazzo.cli import main

AWS_KEY = "AKIAFORCEDSIGV4TEST1"
AWS_SECRET = "forced-sigv4-secret-Zq8vN2xT"


def _cli(argv: list[str], env: dict[str, str], tmp_path: Path
         ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("AWS_", "ARAZZO_AUTH_"))}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    clean.update({"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
                  "AWS_CONFIG_FILE": str(home / "config"),
                  "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"), **env})
    return subprocess.run([sys.executable, "-m", "arazzo", *argv], capture_output=True,
                          text=True, cwd=ROOT, env=clean, timeout=120, check=False)


def test_auth_option_reads_the_environment(server: ScriptedServer, tmp_path: Path) -> None:
    ok_routes(server)
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1))
    path = write(tmp_path, workflow("w", "rootOp", "basicOp", "oauthOp"))
    done = _cli(["run", str(path), "--server", f"api={server.url}", "--format", "json",
                 "--auth", "api.keyHeader=${MY_KEY}",
                 "--auth", "api.basicAuth=ada:${MY_PASSWORD}",
                 "--auth", "api.cc=${CID}:${CSECRET}"],
                {"MY_KEY": API_KEY, "MY_PASSWORD": PASSWORD, "CID": "cli-client",
                 "CSECRET": CLIENT_SECRET}, tmp_path)
    assert done.returncode == 0, done.stderr
    root, basic, oauth = api_requests(server)
    assert root.headers["x-api-key"] == API_KEY
    assert basic.headers["authorization"] == "Basic " + base64.b64encode(
        f"ada:{PASSWORD}".encode()).decode()
    assert oauth.headers["authorization"] == f"Bearer {ACCESS_1}"
    token = token_requests(server)[0]
    assert base64.b64decode(token.headers["authorization"][6:]).decode() == \
        f"cli-client:{CLIENT_SECRET}"
    for secret in (API_KEY, PASSWORD, CLIENT_SECRET, ACCESS_1):
        assert secret not in done.stdout + done.stderr


def test_literal_secrets_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    path = write(tmp_path, workflow("w", "rootOp", "basicOp"))
    cases = {
        "api.keyHeader=abc": "secret values are read from the environment only, e.g. "
                             "--auth 'api.keyHeader=${VAR}'",
        "api.basicAuth=ada:hunter2": "--auth 'api.basicAuth=${USER}:${PASSWORD}'",
        "api.basicAuth=${X}": "HTTP basic takes USER:PASSWORD",
        "api.keyHeader=${ARAZZO_TEST_SURELY_UNSET}": "environment variable "
                                                    "ARAZZO_TEST_SURELY_UNSET is not set",
        "apj.keyHeader=${X}": "no OpenAPI source description named 'apj'; did you mean 'api'?",
        "api.keyheader=${X}": "declares no security scheme 'keyheader'; did you mean "
                              "'keyHeader'?",
        "api=yes": "api=none to send without credentials",
    }
    for value, message in cases.items():
        code = main(["run", str(path), "--auth", value])
        err = capsys.readouterr().err
        assert code == 2, value
        assert message in err, (value, err)
        assert "hunter2" not in err


def test_missing_credentials_exit_2_and_name_the_fix(
        server: ScriptedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_AUTH_API_KEYHEADER", raising=False)
    path = write(tmp_path, workflow("w", "rootOp"))
    code = main(["run", str(path), "--server", f"api={server.url}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "missing credentials, nothing was sent" in err
    assert "ARAZZO_AUTH_API_KEYHEADER" in err
    assert "--auth 'api.keyHeader=${VAR}'" in err
    assert server.requests == []
    # a secret --header for the source is trusted instead
    monkeypatch.setenv("ARAZZO_TEST_HEADER_KEY", API_KEY)
    ok_routes(server)
    code = main(["run", str(path), "--server", f"api={server.url}", "--quiet",
                 "--header", "api:X-API-Key=${ARAZZO_TEST_HEADER_KEY}"])
    assert code == 0, capsys.readouterr().err
    assert server.requests[0].headers["x-api-key"] == API_KEY
    # and SOURCE=none sends without credentials
    server.reset()
    ok_routes(server)
    assert main(["run", str(path), "--server", f"api={server.url}", "--quiet",
                 "--auth", "api=none"]) == 0
    assert "x-api-key" not in server.requests[0].headers


def test_dry_run_shows_auth_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", API_KEY)
    monkeypatch.setenv("CID", "cli-client")
    monkeypatch.setenv("CSECRET", CLIENT_SECRET)
    monkeypatch.delenv("ARAZZO_AUTH_API_BEARERAUTH", raising=False)
    path = write(tmp_path, workflow("w", "rootOp", "queryOp", "oauthOp", "bearerOp"))
    code = main(["run", str(path), "--dry-run", "--auth", "api.keyHeader=${MY_KEY}",
                 "--auth", "api.keyQuery=${MY_KEY}", "--auth", "api.cc=${CID}:${CSECRET}"])
    out = capsys.readouterr().out
    assert code == 0
    assert "X-API-Key: ***" in out
    assert "/query?api_key=***" in out
    assert "(auth: apiKey in header X-API-Key (scheme 'keyHeader', from auth=))" in out
    assert ("(auth: OAuth2 client credentials (scheme 'cc', from auth=): token from "
            "https://api.example.com/oauth/token, fetched when sent)") in out
    assert "Authorization: ***" in out
    assert "(auth: missing credentials: needs scheme 'bearerAuth'" in out
    assert API_KEY not in out
    assert CLIENT_SECRET not in out
    code = main(["run", str(path), "--dry-run", "--format", "json", "--auth",
                 "api.keyHeader=${MY_KEY}"])
    data = json.loads(capsys.readouterr().out)
    assert data["requests"][0]["auth"] == [
        "apiKey in header X-API-Key (scheme 'keyHeader', from auth=)"]


PLAIN_OPENAPI = """\
openapi: 3.0.3
info: {title: Plain, version: '1'}
servers: [{url: 'https://runtime.example.com'}]
paths:
  /invoke:
    post:
      operationId: invoke
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: ok}}
"""

PLAIN_ARAZZO = """\
arazzo: 1.0.1
info: {title: plain, version: '1'}
sourceDescriptions:
- {name: plain, url: ./plain.openapi.yaml, type: openapi}
workflows:
- workflowId: w
  steps:
  - stepId: invoke
    operationId: invoke
    requestBody: {payload: {a: 1}}
"""


def test_forced_sigv4_signs_a_source_that_does_not_declare_it(
        server: ScriptedServer, tmp_path: Path) -> None:
    (tmp_path / "plain.openapi.yaml").write_text(PLAIN_OPENAPI)
    path = tmp_path / "plain.arazzo.yaml"
    path.write_text(PLAIN_ARAZZO)
    server.route("POST", "/invoke", Reply(200, json={"ok": True}))
    env = {"AWS_ACCESS_KEY_ID": AWS_KEY, "AWS_SECRET_ACCESS_KEY": AWS_SECRET}
    done = _cli(["run", str(path), "--server", f"plain={server.url}", "--sigv4",
                 "plain=execute-api:eu-west-1"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    request = server.requests[0]
    auth = request.headers["authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={AWS_KEY}/")
    assert "/eu-west-1/execute-api/aws4_request" in auth
    assert "x-amz-date" in request.headers
    assert AWS_SECRET not in done.stdout + done.stderr
    # the dry run says it will be signed; without --sigv4 nothing is signed
    dry = _cli(["run", str(path), "--dry-run", "--sigv4", "plain=execute-api:eu-west-1"],
               env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "(signed with AWS SigV4 (execute-api, eu-west-1; --sigv4) when sent)" in dry.stdout
    server.reset()
    server.route("POST", "/invoke", Reply(200, json={"ok": True}))
    assert main(["run", str(path), "--server", f"plain={server.url}", "--quiet"]) == 0
    assert "authorization" not in server.requests[0].headers


def test_sigv4_option_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain.openapi.yaml").write_text(PLAIN_OPENAPI)
    path = tmp_path / "plain.arazzo.yaml"
    path.write_text(PLAIN_ARAZZO)
    assert main(["run", str(path), "--sigv4", "plian"]) == 2
    assert "--sigv4 plian: no OpenAPI source description named 'plian'; did you mean " \
           "'plain'?" in capsys.readouterr().err
    assert main(["run", str(path), "--sigv4", "plain=x:"]) == 2
    assert "--sigv4 takes SOURCE[=SERVICE[:REGION]]" in capsys.readouterr().err
