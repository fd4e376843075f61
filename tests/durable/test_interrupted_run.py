"""A durable run stopped by an exception in its own process (Ctrl-C, a hook's error) is
released: the same process can resume it (its owner is alive, so it would be "busy")."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from server import Reply, ScriptedServer

pytest.importorskip("dbos", reason="durable runs need DBOS: pip install 'arazzo[durable]'")

ROOT = Path(__file__).resolve().parents[2]

OPENAPI = """\
openapi: 3.0.3
info: {title: jobs, version: '1'}
paths:
  /jobs/{jobId}:
    get:
      operationId: getJob
      parameters:
      - {name: jobId, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: the job}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: jobs, version: '1'}
sourceDescriptions:
- {name: jobs, url: ./jobs.openapi.yaml, type: openapi}
workflows:
- workflowId: poll
  steps:
  - stepId: pollJob
    operationId: getJob
    parameters:
    - {name: jobId, in: path, value: j1}
    successCriteria:
    - condition: $response.body#/status == 'done'
    outputs:
      status: $response.body#/status
    onFailure:
    - {name: notYet, type: retry, retryAfter: 0.05, retryLimit: 100}
  outputs:
    status: $steps.pollJob.outputs.status
"""

SCRIPT = """\
import sys
import arazzo, arazzo.runs

url, store = sys.argv[1], sys.argv[2]
seen = []

def interrupt(event):
    seen.append(event)
    if len(seen) == 4:
        raise KeyboardInterrupt

try:
    arazzo.run("jobs.arazzo.yaml", "poll", servers={"jobs": url}, run_id="r", store=store,
               hooks=[interrupt])
except KeyboardInterrupt:
    print("interrupted:", arazzo.runs.show("r", store).status)
result = arazzo.run("jobs.arazzo.yaml", "poll", servers={"jobs": url}, run_id="r",
                    store=store)
print("resumed:", result.succeeded, arazzo.runs.show("r", store).status)
"""


def test_an_interrupted_run_is_released_for_its_own_process(
        server: ScriptedServer, tmp_path: Path) -> None:
    server.route("GET", "/jobs/{jobId}", *[Reply(200, json={"status": "running"})] * 3,
                 Reply(200, json={"status": "done"}))
    (tmp_path / "jobs.openapi.yaml").write_text(OPENAPI, encoding="utf-8")
    (tmp_path / "jobs.arazzo.yaml").write_text(ARAZZO, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), server.url,
         f"sqlite:///{tmp_path / 'runs.sqlite'}"], cwd=tmp_path, capture_output=True,
        text=True, timeout=120, check=False, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["interrupted: stopped", "resumed: True succeeded"]
