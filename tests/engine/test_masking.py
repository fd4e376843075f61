"""Masking is for what is shown, never for the data handed back to the caller (SEC-01).

A credential the run sent (here an ``Authorization`` header built from a plain input) is a
secret of the run: the terminal, the reports, the events and the state snapshot show ``***``;
the outputs ``arazzo.run`` returns hold the value that was really sent.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo
from arazzo.cli import main
from arazzo.engine._events import RunFinished, StepFinished

TOKEN = "tok-7c1e9a"

SENT = """
workflows:
- workflowId: w
  inputs:
    type: object
    properties: {token: {type: string}}
  steps:
  - stepId: login
    operationId: login
    parameters:
    - {name: Authorization, in: header, value: 'Bearer {$inputs.token}'}
    outputs:
      sent: $request.header.Authorization
      token: $inputs.token
  outputs:
    sent: $steps.login.outputs.sent
"""


@pytest.fixture
def sent_doc(tmp_path: Path, server: ScriptedServer) -> Path:
    server.route("POST", "/login", Reply(200, json={"ok": True}))
    return doc(tmp_path, SENT)


def test_outputs_returned_to_the_caller_are_real(sent_doc: Path, server: ScriptedServer) -> None:
    events: list[Any] = []
    result = arazzo.run(sent_doc, "w", {"token": TOKEN}, servers={"api": server.url},
                        hooks=[events.append])
    assert result.succeeded, result.error
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert result.outputs == {"sent": f"Bearer {TOKEN}"}
    assert result.workflows["w"] == {"sent": f"Bearer {TOKEN}"}
    assert result.steps[0].outputs == {"sent": f"Bearer {TOKEN}", "token": TOKEN}
    assert json.loads(result.to_json())["outputs"] == {"sent": f"Bearer {TOKEN}"}
    # what is shown is masked: the copy for display, the repr, the events
    shown = result.masked()
    assert shown.outputs == {"sent": "***"}
    assert shown.workflows["w"] == {"sent": "***"}
    assert shown.steps[0].outputs == {"sent": "***", "token": "***"}
    assert shown.masked() is shown  # idempotent
    assert result.outputs == {"sent": f"Bearer {TOKEN}"}  # the original is untouched
    finished = [e for e in events if isinstance(e, (RunFinished, StepFinished))]
    assert len(finished) == 2
    # the input itself is not declared secret, so RunStarted may show it; from the moment it
    # is sent as a credential, it is masked
    blob = shown.to_json() + repr(result) + repr(result.steps) + repr(finished)
    assert TOKEN not in blob


def test_async_run_returns_real_outputs(sent_doc: Path, server: ScriptedServer) -> None:
    result = asyncio.run(arazzo.run_async(sent_doc, "w", {"token": TOKEN},
                                          servers={"api": server.url}))
    assert result.outputs == {"sent": f"Bearer {TOKEN}"}
    assert result.masked().outputs == {"sent": "***"}


def test_secret_query_parameter_url_real_in_record_masked_when_shown(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/status", Reply(200, json={"s": "ok"}))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      inputs:
        type: object
        properties: {key: {type: string, format: password}}
      steps:
      - stepId: a
        operationId: getStatus
        parameters: [{name: api_key, in: query, value: $inputs.key}]
    """)
    result = arazzo.run(path, "w", {"key": "k-991"}, servers={"api": server.url})
    assert result.succeeded, result.error
    url = result.steps[0].url or ""
    assert "api_key=k-991" in url
    assert "k-991" not in (result.masked().steps[0].url or "")


def test_command_line_and_reports_show_masked_values(
        sent_doc: Path, server: ScriptedServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    junit = tmp_path / "report.xml"
    base = ["run", str(sent_doc), "-w", "w", "--input", f"token={TOKEN}",
            "--server", f"api={server.url}", "--no-progress"]
    assert main([*base, "--format", "json", "--report", f"json={report}",
                 "--report", f"junit={junit}"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["outputs"] == {"sent": "***"}
    assert main(base) == 0
    text = capsys.readouterr().out
    assert "sent" in text
    for shown in (out, text, report.read_text(), junit.read_text()):
        assert TOKEN not in shown


def test_snapshot_masks_the_run_state(sent_doc: Path, server: ScriptedServer) -> None:
    from arazzo._run import drive_sync, prepare
    from arazzo.transports._httpx import default_client

    _doc, engine = prepare(sent_doc, "w", {"token": TOKEN}, servers={"api": server.url})
    client = default_client()
    result = drive_sync(engine.run(), lambda _source: client, timeout=None,
                        max_response_bytes=1 << 20)
    assert result.outputs == {"sent": f"Bearer {TOKEN}"}
    snapshot = json.dumps(engine.snapshot())
    assert '"sent": "***"' in snapshot
    assert TOKEN not in snapshot
