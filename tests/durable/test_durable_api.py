"""Durable runs through the Python API (``arazzo.run(run_id=)``, :mod:`arazzo.runs`), against
the real loopback server of tests/server.py and a SQLite store. A crash is simulated in the
process by a transport that lets a request reach the server and then raises a BaseException
(the run's process "dies" before the answer is recorded); the subprocess ``kill -9`` tests are
in test_flagship_crash.py, test_runs_cli.py and test_scale_out.py."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server import Recorded, Reply, ScriptedServer

import arazzo
import arazzo.runs
from arazzo.durable import _driver
from arazzo.durable._store import open_store, shown_url, store_url

from .durable_support import Crash, CrashingTransport

pytest.importorskip("dbos", reason="durable runs need dbos (pip install 'arazzo[durable]')")

OPENAPI = """\
openapi: 3.0.3
info: {title: jobs, version: "1"}
servers: [{url: "http://127.0.0.1:9"}]
paths:
  /jobs:
    post:
      operationId: createJob
      parameters:
        - {name: Idempotency-Key, in: header, required: false, schema: {type: string}}
      responses: {"200": {description: ok}}
  /jobs/{id}:
    get:
      operationId: getJob
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
"""

FLOW = """\
arazzo: 1.0.1
info: {title: poll, version: "1"}
sourceDescriptions: [{name: api, url: ./jobs.yaml, type: openapi}]
workflows:
- workflowId: poll
  inputs:
    type: object
    properties:
      name: {type: string}
      password: {type: string, format: password}
  steps:
  - stepId: create
    operationId: createJob
    requestBody: {contentType: application/json, payload: {name: $inputs.name}}
    outputs: {id: $response.body#/id}
  - stepId: wait
    operationId: getJob
    parameters: [{name: id, in: path, value: $steps.create.outputs.id}]
    successCriteria: [{condition: $response.body#/status == "done"}]
    onFailure:
    - name: again
      type: retry
      retryAfter: RETRY_AFTER
      retryLimit: 10000
      criteria: [{condition: $response.body#/status == "running"}]
    outputs: {status: $response.body#/status, seen: $response.body#/seen}
  outputs: {status: $steps.wait.outputs.status, id: $steps.create.outputs.id}
"""


@pytest.fixture
def crashing() -> Iterator[CrashingTransport]:
    transport = CrashingTransport()
    yield transport
    transport.inner.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # one store (one DBOS launch) for the module; each test has its own run ids
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'runs.sqlite'}"
    yield url
    from arazzo.durable import _runtime

    _runtime.shutdown()


def write_flow(tmp_path: Path, retry_after: float = 0) -> Path:
    (tmp_path / "jobs.yaml").write_text(OPENAPI)
    flow = tmp_path / "flow.arazzo.yaml"
    flow.write_text(FLOW.replace("RETRY_AFTER", repr(retry_after)))
    return flow


def script(server: ScriptedServer, polls: int, *, varying: bool = False) -> None:
    """POST /jobs answers an id; GET answers ``running`` ``polls`` times, then ``done``; each
    answer has its own Date and x-request-id (volatile headers)."""
    counts = {"get": 0}

    def create(request: Recorded) -> Reply:
        return Reply(200, json={"id": "j1", "name": request.json["name"]})

    def get(_: Recorded) -> Reply:
        counts["get"] += 1
        seen = counts["get"] if varying else 0
        status = "running" if counts["get"] <= polls else "done"
        return Reply(200, json={"status": status, "seen": seen},
                     headers={"x-request-id": f"req-{counts['get']}"})

    server.route("POST", "/jobs", create)
    server.route("GET", "/jobs/{id}", get)


def count(server: ScriptedServer, method: str) -> int:
    return sum(1 for r in server.requests if r.method == method)


def test_finished_run_again_sends_nothing(tmp_path: Path, server: ScriptedServer,
                                          store: str) -> None:
    flow = write_flow(tmp_path)
    script(server, 3)
    first = arazzo.run(flow, "poll", {"name": "a"}, run_id="finished-1", store=store,
                       servers={"api": server.url})
    assert first.succeeded
    assert first.outputs == {"status": "done", "id": "j1"}
    sent = len(server.requests)
    assert sent == 5
    again = arazzo.run(flow, "poll", {"name": "a"}, run_id="finished-1", store=store,
                       servers={"api": server.url})
    assert len(server.requests) == sent  # nothing sent
    assert again.succeeded
    assert again.outputs == first.outputs
    assert [r.step_id for r in again.steps] == [r.step_id for r in first.steps]
    # the same API at another address (a restarted emulator, a moved host): still replayed
    moved = arazzo.run(flow, "poll", {"name": "a"}, run_id="finished-1", store=store,
                       servers={"api": "http://127.0.0.1:9"})
    assert moved.outputs == first.outputs
    info = arazzo.runs.show("finished-1", store)
    assert info.status == "succeeded"
    assert info.outputs == first.outputs
    assert info.steps == [("poll/create", 1), ("poll/wait", 4)]
    assert info.requests == 5


def test_a_poll_is_a_few_log_entries(tmp_path: Path, server: ScriptedServer,
                                     store: str) -> None:
    """Identical answers (volatile headers aside) are one entry with a count."""
    flow = write_flow(tmp_path)
    script(server, 60)
    result = arazzo.run(flow, "poll", {"name": "b"}, run_id="compact-1", store=store,
                        servers={"api": server.url})
    assert result.succeeded
    info = arazzo.runs.show("compact-1", store)
    assert info.log_entries == 3  # create, 60 x running, done
    assert info.steps == [("poll/create", 1), ("poll/wait", 61)]
    # answers that differ (a counter in the body) are kept apart: the documented limit
    server.reset()
    script(server, 5, varying=True)
    arazzo.run(flow, "poll", {"name": "c"}, run_id="compact-2", store=store,
               servers={"api": server.url})
    assert arazzo.runs.show("compact-2", store).log_entries == 7


def test_resume_after_a_crash_mid_poll(tmp_path: Path, server: ScriptedServer,
                                       store: str, crashing: CrashingTransport) -> None:
    flow = write_flow(tmp_path)
    script(server, 6)
    transport = crashing
    transport.crash_on = ("GET /jobs/j1", 3)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "d"}, run_id="crash-1", store=store,
                   servers={"api": server.url}, transports={"api": transport})
    assert count(server, "POST") == 1
    assert count(server, "GET") == 3
    info = arazzo.runs.show("crash-1", store)
    assert info.status == "stopped"  # interrupted in this process (kill -9: "running")
    assert info.step == "poll/wait"
    assert info.in_flight is not None
    assert info.in_flight["policy"] == "idempotent"
    events: list[Any] = []
    result = arazzo.run(flow, "poll", {"name": "d"}, run_id="crash-1", store=store,
                        servers={"api": server.url}, transports={"api": transport},
                        hooks=events.append)
    assert result.succeeded
    assert result.outputs["status"] == "done"
    # the create was not sent again; the GET in flight was (it is idempotent); 7 in all
    assert count(server, "POST") == 1
    assert count(server, "GET") == 7
    resumed = [e for e in events if isinstance(e, arazzo.RunResumed)]
    assert len(resumed) == 1
    assert (resumed[0].step_id, resumed[0].poll, resumed[0].replayed) == ("wait", 2, 3)
    # the replayed part is silent: the first live event is the in-doubt GET's step
    assert events[0] is resumed[0]
    assert not any(isinstance(e, arazzo.RunStarted) for e in events)


def test_unsafe_request_in_doubt_is_not_sent_again(tmp_path: Path, server: ScriptedServer,
                                                   store: str, crashing: CrashingTransport) -> None:
    flow = write_flow(tmp_path)
    openapi = tmp_path / "jobs.yaml"  # an API without an idempotency header
    openapi.write_text(openapi.read_text().replace(
        "        - {name: Idempotency-Key, in: header, required: false, schema: {type: string}}\n",
        ""))
    script(server, 1)
    transport = crashing
    transport.crash_on = ("POST /jobs", 1)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "e"}, run_id="doubt-1", store=store,
                   servers={"api": server.url}, transports={"api": transport})
    info = arazzo.runs.show("doubt-1", store)
    assert info.in_flight is not None
    assert info.in_flight["policy"] == "unsafe"
    assert "Idempotency-Key" in info.in_flight["reason"]
    with pytest.raises(arazzo.runs.RunInDoubt, match="was in flight when the run stopped"):
        arazzo.run(flow, "poll", {"name": "e"}, run_id="doubt-1", store=store,
                   servers={"api": server.url}, transports={"api": transport})
    assert count(server, "POST") == 1  # not sent again
    assert arazzo.runs.show("doubt-1", store).status == "in-doubt"
    # the caller checked the server and asks for it to be sent again
    result = arazzo.run(flow, "poll", {"name": "e"}, run_id="doubt-1", store=store,
                        servers={"api": server.url}, transports={"api": transport},
                        resend_in_doubt=True)
    assert result.succeeded
    assert count(server, "POST") == 2


def test_request_with_an_idempotency_key_is_sent_again(tmp_path: Path,
                                                       server: ScriptedServer,
                                                       store: str,
                                                       crashing: CrashingTransport) -> None:
    flow = write_flow(tmp_path)
    text = flow.read_text().replace(
        "    requestBody: {contentType: application/json, payload: {name: $inputs.name}}",
        "    parameters: [{name: Idempotency-Key, in: header, value: $inputs.name}]\n"
        "    requestBody: {contentType: application/json, payload: {name: $inputs.name}}")
    flow.write_text(text)
    script(server, 1)
    transport = crashing
    transport.crash_on = ("POST /jobs", 1)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "f"}, run_id="token-1", store=store,
                   servers={"api": server.url}, transports={"api": transport})
    info = arazzo.runs.show("token-1", store)
    assert info.in_flight is not None
    assert info.in_flight["policy"] == "token"
    result = arazzo.run(flow, "poll", {"name": "f"}, run_id="token-1", store=store,
                        servers={"api": server.url}, transports={"api": transport})
    assert result.succeeded
    posts = [r for r in server.requests if r.method == "POST"]
    assert len(posts) == 2
    assert {r.headers["idempotency-key"] for r in posts} == {"f"}


def test_the_engine_fills_the_declared_idempotency_header(tmp_path: Path,
                                                           server: ScriptedServer,
                                                           store: str,
                                                           crashing: CrashingTransport) -> None:
    """The OpenAPI declares Idempotency-Key on the create and the step does not set it: a
    durable run sends one derived from the run id and the request's position, so the create
    sent again after a crash carries the same key."""
    flow = write_flow(tmp_path)
    script(server, 1)
    crashing.crash_on = ("POST /jobs", 1)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "n"}, run_id="filled-1", store=store,
                   servers={"api": server.url}, transports={"api": crashing})
    info = arazzo.runs.show("filled-1", store)
    assert info.in_flight is not None
    assert info.in_flight["policy"] == "token"
    result = arazzo.run(flow, "poll", {"name": "n"}, run_id="filled-1", store=store,
                        servers={"api": server.url}, transports={"api": crashing})
    assert result.succeeded
    keys = [r.headers.get("idempotency-key") for r in server.requests if r.method == "POST"]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert keys[0] is not None
    assert keys[0].startswith("arazzo-")
    # GETs are idempotent: no key; another run gets another key
    assert all("idempotency-key" not in r.headers for r in server.requests if r.method == "GET")
    arazzo.run(flow, "poll", {"name": "o"}, run_id="filled-2", store=store,
               servers={"api": server.url})
    last = [r for r in server.requests if r.method == "POST"][-1]
    assert last.headers["idempotency-key"] != keys[0]
    # a plain run adds nothing
    arazzo.run(flow, "poll", {"name": "p"}, servers={"api": server.url})
    plain = [r for r in server.requests if r.method == "POST"][-1]
    assert "idempotency-key" not in plain.headers


def test_changed_document_is_refused_unless_forced(tmp_path: Path, server: ScriptedServer,
                                                   store: str, crashing: CrashingTransport) -> None:
    flow = write_flow(tmp_path)
    script(server, 4)
    transport = crashing
    transport.crash_on = ("GET /jobs/j1", 2)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "g"}, run_id="changed-1", store=store,
                   servers={"api": server.url}, transports={"api": transport})
    flow.write_text(flow.read_text().replace("title: poll", "title: poll-changed"))
    sent = len(server.requests)
    with pytest.raises(arazzo.runs.RunChanged, match="changed since the run started"):
        arazzo.run(flow, "poll", {"name": "g"}, run_id="changed-1", store=store,
                   servers={"api": server.url})
    assert len(server.requests) == sent
    # an OpenAPI change counts too
    (tmp_path / "jobs.yaml").write_text(OPENAPI.replace("title: jobs", "title: jobs2"))
    with pytest.raises(arazzo.runs.RunChanged):
        arazzo.run(flow, "poll", {"name": "g"}, run_id="changed-1", store=store,
                   servers={"api": server.url})
    result = arazzo.run(flow, "poll", {"name": "g"}, run_id="changed-1", store=store,
                        servers={"api": server.url}, force=True)
    assert result.succeeded
    assert count(server, "POST") == 1


def test_a_diverging_replay_stops_with_a_clear_error(tmp_path: Path, server: ScriptedServer,
                                                     store: str,
                                                     crashing: CrashingTransport) -> None:
    flow = write_flow(tmp_path)
    script(server, 4)
    transport = crashing
    transport.crash_on = ("GET /jobs/j1", 2)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "h"}, run_id="diverge-1", store=store,
                   servers={"api": server.url}, transports={"api": transport})
    # the create's request now has another body: the recorded answer is not its answer
    flow.write_text(flow.read_text().replace("payload: {name: $inputs.name}",
                                             "payload: {name: $inputs.name, v: 2}"))
    with pytest.raises(arazzo.runs.RunDiverged, match="is not the one recorded"):
        arazzo.run(flow, "poll", {"name": "h"}, run_id="diverge-1", store=store,
                   servers={"api": server.url}, force=True)
    assert arazzo.runs.show("diverge-1", store).status == "error"


def test_other_inputs_or_workflow_are_refused(tmp_path: Path, server: ScriptedServer,
                                              store: str) -> None:
    flow = write_flow(tmp_path)
    script(server, 0)
    arazzo.run(flow, "poll", {"name": "i"}, run_id="same-1", store=store,
               servers={"api": server.url})
    with pytest.raises(arazzo.InputError, match="other inputs"):
        arazzo.run(flow, "poll", {"name": "other"}, run_id="same-1", store=store,
                   servers={"api": server.url})
    with pytest.raises(arazzo.InputError, match="run_id must be"):
        arazzo.run(flow, "poll", {"name": "i"}, run_id="a:b", store=store)
    with pytest.raises(arazzo.InputError, match="give run_id= too"):
        arazzo.run(flow, "poll", {"name": "i"}, store=store)


def test_secrets_never_reach_the_store(tmp_path: Path, server: ScriptedServer,
                                       store: str, crashing: CrashingTransport) -> None:
    flow = write_flow(tmp_path)
    text = flow.read_text().replace(
        "    requestBody: {contentType: application/json, payload: {name: $inputs.name}}",
        "    parameters: [{name: X-Password, in: header, value: $inputs.password}]\n"
        "    requestBody: {contentType: application/json, payload: {name: $inputs.name}}")
    flow.write_text(text)
    script(server, 2)
    secret = "s3cret-pa55word-value"
    transport = crashing
    transport.crash_on = ("GET /jobs/j1", 1)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "j", "password": secret}, run_id="secret-1",
                   store=store, servers={"api": server.url}, transports={"api": transport})
    assert server.requests[0].headers["x-password"] == secret  # it was really sent
    with pytest.raises(arazzo.InputError, match=r"secret inputs \(password\)"):
        arazzo.runs.resume("secret-1", store, transports={"api": transport})
    result = arazzo.runs.resume("secret-1", store, inputs={"name": "j", "password": secret},
                                transports={"api": transport})
    assert result.succeeded
    path = Path(store[len("sqlite:///"):])
    with sqlite3.connect(path) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
    blob = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    assert secret.encode() not in blob


def test_cancel_a_sleeping_run_then_resume_it(tmp_path: Path, server: ScriptedServer,
                                              store: str) -> None:
    flow = write_flow(tmp_path, retry_after=0.3)
    script(server, 6)
    errors: list[BaseException] = []

    def go() -> None:
        try:
            arazzo.run(flow, "poll", {"name": "k"}, run_id="cancel-1", store=store,
                       servers={"api": server.url})
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    deadline = time.monotonic() + 20
    while count(server, "GET") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    info = arazzo.runs.cancel("cancel-1", store)
    thread.join(20)
    assert errors
    assert isinstance(errors[0], arazzo.runs.RunCancelled)
    assert info.run_id == "cancel-1"
    assert arazzo.runs.show("cancel-1", store).status == "cancelled"
    with pytest.raises(arazzo.runs.RunCancelled, match="arazzo runs resume"):
        arazzo.run(flow, "poll", {"name": "k"}, run_id="cancel-1", store=store,
                   servers={"api": server.url})
    gets = count(server, "GET")
    assert gets < 7
    result = arazzo.runs.resume("cancel-1", store)  # servers come from the store
    assert result.succeeded
    assert count(server, "POST") == 1
    assert count(server, "GET") == 7
    with pytest.raises(arazzo.runs.DurableError, match="finished"):
        arazzo.runs.cancel("cancel-1", store)


def test_a_resumed_sleep_keeps_its_schedule(tmp_path: Path, server: ScriptedServer,
                                            store: str, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    flow = write_flow(tmp_path, retry_after=30)
    script(server, 1)
    asked: list[float] = []
    real_sleep = _driver._sleep

    def crash_in_sleep(the_store: Any, run_id: str, seconds: float, *args: Any) -> None:
        asked.append(seconds)
        if len(asked) == 1:
            raise Crash("in the sleep")
        real_sleep(the_store, run_id, 0, *args)

    monkeypatch.setattr(_driver, "_sleep", crash_in_sleep)
    with pytest.raises(Crash):
        arazzo.run(flow, "poll", {"name": "l"}, run_id="sleep-1", store=store,
                   servers={"api": server.url})
    result = arazzo.run(flow, "poll", {"name": "l"}, run_id="sleep-1", store=store,
                        servers={"api": server.url})
    assert result.succeeded
    assert asked[0] == 30
    # the resumed sleep is what was left of the recorded one, not a new 30 s
    assert 25 < asked[1] < 30
    row = open_store(store).get("sleep-1")
    assert row is not None
    assert row.sleep is None
    assert count(server, "GET") == 2


def test_async_twin(tmp_path: Path, server: ScriptedServer, store: str) -> None:
    flow = write_flow(tmp_path)
    script(server, 2)
    result = asyncio.run(arazzo.run_async(flow, "poll", {"name": "m"}, run_id="async-1",
                                          store=store, servers={"api": server.url}))
    assert result.succeeded
    sent = len(server.requests)
    again = asyncio.run(arazzo.run_async(flow, "poll", {"name": "m"}, run_id="async-1",
                                         store=store))
    assert again.outputs == result.outputs
    assert len(server.requests) == sent


def test_list_and_unknown_runs(store: str) -> None:
    ids = [info.run_id for info in arazzo.runs.list(store)]
    assert len(ids) == len(set(ids))
    with pytest.raises(arazzo.runs.RunNotFound, match="no run 'nope'"):
        arazzo.runs.show("nope", store)


def test_store_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARAZZO_STORE", raising=False)
    assert store_url(None) == "sqlite:///.arazzo/runs.sqlite"
    monkeypatch.setenv("ARAZZO_STORE", "postgres://u:pw@h/db")
    assert store_url(None) == "postgresql://u:pw@h/db"
    assert store_url(tmp_path / "x.sqlite") == f"sqlite:///{tmp_path / 'x.sqlite'}"
    with pytest.raises(arazzo.InputError, match="is not a store"):
        store_url("mysql://h/db")
    assert shown_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
