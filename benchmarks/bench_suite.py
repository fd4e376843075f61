"""The benchmark suite: arazzo against its peers, one table, JSON results.

    nox -s bench                       # full run (a few minutes)
    nox -s bench -- --quick            # smoke run, smaller N
    nox -s bench -- --no-peers         # arazzo only
    .venv/bin/python benchmarks/bench_suite.py [--quick] [--no-peers] [--repeat N]
        [--peers-dir DIR] [--output FILE] [--markdown FILE] [--no-profile]

Workloads (docs/performance.md explains each figure and the targets):

1. engine overhead per step: 6-step workflows through ``httpx.MockTransport`` (no sockets),
   simple and expression-heavy with ~1 MB JSON bodies; the bare httpx exchange is measured
   in the same run and subtracted;
2. poll loops (self-``goto`` and ``retry``, no delay) against the loopback server: time per
   iteration in two CPU placements (spread; tool and server pinned to one CPU), each tool
   judged on its faster one; tracemalloc peak at a small vs a large N;
3. steady state: one loaded Document, N runs of a 2-step workflow, first vs last window;
4. concurrency: 200 concurrent ``run_async`` runs, against the same 200 runs made one after
   the other with the sync ``run`` (alternating batches);
5. load + validate: the largest corpus document and a generated OpenAPI description of
   at least 2 MiB, written as JSON and as YAML from the same data (twins; generator shared
   with ``bench_load.py``), the YAML against its JSON twin;
6. cold CLI: ``arazzo run`` of the 2-step workflow in a fresh process;
7. the signed path: the self-goto poll loop as an AWS JSON 1.1 call (``X-Amz-Target``,
   ``application/x-amz-json-1.1``) on an unsigned source and on a SigV4 one (static
   credentials given to the run; and the AWS provider, credentials from the environment),
   time per iteration; the signer alone against botocore's ``SigV4Auth.add_auth`` on the
   same request.

Workloads 2, 3 and 6 also run with jentic's ``arazzo-runner`` and Redocly's ``respect``
(installed in a temporary directory that is removed afterwards), on the same server and
files. Every run is checked (requests counted at the server, outputs compared); a tool that
gets a workload wrong is reported as FAILING for it, not timed. Figures are medians of
``--repeat`` runs; ratios are peer / arazzo (> 1: arazzo is cheaper).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import gc
import io
import itertools
import json
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import bench_load  # noqa: E402 - sibling script: its OpenAPI generator and corpus location
from _server import LoopbackServer  # noqa: E402
from peers import (  # noqa: E402
    REDOCLY_ENV,
    ArazzoRunnerPeer,
    Peer,
    RedoclyPeer,
    install_arazzo_runner,
    install_redocly,
    run_process,
)

import arazzo  # noqa: E402

WORKLOADS = HERE / "workloads"
RESULTS = HERE / "results" / "latest.json"
ARAZZO = "arazzo"
RUNNER = "arazzo-runner"
REDOCLY = "redocly"
TOOLS = (ARAZZO, RUNNER, REDOCLY)


# -- configuration -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    quick: bool
    repeat: int
    overhead_runs: int  # simple 6-step runs per repetition
    heavy_runs: int  # heavy 6-step runs per repetition
    loop_n: int  # arazzo loop iterations (time per iteration)
    memory_small: int  # tracemalloc comparison: small vs loop_n
    runner_loop_n: int  # arazzo-runner loop iterations
    redocly_goto_n: tuple[int, int]  # respect: two loop lengths, the slope is per iteration
    redocly_retry_n: tuple[int, int]
    steady_runs: int
    steady_window: int
    concurrency: int
    cli_runs: int
    profile: bool

    @classmethod
    def make(cls, quick: bool, repeat: int | None, profile: bool) -> Config:
        if quick:
            return cls(True, repeat or 3, 50, 1, 1_000, 100, 300, (10, 60), (50, 500),
                       200, 50, 200, 3, profile)
        return cls(False, repeat or 5, 200, 3, 10_000, 1_000, 2_000, (50, 300), (100, 2_000),
                   1_000, 100, 200, 10, profile)


# -- results -----------------------------------------------------------------------------------

@dataclass
class Cell:
    value: float | None = None  # in the row's unit; None unless status == "ok"
    status: str = "ok"  # ok | FAILING | n/a | unavailable | error
    note: str = ""
    samples: list[float] = field(default_factory=list)
    tag: str = ""  # shown after the value (the CPU placement a loop figure was taken in)
    by_placement: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def of(cls, samples: list[float], note: str = "") -> Cell:
        return cls(statistics.median(samples), "ok", note, samples)


@dataclass
class Row:
    workload: str
    metric: str
    unit: str
    cells: dict[str, Cell]
    lower_is_better: bool = True
    scale: float = 1.0  # display value = value * scale
    digits: int = 1

    def ratio(self, tool: str) -> float | None:
        mine, other = self.cells.get(ARAZZO), self.cells.get(tool)
        if not mine or not other or mine.value is None or other.value is None or not mine.value:
            return None
        return (other.value / mine.value if self.lower_is_better
                else mine.value / other.value if other.value else None)

    def text(self, tool: str) -> str:
        cell = self.cells.get(tool)
        if cell is None:
            return "-"
        if cell.status != "ok" or cell.value is None:
            return cell.status + (f" ({cell.note})" if cell.note else "")
        out = f"{cell.value * self.scale:,.{self.digits}f} {self.unit}"
        if cell.tag:
            out += f" ({cell.tag})"
        ratio = self.ratio(tool) if tool != ARAZZO else None
        if ratio is not None:
            out += f" [{ratio:.1f}x]"
        return out


@dataclass
class Target:
    name: str
    passed: bool | None  # None: could not be decided (peer missing, failing run)
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "MISS", None: "N/A"}[self.passed]


@dataclass
class Suite:
    cfg: Config
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)
    peers: dict[str, Peer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {row.workload} | {row.metric}: " + "; ".join(
            f"{tool} {row.text(tool)}" for tool in TOOLS if tool in row.cells), flush=True)
        return row

    def peer_cell(self, tool: str) -> Cell | None:
        """None when the peer is usable; else the cell that says why not."""
        peer = self.peers.get(tool)
        if peer is None:
            return Cell(None, "n/a", "--no-peers")
        if not peer.available:
            return Cell(None, "unavailable", peer.reason[:80])
        return None


def failing(note: str) -> Cell:
    return Cell(None, "FAILING", note)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    gc.collect()
    yield


def profile_top(func: Callable[[], object], limit: int = 18) -> str:
    """cProfile of one call: the functions with the most own time, then the cumulative view."""
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    text = out.getvalue()
    return text[text.find("   ncalls"):] if "   ncalls" in text else text


# -- workload files ----------------------------------------------------------------------------

def materialize(folder: Path, server_url: str) -> Path:
    """Copy the loopback workload files into ``folder`` with the server's URL filled in."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "api.yaml").write_text(
        (WORKLOADS / "api.yaml").read_text().replace("{SERVER}", server_url))
    entry = folder / "loopback.arazzo.yaml"
    shutil.copyfile(WORKLOADS / "loopback.arazzo.yaml", entry)
    return entry


# -- 1. engine overhead per step -----------------------------------------------------------------

MOCK_URL = "http://bench.test"
SIX_STEPS = [("GET", "/things?limit={limit}", False), ("POST", "/things", True),
             ("GET", "/things/7", False), ("PUT", "/things/7", True),
             ("GET", "/things/7", False), ("DELETE", "/things/7", False)]


def big_body() -> dict[str, Any]:
    items = [{"id": i, "name": f"thing-{i}", "tag": f"tag-{i % 10}", "note": "x" * 140}
             for i in range(5000)]
    return {"id": 7, "count": len(items), "items": items}


def bench_overhead(suite: Suite) -> None:
    cfg = suite.cfg
    print("1. engine overhead per step (httpx.MockTransport)", flush=True)
    document = arazzo.load(WORKLOADS / "six_steps.arazzo.yaml")
    small = {"id": 7, "name": "thing"}
    big = big_body()
    bodies = {"simple": json.dumps(small).encode(), "heavy": json.dumps(big).encode()}
    counter = {"n": 0}
    current = {"body": bodies["simple"]}

    def handler(request: httpx.Request) -> httpx.Response:
        counter["n"] += 1
        request.read()
        return httpx.Response(200, content=current["body"],
                              headers={"content-type": "application/json"})

    transport = httpx.MockTransport(handler)

    def arazzo_runs(workflow: str, runs: int) -> float:
        counter["n"] = 0
        started = time.perf_counter()
        for index in range(runs):
            result = arazzo.run(document, workflow, {"name": f"n{index}"},
                                transports={"mock": transport})
            if not result.succeeded:
                raise SystemExit(f"six-step workflow {workflow} failed: {result.error}")
        elapsed = time.perf_counter() - started
        if counter["n"] != 6 * runs:
            raise SystemExit(f"{workflow}: {counter['n']} requests for {runs} runs")
        return elapsed / (6 * runs)

    def bare_runs(workflow: str, runs: int) -> float:
        """The unavoidable HTTP work: build the request (JSON bodies), call, parse JSON."""
        payload = big["items"] if workflow == "heavy" else None
        limit = 5000 if workflow == "heavy" else 10
        started = time.perf_counter()
        for index in range(runs):
            for method, path, has_body in SIX_STEPS:
                body = ({"name": f"n{index}", "items": payload} if payload is not None
                        else {"name": f"n{index}"}) if has_body else None
                request = httpx.Request(method, MOCK_URL + path.format(limit=limit),
                                        json=body, headers={"X-Trace": "trace-7"})
                response = transport.handle_request(request)
                response.read()
                response.json()
        return (time.perf_counter() - started) / (6 * runs)

    for workflow, runs in (("simple", cfg.overhead_runs), ("heavy", cfg.heavy_runs)):
        current["body"] = bodies[workflow]
        arazzo_runs(workflow, 2)  # warm-up: plan compiled and cached on the Document
        bare_runs(workflow, 2)
        totals, bares = [], []
        for _ in range(cfg.repeat):
            with quiet_gc():
                totals.append(arazzo_runs(workflow, runs))
            with quiet_gc():
                bares.append(bare_runs(workflow, runs))
        overheads = [t - b for t, b in zip(totals, bares, strict=True)]
        label = ("6 simple steps" if workflow == "simple"
                 else "6 heavy steps (criteria x5, ~1 MB bodies)")
        suite.add(Row("1 overhead", f"{label}: per step, total", "us",
                      {ARAZZO: Cell.of(totals)}, scale=1e6))
        suite.add(Row("1 overhead", f"{label}: bare httpx exchange", "us",
                      {ARAZZO: Cell.of(bares)}, scale=1e6))
        row = suite.add(Row("1 overhead", f"{label}: engine overhead", "us",
                            {ARAZZO: Cell.of(overheads)}, scale=1e6))
        if workflow == "simple":
            value = row.cells[ARAZZO].value or 0.0
            passed = value < 100e-6
            suite.targets.append(Target(
                "engine overhead < 100 us per simple step", passed,
                f"{value * 1e6:.1f} us (total {median(totals) * 1e6:.1f} us - bare httpx "
                f"{median(bares) * 1e6:.1f} us)"))
            if not passed and cfg.profile:
                suite.profiles["overhead (simple 6-step, 50 runs)"] = profile_top(
                    lambda: arazzo_runs("simple", 50))
        elif cfg.profile and not cfg.quick:
            suite.profiles["heavy 6-step run (informational)"] = profile_top(
                lambda: arazzo_runs("heavy", 1), limit=12)
    bench_one_step(suite, transport, current, counter)


def bench_one_step(suite: Suite, transport: httpx.MockTransport, current: dict[str, bytes],
                   counter: dict[str, int]) -> None:
    """A whole one-step run (prepare: inputs checked against a ``$ref``'d schema, defaults
    filled; one GET, a criterion, an output, the result) against the bare exchange of the
    same request: what a run costs beyond its HTTP work."""
    cfg = suite.cfg
    document = arazzo.load(WORKLOADS / "six_steps.arazzo.yaml")
    current["body"] = json.dumps({"id": 7, "name": "thing"}).encode()
    runs = cfg.overhead_runs * 6

    def arazzo_runs(n: int) -> float:
        counter["n"] = 0
        started = time.perf_counter()
        for index in range(n):
            result = arazzo.run(document, "oneStep", {"id": 7 + index % 2},
                                transports={"mock": transport})
            if not result.succeeded or result.outputs != {"name": "thing"}:
                raise SystemExit(f"one-step workflow failed: {result.error}")
        elapsed = time.perf_counter() - started
        if counter["n"] != n:
            raise SystemExit(f"oneStep: {counter['n']} requests for {n} runs")
        return elapsed / n

    def bare_runs(n: int) -> float:
        started = time.perf_counter()
        for index in range(n):
            request = httpx.Request("GET", f"{MOCK_URL}/things/{7 + index % 2}")
            response = transport.handle_request(request)
            response.read()
            response.json()
        return (time.perf_counter() - started) / n

    arazzo_runs(5)  # warm-up: plan and inputs checks made and kept on the Document
    bare_runs(5)
    totals, bares = [], []
    for _ in range(cfg.repeat):
        with quiet_gc():
            totals.append(arazzo_runs(runs))
        with quiet_gc():
            bares.append(bare_runs(runs))
    overheads = [t - b for t, b in zip(totals, bares, strict=True)]
    label = "one-step workflow"
    suite.add(Row("1 overhead", f"{label}: run total", "us", {ARAZZO: Cell.of(totals)},
                  scale=1e6))
    suite.add(Row("1 overhead", f"{label}: bare exchange", "us", {ARAZZO: Cell.of(bares)},
                  scale=1e6))
    row = suite.add(Row("1 overhead", f"{label}: run overhead", "us",
                        {ARAZZO: Cell.of(overheads)}, scale=1e6))
    value = row.cells[ARAZZO].value or 0.0
    passed = value < 50e-6
    suite.targets.append(Target(
        "one-step run overhead < 50 us above the bare exchange", passed,
        f"{value * 1e6:.1f} us (total {median(totals) * 1e6:.1f} us - bare httpx "
        f"{median(bares) * 1e6:.1f} us)"))
    if not passed and cfg.profile:
        suite.profiles["one-step run (2000 runs)"] = profile_top(lambda: arazzo_runs(2000))


# -- 2. poll loops --------------------------------------------------------------------------------

LOOPS = (("pollGoto", "self-goto loop"), ("pollRetry", "retry loop"),
         ("pollGotoOutputs", "self-goto loop, criterion on $steps outputs "
                             "(arazzo-runner workaround)"))


Figures = dict[tuple[str, str], "float | None"]  # (workflow, tool) -> seconds per iteration


def loop_targets(per_iteration: Figures, cpu_per_iteration: Figures,
                 rows: list[Row]) -> list[Target]:
    """The loop targets (>= 10x cheaper than redocly, >= 2x than arazzo-runner), on wall and
    on CPU time. A peer that fails a loop is N/A; for the self-goto loop the detail then
    gives the ratio on the $steps-outputs variant, measured with both tools."""
    targets = []
    for (workflow, label), (figures, kind) in itertools.product(
            LOOPS[:2], ((per_iteration, "wall time"), (cpu_per_iteration, "CPU time"))):
        mine = figures[(workflow, ARAZZO)]
        for tool, factor in ((REDOCLY, 10.0), (RUNNER, 2.0)):
            theirs = figures[(workflow, tool)]
            name = f"{label} iteration >= {factor:g}x cheaper than {tool} ({kind})"
            if mine is None:
                targets.append(Target(name, False, "arazzo failed the workload"))
            elif theirs is None:
                status = next(r.cells[tool] for r in rows if r.metric.startswith(label + ":"))
                detail = f"{tool} {status.status} {status.note}".strip()
                fallback = figures[("pollGotoOutputs", tool)]
                own = figures[("pollGotoOutputs", ARAZZO)]
                if workflow == "pollGoto" and fallback is not None and own is not None:
                    ratio = fallback / own
                    detail += (f"; against its $steps-outputs variant: {ratio:.1f}x "
                               f"({'PASS' if ratio >= factor else 'MISS'})")
                targets.append(Target(name, None, detail))
            else:
                ratio = theirs / mine
                targets.append(Target(name, ratio >= factor, f"{ratio:.1f}x"))
    return targets


def check_poll(server: LoopbackServer, key: str, n: int) -> str | None:
    seen = server.stats()["poll"].get(key, 0)
    return None if seen == n else f"{seen}/{n} requests"


def arazzo_loop(server: LoopbackServer, document: arazzo.Document, workflow: str, n: int,
                key: str, record_limit: int | None = None) -> tuple[float, float, str | None]:
    """Wall and CPU seconds of one run (the CPU of this process: the server is another)."""
    server.reset()
    started, cpu_started = time.perf_counter(), time.process_time()
    # record_limit=None keeps every record; "defaults" leaves the argument out
    options: dict[str, Any] = {} if record_limit is None else {"record_limit": record_limit}
    result = arazzo.run(document, workflow, {"key": key, "n": n}, loop_delay=0,
                        max_steps=n + 10, **options)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    problem = check_poll(server, key, n)
    if problem is None and (not result.succeeded
                            or result.outputs != {"state": "done", "count": n}):
        problem = f"outputs {result.outputs}, error {result.error}"
    elif problem is not None:
        problem += f", ends state={result.outputs.get('state')}"
    return seconds, cpu, problem


@dataclass(frozen=True)
class Placement:
    """Where the tool and the server run. ``spread``: wherever the OS schedules them;
    ``1 CPU``: both pinned to one CPU. On a VM a wake-up across CPUs can cost tens of
    microseconds per message (an inter-processor interrupt), more than a whole exchange on
    one CPU; a multi-threaded tool (node's helper threads) can lose on one CPU instead. Every
    tool is measured in every placement and judged on its faster one."""

    name: str
    cpus: frozenset[int]  # empty: leave the affinity alone
    description: str


def placements() -> list[Placement]:
    """``spread``, and ``1 CPU`` when the process may run on several CPUs and the OS can pin
    (Linux ``sched_setaffinity``)."""
    if not hasattr(os, "sched_getaffinity"):
        return [Placement("spread", frozenset(), "as the OS schedules them")]
    cpus = frozenset(os.sched_getaffinity(0))
    spread = Placement("spread", cpus, f"tool and server free to use CPUs "
                                       f"{','.join(map(str, sorted(cpus)))}")
    if len(cpus) < 2:
        return [spread]
    first = min(cpus)
    return [spread, Placement("1 CPU", frozenset({first}),
                              f"tool and server pinned to CPU {first}")]


@contextlib.contextmanager
def placed(server: LoopbackServer, placement: Placement) -> Iterator[None]:
    """Run the block (this process and the processes it starts) and the server on
    ``placement``'s CPUs; the previous affinities are restored afterwards."""
    if not placement.cpus:
        yield
        return
    mine, theirs = os.sched_getaffinity(0), os.sched_getaffinity(server.pid)
    os.sched_setaffinity(server.pid, placement.cpus)
    os.sched_setaffinity(0, placement.cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, mine)
        os.sched_setaffinity(server.pid, theirs)


def best_placement(measured: dict[str, tuple[Cell, Cell]]) -> tuple[Cell, Cell]:
    """One tool's (wall, CPU) cells of one loop, from those of each placement: the
    placement with the lower wall time, both cells from it, tagged with its name and
    holding every placement's wall figure. A tool that fails in any placement fails."""
    failures = {name: cells for name, cells in measured.items()
                if cells[0].status != "ok" or cells[0].value is None}
    if failures:
        wall, cpu = next(iter(failures.values()))
        notes = {cells[0].note for cells in failures.values()}
        if wall.status != "FAILING" or (len(failures) == len(measured) and len(notes) == 1):
            return wall, cpu  # unavailable, or the same failure everywhere
        failed = replace(wall, note="; ".join(f"{p}: {cells[0].note}"
                                             for p, cells in failures.items()))
        return failed, failed
    name = min(measured, key=lambda p: measured[p][0].value or 0.0)
    by_placement = {p: measured[p][0].value for p in measured}
    tag = name if len(measured) > 1 else ""
    wall, cpu = measured[name]
    return (replace(wall, tag=tag, by_placement=by_placement),
            replace(cpu, tag=tag, by_placement={
                p: measured[p][1].value for p in measured}))


def arazzo_loop_cells(suite: Suite, server: LoopbackServer, document: arazzo.Document,
                      workflow: str, place: str) -> tuple[Cell, Cell]:
    cfg = suite.cfg
    samples: list[float] = []
    cpu_samples: list[float] = []
    for rep in range(cfg.repeat if workflow != "pollGotoOutputs" else 1):
        with quiet_gc():
            seconds, cpu, problem = arazzo_loop(server, document, workflow, cfg.loop_n,
                                                f"a-{workflow}-{place.replace(' ', '')}-{rep}")
        if problem:
            return failing(problem), failing(problem)
        samples.append(seconds / cfg.loop_n)
        cpu_samples.append(cpu / cfg.loop_n)
    return Cell.of(samples, f"N={cfg.loop_n}"), Cell.of(cpu_samples)


def bench_loops(suite: Suite, server: LoopbackServer, entry: Path) -> None:
    cfg = suite.cfg
    print("2. poll loops (loopback server, no delay)", flush=True)
    document = arazzo.load(entry)
    arazzo_loop(server, document, "pollGoto", 50, "warm")
    arazzo_loop(server, document, "pollRetry", 50, "warm")
    where = placements()
    suite.notes.append("loop placements: " + "; ".join(
        f"{p.name} = {p.description}" for p in where) + ". Each tool's loop figures are "
        "those of its faster placement (named after the value); the JSON has both.")
    for place in where:
        with placed(server, place):
            floor = loopback_floor(server, cfg.repeat)
        suite.notes.append(f"loopback floor ({place.name}): one raw HTTP/1.1 exchange with "
                           f"the server on a kept-alive socket takes {floor * 1e3:.3f} ms "
                           f"(median of {cfg.repeat} x 2,000): every tool's loop iteration "
                           f"includes it")
        suite.add(Row("2 loop", "loopback floor (raw socket exchange, no tool)"
                      + (f", {place.name}" if len(where) > 1 else ""), "ms",
                      {ARAZZO: Cell(floor)}, scale=1e3, digits=3))
    per_iteration: dict[tuple[str, str], float | None] = {}
    cpu_per_iteration: dict[tuple[str, str], float | None] = {}
    for workflow, label in LOOPS:
        measured: dict[str, dict[str, tuple[Cell, Cell]]] = {tool: {} for tool in TOOLS}
        for place in where:
            with placed(server, place):
                measured[ARAZZO][place.name] = arazzo_loop_cells(suite, server, document,
                                                                 workflow, place.name)
                measured[RUNNER][place.name] = runner_loop(suite, server, entry, workflow)
                measured[REDOCLY][place.name] = redocly_loop(suite, server, entry, workflow)
        cells: dict[str, Cell] = {}
        cpu_cells: dict[str, Cell] = {}
        for tool in TOOLS:
            cells[tool], cpu_cells[tool] = best_placement(measured[tool])
        row = suite.add(Row("2 loop", f"{label}: per iteration", "ms", cells, scale=1e3,
                            digits=3))
        cpu_row = suite.add(Row("2 loop", f"{label}: CPU per iteration", "ms", cpu_cells,
                                scale=1e3, digits=3))
        for tool in TOOLS:
            per_iteration[(workflow, tool)] = row.cells[tool].value
            cpu_per_iteration[(workflow, tool)] = cpu_row.cells[tool].value
            if len(where) > 1 and row.cells[tool].status == "ok":
                suite.notes.append(f"{tool} {workflow} per iteration by placement: " + ", ".join(
                    f"{name} {value * 1e3:.3f} ms" for name, value in
                    row.cells[tool].by_placement.items() if value is not None))
        for tool in (RUNNER, REDOCLY):
            rss = row.cells[tool].note
            if rss and row.cells[tool].status == "ok":
                suite.notes.append(f"{tool} {workflow}: {rss}")

    # memory: tracemalloc peak of one run at memory_small and at loop_n iterations
    for record_limit in (None, 100):
        for workflow, label in LOOPS[:2]:
            peaks = {}
            for n in (cfg.memory_small, cfg.loop_n):
                gc.collect()
                tracemalloc.start()
                _, _, problem = arazzo_loop(server, document, workflow, n,
                                         f"m-{workflow}-{n}-{record_limit}", record_limit)
                peaks[n] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                if problem:
                    raise SystemExit(f"{workflow}: {problem}")
            small, large = peaks[cfg.memory_small], peaks[cfg.loop_n]
            setting = "defaults" if record_limit is None else f"record_limit={record_limit}"
            suite.add(Row("2 loop", f"{label} ({setting}): peak KiB at {cfg.memory_small:,}",
                          "KiB", {ARAZZO: Cell(small / 1024)}, digits=0))
            suite.add(Row("2 loop", f"{label} ({setting}): peak KiB at {cfg.loop_n:,}",
                          "KiB", {ARAZZO: Cell(large / 1024)}, digits=0))
            flat = large <= 1.2 * small + 64 * 1024
            suite.targets.append(Target(
                f"memory flat over {cfg.loop_n:,} iterations: {label}, {setting}", flat,
                f"tracemalloc peak {small / 1024:.0f} KiB at {cfg.memory_small:,} -> "
                f"{large / 1024:.0f} KiB at {cfg.loop_n:,} ({large / small:.1f}x; flat = "
                f"<= 1.2x + 64 KiB)"))

    suite.targets.extend(loop_targets(per_iteration, cpu_per_iteration, suite.rows))
    for workflow, label in LOOPS[:2]:
        missed = any(t.passed is False and t.name.startswith(label + " iteration")
                     for t in suite.targets)
        if cfg.profile and missed:
            suite.profiles[f"{label} (2 000 iterations, loopback)"] = profile_top(
                functools.partial(arazzo_loop, server, document, workflow, 2_000,
                                  f"profile-{workflow}"))


def loopback_floor(server: LoopbackServer, repeat: int, n: int = 2_000) -> float:
    """Seconds per raw exchange (a fixed request written to a kept-alive socket, the whole
    response read) with the benchmark server: what no client can go below."""
    host, _, port = server.url.rpartition("//")[2].partition(":")
    samples = []
    for rep in range(repeat):
        with socket.create_connection((host, int(port))) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request = (f"GET /poll/floor-{rep}/{n + 1} HTTP/1.1\r\nHost: {host}:{port}"
                       f"\r\n\r\n").encode()
            started = time.perf_counter()
            for _ in range(n):
                sock.sendall(request)
                data = sock.recv(65536)
                while not data.endswith(b"}"):  # the JSON body ends the response
                    data += sock.recv(65536)
            samples.append((time.perf_counter() - started) / n)
    return median(samples)


def runner_loop(suite: Suite, server: LoopbackServer, entry: Path, workflow: str
                ) -> tuple[Cell, Cell]:
    """Wall and CPU time per iteration, timed inside the driver around the run."""
    unusable = suite.peer_cell(RUNNER)
    if unusable:
        return unusable, unusable
    peer = suite.peers[RUNNER]
    assert isinstance(peer, ArazzoRunnerPeer)
    n = suite.cfg.runner_loop_n
    samples, cpu, rss = [], [], []
    for rep in range(suite.cfg.repeat if workflow != "pollGotoOutputs" else 3):
        server.reset()
        key = f"r-{workflow}-{rep}"
        data, proc = peer.drive("once", entry, workflow, {"key": key, "n": n})
        if data is None:
            crashed = Cell(None, "error", f"driver crashed: {proc.stderr.strip()[-120:]}")
            return crashed, crashed
        problem = check_poll(server, key, n)
        if problem is None and (data["status"] != "workflow_complete"
                                or data["outputs"] != {"state": "done", "count": n}):
            problem = f"status {data['status']}, outputs {data['outputs']}"
        elif problem is not None:
            problem += (f", reports {data['status']} state="
                        f"{(data['outputs'] or {}).get('state')}")
        if problem:
            return failing(problem), failing(problem)
        samples.append(data["seconds"][0] / n)
        cpu.append(data["cpu"][0] / n)
        rss.append(proc.peak_rss_kb)
    return Cell.of(samples, f"N={n}, peak RSS {median(rss) / 1024:.0f} MB"), Cell.of(cpu)


def last_response_body(report: Any) -> Any:
    """The response body of the last step entry in a respect JSON report (None if absent)."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "step" and isinstance(node.get("response"), dict):
                found.append(node["response"].get("body"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report)
    return found[-1] if found else None


def redocly_loop(suite: Suite, server: LoopbackServer, entry: Path, workflow: str
                 ) -> tuple[Cell, Cell]:
    """Wall and CPU time per iteration: the slope between two N (start-up cancels out)."""
    unusable = suite.peer_cell(REDOCLY)
    if unusable:
        return unusable, unusable
    peer = suite.peers[REDOCLY]
    assert isinstance(peer, RedoclyPeer)
    sizes = suite.cfg.redocly_retry_n if workflow == "pollRetry" else suite.cfg.redocly_goto_n
    walls: dict[int, list[float]] = {n: [] for n in sizes}
    cpus: dict[int, list[float]] = {n: [] for n in sizes}
    rss: dict[int, list[int]] = {n: [] for n in sizes}
    repeat = suite.cfg.repeat if workflow != "pollGotoOutputs" else 1
    for rep in range(min(repeat, 3)):
        for n in sizes:
            server.reset()
            key = f"x-{workflow}-{n}-{rep}"
            report = entry.parent / f"respect-{key}.json"
            proc = peer.run(entry, workflow, {"key": key, "n": n}, max_steps=n + 10,
                            json_report=report)
            problem = check_poll(server, key, n)
            body = json.loads(report.read_text()) if report.exists() else None
            last = last_response_body(body)
            if problem is None and (proc.returncode != 0
                                    or last != {"state": "done", "count": n}):
                problem = f"exit {proc.returncode}, last response {last}"
            if problem:
                return failing(problem), failing(problem)
            walls[n].append(proc.seconds)
            cpus[n].append(proc.cpu_seconds)
            rss[n].append(proc.peak_rss_kb)
    small, large = sizes
    slope = (median(walls[large]) - median(walls[small])) / (large - small)
    cpu_slope = (median(cpus[large]) - median(cpus[small])) / (large - small)
    return (Cell(slope, "ok", f"slope N={small}->{large}, peak RSS "
                 f"{median(rss[small]) / 1024:.0f} -> {median(rss[large]) / 1024:.0f} MB",
                 [median(walls[small]), median(walls[large])]),
            Cell(cpu_slope, "ok", f"slope N={small}->{large}",
                 [median(cpus[small]), median(cpus[large])]))


# -- 3. steady state --------------------------------------------------------------------------

def bench_steady(suite: Suite, server: LoopbackServer, entry: Path) -> None:
    cfg = suite.cfg
    runs, window = cfg.steady_runs, cfg.steady_window
    print(f"3. steady state ({runs} runs of the 2-step workflow, one Document)", flush=True)
    document = arazzo.load(entry)
    server.reset()
    latencies: list[float] = []
    for index in range(runs):
        name = f"item-{index}"
        started = time.perf_counter()
        result = arazzo.run(document, "createAndFetch", {"name": name, "tag": "t"})
        latencies.append(time.perf_counter() - started)
        if not result.succeeded or result.outputs.get("name") != name:
            raise SystemExit(f"createAndFetch run {index}: {result.error} {result.outputs}")
    requests = server.stats()["requests"]
    mine: dict[str, Cell] = {
        "first": Cell.of(latencies[:window]), "last": Cell.of(latencies[-window:])}
    if requests != 2 * runs:
        mine = {"first": failing(f"{requests} requests"), "last": failing(f"{requests}")}
    # the documented call: run(path), each call given the path (the document cache's case)
    server.reset()
    by_path: list[float] = []
    for index in range(2 * window):
        name = f"path-{index}"
        started = time.perf_counter()
        result = arazzo.run(entry, "createAndFetch", {"name": name, "tag": "t"})
        by_path.append(time.perf_counter() - started)
        if not result.succeeded or result.outputs.get("name") != name:
            raise SystemExit(f"createAndFetch by path {index}: {result.error} {result.outputs}")
    path_requests = server.stats()["requests"]
    mine["path"] = (Cell.of(by_path[window:]) if path_requests == 4 * window
                    else failing(f"{path_requests} requests"))

    theirs: dict[str, Cell]
    unusable = suite.peer_cell(RUNNER)
    if unusable:
        theirs = {"first": unusable, "last": unusable}
    else:
        peer = suite.peers[RUNNER]
        assert isinstance(peer, ArazzoRunnerPeer)
        server.reset()
        data, proc = peer.drive("steady", entry, "createAndFetch", {"name": "w", "tag": "t"},
                                runs=runs)
        requests = server.stats()["requests"]
        if data is None:
            cell = Cell(None, "error", f"driver crashed: {proc.stderr.strip()[-120:]}")
            theirs = {"first": cell, "last": cell}
        elif (requests != 2 * runs or data["statuses"] != ["workflow_complete"]
              or data["outputs"].get("name") != f"w-{runs - 1}"):
            cell = failing(f"{requests} requests, {data['statuses']}, {data['outputs']}")
            theirs = {"first": cell, "last": cell}
        else:
            seconds = data["seconds"]
            theirs = {"first": Cell.of(seconds[:window]), "last": Cell.of(seconds[-window:])}
    theirs["path"] = theirs["first"]  # arazzo-runner has no run-by-path: its loaded runner
    na = Cell(None, "n/a", "no in-process API")
    for part in ("first", "last"):
        suite.add(Row("3 steady", f"per run, {part} {window} of {runs}", "ms",
                      {ARAZZO: mine[part], RUNNER: theirs[part], REDOCLY: na}, scale=1e3,
                      digits=2))
    suite.add(Row("3 steady", f"per run by path (run(path); arazzo-runner: first {window} "
                  "of one loaded runner)", "ms",
                  {ARAZZO: mine["path"], RUNNER: theirs["path"], REDOCLY: na}, scale=1e3,
                  digits=2))
    if mine["path"].value and theirs["path"].value:
        ratio = theirs["path"].value / mine["path"].value
        suite.targets.append(Target(
            "run(path) at least 2x cheaper per run than arazzo-runner's loaded runs",
            ratio >= 2, f"{mine['path'].value * 1e3:.2f} ms against "
            f"{theirs['path'].value * 1e3:.2f} ms, {ratio:.1f}x"))
    first, last = mine["first"].value, mine["last"].value
    if first and last:
        suite.targets.append(Target(
            f"no per-run growth over {runs:,} runs", last <= 1.2 * first,
            f"median {first * 1e3:.2f} ms (first {window}) -> {last * 1e3:.2f} ms "
            f"(last {window}), {last / first:.2f}x; no growth = <= 1.2x"))
        if last > 1.2 * first and cfg.profile:
            suite.profiles["steady state (200 runs)"] = profile_top(lambda: [
                arazzo.run(document, "createAndFetch", {"name": "p", "tag": "t"})
                for _ in range(200)])
    else:
        suite.targets.append(Target(f"no per-run growth over {runs:,} runs", False,
                                    "arazzo failed the workload"))
    if theirs["first"].value and theirs["last"].value:
        suite.notes.append(f"arazzo-runner steady state: {theirs['first'].value * 1e3:.2f} -> "
                           f"{theirs['last'].value * 1e3:.2f} ms per run")


# -- 4. concurrency -----------------------------------------------------------------------------

def bench_concurrency(suite: Suite, server: LoopbackServer, entry: Path) -> None:
    cfg = suite.cfg
    n = cfg.concurrency
    print(f"4. concurrency ({n} concurrent run_async)", flush=True)
    document = arazzo.load(entry)

    async def one(index: int) -> tuple[float, arazzo.RunResult]:
        started = time.perf_counter()
        result = await arazzo.run_async(document, "createAndFetch",
                                        {"name": f"c{index}", "tag": "t"})
        return time.perf_counter() - started, result

    async def batch() -> tuple[float, list[float]]:
        started = time.perf_counter()
        done = await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - started
        bad = [r for _, r in done if not r.succeeded]
        if bad:
            raise SystemExit(f"{len(bad)} of {n} concurrent runs failed: {bad[0].error}")
        return wall, [seconds for seconds, _ in done]

    def sequential() -> float:
        """The same n runs one after the other with the sync ``arazzo.run``."""
        started = time.perf_counter()
        for index in range(n):
            result = arazzo.run(document, "createAndFetch", {"name": f"s{index}", "tag": "t"})
            if not result.succeeded:
                raise SystemExit(f"sequential run {index} failed: {result.error}")
        return time.perf_counter() - started

    asyncio.run(batch())  # warm-up
    sequential()
    rates, tails, sync_rates = [], [], []
    for _ in range(cfg.repeat):  # alternating, so both see the same machine
        server.reset()
        with quiet_gc():
            wall, latencies = asyncio.run(batch())
        requests = server.stats()["requests"]
        if requests != 2 * n:
            raise SystemExit(f"concurrency: {requests} requests for {n} runs")
        rates.append(n / wall)
        tails.append(p99(latencies))
        server.reset()
        with quiet_gc():
            sync_wall = sequential()
        requests = server.stats()["requests"]
        if requests != 2 * n:
            raise SystemExit(f"sequential: {requests} requests for {n} runs")
        sync_rates.append(n / sync_wall)
    suite.add(Row("4 concurrency", f"{n} concurrent runs: throughput", "runs/s",
                  {ARAZZO: Cell.of(rates)}, lower_is_better=False, digits=0))
    suite.add(Row("4 concurrency", f"{n} concurrent runs: p99 latency", "ms",
                  {ARAZZO: Cell.of(tails)}, scale=1e3, digits=0))
    suite.add(Row("4 concurrency", f"{n} sequential sync runs: throughput", "runs/s",
                  {ARAZZO: Cell.of(sync_rates)}, lower_is_better=False, digits=0))
    ratio = median(rates) / median(sync_rates)
    suite.targets.append(Target(
        f"{n} concurrent run_async at least as many runs/s as {n} sequential run", ratio >= 1.0,
        f"{median(rates):,.0f} against {median(sync_rates):,.0f} runs/s ({ratio:.2f}x)"))


# -- 5. load and validate -------------------------------------------------------------------------

def bench_load_validate(suite: Suite, tmp: Path) -> None:
    cfg = suite.cfg
    print("5. load + validate", flush=True)

    def timed(func: Callable[[], object]) -> list[float]:
        func()
        samples = []
        for _ in range(cfg.repeat):
            gc.collect()
            started = time.perf_counter()
            func()
            samples.append(time.perf_counter() - started)
        return samples

    corpus = bench_load.CORPUS
    if corpus.is_dir():
        docs = [p for p in corpus.rglob("*") if p.is_file() and (
            ".arazzo." in p.name or p.name.endswith(("arazzo.yaml", "arazzo.json")))]
        largest = max(docs, key=lambda p: p.stat().st_size)
        samples = timed(lambda: arazzo.validate(largest, allow_dirs=[corpus]))
        suite.add(Row("5 load", f"largest corpus document ({largest.name}, "
                      f"{largest.stat().st_size / 1024:.0f} kB)", "ms",
                      {ARAZZO: Cell.of(samples)}, scale=1e3))
    else:
        suite.add(Row("5 load", "largest corpus document", "ms",
                      {ARAZZO: Cell(None, "n/a", f"{corpus} absent")}))
    folder = tmp / "load"
    folder.mkdir()
    rows = []
    for form, (entry, big) in bench_load.write_twins(folder).items():
        bench_load.check_valid(entry)
        samples = timed(functools.partial(arazzo.validate, entry))
        size = big.stat().st_size / bench_load.MIB
        twin = ", the JSON's twin" if form == "YAML" else ""
        rows.append(suite.add(Row(
            "5 load", f"Arazzo + generated OpenAPI ({size:.2f} MiB {form}{twin})", "ms",
            {ARAZZO: Cell.of(samples)}, scale=1e3)))
    json_ms, yaml_ms = (row.cells[ARAZZO].value or 0.0 for row in rows)
    ratio = yaml_ms / json_ms if json_ms else float("inf")
    suite.targets.append(Target(
        f"YAML description at most {bench_load.YAML_TWIN_TARGET:g}x its JSON twin",
        ratio <= bench_load.YAML_TWIN_TARGET,
        f"{yaml_ms * 1e3:.1f} against {json_ms * 1e3:.1f} ms: {ratio:.2f}x"))


# -- 6. cold CLI ----------------------------------------------------------------------------------

#: issue 19: a cold ``arazzo run`` at least this many times faster than arazzo-runner's CLI
COLD_CLI_TARGET = 1.3


def arazzo_cli() -> list[str]:
    """The ``arazzo`` command as its console script runs it, on the code this suite imported
    (the checkout under test, also when the environment's installed script is older or
    belongs to another checkout): the entry point that checkout's pyproject.toml declares,
    called as pip's generated script calls it, with the checkout first on ``sys.path``."""
    root = Path(arazzo.__file__).resolve().parent.parent
    target = "arazzo.cli:main"  # before pyproject.toml named one (an older checkout)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():  # [project.scripts] arazzo = "module:function"
        import re

        found = re.search(r'^arazzo\s*=\s*"([\w.]+:\w+)"', pyproject.read_text(), re.M)
        target = found.group(1) if found else target
    else:  # an installed package: its own entry point
        from importlib.metadata import entry_points

        for point in entry_points(group="console_scripts", name="arazzo"):
            target = point.value
    module, _, func = target.partition(":")
    return [sys.executable, "-c",
            f"import sys; sys.path.insert(0, {str(root)!r}); from {module} import {func}; "
            f"sys.exit({func}())"]


Check = Callable[[str], "str | None"]
Commands = dict[str, tuple[list[str], dict[str, str], Check]]


def measure_commands(server: LoopbackServer, cwd: Path, runs: int,
                     commands: Commands,
                     requests_per_run: int) -> tuple[dict[str, Cell], dict[str, Cell]]:
    """Median wall time and peak RSS (MB) per tool; a failed check makes the tool FAILING."""
    samples: dict[str, list[float]] = {tool: [] for tool in commands}
    rss: dict[str, list[float]] = {tool: [] for tool in commands}
    problems: dict[str, str] = {}
    for rep in range(runs + 1):  # first round: warm-up (disk cache, .pyc), not timed
        for tool, (cmd, env, check) in commands.items():
            if tool in problems:
                continue
            server.reset()
            proc = run_process(cmd, cwd=cwd, env=env, timeout=120)
            requests = server.stats()["requests"]
            problem = (f"exit {proc.returncode}: {proc.stderr.strip()[-120:]}"
                       if proc.returncode else check(proc.stdout))
            if problem is None and requests != requests_per_run:
                problem = f"{requests} requests"
            if problem:
                problems[tool] = problem
            elif rep:
                samples[tool].append(proc.seconds)
                rss[tool].append(proc.peak_rss_kb / 1024)
    times, memory = {}, {}
    for tool in commands:
        if tool in problems:
            times[tool] = memory[tool] = failing(problems[tool])
        else:
            times[tool], memory[tool] = Cell.of(samples[tool]), Cell.of(rss[tool])
    return times, memory


def bench_cli(suite: Suite, server: LoopbackServer, entry: Path) -> None:
    cfg = suite.cfg
    print(f"6. cold CLI (2-step workflow, median of {cfg.cli_runs})", flush=True)
    inputs = {"name": "widget", "tag": "t1"}

    def arazzo_check(stdout: str) -> str | None:
        try:
            outputs = json.loads(stdout).get("outputs", {})
        except ValueError:
            return "stdout is not JSON"
        return None if outputs.get("name") == "widget" else f"outputs {outputs}"

    def runner_check(stdout: str) -> str | None:
        ok = "workflow_complete" in stdout and "'name': 'widget'" in stdout
        return None if ok else f"stdout {stdout.strip()[-120:]!r}"

    def no_check(_stdout: str) -> str | None:
        return None

    runs: Commands = {ARAZZO: ([*arazzo_cli(), "run", entry.name, "--workflow", "createAndFetch",
                               "--inputs", json.dumps(inputs), "--format", "json"], {},
                              arazzo_check)}
    starts: Commands = {ARAZZO: ([*arazzo_cli(), "--help"], {}, no_check)}
    unusable: dict[str, Cell] = {}
    for tool in (RUNNER, REDOCLY):
        cell = suite.peer_cell(tool)
        peer = suite.peers.get(tool)
        if cell:
            unusable[tool] = cell
        elif isinstance(peer, ArazzoRunnerPeer):
            assert peer.cli is not None
            runs[tool] = (peer.cli_command(entry, "createAndFetch", inputs), {}, runner_check)
            starts[tool] = ([str(peer.cli), "--help"], {}, no_check)
        elif isinstance(peer, RedoclyPeer):
            assert peer.cli is not None
            runs[tool] = (peer.command(entry, "createAndFetch", inputs), REDOCLY_ENV, no_check)
            starts[tool] = ([str(peer.cli), "--help"], REDOCLY_ENV, no_check)
    times, memory = measure_commands(server, entry.parent, cfg.cli_runs, runs, 2)
    start_times, _ = measure_commands(server, entry.parent, cfg.cli_runs, starts, 0)
    row = suite.add(Row("6 cold CLI", "run 2-step workflow, process start to exit", "ms",
                        times | unusable, scale=1e3, digits=0))
    suite.add(Row("6 cold CLI", "start-up only (CLI --help)", "ms", start_times | unusable,
                  scale=1e3, digits=0))
    suite.add(Row("6 cold CLI", "peak RSS of the run", "MB", memory | unusable, digits=0))
    mine, theirs = row.cells[ARAZZO].value, row.cells[RUNNER].value
    name = f"cold CLI run at least {COLD_CLI_TARGET}x faster than arazzo-runner's"
    if mine is None:
        suite.targets.append(Target(name, False, "arazzo failed the workload"))
    elif theirs is None:
        suite.targets.append(Target(name, None, f"arazzo-runner {row.text(RUNNER)}"))
    else:
        met = mine * COLD_CLI_TARGET <= theirs
        suite.targets.append(Target(name, met, f"{mine * 1e3:.0f} ms vs {theirs * 1e3:.0f} ms "
                                               f"({theirs / mine:.2f}x)"))
        if not met and cfg.profile:
            suite.profiles["cold CLI: imports (-X importtime)"] = import_profile()
            suite.profiles["cold CLI: one run in-process after imports (cProfile)"] = (
                profile_top(lambda: cli_in_process(runs[ARAZZO][0], entry.parent), limit=15))


def cli_in_process(cmd: list[str], cwd: Path) -> None:
    """What ``arazzo run`` does after its imports, in this process (a fresh Document)."""
    from arazzo.cli import main as cli_main

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            cli_main(cmd[cmd.index("run"):])
    finally:
        os.chdir(previous)


def import_profile(limit: int = 15) -> str:
    """``python -X importtime -c 'import arazzo.cli'``: the slowest imports, with and
    without their sub-imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import arazzo.cli"],
                          capture_output=True, text=True, check=False)
    rows: list[tuple[int, int, str]] = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0].split(":")[-1]), parts[2].rstrip()))
    total = max((r[0] for r in rows), default=0)
    by_cumulative = sorted(rows, reverse=True)[:limit]
    by_self = sorted(rows, key=lambda r: r[1], reverse=True)[:limit]
    return "\n".join(
        [f"total {total / 1000:.0f} ms; cumulative:"]
        + [f"{cum / 1000:8.1f} ms  {name}" for cum, _, name in by_cumulative]
        + ["self (without sub-imports):"]
        + [f"{own / 1000:8.1f} ms  {name.strip()}" for _, own, name in by_self])


# -- 7. the signed path ---------------------------------------------------------------------------

SIGNED_FILES = ("aws_json.yaml", "aws_json_sigv4.yaml")
#: static credentials given to the signed runs (the server does not check signatures: the
#: tests check them against moto)
BENCH_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
#: the request the signer is timed on: a DescribeTrainingJob call as a run sends it
SIGNER_URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
SIGNER_BODY = b'{"TrainingJobName": "train-then-deploy-2024-01-01"}'
SIGNER_HEADERS = [("X-Amz-Target", "SageMaker.DescribeTrainingJob"),
                  ("Content-Type", "application/x-amz-json-1.1")]


def materialize_signed(folder: Path, server_url: str) -> Path:
    """The workload 7 files (an unsigned and a SigV4 AWS JSON source, one poll workflow on
    each) in ``folder``, with the server's URL filled in."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SIGNED_FILES:
        (folder / name).write_text((WORKLOADS / name).read_text().replace("{SERVER}", server_url))
    entry = folder / "aws_poll.arazzo.yaml"
    shutil.copyfile(WORKLOADS / "aws_poll.arazzo.yaml", entry)
    return entry


@contextlib.contextmanager
def aws_environment(tmp: Path) -> Iterator[None]:
    """The static credentials and region in the environment (botocore's chain finds them;
    no profile files, no instance metadata), for the run of the AWS provider."""
    values = {"AWS_ACCESS_KEY_ID": BENCH_KEY[0], "AWS_SECRET_ACCESS_KEY": BENCH_KEY[1],
              "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
              "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
              "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials")}
    cleared = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
    saved = {name: os.environ.get(name) for name in (*values, *cleared)}
    os.environ.update(values)
    for name in cleared:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def signed_loop(server: LoopbackServer, document: arazzo.Document, workflow: str, n: int,
                key: str, transports: dict[str, Any] | None = None
                ) -> tuple[float, float, str | None]:
    """Wall and CPU seconds of one poll run; the server must have seen n calls, signed ones
    for the signed workflow."""
    server.reset()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = arazzo.run(document, workflow, {"key": key, "n": n}, loop_delay=0,
                        max_steps=n + 10, transports=transports or {})
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    stats = server.stats()
    problem = check_poll(server, key, n)
    if problem is None and not (result.succeeded
                                and result.outputs == {"state": "done", "count": n}):
        problem = f"outputs {result.outputs}, error {result.error}"
    signed = stats.get("signed", 0)
    if problem is None and signed != (n if workflow == "pollSigned" else 0):
        problem = f"{signed} of {n} requests signed"
    return seconds, cpu, problem


def signer_costs(repeat: int, number: int = 2_000) -> tuple[list[float], list[float]]:
    """Seconds per signature, ours and botocore's, on the same request (median of each of
    ``repeat`` batches of ``number``): ``SigV4Signer.sign`` as ``SigV4Transport`` calls it
    per attempt (URL plan, credentials frozen), against ``AWSRequest`` +
    ``SigV4Auth.add_auth`` (what the transport did before)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from arazzo.aws import AwsCredentials
    from arazzo.aws._sigv4 import SigV4Signer, plan_url
    from arazzo.transports._client import _split
    from arazzo.transports._httpx import with_user_agent

    headers = with_user_agent(SIGNER_HEADERS)
    ours_credentials = AwsCredentials(*BENCH_KEY)
    signer = SigV4Signer("sagemaker", "us-east-1")

    def ours() -> None:
        signer.sign("POST", plan_url(SIGNER_URL, _split), headers, SIGNER_BODY,
                    ours_credentials.get_frozen_credentials())

    botocore_credentials = Credentials(*BENCH_KEY)

    def theirs() -> None:
        request = AWSRequest(method="POST", url=SIGNER_URL, data=SIGNER_BODY,
                             headers=dict(headers))
        SigV4Auth(botocore_credentials.get_frozen_credentials(), "sagemaker",
                  "us-east-1").add_auth(request)

    mine, boto = [], []
    for _ in range(repeat):  # alternating batches: both see the same machine
        with quiet_gc():
            mine.append(min(timeit.repeat(ours, number=number, repeat=3)) / number)
        with quiet_gc():
            boto.append(min(timeit.repeat(theirs, number=number, repeat=3)) / number)
    return mine, boto


def bench_signed(suite: Suite, server: LoopbackServer, tmp: Path) -> None:
    from arazzo.aws import AwsCredentials, SigV4Transport

    cfg = suite.cfg
    print("7. the signed path (AWS JSON 1.1 poll loop, unsigned vs SigV4; the signer alone)",
          flush=True)
    document = arazzo.load(materialize_signed(tmp / "signed", server.url))

    def static() -> dict[str, Any]:
        """What ``arazzo run`` gives a SigV4 source: a SigV4Transport, static credentials."""
        return {"aws": SigV4Transport(service="bench", region="us-east-1",
                                      credentials=AwsCredentials(*BENCH_KEY))}

    variants: list[tuple[str, str, Callable[[], dict[str, Any] | None], bool]] = [
        ("unsigned", "pollUnsigned", lambda: None, False),
        ("SigV4, static credentials (SigV4Transport)", "pollSigned", static, False),
        ("SigV4, AWS provider (credentials from the environment)", "pollSigned",
         lambda: None, True),
    ]
    for _, workflow, transports, env in variants:  # warm-up
        with aws_environment(tmp) if env else contextlib.nullcontext():
            signed_loop(server, document, workflow, 50, f"w-{workflow}-{env}", transports())
    n = cfg.loop_n
    where = placements()
    measured: dict[str, dict[str, tuple[Cell, Cell]]] = {label: {} for label, *_ in variants}
    for place in where:
        with placed(server, place):
            samples: dict[str, tuple[list[float], list[float]]] = {
                label: ([], []) for label, *_ in variants}
            failed: dict[str, str] = {}
            for rep in range(cfg.repeat):  # alternating: every variant sees the same machine
                for label, workflow, transports, env in variants:
                    if label in failed:
                        continue
                    with aws_environment(tmp) if env else contextlib.nullcontext(), \
                            quiet_gc():
                        seconds, cpu, problem = signed_loop(
                            server, document, workflow, n,
                            f"s-{len(label)}-{env}-{place.name.replace(' ', '')}-{rep}",
                            transports())
                    if problem:
                        failed[label] = problem
                        continue
                    samples[label][0].append(seconds / n)
                    samples[label][1].append(cpu / n)
            for label, *_ in variants:
                if label in failed:
                    measured[label][place.name] = (failing(failed[label]),
                                                   failing(failed[label]))
                else:
                    walls, cpus = samples[label]
                    measured[label][place.name] = (Cell.of(walls, f"N={n}"), Cell.of(cpus))
    figures: dict[str, tuple[Cell, Cell]] = {}
    for label, *_ in variants:
        wall_cell, cpu_cell = best_placement(measured[label])
        figures[label] = (wall_cell, cpu_cell)
        suite.add(Row("7 signed", f"self-goto poll, AWS JSON 1.1, {label}: per iteration",
                      "ms", {ARAZZO: wall_cell}, scale=1e3, digits=3))
        suite.add(Row("7 signed", f"self-goto poll, AWS JSON 1.1, {label}: CPU per iteration",
                      "ms", {ARAZZO: cpu_cell}, scale=1e3, digits=3))
    unsigned = figures["unsigned"][0].value
    details = []
    ratios: dict[str, float] = {}
    for label, *_ in variants[1:]:
        value = figures[label][0].value
        if unsigned and value:
            ratios[label] = value / unsigned
            details.append(f"{label}: {value * 1e6:.0f} us = {value / unsigned:.2f}x")
    main = variants[1][0]
    if main in ratios:
        suite.targets.append(Target(
            "signed poll iteration <= 1.5x unsigned", ratios[main] <= 1.5,
            f"unsigned {unsigned * 1e6:.0f} us; " + "; ".join(details)))  # type: ignore[operator]
    else:
        suite.targets.append(Target("signed poll iteration <= 1.5x unsigned", False,
                                    "a loop failed: " + figures[main][0].note))
    if cfg.profile and ratios.get(main, 2.0) > 1.5:
        suite.profiles["signed poll loop (2 000 iterations, loopback)"] = profile_top(
            functools.partial(signed_loop, server, document, "pollSigned", 2_000,
                              "profile-signed", static()))

    mine, boto = signer_costs(cfg.repeat)
    suite.add(Row("7 signed", "signer alone: arazzo SigV4Signer.sign (DescribeTrainingJob)",
                  "us", {ARAZZO: Cell.of(mine)}, scale=1e6))
    suite.add(Row("7 signed", "signer alone: botocore AWSRequest + SigV4Auth.add_auth "
                  "(same request)", "us", {ARAZZO: Cell.of(boto)}, scale=1e6))
    ours, theirs = median(mine), median(boto)
    suite.targets.append(Target(
        "signer no slower than botocore SigV4Auth", ours <= theirs,
        f"{ours * 1e6:.1f} us vs {theirs * 1e6:.1f} us ({theirs / ours:.1f}x faster)"))


# -- report -------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "loadavg_at_end": load,
            "platform": platform.platform(), "arazzo": arazzo.__version__,
            "httpx": httpx.__version__}


def table(suite: Suite) -> str:
    headers = ["workload", "metric", ARAZZO, RUNNER, REDOCLY]
    body = [[row.workload, row.metric] + [row.text(tool) for tool in TOOLS]
            for row in suite.rows]
    widths = [max(len(r[i]) for r in [headers, *body]) for i in range(len(headers))]
    widths = [min(w, 60) for w in widths]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def markdown(suite: Suite) -> str:
    peers = {tool: suite.peers[tool].version for tool in (RUNNER, REDOCLY)
             if tool in suite.peers and suite.peers[tool].available}
    head = [ARAZZO, f"{RUNNER} {peers.get(RUNNER, '')}".strip(),
            f"{REDOCLY} {peers.get(REDOCLY, '')}".strip()]
    lines = ["| workload | metric | " + " | ".join(head) + " |",
             "|---|---|" + "---|" * len(head)]
    for row in suite.rows:
        lines.append(f"| {row.workload} | {row.metric} | "
                     + " | ".join(row.text(t).replace("|", "/") for t in TOOLS) + " |")
    lines += ["", "| target | verdict | measured |", "|---|---|---|"]
    lines += [f"| {t.name} | **{t.verdict}** | {t.detail} |" for t in suite.targets]
    return "\n".join(lines) + "\n"


def report(suite: Suite, output: Path, started: float) -> dict[str, Any]:
    data = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.perf_counter() - started, 1),
        "config": asdict(suite.cfg),
        "machine": machine(),
        "peers": {tool: asdict(peer) | {"python": None, "cli": None}
                  for tool, peer in suite.peers.items()},
        "rows": [{"workload": r.workload, "metric": r.metric, "unit": r.unit,
                  "scale": r.scale, "lower_is_better": r.lower_is_better,
                  "cells": {t: asdict(c) for t, c in r.cells.items()},
                  "ratios": {t: r.ratio(t) for t in (RUNNER, REDOCLY) if r.ratio(t)}}
                 for r in suite.rows],
        "targets": [asdict(t) | {"verdict": t.verdict} for t in suite.targets],
        "profiles": suite.profiles,
        "notes": suite.notes,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return data


def install_peers(suite: Suite, root: Path) -> None:
    print(f"installing peers in {root}", flush=True)
    runner = install_arazzo_runner(root, os.environ.get("BENCH_ARAZZO_RUNNER", "arazzo-runner"))
    print(f"  {runner.describe()} ({runner.install_seconds:.1f} s)", flush=True)
    redocly = install_redocly(root, os.environ.get("BENCH_REDOCLY", "@redocly/cli"))
    print(f"  {redocly.describe()} ({redocly.install_seconds:.1f} s)", flush=True)
    suite.peers = {RUNNER: runner, REDOCLY: redocly}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller N, for a smoke run")
    parser.add_argument("--no-peers", action="store_true", help="measure arazzo only")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 5, quick 3)")
    parser.add_argument("--peers-dir", type=Path,
                        help="install/reuse the peers here (kept); default: a temporary "
                             "directory removed at the end")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"default {RESULTS}")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    parser.add_argument("--no-profile", action="store_true",
                        help="do not profile workloads that miss their target")
    parser.add_argument("--only", default="1234567", help="workload numbers to run (e.g. 26)")
    args = parser.parse_args(argv)
    cfg = Config.make(args.quick, args.repeat, not args.no_profile)
    suite = Suite(cfg)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="arazzo-bench-")))
        if not args.no_peers and set(args.only) & set("236"):
            root = args.peers_dir or tmp / "peers"
            root.mkdir(parents=True, exist_ok=True)
            install_peers(suite, root.resolve())
        server = stack.enter_context(LoopbackServer())
        entry = materialize(tmp / "loopback", server.url)
        print(f"loopback server {server.url}; workloads in {entry.parent}", flush=True)
        if "1" in args.only:
            bench_overhead(suite)
        if "2" in args.only:
            bench_loops(suite, server, entry)
        if "3" in args.only:
            bench_steady(suite, server, entry)
        if "4" in args.only:
            bench_concurrency(suite, server, entry)
        if "5" in args.only:
            bench_load_validate(suite, tmp)
        if "6" in args.only:
            bench_cli(suite, server, entry)
        if "7" in args.only:
            bench_signed(suite, server, tmp)
    report(suite, args.output, started)
    print()
    print(table(suite))
    print()
    print("ratios [Nx] = peer / arazzo (> 1: arazzo is cheaper); " + "; ".join(
        peer.describe() for peer in suite.peers.values()))
    for note in suite.notes:
        print(f"note: {note}")
    print()
    for target in suite.targets:
        print(f"{target.verdict:4}  {target.name}: {target.detail}")
    for name, text in suite.profiles.items():
        print(f"\nprofile: {name}\n{text}")
    if args.markdown:
        args.markdown.write_text(markdown(suite))
    print(f"\nresults: {args.output} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
