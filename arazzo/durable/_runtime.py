"""DBOS Transact as the durable runs' executor (``pip install 'arazzo[durable]'``).

Each *attempt* at a run is one DBOS workflow, ``arazzo.run``, with the id ``<runId>:<n>``
and two arguments (the run id and ``n``): the generic workflow reads the run from the store
and interprets its document; no document is DBOS "code". An attempt started by
:func:`arazzo.run` runs inline in the caller's thread; one submitted
(:func:`arazzo.runs.submit`) waits on the DBOS queue ``arazzo`` for a worker
(:func:`arazzo.runs.worker`), which takes at most its concurrency limit at once. DBOS keeps
the attempts' status, runs the queue across processes sharing one PostgreSQL, and marks a
cancelled attempt. What the run has done (its answers, its in-flight request, its pending
sleep) is in the store's own tables (:mod:`arazzo.durable._store`), compacted as it goes, so
that a poll of 10 000 iterations does not grow the database by 10 000 step records; a new
attempt replays them (:mod:`arazzo.durable._driver`).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from arazzo._exceptions import InputError

from ._store import Store, open_store

__all__ = ["QUEUE", "Runtime", "attempt_id", "runtime"]

#: the DBOS queue submitted runs wait on
QUEUE = "arazzo"
#: the DBOS application version of every arazzo process (recovery and queues are per
#: version; the run format, not the package version, decides what can resume what)
APP_VERSION = "arazzo-durable-1"
WORKFLOW_NAME = "arazzo.run"
#: seconds without a heartbeat after which a process on another host is taken for dead
STALE_AFTER = 15.0
BEAT_EVERY = 2.0

_INSTALL = ("durable runs need DBOS Transact: pip install 'arazzo[durable]' "
            "(or pip install 'dbos>=3,<4')")

#: what an attempt started in this process runs with: ``{attempt id: callable}`` (set by
#: :func:`arazzo.run` before the inline call; a worker builds its own from the store)
LOCAL: dict[str, Callable[[], str]] = {}
#: how a worker builds an attempt it dequeued: set by :func:`arazzo.runs.worker`
WORKER_FACTORY: list[Callable[[str, int], Callable[[], str] | None]] = []


def attempt_id(run_id: str, attempt: int) -> str:
    return f"{run_id}:{attempt}"


def _attempt(run_id: str, attempt: int) -> str:
    """The DBOS workflow ``arazzo.run``: run attempt ``attempt`` of ``run_id``."""
    work = LOCAL.pop(attempt_id(run_id, attempt), None)
    if work is None and WORKER_FACTORY:
        work = WORKER_FACTORY[0](run_id, attempt)
    if work is None:
        return "stale"  # another process has the run, or it is gone
    return work()


class Runtime:
    """DBOS launched on one store (one per process at a time: DBOS is a process singleton)."""

    def __init__(self, url: str, *, worker_concurrency: int | None = None,
                 global_concurrency: int | None = None) -> None:
        try:
            import dbos  # noqa: F401
        except ImportError:
            raise InputError(_INSTALL) from None
        from dbos import DBOS

        self.url = url
        self.store: Store = open_store(url)
        self.executor_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        _register(DBOS)
        DBOS(config={
            "name": "arazzo",
            "system_database_url": url,
            "executor_id": self.executor_id,
            "application_version": APP_VERSION,
            "log_level": os.environ.get("ARAZZO_DBOS_LOG_LEVEL", "ERROR"),
        })
        # Only a worker takes attempts off the queue, and only once the queue carries its
        # limits: the queue's configuration is DBOS's (one row for every process), and a
        # poll uses what it read before its wait. Other processes leave it as it is.
        DBOS.listen_queues([])
        DBOS.launch()
        worker = worker_concurrency is not None
        per_worker = worker_concurrency
        if per_worker is not None and global_concurrency is not None:
            per_worker = min(per_worker, global_concurrency)  # DBOS refuses more
        self.queue = DBOS.register_queue(
            QUEUE, worker_concurrency=per_worker,
            global_concurrency=global_concurrency, polling_interval_sec=0.5,
            on_conflict="always_update" if worker else "never_update")
        if worker:
            from dbos._dbos import _get_dbos_instance

            # DBOS.listen_queues copies its list; the queue thread rereads this one
            _get_dbos_instance()._listening_queues = [QUEUE]
        self.worker_concurrency = worker_concurrency
        #: runs with an attempt running in this process
        self.active: set[str] = set()
        self.global_concurrency = global_concurrency
        self.store.beat(self.executor_id)
        self._stop = threading.Event()
        self._beater = threading.Thread(target=self._beat, name="arazzo-heartbeat",
                                        daemon=True)
        self._beater.start()

    def _beat(self) -> None:
        while not self._stop.wait(BEAT_EVERY):
            try:
                self.store.beat(self.executor_id)
            except Exception:  # a missed beat is retried; never kill the run
                continue

    def run_inline(self, run_id: str, attempt: int, work: Callable[[], str]) -> str:
        """Run attempt ``attempt`` of ``run_id`` in this thread, as DBOS workflow."""
        from dbos import SetWorkflowID

        key = attempt_id(run_id, attempt)
        LOCAL[key] = work
        self.active.add(run_id)
        try:
            with SetWorkflowID(key):
                outcome: str = _WORKFLOW[0](run_id, attempt)
        except Exception as exc:
            # DBOS reports a workflow cancelled while it ran with its own error
            if type(exc).__name__ == "DBOSAwaitedWorkflowCancelledError":
                from ._driver import RunCancelled

                raise RunCancelled(f"run {run_id!r} was cancelled") from None
            raise
        finally:
            LOCAL.pop(key, None)
            self.active.discard(run_id)
        return outcome

    def stop_dequeuing(self, timeout: float = 5.0) -> None:
        """Take no more attempts off the queue (a worker that stops, before it hands its
        runs back: else it could take them itself, and drop them). DBOS has no call for it:
        its queue thread is stopped by its own stop event, and waited for (a poll going on
        may still take attempts)."""
        from dbos import _queue
        from dbos._dbos import _get_dbos_instance

        dbos = _get_dbos_instance()
        for thread in list(getattr(dbos, "_background_threads", ())):
            if getattr(thread, "_target", None) is _queue.queue_thread:
                stop: threading.Event = thread._args[0]
                stop.set()
                thread.join(timeout)

    def owns_live(self, run_id: str, owner: str | None) -> bool:
        """Whether ``owner`` is a live process running ``run_id``: this process only while
        an attempt of it runs here (one interrupted here, e.g. by Ctrl-C, is not)."""
        if owner == self.executor_id:
            return run_id in self.active
        return self.store.alive(owner, stale_after=STALE_AFTER)

    def enqueue(self, run_id: str, attempt: int) -> None:
        """Put attempt ``attempt`` of ``run_id`` on the queue (again: a no-op)."""
        from dbos import SetWorkflowID

        with SetWorkflowID(attempt_id(run_id, attempt)):
            self.queue.enqueue(_WORKFLOW[0], run_id, attempt)

    def cancel(self, run_id: str, attempt: int) -> None:
        """Mark the DBOS workflow of an attempt cancelled (nobody will run it again)."""
        from dbos import DBOS

        try:
            DBOS.cancel_workflow(attempt_id(run_id, attempt))
        except Exception:  # no such attempt (never enqueued): nothing to do
            return

    def state(self, run_id: str, attempt: int) -> tuple[str | None, str | None]:
        """``(DBOS status, executor id)`` of an attempt's workflow (``None``: no such one)."""
        from dbos import DBOS

        status = DBOS.get_workflow_status(attempt_id(run_id, attempt))
        return (None, None) if status is None else (str(status.status), status.executor_id)

    def shutdown(self) -> None:
        from dbos import DBOS

        self._stop.set()
        try:
            self.store.forget_worker(self.executor_id)
        finally:
            DBOS.destroy(destroy_registry=False)


_WORKFLOW: list[Callable[[str, int], str]] = []
_RUNTIME: list[Runtime] = []
_LOCK = threading.Lock()


def _register(dbos_class: Any) -> None:
    if not _WORKFLOW:
        _WORKFLOW.append(dbos_class.workflow(name=WORKFLOW_NAME)(_attempt))


def runtime(url: str, *, worker_concurrency: int | None = None,
            global_concurrency: int | None = None) -> Runtime:
    """The process's DBOS runtime on ``url`` (launched on first use; another store's is shut
    down first)."""
    with _LOCK:
        current = _RUNTIME[0] if _RUNTIME else None
        if current is not None and current.url == url and (
                worker_concurrency is None
                or current.worker_concurrency == worker_concurrency) and (
                global_concurrency is None
                or current.global_concurrency == global_concurrency):
            return current
        if current is not None:
            current.shutdown()
            _RUNTIME.clear()
        new = Runtime(url, worker_concurrency=worker_concurrency,
                      global_concurrency=global_concurrency)
        _RUNTIME.append(new)
        return new


def shutdown() -> None:
    """Shut the process's DBOS runtime down (if launched)."""
    with _LOCK:
        if _RUNTIME:
            _RUNTIME.pop().shutdown()
