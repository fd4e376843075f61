"""The run store: what a durable run records beside DBOS's own tables, in the same database.

Two tables (SQLAlchemy Core, so one code path serves SQLite and PostgreSQL):

- ``arazzo_runs``: one row per run: what was run (document location and content hash,
  workflow, inputs with secret values left out, servers), where it stands (status, current
  step, poll count, steps done), the request in flight, the pending sleep, the masked
  summary shown by ``arazzo runs show``.
- ``arazzo_log``: the run's checkpoints, the recorded answers of its requests, in order.
  Consecutive answers of one request that are the same to the engine (same status and body,
  headers equal but for per-response ones such as ``Date`` and request ids) are one entry with
  a count: a poll loop of 10 000 iterations is a handful of entries, not 10 000.

Sleeps are not logged: the pending one is a wake-up time on the run's row, overwritten by the
next. Credentials never reach the store: OAuth2 token answers are not recorded, request
headers are not kept (a request is known by a hash of its method, URL and body), inputs named
secret are stored as ``null`` and must be given again on resume.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arazzo._exceptions import InputError

__all__ = ["DEFAULT_STORE", "STORE_ENV", "LogEntry", "RunRow", "Store", "open_store",
           "store_url"]

#: the environment variable naming the default store
STORE_ENV = "ARAZZO_STORE"
#: the store when neither ``store=`` nor ``$ARAZZO_STORE`` names one
DEFAULT_STORE = "sqlite:///.arazzo/runs.sqlite"

#: response headers that differ between two answers of one request though nothing changed
#: (when the step's expressions read no response header, they do not split a log entry)
VOLATILE_HEADERS = frozenset({
    "date", "age", "expires", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2",
    "x-amz-cf-id", "x-request-id", "request-id", "x-correlation-id", "x-trace-id",
    "traceparent", "server-timing", "cf-ray", "x-runtime", "x-response-time",
    "content-length",
})


def store_url(given: str | os.PathLike[str] | None) -> str:
    """The store URL: ``given``, else ``$ARAZZO_STORE``, else :data:`DEFAULT_STORE`. A plain
    path is a SQLite file; ``sqlite:///path`` or ``postgresql://...`` are taken as they are."""
    value = os.fspath(given) if given is not None else os.environ.get(STORE_ENV) or DEFAULT_STORE
    if "://" not in value:
        value = "sqlite:///" + value
    scheme = value.split("://", 1)[0]
    if scheme.split("+", 1)[0] not in ("sqlite", "postgresql", "postgres"):
        raise InputError(f"store: {value.split('://', 1)[0]!r} is not a store; use "
                         f"sqlite:///path/runs.sqlite or postgresql://user@host/db")
    if scheme == "postgres":
        value = "postgresql" + value[len("postgres"):]
    return value


def _engine_url(url: str) -> str:
    # DBOS and this module both use psycopg 3 for PostgreSQL
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def shown_url(url: str) -> str:
    """The store URL with any password replaced by ``***`` (for messages)."""
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    userinfo, _, host = rest.partition("@")
    user = userinfo.split(":", 1)[0]
    return f"{head}://{user}:***@{host}" if ":" in userinfo else url


@dataclass(slots=True)
class LogEntry:
    """One checkpoint: ``count`` consecutive answers to the request ``fingerprint`` sent by
    ``step`` (``workflowId/stepId``); ``data`` is the recorded answer (:func:`encode_answer`)."""

    seq: int
    step: str
    fingerprint: str
    count: int
    data: dict[str, Any]


@dataclass(slots=True)
class RunRow:
    run_id: str
    workflow_id: str
    document: str
    doc_hash: str
    inputs: dict[str, Any]
    inputs_hash: str
    secret_inputs: list[str]
    servers: dict[str, str]
    status: str
    step: str | None
    poll: int
    steps_done: int
    requests: int
    inflight: dict[str, Any] | None
    sleep: dict[str, Any] | None
    summary: dict[str, Any] | None
    error: str | None
    owner: str | None
    attempt: int
    cancel: bool
    created: float
    updated: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "runId": self.run_id, "workflowId": self.workflow_id, "document": self.document,
            "documentHash": self.doc_hash, "status": self.status, "step": self.step,
            "poll": self.poll, "stepsDone": self.steps_done, "requests": self.requests,
            "inFlight": self.inflight, "error": self.error, "owner": self.owner,
            "created": self.created, "updated": self.updated,
            "outputs": (self.summary or {}).get("outputs"),
        }


_FINISHED = ("succeeded", "failed")


def _tables() -> Any:
    import sqlalchemy as sa

    meta = sa.MetaData()
    runs = sa.Table(
        "arazzo_runs", meta,
        sa.Column("run_id", sa.String(200), primary_key=True),
        sa.Column("workflow_id", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("doc_hash", sa.String(80), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("inputs_hash", sa.String(80), nullable=False),
        sa.Column("secret_inputs", sa.Text, nullable=False),
        sa.Column("servers", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.Text),
        sa.Column("poll", sa.Integer, nullable=False, default=0),
        sa.Column("steps_done", sa.Integer, nullable=False, default=0),
        sa.Column("requests", sa.Integer, nullable=False, default=0),
        sa.Column("inflight", sa.Text),
        sa.Column("sleep", sa.Text),
        sa.Column("summary", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("attempt", sa.Integer, nullable=False, default=0),
        sa.Column("cancel", sa.Boolean, nullable=False, default=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    log = sa.Table(
        "arazzo_log", meta,
        sa.Column("run_id", sa.String(200), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(80), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    workers = sa.Table(
        "arazzo_workers", meta,
        sa.Column("executor_id", sa.String(200), primary_key=True),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("beat", sa.Float, nullable=False),
    )
    return meta, runs, log, workers


class Store:
    """The run store at ``url`` (see the module docstring); made by :func:`open_store`."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.url = url
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # a pooled PostgreSQL connection may have been closed by the server (a restart,
            # an idle timeout): checked before use; SQLite has nothing to check
            self.engine = sa.create_engine(_engine_url(url),
                                           pool_pre_ping=not url.startswith("sqlite"))
        except Exception as exc:  # a bad URL, a missing driver
            raise InputError(f"store {shown_url(url)}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            @sa.event.listens_for(self.engine, "connect")
            def _pragmas(conn: Any, _record: Any) -> None:
                cursor = conn.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()
        self.meta, self.runs, self.log, self.workers = _tables()
        try:
            self.meta.create_all(self.engine)
        except Exception as exc:
            raise InputError(f"store {shown_url(url)}: cannot open it: "
                             f"{str(exc).splitlines()[0]}") from None
        self._lock = threading.Lock()
        self._hot_sql: dict[str, str] = {}

    # -- runs --------------------------------------------------------------------------
    def get(self, run_id: str) -> RunRow | None:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            row = conn.execute(sa.select(self.runs).where(
                self.runs.c.run_id == run_id)).mappings().first()
        return None if row is None else _row(row)

    def runs_list(self, *, status: str | None = None, limit: int | None = None) -> list[RunRow]:
        import sqlalchemy as sa

        query = sa.select(self.runs).order_by(self.runs.c.created.desc())
        if status is not None:
            query = query.where(self.runs.c.status == status)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query).mappings()]

    def create(self, row: RunRow) -> bool:
        """Insert ``row``; False when a run with its id exists already (another process
        created it first)."""
        import sqlalchemy as sa

        values = _values(row)
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(self.runs).values(**values))
        except sa.exc.IntegrityError:
            return False
        return True

    def update(self, run_id: str, *, fence: tuple[str, int] | None = None,
               **values: Any) -> bool:
        """Set ``values`` on the run's row; with ``fence=(owner, attempt)`` only while that
        process runs that attempt. Whether the row was updated."""
        import sqlalchemy as sa

        values = _encode_fields(values)
        values["updated"] = time.time()
        query = sa.update(self.runs).where(self.runs.c.run_id == run_id)
        if fence is not None:
            query = query.where(self.runs.c.owner == fence[0],
                                self.runs.c.attempt == fence[1])
        with self.engine.begin() as conn:
            return bool(conn.execute(query.values(**values)).rowcount)

    def delete(self, run_id: str) -> None:
        import sqlalchemy as sa

        with self.engine.begin() as conn:
            conn.execute(sa.delete(self.log).where(self.log.c.run_id == run_id))
            conn.execute(sa.delete(self.runs).where(self.runs.c.run_id == run_id))

    # -- the in-flight request, the log --------------------------------------------------
    # The statements of a running attempt (one or two per request, one per sleep) are plain
    # SQL written once per dialect and sent with exec_driver_sql: building and compiling
    # SQLAlchemy statements each time cost more than the database (docs/performance.md).
    _HOT = {
        "begin_send": "UPDATE arazzo_runs SET inflight = :inflight, sleep = NULL, step = :step,"
                      " poll = :poll, updated = :updated WHERE run_id = :run_id"
                      " AND cancel = :no AND owner = :owner AND attempt = :attempt",
        "answered": "UPDATE arazzo_runs SET inflight = NULL, steps_done = :steps_done,"
                    " requests = requests + 1, updated = :updated WHERE run_id = :run_id"
                    " AND owner = :owner AND attempt = :attempt",
        "merge": 'UPDATE arazzo_log SET "count" = "count" + 1 WHERE run_id = :run_id'
                 " AND seq = :seq",
        "append": 'INSERT INTO arazzo_log (run_id, seq, step, fingerprint, "count", data)'
                  " VALUES (:run_id, :seq, :step, :fingerprint, 1, :data)",
        "sleep": "UPDATE arazzo_runs SET sleep = :sleep, updated = :updated"
                 " WHERE run_id = :run_id AND owner = :owner AND attempt = :attempt",
        "mine": "SELECT cancel, owner, attempt FROM arazzo_runs WHERE run_id = :run_id",
    }

    def _hot(self, name: str) -> str:
        sql = self._hot_sql.get(name)
        if sql is None:
            sql = self._HOT[name]
            if self.engine.dialect.name != "sqlite":  # sqlite3 takes :name; psycopg %(name)s
                sql = re.sub(r":(\w+)", r"%(\1)s", sql)
            self._hot_sql[name] = sql
        return sql

    def begin_send(self, run_id: str, inflight: dict[str, Any], *, step: str,
                   poll: int, owner: str, attempt: int) -> bool:
        """Mark ``inflight`` as sent (before it is sent); False when the run was cancelled or
        another process took it over (``owner``/``attempt`` no longer the run's: a fence)."""
        with self.engine.begin() as conn:
            done = conn.exec_driver_sql(self._hot("begin_send"), {
                "inflight": json.dumps(inflight), "step": step, "poll": poll,
                "updated": time.time(), "run_id": run_id, "no": False, "owner": owner,
                "attempt": attempt})
        return bool(done.rowcount)

    def record(self, run_id: str, last: LogEntry | None, step: str, fingerprint: str,
               data: dict[str, Any], *, merge: bool, steps_done: int, owner: str,
               attempt: int) -> LogEntry | None:
        """Record an answer: ``merge`` adds one to ``last``'s count (the same answer again),
        else a new entry follows it. Clears the in-flight mark, in one transaction. None (and
        nothing written) when ``owner`` no longer runs ``attempt``: the run was taken over."""
        with self.engine.begin() as conn:
            owned = conn.exec_driver_sql(self._hot("answered"), {
                "steps_done": steps_done, "updated": time.time(), "run_id": run_id,
                "owner": owner, "attempt": attempt})
            if not owned.rowcount:
                return None
            if merge and last is not None:
                conn.exec_driver_sql(self._hot("merge"), {"run_id": run_id, "seq": last.seq})
                last.count += 1
                return last
            seq = 0 if last is None else last.seq + 1
            conn.exec_driver_sql(self._hot("append"), {
                "run_id": run_id, "seq": seq, "step": step, "fingerprint": fingerprint,
                "data": json.dumps(data, separators=(",", ":"))})
        return LogEntry(seq, step, fingerprint, 1, data)

    def set_sleep(self, run_id: str, sleep: dict[str, Any], *, owner: str,
                  attempt: int) -> bool:
        """Record the pending sleep's wake-up time; False when the run was taken over."""
        with self.engine.begin() as conn:
            done = conn.exec_driver_sql(self._hot("sleep"), {
                "sleep": json.dumps(sleep), "updated": time.time(), "run_id": run_id,
                "owner": owner, "attempt": attempt})
        return bool(done.rowcount)

    def still_mine(self, run_id: str, owner: str, attempt: int) -> str | None:
        """None while ``owner`` runs ``attempt`` of the run; else why not (``cancelled``,
        ``taken``)."""
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql(self._hot("mine"), {"run_id": run_id}).first()
        if row is None:
            return "taken"
        if row[0]:
            return "cancelled"
        if row[1] != owner or row[2] != attempt:
            return "taken"
        return None

    def entries(self, run_id: str) -> list[LogEntry]:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.log).where(self.log.c.run_id == run_id)
                                .order_by(self.log.c.seq)).mappings().all()
        return [LogEntry(r["seq"], r["step"], r["fingerprint"], r["count"],
                         json.loads(r["data"])) for r in rows]

    def sizes(self) -> dict[str, int]:
        """Rows per table (``arazzo_runs``, ``arazzo_log``), for the benchmarks."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t))
                                .scalar_one())
                    for t in (self.runs, self.log)}

    def claim(self, run_id: str, *, attempt: int, new_attempt: int, owner: str | None,
              status: str, expect_owner: Any = ...) -> bool:
        """Move the run from ``attempt`` (and, when given, ``expect_owner``) to
        ``new_attempt`` owned by ``owner``: of two processes racing, one wins."""
        import sqlalchemy as sa

        runs = self.runs
        query = sa.update(runs).where(runs.c.run_id == run_id, runs.c.attempt == attempt)
        if expect_owner is not ...:
            query = query.where(runs.c.owner.is_(None) if expect_owner is None
                                else runs.c.owner == expect_owner)
        with self.engine.begin() as conn:
            done = conn.execute(query.values(attempt=new_attempt, owner=owner, status=status,
                                             cancel=False, error=None, updated=time.time()))
        return bool(done.rowcount)

    # -- workers (liveness) ----------------------------------------------------------------
    def beat(self, executor_id: str) -> None:
        import sqlalchemy as sa

        now = time.time()
        with self.engine.begin() as conn:
            done = conn.execute(sa.update(self.workers).where(
                self.workers.c.executor_id == executor_id).values(beat=now))
            if not done.rowcount:
                conn.execute(sa.insert(self.workers).values(
                    executor_id=executor_id, host=socket.gethostname(), pid=os.getpid(),
                    beat=now))

    def forget_worker(self, executor_id: str) -> None:
        import sqlalchemy as sa

        with self.engine.begin() as conn:
            conn.execute(sa.delete(self.workers).where(
                self.workers.c.executor_id == executor_id))

    def alive(self, executor_id: str | None, *, stale_after: float) -> bool:
        """Whether the process ``executor_id`` still runs: on this host, by its pid; else by
        its heartbeat (younger than ``stale_after`` seconds)."""
        import sqlalchemy as sa

        if not executor_id:
            return False
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(self.workers).where(
                self.workers.c.executor_id == executor_id)).mappings().first()
        if row is None:
            return False
        if row["host"] == socket.gethostname():
            return _pid_alive(int(row["pid"]))
        return time.time() - float(row["beat"]) < stale_after

    def close(self) -> None:
        self.engine.dispose()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is not running
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


_JSON_FIELDS = ("inputs", "secret_inputs", "servers", "inflight", "sleep", "summary")


def _encode_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v) if k in _JSON_FIELDS and v is not None else v)
            for k, v in values.items()}


def _values(row: RunRow) -> dict[str, Any]:
    return _encode_fields({name: getattr(row, name) for name in RunRow.__slots__})


def _row(data: Mapping[Any, Any]) -> RunRow:
    values = {k: (json.loads(data[k]) if k in _JSON_FIELDS and data[k] is not None
                  else data[k]) for k in RunRow.__slots__}
    values["cancel"] = bool(values["cancel"])
    return RunRow(**values)


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str) -> Store:
    """The process's :class:`Store` for ``url`` (opened once, tables made if missing)."""
    with _STORES_LOCK:
        store = _STORES.get(url)
        if store is None:
            store = _STORES[url] = Store(url)
        return store


@contextmanager
def closing_stores() -> Iterator[None]:
    """Close every store opened inside (tests, benchmarks)."""
    try:
        yield
    finally:
        with _STORES_LOCK:
            for store in _STORES.values():
                store.close()
            _STORES.clear()


def is_finished(status: str) -> bool:
    return status in _FINISHED
