"""A source whose OpenAPI declares SigV4 gets its requests signed when no transport is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo

OPENAPI = """
openapi: 3.0.3
info: {title: aws, version: '1'}
servers: [{url: 'https://api.sagemaker.us-east-1.amazonaws.com'}]
security: [{hmac: []}]
components:
  securitySchemes:
    hmac: {type: apiKey, in: header, name: Authorization, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /status:
    get:
      operationId: getStatus
      responses: {'200': {description: ok}}
"""


def test_sigv4_declared_source_is_signed(tmp_path: Path, server: ScriptedServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server.route("GET", "/status", Reply(200, json={}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps: [{stepId: a, operationId: getStatus}]
    """, openapi=OPENAPI)
    result = arazzo.run(path, "w", servers={"api": server.url})
    assert result.succeeded, result.error
    auth = server.requests[0].headers.get("authorization", "")
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/sagemaker/" in auth
    assert "wJalr" not in result.to_json()
