"""Durable runs on the command line: ``arazzo run --run-id`` and ``arazzo runs ...``, each a
real ``python -m arazzo`` process (DBOS on a SQLite store in ``tmp_path``) against the loopback
server of ``tests/server.py``: a run resumed after a cancel or a ``kill -9`` sends nothing that
was answered already."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import ROOT
from server import Recorded, Reply, ScriptedServer

pytest.importorskip("dbos", reason="durable runs need DBOS: pip install 'arazzo[durable]'")

OPENAPI = """\
openapi: 3.0.3
info: {title: jobs, version: '1'}
servers: [{url: 'http://jobs.invalid'}]
paths:
  /jobs:
    post:
      operationId: createJob
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses: {'201': {description: created}}
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
- workflowId: build
  inputs:
    type: object
    properties:
      name: {type: string}
  steps:
  - stepId: createJob
    operationId: createJob
    requestBody:
      payload: {name: $inputs.name}
    successCriteria:
    - condition: $statusCode == 201
    outputs:
      jobId: $response.body#/id
  - stepId: pollJob
    operationId: getJob
    parameters:
    - {name: jobId, in: path, value: $steps.createJob.outputs.jobId}
    successCriteria:
    - condition: $statusCode == 200
    - condition: $response.body#/status == 'done'
    outputs:
      jobStatus: $response.body#/status
    onFailure:
    - name: notYet
      type: retry
      retryAfter: RETRY_AFTER
      retryLimit: 1000
      criteria:
      - condition: $statusCode == 200
  outputs:
    jobId: $steps.createJob.outputs.jobId
    jobStatus: $steps.pollJob.outputs.jobStatus
"""


class Jobs:
    """The scripted job API: POST /jobs creates j1; GET /jobs/j1 answers ``running``
    ``running`` times, then ``done`` (``hold()``: ``running`` until ``release()``)."""

    def __init__(self, server: ScriptedServer, *, running: int = 2,
                 create_delay: float = 0.0) -> None:
        self.server = server
        self.left = running
        self.held = False
        server.route("POST", "/jobs", Reply(201, json={"id": "j1"}, delay=create_delay))
        server.route("GET", "/jobs/{jobId}", self._poll)

    def _poll(self, _: Recorded) -> Reply:
        if self.held or self.left > 0:
            self.left -= 1
            return Reply(200, json={"id": "j1", "status": "running"})
        return Reply(200, json={"id": "j1", "status": "done"})

    def hold(self) -> None:
        self.held = True

    def release(self) -> None:
        self.held = False
        self.left = 0

    def count(self, method: str) -> int:
        with self.server.lock:
            return sum(1 for r in self.server.requests if r.method == method)


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Writes the job API and its workflow in ``tmp_path``; the Arazzo document's path."""
    def write(retry_after: float = 0.1) -> Path:
        (tmp_path / "jobs.openapi.yaml").write_text(OPENAPI, encoding="utf-8")
        doc = tmp_path / "jobs.arazzo.yaml"
        doc.write_text(ARAZZO.replace("RETRY_AFTER", f"{retry_after:g}"), encoding="utf-8")
        return doc

    return write


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARAZZO_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, not an installed arazzo
    env["ARAZZO_STORE"] = _store(tmp_path)
    env["TERM"] = "dumb"
    return env


def _store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.sqlite'}"


def _arazzo(tmp_path: Path, *argv: str, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arazzo", *argv], cwd=tmp_path,
                          env=_env(tmp_path), capture_output=True, text=True,
                          timeout=timeout, check=False)


def _start(tmp_path: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "arazzo", *argv], cwd=tmp_path,
                            env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _run_args(doc: Path, server: ScriptedServer, run_id: str, *more: str) -> list[str]:
    return ["run", str(doc), "--input", "name=x", "--server", f"jobs={server.url}",
            "--run-id", run_id, *more]


def _show(tmp_path: Path, run_id: str) -> dict[str, Any]:
    done = _arazzo(tmp_path, "runs", "show", run_id, "--format", "json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _wait_for(what: Callable[[], bool], timeout: float = 60, message: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if what():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting: {message}")


def _polled(tmp_path: Path, run_id: str, at_least: int) -> Callable[[], bool]:
    """Whether the run ``run_id`` has recorded at least ``at_least`` answers of pollJob
    (read with the Python API: it reads the store only, DBOS is not started here)."""
    def check() -> bool:
        import arazzo.runs

        try:
            info = arazzo.runs.show(run_id, _store(tmp_path))
        except arazzo.runs.RunNotFound:
            return False
        return any(step == "build/pollJob" and count >= at_least
                   for step, count in info.steps)

    return check


def _outputs(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("outputs:")
    return lines[start:start + 3]


# ------------------------------------------------------------------------------------------
# arazzo run --run-id


def test_the_same_command_again_sends_nothing(server: ScriptedServer, tmp_path: Path,
                                               project: Callable[..., Path]) -> None:
    jobs = Jobs(server, running=2)
    doc = project()
    first = _arazzo(tmp_path, *_run_args(doc, server, "r1"))
    assert first.returncode == 0, first.stderr
    assert _outputs(first.stdout) == ['outputs:', '  jobId: "j1"', '  jobStatus: "done"']
    assert "succeeded" in first.stdout.splitlines()[-1]
    sent = len(server.requests)
    assert (jobs.count("POST"), jobs.count("GET")) == (1, 3)

    again = _arazzo(tmp_path, *_run_args(doc, server, "r1"))
    assert again.returncode == 0, again.stderr
    assert len(server.requests) == sent  # rebuilt from the store
    assert _outputs(again.stdout) == _outputs(first.stdout)
    # the same timeline (but for the timings)
    assert [line.split()[:3] for line in again.stdout.splitlines()[:4]] == \
        [line.split()[:3] for line in first.stdout.splitlines()[:4]]

    as_json = _arazzo(tmp_path, *_run_args(doc, server, "r1", "--format", "json"))
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["outputs"] == {"jobId": "j1", "jobStatus": "done"}
    assert len(server.requests) == sent


def test_runs_list_and_show(server: ScriptedServer, tmp_path: Path,
                            project: Callable[..., Path]) -> None:
    Jobs(server, running=2)
    doc = project()
    assert _arazzo(tmp_path, *_run_args(doc, server, "listed")).returncode == 0

    listed = _arazzo(tmp_path, "runs", "list")  # the store of $ARAZZO_STORE
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split() == ["RUN", "ID", "STATUS", "WORKFLOW", "STEP", "POLL", "REQUESTS",
                              "UPDATED"]
    assert row.split()[:6] == ["listed", "succeeded", "build", "pollJob", "3", "4"]

    as_json = _arazzo(tmp_path, "runs", "list", "--store", _store(tmp_path), "--format",
                      "json")
    assert as_json.returncode == 0, as_json.stderr
    (item,) = json.loads(as_json.stdout)["runs"]
    assert item["runId"] == "listed"
    assert item["status"] == "succeeded"
    assert item["outputs"] == {"jobId": "j1", "jobStatus": "done"}

    none = _arazzo(tmp_path, "runs", "list", "--status", "running")
    assert none.returncode == 0
    assert none.stdout == ""
    assert "no running runs" in none.stderr

    shown = _arazzo(tmp_path, "runs", "show", "listed")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.startswith("run listed\n")
    for expected in ("  status:     succeeded", "  workflow:   build",
                     f"  document:   {doc}", "  step:       build/pollJob, poll 3",
                     "  steps done: 4", "  requests:   4", "outputs:", '  jobId: "j1"',
                     '  jobStatus: "done"', "  build/createJob  1", "  build/pollJob    3"):
        assert expected in text.splitlines(), text
    assert "in flight" not in text

    data = _show(tmp_path, "listed")
    assert data["status"] == "succeeded"
    assert data["steps"] == [{"step": "build/createJob", "answers": 1},
                             {"step": "build/pollJob", "answers": 3}]
    assert data["outputs"] == {"jobId": "j1", "jobStatus": "done"}
    assert data["inFlight"] is None


# ------------------------------------------------------------------------------------------
# cancel and resume


def test_cancel_a_run_polled_by_another_process_then_resume_it(
        server: ScriptedServer, tmp_path: Path, project: Callable[..., Path]) -> None:
    jobs = Jobs(server)
    jobs.hold()
    doc = project(retry_after=1)
    running = _start(tmp_path, *_run_args(doc, server, "c1"))
    try:
        _wait_for(_polled(tmp_path, "c1", 2), message="the run polls")
        cancelled = _arazzo(tmp_path, "runs", "cancel", "c1")
        assert cancelled.returncode == 0, cancelled.stderr
        assert "c1" in cancelled.stdout
        out, err = running.communicate(timeout=60)
    finally:
        running.kill()
    assert running.returncode == 1, (out, err)
    assert err.strip() == "arazzo run: error: run 'c1' was cancelled"
    assert "Traceback" not in err

    shown = _arazzo(tmp_path, "runs", "show", "c1")
    assert "  status:     cancelled" in shown.stdout.splitlines(), shown.stdout
    assert "outputs:" not in shown.stdout
    polls = jobs.count("GET")

    again = _arazzo(tmp_path, *_run_args(doc, server, "c1"))  # run it again: no
    assert again.returncode == 1
    assert "was cancelled; resume it" in again.stderr
    assert jobs.count("GET") == polls

    jobs.release()
    resumed = _arazzo(tmp_path, "runs", "resume", "c1", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert _outputs(resumed.stdout) == ['outputs:', '  jobId: "j1"', '  jobStatus: "done"']
    assert jobs.count("POST") == 1  # the job was created once
    assert jobs.count("GET") == polls + 1
    assert _show(tmp_path, "c1")["status"] == "succeeded"


def test_a_create_in_flight_when_killed_is_resent_only_with_resend(
        server: ScriptedServer, tmp_path: Path, project: Callable[..., Path]) -> None:
    jobs = Jobs(server, running=0, create_delay=30)
    doc = project()
    running = _start(tmp_path, *_run_args(doc, server, "d1"))
    try:
        _wait_for(lambda: jobs.count("POST") == 1, message="the create is sent")
    finally:
        running.send_signal(signal.SIGKILL)
        running.communicate(timeout=30)

    shown = _arazzo(tmp_path, "runs", "show", "d1")
    flight = next(line for line in shown.stdout.splitlines() if "in flight:" in line)
    assert f"POST {server.url}/jobs at build/createJob" in flight
    assert "a resume stops unless given --resend" in flight
    assert _show(tmp_path, "d1")["inFlight"]["policy"] == "unsafe"

    server.routes.clear()
    Jobs(server, running=0)
    refused = _arazzo(tmp_path, "runs", "resume", "d1")
    assert refused.returncode == 1
    assert refused.stderr.startswith("arazzo runs resume: error: run 'd1': step "
                                     "build/createJob (POST "), refused.stderr
    assert "--resend" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    assert jobs.count("POST") == 1
    assert _show(tmp_path, "d1")["status"] == "in-doubt"

    resent = _arazzo(tmp_path, "runs", "resume", "d1", "--resend")
    assert resent.returncode == 0, resent.stderr
    assert jobs.count("POST") == 2
    assert _show(tmp_path, "d1")["status"] == "succeeded"


# ------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "DOC", "--store", "sqlite:///x.sqlite"],
     "arazzo run: error: --store, --force and --resend are for durable runs: give --run-id"),
    (["run", "DOC", "--resend"],
     "arazzo run: error: --store, --force and --resend are for durable runs: give --run-id"),
    (["run", "DOC", "--run-id", "x", "--dry-run"],
     "arazzo run: error: --run-id needs a real run; leave out --dry-run"),
    (["runs", "show", "nope"], "arazzo runs show: error: no run 'nope' in the store "),
    (["runs", "resume", "nope"], "arazzo runs resume: error: no run 'nope' in the store "),
    (["runs", "cancel", "nope"], "arazzo runs cancel: error: no run 'nope' in the store "),
    (["runs", "worker", "--concurrency", "0"],
     "arazzo runs worker: error: --concurrency must be at least 1, got 0"),
    (["runs", "list", "--store", "mysql://db/x"],
     "arazzo runs list: error: store: 'mysql' is not a store"),
])
def test_usage_errors_are_one_line(tmp_path: Path, project: Callable[..., Path],
                                   argv: list[str], message: str) -> None:
    doc = project()
    done = _arazzo(tmp_path, *[str(doc) if a == "DOC" else a for a in argv])
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(message), done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stdout == ""


def test_runs_without_a_command_prints_its_usage(tmp_path: Path) -> None:
    done = _arazzo(tmp_path, "runs")
    assert done.returncode == 2
    assert "usage: arazzo runs" in done.stderr
    assert "resume" in done.stderr


def test_a_finished_run_cannot_be_cancelled(server: ScriptedServer, tmp_path: Path,
                                            project: Callable[..., Path]) -> None:
    Jobs(server, running=0)
    doc = project()
    assert _arazzo(tmp_path, *_run_args(doc, server, "f1")).returncode == 0
    done = _arazzo(tmp_path, "runs", "cancel", "f1")
    assert done.returncode == 2
    assert done.stderr == ("arazzo runs cancel: error: run 'f1' is finished (succeeded); "
                           "nothing to cancel\n")


# ------------------------------------------------------------------------------------------
# submit and worker


def test_submit_then_a_worker_runs_it_and_stops_on_sigterm(
        server: ScriptedServer, tmp_path: Path, project: Callable[..., Path]) -> None:
    jobs = Jobs(server, running=1)
    doc = project()
    submitted = _arazzo(tmp_path, "runs", "submit", str(doc), "-w", "build", "--input",
                        "name=x", "--server", f"jobs={server.url}", "--run-id", "q1")
    assert submitted.returncode == 0, submitted.stderr
    assert submitted.stdout.startswith("queued run q1 (build)")
    assert _show(tmp_path, "q1")["status"] == "queued"
    assert len(server.requests) == 0

    worker = _start(tmp_path, "runs", "worker", "--concurrency", "2")
    try:
        _wait_for(lambda: _show(tmp_path, "q1")["status"] == "succeeded",
                  message="the worker finishes the run")
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        worker.kill()
    assert worker.returncode == 0, (out, err)
    lines = out.splitlines()
    assert "worker started: 2 run(s) at once" in lines[0]
    assert any(line.endswith(" q1: attempt 1 started") for line in lines), out
    assert lines[-1].endswith("worker stopped (SIGTERM)"), out
    assert (jobs.count("POST"), jobs.count("GET")) == (1, 2)
    assert _show(tmp_path, "q1")["outputs"] == {"jobId": "j1", "jobStatus": "done"}

    twice = _arazzo(tmp_path, "runs", "submit", str(doc), "--run-id", "q1")
    assert twice.returncode == 2
    assert "run 'q1' exists already" in twice.stderr


# ------------------------------------------------------------------------------------------
# the progress notice of a resumed run


def _run_in_pty(tmp_path: Path, argv: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run ``python -m arazzo argv`` with stdout and stderr on a pseudo-terminal."""
    pty = pytest.importorskip("pty", reason="pseudo-terminals need a POSIX system")
    env = {**_env(tmp_path), "TERM": "xterm"}
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "arazzo", *argv], env)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def test_a_killed_run_says_where_it_resumes_on_a_terminal(
        server: ScriptedServer, tmp_path: Path, project: Callable[..., Path]) -> None:
    jobs = Jobs(server)
    jobs.hold()
    doc = project(retry_after=1)
    running = _start(tmp_path, *_run_args(doc, server, "k1"))
    try:
        _wait_for(_polled(tmp_path, "k1", 2), message="the run polls")
    finally:
        running.send_signal(signal.SIGKILL)
        running.communicate(timeout=30)
    assert running.returncode == -signal.SIGKILL
    polls = {s["step"]: s["answers"] for s in _show(tmp_path, "k1")["steps"]}[
        "build/pollJob"]

    jobs.release()
    code, output = _run_in_pty(tmp_path, _run_args(doc, server, "k1"))
    assert code == 0, output
    assert f"resumed run k1 at step pollJob, poll {polls} ({polls + 1} recorded answers " \
           f"replayed)" in output, output
    assert 'jobStatus: "done"' in output
    assert jobs.count("POST") == 1
