"""Durable runs: what ``arazzo.run(..., run_id=, store=)`` costs against a plain run.

    nox -s bench_durable                       # full run (a few minutes)
    nox -s bench_durable -- --quick            # smoke run, smaller N
    .venv/bin/python benchmarks/bench_durable.py [--quick] [--repeat N] [--no-postgres]
        [--output FILE] [--markdown FILE]

Workloads (docs/performance.md, "Durable runs", explains each figure):

1. overhead per step: a retry poll of K iterations (``retryAfter: 0``) against the loopback
   server (``benchmarks/_server.py``), run plain, durable on SQLite (a temporary file) and
   durable on PostgreSQL (a throwaway cluster, ``tests/durable/postgres_support.py``; the
   column says why when the server binaries are missing). Two polls: ``pollStatus`` (the
   same body each time, fresh ``Date``/``X-Request-Id``: one compacted log entry) and
   ``pollCounter`` (a counter in the body: one entry per answer). Per run: a one-request
   run, a finished run called again (rebuilt from the log, nothing sent), and, in a fresh
   process each, what the first durable run of a process pays (``import dbos``, the DBOS
   launch);
2. replay: a run interrupted after N answers (a hook raises, as if the process died) is
   resumed; the time until it goes live (the ``RunResumed`` event) is the replay;
3. store size: a poll answered ``running`` 10 000 times, then ``done``, on a fresh SQLite
   store each: rows of ``arazzo_runs``/``arazzo_log`` and of DBOS's ``workflow_status`` and
   ``operation_outputs``, the file size (database + ``-wal`` after
   ``PRAGMA wal_checkpoint(TRUNCATE)``), against the same after 100 iterations; then the
   same with a body that differs every time (the documented limit of the compaction).

Every run is checked (requests counted at the server, outputs compared); a run that goes
wrong is reported as FAILING, not timed. Figures are medians of ``--repeat`` runs; the wall
times of a 2-core VM are noisy (CPU times are given beside them).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (HERE, ROOT / "tests"):  # tests/: durable.postgres_support
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _server import LoopbackServer  # noqa: E402

import arazzo  # noqa: E402

WORKLOADS = HERE / "workloads"
RESULTS = HERE / "results" / "durable.json"
PLAIN, SQLITE, POSTGRES = "plain", "sqlite", "postgresql"
COLUMNS = (PLAIN, SQLITE, POSTGRES)
SAME, COUNTER = "pollStatus", "pollCounter"
#: DBOS's own tables (schema ``dbos`` on PostgreSQL)
DBOS_TABLES = ("workflow_status", "operation_outputs")


@dataclass(frozen=True)
class Config:
    quick: bool
    repeat: int
    k: int  # poll iterations of the overhead runs
    replay_n: tuple[int, ...]  # answers in the log of the resumed runs
    size_n: tuple[int, int]  # store size: small vs large poll
    first_runs: int  # fresh processes measuring the first durable run

    @classmethod
    def make(cls, quick: bool, repeat: int | None) -> Config:
        if quick:
            return cls(True, repeat or 1, 30, (200,), (10, 100), 1)
        return cls(False, repeat or 5, 200, (1_000, 10_000), (100, 10_000), 3)


# -- results -----------------------------------------------------------------------------------

@dataclass
class Cell:
    value: float | None = None  # in the row's unit (before scale); None unless status == "ok"
    status: str = "ok"  # ok | FAILING | n/a | unavailable
    note: str = ""
    samples: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, samples: list[float], note: str = "") -> Cell:
        return cls(statistics.median(samples), "ok", note, samples)


@dataclass
class Row:
    workload: str
    metric: str
    unit: str
    cells: dict[str, Cell]
    scale: float = 1.0  # display value = value * scale
    digits: int = 2

    def text(self, column: str) -> str:
        cell = self.cells.get(column)
        if cell is None:
            return "-"
        if cell.status != "ok" or cell.value is None:
            return cell.status + (f" ({cell.note})" if cell.note else "")
        return f"{cell.value * self.scale:,.{self.digits}f} {self.unit}"


@dataclass
class Bench:
    cfg: Config
    tmp: Path
    server: LoopbackServer
    entry: Path
    document: arazzo.Document
    stores: dict[str, str] = field(default_factory=dict)  # column -> store URL
    unavailable: dict[str, str] = field(default_factory=dict)  # column -> why not
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sizes: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {row.workload} | {row.metric}: " + "; ".join(
            f"{column} {row.text(column)}" for column in COLUMNS if column in row.cells),
            flush=True)
        return row

    def key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def durable_columns(self) -> list[str]:
        return [c for c in (SQLITE, POSTGRES) if c in self.stores]

    def missing(self, column: str) -> Cell | None:
        """None when ``column`` can be measured; else the cell that says why not."""
        if column in self.unavailable:
            return Cell(None, "unavailable", self.unavailable[column])
        return None


def failing(note: str) -> Cell:
    return Cell(None, "FAILING", note)


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    gc.collect()
    yield


# -- runs ----------------------------------------------------------------------------------------

class Interrupted(BaseException):
    """The run's process "dies" (a BaseException: nothing in the engine catches it)."""


@dataclass
class Timed:
    wall: float
    cpu: float
    result: arazzo.RunResult | None
    problem: str | None
    live_at: float | None = None  # seconds from the call to the RunResumed event


def run_poll(bench: Bench, workflow: str, n: int, column: str, *, key: str | None = None,
             run_id: str | None = None, expect_requests: int | None = None,
             hooks: list[Callable[[Any], object]] | None = None) -> Timed:
    """One run of ``workflow`` whose poll is answered ``done`` at the n-th request of ``key``;
    checks the requests the server saw and the outputs."""
    key = key or bench.key(f"{column}-{workflow}")
    durable: dict[str, Any] = {}
    if column != PLAIN:
        durable = {"run_id": run_id or key, "store": bench.stores[column]}
    route = "status" if workflow == SAME else "poll"
    before = bench.server.stats()[route].get(key, 0)
    started_at: list[float] = []
    live: list[float] = []

    def resumed(event: Any) -> None:
        if isinstance(event, arazzo.RunResumed) and not live:
            live.append(time.perf_counter() - started_at[0])

    all_hooks = [*(hooks or []), resumed] if hooks is not None else []
    started_at.append(time.perf_counter())
    started, cpu_started = started_at[0], time.process_time()
    result = arazzo.run(bench.document, workflow, {"key": key, "n": n}, loop_delay=0,
                        max_steps=n + 10, hooks=all_hooks, **durable)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    seen = bench.server.stats()[route].get(key, 0) - before
    expected = n if expect_requests is None else expect_requests
    problem = None if seen == expected else f"{seen}/{expected} requests"
    if problem is None and (not result.succeeded
                            or result.outputs != {"state": "done", "count": n}):
        problem = f"outputs {result.outputs}, error {result.error}"
    return Timed(wall, cpu, result, problem, live[0] if live else None)


def interrupt_after(answers: int) -> Callable[[Any], None]:
    """A hook that stops the run before its request ``answers + 1`` (``answers`` recorded)."""
    def hook(event: Any) -> None:
        if isinstance(event, arazzo.LoopIteration) and event.iteration == answers + 1:
            raise Interrupted(f"after {answers} answers")
    return hook


def orphan(url: str, run_id: str) -> None:
    """Make the interrupted run look as if its process had died (no owner): a resume takes it
    over at once."""
    from arazzo.durable._store import open_store

    open_store(url).update(run_id, owner=None)


# -- 1. overhead per step ------------------------------------------------------------------------

def measure(bench: Bench, column: str, workflow: str, n: int, repeat: int
            ) -> tuple[Cell, Cell]:
    """(wall, CPU) per iteration of ``repeat`` runs of ``n`` iterations."""
    samples, cpu_samples = [], []
    for _ in range(repeat):
        with quiet_gc():
            timed = run_poll(bench, workflow, n, column)
        if timed.problem:
            return failing(timed.problem), failing(timed.problem)
        samples.append(timed.wall / n)
        cpu_samples.append(timed.cpu / n)
    return Cell.of(samples, f"K={n}"), Cell.of(cpu_samples)


def finished_again(bench: Bench, column: str) -> Cell:
    """A finished run of K iterations called again: rebuilt from the log, nothing sent."""
    cfg = bench.cfg
    samples = []
    for _ in range(cfg.repeat):
        key = bench.key(f"again-{column}")
        finished = run_poll(bench, SAME, cfg.k, column, key=key)
        if finished.problem:
            return failing(finished.problem)
        with quiet_gc():
            rerun = run_poll(bench, SAME, cfg.k, column, key=key, expect_requests=0)
        if rerun.problem:
            return failing(f"re-run: {rerun.problem}")
        samples.append(rerun.wall)
    return Cell.of(samples, f"{cfg.k} answers, 2 log entries")


LOOPS = ((SAME, "poll, same answer each time"),
         (COUNTER, "poll, counter in the body (every answer differs)"))


def bench_overhead(bench: Bench) -> None:
    """Column by column (a process runs DBOS on one store at a time: switching stores
    relaunches it, which would be timed)."""
    cfg = bench.cfg
    print(f"1. overhead per step (retry poll, K={cfg.k}, loopback server)", flush=True)
    walls: dict[str, dict[str, Cell]] = {workflow: {} for workflow, _ in LOOPS}
    cpus: dict[str, dict[str, Cell]] = {workflow: {} for workflow, _ in LOOPS}
    single: dict[str, Cell] = {}
    again: dict[str, Cell] = {PLAIN: Cell(None, "n/a")}
    for column in COLUMNS:
        missing = bench.missing(column)
        if missing is not None:
            for workflow, _ in LOOPS:
                walls[workflow][column] = cpus[workflow][column] = missing
            single[column] = again[column] = missing
            continue
        print(f"  measuring {column}", flush=True)
        for workflow, _ in LOOPS:  # warm-up: imports, the DBOS launch, caches
            run_poll(bench, workflow, 20, column)
        for workflow, _ in LOOPS:
            walls[workflow][column], cpus[workflow][column] = measure(
                bench, column, workflow, cfg.k, cfg.repeat)
        wall, _cpu = measure(bench, column, SAME, 1, cfg.repeat)
        single[column] = wall
        if column != PLAIN:
            again[column] = finished_again(bench, column)
    for workflow, label in LOOPS:
        bench.add(Row("1 overhead", f"{label}: per iteration", "ms", walls[workflow], 1e3,
                      3))
        bench.add(Row("1 overhead", f"{label}: CPU per iteration (this process)", "ms",
                      cpus[workflow], 1e3, 3))
        bench.add(Row("1 overhead", f"{label}: durable overhead per step", "ms",
                      overhead(walls[workflow]), 1e3, 3))
    bench.add(Row("1 per run", "one-request run, whole call", "ms", single, 1e3, 2))
    bench.add(Row("1 per run", f"finished run called again ({cfg.k} answers replayed, "
                  "nothing sent)", "ms", again, 1e3, 2))
    bench_first_run(bench)


def overhead(walls: dict[str, Cell]) -> dict[str, Cell]:
    """Each durable column minus the plain one (per iteration)."""
    plain = walls.get(PLAIN)
    cells: dict[str, Cell] = {PLAIN: Cell(None, "n/a")}
    for column in (SQLITE, POSTGRES):
        cell = walls.get(column)
        if cell is None or cell.value is None or plain is None or plain.value is None:
            cells[column] = cell if cell is not None and cell.status != "ok" else Cell(
                None, "n/a")
            continue
        cells[column] = Cell(cell.value - plain.value, note="durable - plain")
    return cells


def bench_first_run(bench: Bench) -> None:
    """The first durable run of a process (fresh processes)."""
    cfg = bench.cfg
    first: dict[str, dict[str, Cell]] = {name: {PLAIN: Cell(None, "n/a")} for name in
                                         ("import", "launch", "first", "second")}
    for column in (SQLITE, POSTGRES):
        missing = bench.missing(column)
        if missing is not None:
            for cells in first.values():
                cells[column] = missing
            continue
        measured: dict[str, list[float]] = {name: [] for name in first}
        problem = None
        for _ in range(cfg.first_runs):
            child = first_run_in_child(bench, column)
            if "problem" in child:
                problem = str(child["problem"])
                break
            for name in first:
                measured[name].append(float(child[name]))
        for name, cells in first.items():
            cells[column] = failing(problem) if problem else Cell.of(measured[name])
    labels = {"import": "fresh process: import dbos",
              "launch": "fresh process: DBOS launch (first run - second run)",
              "first": "fresh process: first one-request durable run (import + launch + run)",
              "second": "fresh process: second one-request durable run"}
    for name, label in labels.items():
        bench.add(Row("1 per run", label, "ms", first[name], 1e3, 1))


def first_run_in_child(bench: Bench, column: str) -> dict[str, Any]:
    """Run :func:`child_first_run` in a fresh interpreter; its JSON."""
    key = bench.key(f"first-{column}")
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child-first-run",
         bench.stores[column], str(bench.entry), key],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)})
    if proc.returncode != 0:
        return {"problem": f"child exited {proc.returncode}: {proc.stderr.strip()[-300:]}"}
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    seen = bench.server.stats()["status"].get(key, 0)
    if seen != 2 and "problem" not in data:
        data["problem"] = f"{seen}/2 requests"
    return data


def child_first_run(url: str, entry: str, key: str) -> int:
    """In a fresh process: time ``import dbos``, then the first durable run of a
    one-request workflow (it launches DBOS) and a second one (runs ``key-1``, ``key-2``).
    The launch is the first run minus the second."""
    document = arazzo.load(entry)
    assert "dbos" not in sys.modules
    started = time.perf_counter()
    import dbos  # noqa: F401

    out: dict[str, Any] = {"import": time.perf_counter() - started}
    from arazzo.durable._runtime import shutdown
    from arazzo.durable._store import closing_stores

    with closing_stores():
        for name, run_id, n in (("first", f"{key}-1", 1), ("second", f"{key}-2", 2)):
            begun = time.perf_counter()
            result = arazzo.run(document, SAME, {"key": key, "n": n}, loop_delay=0,
                                run_id=run_id, store=url)
            out[name] = time.perf_counter() - begun
            if not result.succeeded:
                out["problem"] = f"{name} run: {result.error}"
        shutdown()
    out["launch"] = out["first"] - out["second"]
    out["first"] += out["import"]  # what the process's first durable run paid in all
    print(json.dumps(out))
    return 0


# -- 2. replay -----------------------------------------------------------------------------------

def bench_replay(bench: Bench) -> None:
    cfg = bench.cfg
    print("2. replay: resume a run whose log holds N answers", flush=True)
    cells: dict[tuple[str, int], dict[str, Cell]] = {
        (workflow, n): {PLAIN: Cell(None, "n/a")} for workflow, _ in LOOPS
        for n in cfg.replay_n}
    for column in (SQLITE, POSTGRES):  # column by column (see bench_overhead)
        for (workflow, n), row in cells.items():
            missing = bench.missing(column)
            row[column] = missing if missing is not None else replay_cell(
                bench, workflow, n, column)
    labels = {SAME: "same answers", COUNTER: "every answer differs"}
    for (workflow, n), row in cells.items():
        bench.add(Row("2 replay", f"resume after {n:,} answers ({labels[workflow]}): until "
                      "live", "ms", row, 1e3, 1))


def replay_cell(bench: Bench, workflow: str, n: int, column: str) -> Cell:
    samples: list[float] = []
    entries = 0
    for _ in range(max(1, bench.cfg.repeat if n <= 1_000 else 1)):
        key = bench.key(f"replay-{column}-{workflow}")
        try:
            run_poll(bench, workflow, n + 1, column, key=key, hooks=[interrupt_after(n)])
        except Interrupted:
            pass
        else:
            return failing("the run was not interrupted")
        orphan(bench.stores[column], key)
        from arazzo.durable._store import open_store

        entries = len(open_store(bench.stores[column]).entries(key))
        with quiet_gc():
            timed = run_poll(bench, workflow, n + 1, column, key=key, hooks=[],
                             expect_requests=1)
        if timed.problem or timed.live_at is None:
            return failing(timed.problem or "no RunResumed event")
        samples.append(timed.live_at)
    return Cell.of(samples, f"{entries} log entries")


# -- 3. store size -------------------------------------------------------------------------------

def count_rows(url: str) -> dict[str, int | None]:
    """Rows of the store's tables and of DBOS's (None: the table is not there)."""
    import sqlalchemy as sa

    from arazzo.durable._store import open_store

    store = open_store(url)
    counts: dict[str, int | None] = dict(store.sizes())
    schema = "dbos." if store.engine.dialect.name == "postgresql" else ""
    with store.engine.connect() as conn:
        for table in DBOS_TABLES:
            try:
                counts[table] = int(conn.execute(sa.text(
                    f"SELECT count(*) FROM {schema}{table}")).scalar_one())
            except sa.exc.DatabaseError:
                conn.rollback()
                counts[table] = None
    return counts


def sqlite_bytes(path: Path) -> tuple[int, int]:
    """(database file, ``-wal`` file) in bytes after ``PRAGMA wal_checkpoint(TRUNCATE)``."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0


def bench_sizes(bench: Bench) -> None:
    from arazzo.durable import _runtime
    from arazzo.durable._store import closing_stores

    print("3. store size after a long poll (a fresh SQLite store each)", flush=True)
    for workflow, label in ((SAME, "same answer"), (COUNTER, "every answer differs")):
        for n in bench.cfg.size_n:
            path = bench.tmp / f"size-{workflow}-{n}.sqlite"
            url = f"sqlite:///{path}"
            bench.stores["size"] = url
            with closing_stores():
                timed = run_poll(bench, workflow, n, "size", key=bench.key(f"size-{n}"))
                counts = count_rows(url)
                _runtime.shutdown()
            db, wal = sqlite_bytes(path)
            entry = {"workflow": workflow, "answers": label, "iterations": n,
                     "problem": timed.problem, "seconds": round(timed.wall, 2),
                     "rows": counts, "db_bytes": db, "wal_bytes": wal}
            bench.sizes.append(entry)
            print(f"  3 size | {label}, {n:,} iterations: {counts}, {db:,} + {wal:,} bytes "
                  f"({timed.wall:.1f} s{', ' + timed.problem if timed.problem else ''})",
                  flush=True)
    del bench.stores["size"]


def size_table(bench: Bench) -> str:
    headers = ["answers", "iterations", "arazzo_runs", "arazzo_log", *DBOS_TABLES,
               "db + wal bytes", "run time"]
    body = []
    for s in bench.sizes:
        rows = s["rows"]
        body.append([s["answers"], f"{s['iterations']:,}",
                     *(("-" if rows.get(t) is None else f"{rows[t]:,}")
                       for t in ("arazzo_runs", "arazzo_log", *DBOS_TABLES)),
                     f"{s['db_bytes'] + s['wal_bytes']:,}",
                     f"{s['seconds']:.1f} s" + (f" {s['problem']}" if s["problem"] else "")])
    return render([headers, *body])


# -- report --------------------------------------------------------------------------------------

def render(lines: list[list[str]]) -> str:
    widths = [min(max(len(r[i]) for r in lines), 70) for i in range(len(lines[0]))]
    out = ["  ".join(c.ljust(w) for c, w in zip(lines[0], widths, strict=True)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines[1:]]
    return "\n".join(out)


def table(bench: Bench) -> str:
    return render([["workload", "metric", *COLUMNS]]
                  + [[r.workload, r.metric, *(r.text(c) for c in COLUMNS)] for r in bench.rows])


def markdown(bench: Bench) -> str:
    lines = ["| workload | metric | " + " | ".join(COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    lines += [f"| {r.workload} | {r.metric} | "
              + " | ".join(r.text(c).replace("|", "/") for c in COLUMNS) + " |"
              for r in bench.rows]
    if bench.sizes:
        lines += ["", "| answers | iterations | arazzo_runs | arazzo_log | "
                  + " | ".join(DBOS_TABLES) + " | db + wal bytes |",
                  "|---|---|---|---|" + "---|" * (len(DBOS_TABLES) + 1)]
        for s in bench.sizes:
            rows = s["rows"]
            lines.append(f"| {s['answers']} | {s['iterations']:,} | " + " | ".join(
                "-" if rows.get(t) is None else f"{rows[t]:,}"
                for t in ("arazzo_runs", "arazzo_log", *DBOS_TABLES))
                + f" | {s['db_bytes'] + s['wal_bytes']:,} |")
    return "\n".join(lines) + "\n"


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in ("dbos", "sqlalchemy", "psycopg"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    out["sqlite"] = sqlite3.sqlite_version
    return out


def report(bench: Bench, output: Path, started: float) -> dict[str, Any]:
    from bench_suite import machine

    data = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.perf_counter() - started, 1),
        "config": asdict(bench.cfg),
        "machine": machine() | versions(),
        "unavailable": bench.unavailable,
        "rows": [{"workload": r.workload, "metric": r.metric, "unit": r.unit,
                  "scale": r.scale, "cells": {c: asdict(cell) for c, cell in r.cells.items()}}
                 for r in bench.rows],
        "sizes": bench.sizes,
        "notes": bench.notes,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return data


@contextlib.contextmanager
def postgres(bench: Bench, wanted: bool) -> Iterator[None]:
    """A throwaway PostgreSQL cluster for the postgresql column, when its binaries exist."""
    if not wanted:
        bench.unavailable[POSTGRES] = "--no-postgres"
        yield
        return
    from durable.postgres_support import POSTGRES_SKIP_REASON, temporary_postgres

    if POSTGRES_SKIP_REASON is not None:
        bench.unavailable[POSTGRES] = POSTGRES_SKIP_REASON
        print(f"postgresql column skipped: {POSTGRES_SKIP_REASON}", flush=True)
        yield
        return
    begun = time.perf_counter()
    with temporary_postgres() as url:
        print(f"temporary PostgreSQL cluster up ({time.perf_counter() - begun:.1f} s)",
              flush=True)
        bench.stores[POSTGRES] = url
        yield
        from arazzo.durable import _runtime

        _runtime.shutdown()  # before the server goes away


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller N, for a smoke run")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 5, quick 1)")
    parser.add_argument("--no-postgres", action="store_true",
                        help="leave the postgresql column out")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"default {RESULTS}")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown")
    parser.add_argument("--only", default="123", help="workload numbers to run (e.g. 13)")
    parser.add_argument("--child-first-run", nargs=3, metavar=("URL", "ENTRY", "KEY"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_first_run:
        return child_first_run(*args.child_first_run)
    try:
        import dbos  # noqa: F401
    except ImportError:
        print("durable runs need dbos: pip install 'arazzo[durable]'", file=sys.stderr)
        return 2
    cfg = Config.make(args.quick, args.repeat)
    started = time.perf_counter()
    from arazzo.durable import _runtime
    from arazzo.durable._store import closing_stores

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="arazzo-bench-durable-")))
        server = stack.enter_context(LoopbackServer())
        folder = tmp / "loopback"
        folder.mkdir()
        (folder / "api.yaml").write_text(
            (WORKLOADS / "api.yaml").read_text().replace("{SERVER}", server.url))
        entry = folder / "durable.arazzo.yaml"
        shutil.copyfile(WORKLOADS / "durable.arazzo.yaml", entry)
        bench = Bench(cfg, tmp, server, entry, arazzo.load(entry))
        bench.stores[SQLITE] = f"sqlite:///{tmp / 'runs.sqlite'}"
        print(f"loopback server {server.url}; stores in {tmp}", flush=True)
        stack.enter_context(closing_stores())
        stack.callback(_runtime.shutdown)
        if set(args.only) & set("12"):
            with postgres(bench, not args.no_postgres):
                if "1" in args.only:
                    bench_overhead(bench)
                if "2" in args.only:
                    bench_replay(bench)
        if "3" in args.only:
            _runtime.shutdown()
            bench_sizes(bench)
        bench.notes.append(
            "per iteration = wall time of one run / K; CPU = time.process_time() of this "
            "process (the server, and PostgreSQL, are other processes); durable overhead "
            "per step = durable - plain per iteration. Each durable iteration writes the "
            "request in flight, then the answer (two transactions).")
    report(bench, args.output, started)
    print()
    print(table(bench))
    if bench.sizes:
        print()
        print(size_table(bench))
    print()
    for column, why in bench.unavailable.items():
        print(f"note: {column} column unavailable: {why}")
    for note in bench.notes:
        print(f"note: {note}")
    if args.markdown:
        args.markdown.write_text(markdown(bench))
    print(f"\nresults: {args.output} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
