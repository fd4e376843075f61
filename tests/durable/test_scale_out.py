"""Scale-out against real processes: two ``arazzo.runs.worker`` processes on one PostgreSQL
database, a real HTTP server on loopback, runs submitted from this process.

The API (``jobs``): ``POST /jobs`` creates a job named by the body, ``GET /jobs/{id}``
answers ``running`` :data:`POLLS_RUNNING` times, then ``done``; the workflow polls it with
``retryAfter`` pacing. Each request carries its worker's name (an apiKey credential from the
worker's environment, header ``X-Worker``), so the server knows who sent what: it checks
the concurrency limits from the requests it saw, and after one worker is killed (``kill
-9``) while both its runs are mid-poll, that each run was created once and polled exactly
as often as the server needed (no run started again from scratch); and after one worker is
stopped (SIGTERM) while it runs, that it handed its runs back, which the other one finished.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from server import Recorded, Reply, ScriptedServer

import arazzo.runs
from arazzo.durable import _runtime
from arazzo.durable._store import RunRow, closing_stores, open_store

pytest.importorskip("dbos")

ROOT = Path(__file__).resolve().parents[2]

OPENAPI = """\
openapi: 3.1.0
info: {title: jobs, version: 1.0.0}
servers: [{url: "http://127.0.0.1:1"}]
components:
  securitySchemes:
    worker: {type: apiKey, in: header, name: X-Worker}
security: [{worker: []}, {}]
paths:
  /jobs:
    post:
      operationId: createJob
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "201": {description: created}
  /jobs/{id}:
    get:
      operationId: getJob
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: the job}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: jobs, version: 1.0.0}
sourceDescriptions:
- {name: jobs, url: ./jobs.openapi.yaml, type: openapi}
workflows:
- workflowId: job
  inputs:
    type: object
    required: [name]
    properties: {name: {type: string}}
  steps:
  - stepId: create
    operationId: createJob
    requestBody:
      contentType: application/json
      payload: {name: $inputs.name}
    successCriteria:
    - condition: $statusCode == 201
    outputs:
      id: $response.body#/id
  - stepId: poll
    operationId: getJob
    parameters:
    - {name: id, in: path, value: $steps.create.outputs.id}
    successCriteria:
    - condition: $statusCode == 200
    - condition: $response.body#/status == 'done'
    onFailure:
    - {name: again, type: retry, retryAfter: 0.2, retryLimit: 100}
    outputs:
      polls: $response.body#/polls
  outputs:
    id: $steps.create.outputs.id
    polls: $steps.poll.outputs.polls
"""

WORKER = """\
import signal, sys, threading
import arazzo.runs

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
arazzo.runs.worker(store=sys.argv[1], concurrency=int(sys.argv[2]),
                   global_concurrency=int(sys.argv[3]) or None, stop=stop,
                   on_event=lambda line: print(line, flush=True))
print("stopped", flush=True)
"""

#: ``running`` answers before ``done``: a run polls POLLS_RUNNING + 1 times
POLLS_RUNNING = 10


@dataclass
class Seen:
    at: float
    method: str
    job: str
    worker: str | None
    #: a GET's count (the server's answer says ``running`` up to :attr:`JobsApi.running`)
    poll: int = 0


@dataclass
class JobsApi:
    """The scripted API's state: what it saw, and the GETs it holds back (never answered
    in time: the worker that sent them is killed meanwhile)."""

    running: int
    #: how long a held GET waits before its answer
    hold_for: float = 8.0
    seen: list[Seen] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    hold: set[str] = field(default_factory=set)
    held: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, server: ScriptedServer) -> None:
        server.route("POST", "/jobs", self.create)
        server.route("GET", "/jobs/{id}", self.get)

    def _saw(self, request: Recorded, job: str, poll: int = 0) -> None:
        self.seen.append(Seen(time.monotonic(), request.method, job,
                              request.headers.get("x-worker"), poll))

    def create(self, request: Recorded) -> Reply:
        job = "job-" + request.json["name"]
        with self.lock:
            self._saw(request, job)
        return Reply(201, json={"id": job})

    def get(self, request: Recorded) -> Reply:
        job = request.path.rsplit("/", 1)[1]
        with self.lock:
            count = self.polls[job] = self.polls.get(job, 0) + 1
            self._saw(request, job, count)
            delay = 0.0
            if job in self.hold and job not in self.held:
                self.held[job] = time.monotonic()
                delay = self.hold_for  # answered after its worker lost the run
        status = "running" if count <= self.running else "done"
        return Reply(200, json={"id": job, "status": status, "polls": count}, delay=delay)

    def count(self, method: str, job: str) -> int:
        return sum(1 for s in self.seen if s.method == method and s.job == job)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    out: Path

    def lines(self) -> list[str]:
        return self.out.read_text().splitlines()


def start_worker(tmp_path: Path, name: str, url: str, *, concurrency: int = 2,
                 global_concurrency: int | None = None, cli: bool = False) -> Worker:
    """A worker process: ``arazzo.runs.worker`` (``cli``: ``arazzo runs worker``, whose
    lines start with the time of day)."""
    out = tmp_path / f"{name}.out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ARAZZO_AUTH_JOBS_WORKER": name}
    command = [sys.executable, "-c", WORKER, url, str(concurrency),
               str(global_concurrency or 0)]
    if cli:
        command = [sys.executable, "-m", "arazzo", "runs", "worker", "--store", url,
                   "--concurrency", str(concurrency)]
        if global_concurrency is not None:
            command += ["--global-concurrency", str(global_concurrency)]
    with out.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   cwd=tmp_path)
    return Worker(name, process, out)


def stop_workers(workers: list[Worker]) -> None:
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals that share one instant."""
    points = sorted([(a, 0) for a, _ in intervals] + [(b, 1) for _, b in intervals])
    most = now = 0
    for _, kind in points:
        now += 1 if kind == 0 else -1
        most = max(most, now)
    return most


def spans(seen: list[Seen], worker: str | None = None) -> list[tuple[float, float]]:
    """``[first, last]`` request times of each run per worker (a run taken over by another
    worker is two spans)."""
    times: dict[tuple[str, str | None], list[float]] = {}
    for s in seen:
        if worker is None or s.worker == worker:
            times.setdefault((s.job, s.worker), []).append(s.at)
    return [(min(t), max(t)) for t in times.values()]


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    (tmp_path / "jobs.openapi.yaml").write_text(OPENAPI)
    path = tmp_path / "jobs.arazzo.yaml"
    path.write_text(ARAZZO)
    return path


@pytest.fixture
def local_runtime() -> Iterator[None]:
    """This process submits runs (DBOS launched here too): shut it down afterwards."""
    with closing_stores():
        try:
            yield
        finally:
            _runtime.shutdown()


def wait_until(check: Any, timeout: float, what: str, every: float = 0.05) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_two_workers_share_the_queue_and_take_over_a_killed_one(
        tmp_path: Path, documents: Path, server: ScriptedServer, postgres_db: str,
        local_runtime: None) -> None:
    api = JobsApi(POLLS_RUNNING)
    api.install(server)
    started = time.monotonic()
    workers = [start_worker(tmp_path, f"w{i}", postgres_db) for i in range(2)]
    try:
        runs = [f"r{i}" for i in range(6)]
        for i, run_id in enumerate(runs):
            info = arazzo.runs.submit(documents, "job", {"name": f"n{i}"}, run_id=run_id,
                                      store=postgres_db, servers={"jobs": server.url})
            assert info.status == "queued"
        store = open_store(postgres_db)
        pids = {w.process.pid: w for w in workers}

        def victim() -> tuple[Worker, list[str]] | None:
            """Once both workers run two runs each, all four polling: the worker whose
            runs have polls to spare (the less advanced, when both have)."""
            held: dict[int, list[RunRow]] = {}
            for row in store.runs_list(status="running"):
                if row.owner:
                    held.setdefault(int(row.owner.split(":")[1]), []).append(row)
            if sorted(held) != sorted(pids) or any(len(r) != 2 for r in held.values()):
                return None
            if any(r.step != "job/poll" or r.poll >= POLLS_RUNNING
                   for rows in held.values() for r in rows):
                return None  # all four past their POST, none at its last poll
            ready = [(max(r.poll for r in rows), pid) for pid, rows in held.items()
                     if all(r.poll <= POLLS_RUNNING - 4 for r in rows)]
            if not ready:
                return None
            pid = min(ready)[1]
            return pids[pid], sorted(r.run_id for r in held[pid])

        doomed, taken = wait_until(victim, 30, "a worker with two runs mid-poll")
        jobs = {run_id: f"job-n{run_id[1:]}" for run_id in runs}
        with api.lock:
            api.hold.update(jobs[r] for r in taken)
        wait_until(lambda: all(jobs[r] in api.held for r in taken), 10,
                   "the doomed worker's held polls")
        doomed.process.send_signal(signal.SIGKILL)
        doomed.process.wait()
        killed = time.monotonic()
        survivor = next(w for w in workers if w is not doomed)
        finals = {run_id: arazzo.runs.wait(run_id, postgres_db, timeout=30, interval=0.1)
                  for run_id in runs}
        done = time.monotonic()
    finally:
        stop_workers(workers)
    print(f"\nkilled {doomed.name} holding {taken} at {killed - started:.1f} s; all done "
          f"{done - killed:.1f} s later ({done - started:.1f} s in all)")
    for w in workers:
        print(f"-- {w.name}", *w.lines(), sep="\n  ")

    for run_id, info in finals.items():
        assert info.status == "succeeded", (run_id, info)
    for run_id in runs:
        job = jobs[run_id]
        assert api.count("POST", job) == 1, run_id
        # every poll the server answered counts towards "done", so however the runs went,
        # each needed exactly POLLS_RUNNING + 1 of them; none was sent twice after an
        # answer was recorded (a run started again would poll from its first one)
        assert api.count("GET", job) == POLLS_RUNNING + 1, run_id
        assert finals[run_id].outputs == {"id": job, "polls": POLLS_RUNNING + 1}
        # the doomed worker's held poll reached the server (which counted it) but its
        # answer was never recorded: the runs it held recorded one answer less
        lost = 1 if run_id in taken else 0
        assert finals[run_id].steps == [("job/create", 1),
                                        ("job/poll", POLLS_RUNNING + 1 - lost)], run_id
        row = store.get(run_id)
        assert row is not None
        assert row.attempt == (2 if run_id in taken else 1), run_id

    # the survivor took the doomed worker's runs over, from where they were
    for run_id in taken:
        after = [s for s in api.seen if s.job == jobs[run_id] and s.at > killed]
        assert after
        assert all(s.worker == survivor.name for s in after)
        assert all(s.method == "GET" for s in after)
        assert f"{run_id}: attempt 2 started" in survivor.lines()
        assert any(line.startswith(f"{run_id}: its process ") for line in survivor.lines())
    assert done - killed < 20

    # concurrency: at most 2 runs per worker at once, 4 in all
    per_worker = {w.name: overlap(spans(api.seen, w.name)) for w in workers}
    overall = overlap(spans(api.seen))
    print(f"most runs at once: {overall} in all, per worker {per_worker}")
    # never more than the limit; and the limit was reached: both were running two when
    # one was picked to be killed
    assert per_worker == {"w0": 2, "w1": 2}, per_worker
    assert overall == 4
    assert {s.worker for s in api.seen} == {"w0", "w1"}


def answered_polls(store: Any, run_id: str) -> list[int]:
    """The ``polls`` of each poll answer the run's log recorded, in order."""
    import base64
    import json

    return [json.loads(base64.b64decode(e.data["c"]))["polls"]
            for e in store.entries(run_id) if e.step == "job/poll" for _ in range(e.count)]


@pytest.mark.parametrize("cli", [True, False], ids=["cli", "api"])
def test_a_worker_stopped_with_sigterm_hands_its_runs_back(
        tmp_path: Path, documents: Path, server: ScriptedServer, postgres_db: str,
        local_runtime: None, cli: bool) -> None:
    """``arazzo runs worker`` gets SIGTERM while it runs: it puts its runs back on the
    queue as new attempts and exits; its attempts stop at their next write (the one whose
    poll is in flight records nothing of its answer); the other worker finishes them from
    where they were."""
    api = JobsApi(POLLS_RUNNING, hold_for=1.5)
    api.install(server)
    started = time.monotonic()
    stopped = start_worker(tmp_path, "wA", postgres_db, cli=cli)
    other = start_worker(tmp_path, "wB", postgres_db)
    workers = [stopped, other]
    runs = [f"h{i}" for i in range(4)]
    jobs = {run_id: f"job-{run_id}" for run_id in runs}
    seen_at: dict[str, float] = {}  # each line of wA's output: when it was first seen
    try:
        for run_id in runs:
            arazzo.runs.submit(documents, "job", {"name": run_id}, run_id=run_id,
                               store=postgres_db, servers={"jobs": server.url})
        store = open_store(postgres_db)
        mark = f":{stopped.process.pid}:"

        def held_by_a() -> list[RunRow]:
            return [r for r in store.runs_list(status="running")
                    if r.owner is not None and mark in r.owner]

        def mid_poll() -> list[RunRow]:
            return [r for r in held_by_a()
                    if r.step == "job/poll" and 2 <= r.poll <= POLLS_RUNNING - 4]

        target = wait_until(mid_poll, 30, "wA running a run mid-poll")[0].run_id
        with api.lock:
            api.hold.add(jobs[target])  # its next poll is answered 1.5 s late
        wait_until(lambda: jobs[target] in api.held, 5, "the held poll")
        holding = sorted(r.run_id for r in held_by_a())
        signalled = time.monotonic()
        stopped.process.send_signal(signal.SIGTERM)
        while stopped.process.poll() is None and time.monotonic() - signalled < 15:
            for line in stopped.lines():
                seen_at.setdefault(line, time.monotonic())
            time.sleep(0.01)
        code = stopped.process.wait(timeout=1)
        exited = time.monotonic()
        for line in stopped.lines():
            seen_at.setdefault(line, exited)
        finals = {run_id: arazzo.runs.wait(run_id, postgres_db, timeout=30, interval=0.1)
                  for run_id in runs}
        done = time.monotonic()
    finally:
        stop_workers(workers)
    print(f"\nSIGTERM to wA holding {holding} at {signalled - started:.1f} s (held poll: "
          f"{target}); it exited {exited - signalled:.2f} s later; all done "
          f"{done - exited:.1f} s after ({done - started:.1f} s in all)")
    for w in workers:
        print(f"-- {w.name}", *w.lines(), sep="\n  ")

    # wA stopped promptly and cleanly, saying which runs it handed back
    assert code == 0
    assert exited - signalled < 10

    def text(line: str) -> str:
        return line.split(" ", 1)[1] if cli else line  # the CLI's start with the time

    said = [text(line) for line in stopped.lines()]
    assert said[-1] == ("worker stopped (SIGTERM)" if cli else "stopped"), said
    suffix = ": handed back to the queue (this worker stops)"
    handed = {text(line)[:-len(suffix)]: at for line, at in seen_at.items()
              if line.endswith(suffix)}
    assert target in handed
    assert set(handed) <= set(holding), (handed, holding)
    # its attempts stopped at their next write (the held one: recording the late answer)
    # before DBOS was shut down, so DBOS recorded their end: no error, no traceback
    for run_id in handed:
        assert f"{run_id}: attempt 1 stopped (handed back)" in said, run_id
    assert not [line for line in said if "Traceback" in line or "ERROR" in line], said

    for run_id in runs:
        job = jobs[run_id]
        info = finals[run_id]
        assert info.status == "succeeded", (run_id, info)
        assert api.count("POST", job) == 1, run_id
        gets = [s for s in api.seen if s.method == "GET" and s.job == job]
        recorded = answered_polls(store, run_id)
        lost = sorted({s.poll for s in gets} - set(recorded))
        # the server numbers the GETs of a job as it receives them, whoever sent them, and
        # answers "running" to the first POLLS_RUNNING: POLLS_RUNNING + 1 GETs in all, one
        # more only when the lost answer was the "done" one (it is asked again)
        total = POLLS_RUNNING + 1 + (lost == [POLLS_RUNNING + 1])
        assert [s.poll for s in gets] == list(range(1, total + 1)), run_id
        assert info.outputs == {"id": job, "polls": total}
        # the log holds every answer but those its attempt received after losing the run
        assert recorded == [p for p in range(1, total + 1) if p not in lost]
        assert info.steps == [("job/create", 1), ("job/poll", total - len(lost))]
        row = store.get(run_id)
        assert row is not None
        if run_id not in handed:
            assert lost == [], run_id
            assert row.attempt == 1, run_id
            continue
        # handed back: a new attempt, which wB took and finished
        assert row.attempt == 2, run_id
        assert f"{run_id}: attempt 2 started" in other.lines()
        assert f"{run_id}: succeeded" in other.lines()
        by_a = [s for s in gets if s.worker == "wA"]
        by_b = [s for s in gets if s.worker == "wB"]
        assert [s.poll for s in gets] == [s.poll for s in by_a + by_b]  # wA's, then wB's
        # nothing from wA after the hand-back but (at most) the poll it had marked sent
        late = [s for s in by_a if s.at > handed[run_id]]
        assert len(late) <= 1, late
        assert all(s.at < handed[run_id] + 0.2 for s in late), late
        # at most wA's last poll went unrecorded (answered after the hand-back); the held
        # one surely did; every poll of wB's was recorded, and sent after the hand-back
        assert lost == [] or (by_a and lost == [by_a[-1].poll]), (run_id, lost, by_a)
        assert all(s.at > handed[run_id] for s in by_b), run_id
        if run_id == target:
            # held mid-poll: wA sent polls, the held one's answer came too late, so wB asked
            assert by_a, run_id
            assert by_b, run_id
            assert lost == [by_a[-1].poll]
            assert by_a[-1].at < signalled
        # the other runs wA held may have been handed back at any write: before their first
        # poll (wB sent them all) or after their last one was recorded (wB sent none)
        assert by_b or not lost, run_id
    assert done - started < 40


def test_global_concurrency_one_runs_one_run_at_a_time_across_workers(
        tmp_path: Path, documents: Path, server: ScriptedServer, postgres_db: str,
        local_runtime: None) -> None:
    api = JobsApi(3)
    api.install(server)
    started = time.monotonic()
    workers = [start_worker(tmp_path, f"w{i}", postgres_db, global_concurrency=1)
               for i in range(2)]
    try:
        runs = [f"g{i}" for i in range(3)]
        for i, run_id in enumerate(runs):
            arazzo.runs.submit(documents, "job", {"name": f"g{i}"}, run_id=run_id,
                               store=postgres_db, servers={"jobs": server.url})
        finals = {run_id: arazzo.runs.wait(run_id, postgres_db, timeout=40, interval=0.1)
                  for run_id in runs}
        done = time.monotonic()
    finally:
        stop_workers(workers)
    for w in workers:
        print(f"-- {w.name}", *w.lines(), sep="\n  ")
    assert all(info.status == "succeeded" for info in finals.values()), finals
    for run_id in runs:
        assert api.count("POST", f"job-g{run_id[1:]}") == 1
        assert api.count("GET", f"job-g{run_id[1:]}") == 4
    most = overlap(spans(api.seen))
    print(f"\n{len(runs)} runs in {done - started:.1f} s; most at once: {most}; by "
          f"{sorted({s.worker or '' for s in api.seen})}")
    assert most == 1


THIEF = """\
import sys, time
from arazzo.durable import _runtime

_runtime.runtime(sys.argv[1], worker_concurrency=1)  # polls the queue; runs nothing
time.sleep(60)
"""


def test_an_attempt_taken_off_the_queue_but_never_run_is_queued_again(
        tmp_path: Path, documents: Path, server: ScriptedServer, postgres_db: str,
        local_runtime: None) -> None:
    """A process that takes attempts off the queue without running them (a worker that
    died between the two, or whose ``worker()`` returned while DBOS still polls): a worker
    gives the run a new attempt."""
    import sqlalchemy as sa

    api = JobsApi(1)
    api.install(server)
    arazzo.runs.submit(documents, "job", {"name": "q"}, run_id="q0", store=postgres_db,
                       servers={"jobs": server.url})
    thief = subprocess.Popen([sys.executable, "-c", THIEF, postgres_db],
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        rt = _runtime.runtime(postgres_db)
        wait_until(lambda: rt.state("q0", 1)[0] == "SUCCESS", 30,
                   "the attempt taken and dropped", every=0.2)
    finally:
        thief.kill()
        thief.wait()
    store = open_store(postgres_db)
    assert store.get("q0").status == "queued"  # type: ignore[union-attr]
    with store.engine.begin() as conn:  # queued long ago
        conn.execute(sa.update(store.runs).values(updated=store.runs.c.updated - 60))
    worker = start_worker(tmp_path, "w0", postgres_db)
    try:
        info = arazzo.runs.wait("q0", postgres_db, timeout=30, interval=0.1)
    finally:
        stop_workers([worker])
    assert info.status == "succeeded", info
    assert store.get("q0").attempt == 2  # type: ignore[union-attr]
    assert "q0: attempt 1 was taken off the queue but never started; queued again" in \
        worker.lines()
    assert api.count("POST", "job-q") == 1
