"""Documents and secrets shared by the auth tests (named apart from ``conftest``)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server import Recorded, Reply, ScriptedServer

ROOT = Path(__file__).resolve().parents[2]

#: secret values that must never show up in any output
API_KEY = "key-6f1d9c2e-very-secret"
PASSWORD = "pw-3a7be91c-very-secret"
BEARER = "bearer-0c44d1f2-very-secret"
CLIENT_SECRET = "client-secret-9e2f7a55"
ACCESS_1 = "access-token-one-81c2f0"
ACCESS_2 = "access-token-two-5d7e13"
SECRETS = (API_KEY, PASSWORD, BEARER, CLIENT_SECRET, ACCESS_1, ACCESS_2)

OPENAPI = """
openapi: 3.0.3
info: {title: Secure, version: '1'}
servers:
- url: https://api.example.com
security:
- keyHeader: []
components:
  securitySchemes:
    keyHeader: {type: apiKey, in: header, name: X-API-Key}
    keyQuery: {type: apiKey, in: query, name: api_key}
    keyCookie: {type: apiKey, in: cookie, name: sid}
    basicAuth: {type: http, scheme: basic}
    bearerAuth: {type: http, scheme: bearer}
    digestAuth: {type: http, scheme: digest}
    cc:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: /oauth/token
          scopes: {read: read things, write: write things}
    ccAbsolute:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: TOKEN_URL
          scopes: {}
    code:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://idp.example.com/authorize
          tokenUrl: https://idp.example.com/token
          scopes: {}
paths:
  /root:
    get: {operationId: rootOp, responses: {'200': {description: ok}}}
  /query:
    get:
      operationId: queryOp
      security: [{keyQuery: []}]
      parameters:
      - {name: page, in: query, schema: {type: integer}}
      responses: {'200': {description: ok}}
  /cookie:
    get:
      operationId: cookieOp
      security: [{keyCookie: []}]
      parameters:
      - {name: theme, in: cookie, schema: {type: string}}
      responses: {'200': {description: ok}}
  /basic:
    get:
      operationId: basicOp
      security: [{basicAuth: []}]
      responses: {'200': {description: ok}}
  /bearer:
    get:
      operationId: bearerOp
      security: [{bearerAuth: []}]
      responses: {'200': {description: ok}}
  /public:
    get:
      operationId: publicOp
      security: []
      responses: {'200': {description: ok}}
  /optional:
    get:
      operationId: optionalOp
      security: [{bearerAuth: []}, {}]
      responses: {'200': {description: ok}}
  /either:
    get:
      operationId: eitherOp
      security: [{digestAuth: []}, {basicAuth: []}, {bearerAuth: []}]
      responses: {'200': {description: ok}}
  /both:
    get:
      operationId: bothOp
      security: [{keyHeader: [], keyQuery: []}]
      responses: {'200': {description: ok}}
  /oauth:
    get:
      operationId: oauthOp
      security: [{cc: [read]}]
      responses: {'200': {description: ok}}
  /oauth2:
    get:
      operationId: oauthOp2
      security: [{cc: [read]}]
      responses: {'200': {description: ok}}
  /oauth-write:
    get:
      operationId: oauthWriteOp
      security: [{cc: [read, write]}]
      responses: {'200': {description: ok}}
  /oauth-abs:
    get:
      operationId: oauthAbsOp
      security: [{ccAbsolute: []}]
      responses: {'200': {description: ok}}
  /code:
    get:
      operationId: codeOp
      security: [{code: []}]
      responses: {'200': {description: ok}}
"""

HEADER = """\
arazzo: 1.0.1
info: {title: auth tests, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.openapi.yaml, type: openapi}
workflows:
"""


def steps(*operation_ids: str) -> str:
    return "".join(f"  - {{stepId: s{i}_{op}, operationId: {op}}}\n"
                   for i, op in enumerate(operation_ids))


def workflow(workflow_id: str, *operation_ids: str) -> str:
    return f"- workflowId: {workflow_id}\n  steps:\n" + steps(*operation_ids)


def write(tmp_path: Path, workflows: str, *, token_url: str = "https://idp.example.com/t"
          ) -> Path:
    """The test OpenAPI description (``TOKEN_URL`` filled) and an Arazzo document with
    ``workflows`` (YAML list items) beside it."""
    (tmp_path / "api.openapi.yaml").write_text(
        textwrap.dedent(OPENAPI).replace("TOKEN_URL", token_url))
    path = tmp_path / "auth.arazzo.yaml"
    path.write_text(HEADER + workflows)
    return path


def ok_routes(server: ScriptedServer) -> None:
    for path in ("/root", "/query", "/cookie", "/basic", "/bearer", "/public", "/optional",
                 "/either", "/both", "/oauth", "/oauth2", "/oauth-write", "/oauth-abs",
                 "/code"):
        server.route("GET", path, Reply(200, json={"ok": True}))


def token_reply(*tokens: str, expires_in: int | None = 3600) -> list[Reply]:
    extra = {"expires_in": expires_in} if expires_in is not None else {}
    return [Reply(200, json={"access_token": t, "token_type": "Bearer", **extra})
            for t in tokens]


def api_requests(server: ScriptedServer) -> list[Recorded]:
    return [r for r in server.requests if not r.path.endswith("/token")]


def token_requests(server: ScriptedServer) -> list[Recorded]:
    return [r for r in server.requests if r.path.endswith("/token")]
