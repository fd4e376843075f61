"""Durable runs: :func:`arazzo.run` with ``run_id=``, and :mod:`arazzo.runs` (list, show,
resume, cancel, submit, worker). See ``docs/durable.md``."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arazzo._exceptions import InputError
from arazzo._options import RunOptions

from . import _runtime
from ._driver import DurableError, RunCancelled, RunDiverged, RunInDoubt, drive_durable
from ._runtime import STALE_AFTER, runtime
from ._store import RunRow, Store, is_finished, open_store, shown_url, store_url

if TYPE_CHECKING:
    from arazzo.documents._loading import Document
    from arazzo.engine._machine import Engine
    from arazzo.engine._results import RunResult

__all__ = ["RunBusy", "RunChanged", "RunInfo", "RunNotFound", "cancel", "list_runs",
           "resume", "run_durable", "show", "submit", "worker"]


class RunChanged(DurableError):
    """The run's document (or one of its sources) changed since the run started."""


class RunBusy(DurableError):
    """Another live process is running the run (or it waits on the queue)."""


class RunNotFound(DurableError, LookupError):
    """No run with that id in the store."""


@dataclass(frozen=True)
class RunInfo:
    """What the store knows of a run (``arazzo runs show``). Values shown are masked."""

    run_id: str
    workflow_id: str
    document: str
    status: str
    #: ``workflowId/stepId`` of the latest request, and how many times in a row it was sent
    step: str | None
    poll: int
    steps_done: int
    requests: int
    #: the request in flight when the run stopped (method, masked URL, what a resume does)
    in_flight: dict[str, Any] | None
    error: str | None
    owner: str | None
    created: float
    updated: float
    #: the workflow outputs of a finished run, masked (``None`` while it runs)
    outputs: dict[str, Any] | None = None
    #: ``[(workflowId/stepId, answers recorded)]`` in order (a poll counts once per answer)
    steps: list[tuple[str, int]] = field(default_factory=list)
    #: rows the run holds in the store's log (compacted: a poll's identical answers are one)
    log_entries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"runId": self.run_id, "workflowId": self.workflow_id,
                "document": self.document, "status": self.status, "step": self.step,
                "poll": self.poll, "stepsDone": self.steps_done, "requests": self.requests,
                "inFlight": self.in_flight, "error": self.error, "owner": self.owner,
                "created": self.created, "updated": self.updated, "outputs": self.outputs,
                "steps": [{"step": s, "answers": n} for s, n in self.steps],
                "logEntries": self.log_entries}


def _info(store: Store, row: RunRow, *, with_steps: bool = False) -> RunInfo:
    steps: list[tuple[str, int]] = []
    entries = 0
    if with_steps:
        for entry in store.entries(row.run_id):
            entries += 1
            if steps and steps[-1][0] == entry.step:
                steps[-1] = (entry.step, steps[-1][1] + entry.count)
            else:
                steps.append((entry.step, entry.count))
    summary = row.summary or {}
    return RunInfo(row.run_id, row.workflow_id, row.document, row.status, row.step, row.poll,
                   row.steps_done, row.requests, row.inflight, row.error, row.owner,
                   row.created, row.updated, summary.get("outputs"), steps, entries)


# -- identity of what is run -------------------------------------------------------------

def document_hash(doc: Document) -> str:
    """A hash of the content of the document and every document and source it reads
    (their parsed data: reformatting a file does not change it); computed once per loaded
    document."""
    return doc.memo(("durable", "hash"), lambda: _content_hash(doc))


def _content_hash(doc: Document) -> str:
    digest = hashlib.sha256()
    for document in sorted(doc.iter_documents(), key=lambda d: str(d.file)):
        digest.update(json.dumps(document.raw, sort_keys=True, default=str).encode())
        for name in sorted(document.sources):
            raw = getattr(document.sources[name], "raw", None)
            if raw is not None and not hasattr(document.sources[name], "document"):
                digest.update(name.encode())
                digest.update(json.dumps(raw, sort_keys=True, default=str).encode())
    return "sha256:" + digest.hexdigest()


def _location(spec: Any, doc: Document) -> str:
    if isinstance(spec, (str, os.PathLike)) and not isinstance(spec, bytes):
        text = os.fspath(spec)
        if "\n" not in text and "://" not in text and Path(text).exists():
            return str(Path(text).resolve())
        if text.startswith(("http://", "https://")):
            return text
    return str(doc.file) if doc.file else "<text>"


def _stored_inputs(engine: Engine) -> tuple[dict[str, Any], list[str], str]:
    from arazzo.engine._results import jsonable

    secret = sorted(k for k in engine.inputs if k in engine.secret_names)
    kept = {k: (None if k in engine.secret_names else jsonable(v))
            for k, v in engine.inputs.items()}
    digest = hashlib.sha256(json.dumps({k: v for k, v in kept.items() if k not in secret},
                                       sort_keys=True, default=str).encode()).hexdigest()
    return kept, secret, digest


class _Gate:
    """The engine's one hook while durable: passes events on once the replay is over."""

    def __init__(self, hooks: Sequence[Callable[[Any], object]]) -> None:
        self.hooks = tuple(hooks)
        self.live = False

    def __call__(self, event: Any) -> None:
        if self.live:
            for hook in self.hooks:
                hook(event)


def _summary(result: RunResult) -> dict[str, Any]:
    from arazzo.engine._results import jsonable

    shown = result.masked()
    return {"succeeded": shown.succeeded, "outputs": jsonable(shown.outputs),
            "error": shown.error, "endedBy": shown.ended_by}


# -- one attempt -------------------------------------------------------------------------

@dataclass
class _Attempt:
    """Everything one attempt needs, for :func:`drive_durable`."""

    store: Store
    run_id: str
    attempt: int
    owner: str
    doc: Document
    engine: Engine
    gate: _Gate
    options: RunOptions
    resend_in_doubt: bool = False
    on_resume: Callable[[str | None, int, int], None] | None = None
    result: RunResult | None = None

    def __call__(self) -> str:
        from arazzo._prepare import _Transports
        from arazzo.engine._providers import DefaultInner
        from arazzo.transports._httpx import default_client, default_transport

        store = self.store
        row = store.get(self.run_id)
        if row is None or row.attempt != self.attempt or row.owner != self.owner:
            return "stale"
        chooser = _Transports(self.doc, self.options.transports, default_client(),
                              asynchronous=False,
                              signed_inner=lambda: DefaultInner(default_client(),
                                                                default_transport),
                              providers=self.options.providers)
        try:
            result = drive_durable(
                store, row, self.doc, self.engine, chooser.get, gate=self.gate,
                owner=self.owner, attempt=self.attempt, providers=self.options.providers,
                max_response_bytes=self.options.max_response_bytes,
                timeout=self.options.timeout, resend_in_doubt=self.resend_in_doubt,
                on_resume=self.on_resume)
        except RunCancelled:
            store.update(self.run_id, status="cancelled", owner=None)
            raise
        except RunInDoubt as exc:
            store.update(self.run_id, status="in-doubt", error=str(exc), owner=None)
            raise
        except RunDiverged as exc:
            store.update(self.run_id, status="error", error=str(exc), owner=None)
            raise
        except BaseException:
            # anything else (Ctrl-C, a hook's exception) stops the run here: release it, or a
            # resume in this still living process would find it busy (unless another process
            # took it over meanwhile: then the owner is no longer this one)
            store.claim(self.run_id, attempt=self.attempt, new_attempt=self.attempt,
                        owner=None, status="stopped", expect_owner=self.owner)
            raise
        self.result = result  # the run's result, whoever records its end
        outcome = "succeeded" if result.succeeded else "failed"
        if not store.update(self.run_id, fence=(self.owner, self.attempt), status=outcome,
                            owner=None, inflight=None, sleep=None, summary=_summary(result),
                            steps_done=self.engine.executed):
            # handed back or taken over after its last answer: the new attempt replays the
            # log to the same end and records it
            return "stale"
        return outcome


def _prepare_engine(spec: Any, workflow_id: str | None, inputs: Mapping[str, Any] | None,
                    options: RunOptions) -> tuple[Document, Engine, _Gate]:
    from arazzo._prepare import _prepare

    doc, engine = _prepare(spec, workflow_id, inputs, options)
    gate = _Gate(engine.hooks)
    engine.hooks = (gate,) if engine.hooks else ()
    return doc, engine, gate


def _replay(store: Store, row: RunRow, doc: Document, engine: Engine, gate: _Gate,
            options: RunOptions) -> RunResult:
    """A finished run's result, rebuilt from its log: nothing is sent."""
    def refuse(_: str) -> Any:
        raise DurableError(f"run {row.run_id!r} is finished; replaying it asked for a request")

    return drive_durable(store, row, doc, engine, refuse, gate=gate, owner="", attempt=-1,
                         providers=options.providers,
                         max_response_bytes=options.max_response_bytes, replay_only=True)


def _check_same(row: RunRow, doc: Document, workflow: str, inputs_hash: str, *,
                force: bool) -> None:
    if row.workflow_id != workflow:
        raise InputError(f"run {row.run_id!r} runs workflow {row.workflow_id!r}, not "
                         f"{workflow!r}: use another run id")
    if row.inputs_hash != inputs_hash:
        raise InputError(f"run {row.run_id!r} was started with other inputs: give the same "
                         f"inputs to resume it, or use another run id")
    if row.doc_hash != document_hash(doc) and not force:
        raise RunChanged(
            f"run {row.run_id!r}: the document or one of its sources changed since the run "
            f"started ({row.document}); the recorded answers may not fit it. Restore it, or "
            f"resume anyway with force=True (--force): the run then stops at the first step "
            f"that asks for another request than the one recorded")


def run_durable(spec: Any, workflow_id: str | None, inputs: Mapping[str, Any] | None,
                options: RunOptions, *, run_id: str, store: str | os.PathLike[str] | None,
                force: bool = False, resend_in_doubt: bool = False,
                on_resume: Callable[[str | None, int, int], None] | None = None,
                resuming: bool = False) -> RunResult:
    """:func:`arazzo.run` with ``run_id=``: start the run, resume it, or give back the result
    of the finished run (rebuilt from the store; nothing is sent)."""
    if not isinstance(run_id, str) or not run_id or len(run_id) > 180 or ":" in run_id:
        raise InputError("run_id must be a non-empty string of at most 180 characters "
                         "without ':'")
    url = store_url(store)
    the_store = open_store(url)
    row = the_store.get(run_id)
    if row is not None and inputs is None:
        inputs = _resume_inputs(row)
    if row is not None and row.servers and not options.servers:
        options = options.replace(servers=row.servers)  # as the run started
    doc, engine, gate = _prepare_engine(spec, workflow_id, inputs, options)
    kept, secret, inputs_hash = _stored_inputs(engine)
    workflow = engine.root.workflow_id
    if row is not None:
        _check_same(row, doc, workflow, inputs_hash, force=force)
        if is_finished(row.status):
            return _replay(the_store, row, doc, engine, gate, options)
    rt = runtime(url)
    if row is None:
        now = time.time()
        created = the_store.create(RunRow(
            run_id=run_id, workflow_id=workflow, document=_location(spec, doc),
            doc_hash=document_hash(doc), inputs=kept, inputs_hash=inputs_hash,
            secret_inputs=secret, servers=dict(options.servers), status="running", step=None,
            poll=0, steps_done=0, requests=0, inflight=None, sleep=None, summary=None,
            error=None, owner=rt.executor_id, attempt=1, cancel=False, created=now,
            updated=now))
        if not created:
            raise RunBusy(f"run {run_id!r} was just started by another process")
        attempt = 1
    else:
        attempt = _take_over(the_store, rt, row, force=force, resend=resend_in_doubt,
                             resuming=resuming)
    work = _Attempt(the_store, run_id, attempt, rt.executor_id, doc, engine, gate, options,
                    resend_in_doubt=resend_in_doubt, on_resume=on_resume)
    rt.run_inline(run_id, attempt, work)
    if work.result is None:
        raise DurableError(f"run {run_id!r}: attempt {attempt} did not run (another "
                           f"process took the run)")
    return work.result


def _resume_inputs(row: RunRow) -> dict[str, Any]:
    if row.secret_inputs:
        raise InputError(
            f"run {row.run_id!r} has secret inputs ({', '.join(row.secret_inputs)}), which "
            f"the store does not keep: give the run's inputs again to resume it")
    return dict(row.inputs)


def _take_over(store: Store, rt: Any, row: RunRow, *, force: bool, resend: bool,
               resuming: bool = False) -> int:
    """Make this process the owner of the unfinished run ``row``; its new attempt number."""
    if row.status == "cancelled" and not resuming:
        raise RunCancelled(f"run {row.run_id!r} was cancelled; resume it with "
                           f"arazzo.runs.resume({row.run_id!r}) (arazzo runs resume "
                           f"{row.run_id})")
    if row.status == "queued":
        raise RunBusy(f"run {row.run_id!r} waits on the queue for a worker "
                      f"(arazzo runs show {row.run_id})")
    if row.status == "error" and not force:
        raise DurableError(f"run {row.run_id!r} stopped with an error: {row.error} "
                           f"(resume anyway with force=True, --force)")
    if row.status == "running" and rt.owns_live(row.run_id, row.owner):
        raise RunBusy(f"run {row.run_id!r} is being run by another process ({row.owner})")
    if row.status == "in-doubt" and not resend and row.inflight is not None \
            and row.inflight.get("policy") == "unsafe":
        raise RunInDoubt(str(row.error))
    attempt = row.attempt + 1
    if not store.claim(row.run_id, attempt=row.attempt, new_attempt=attempt,
                       owner=rt.executor_id, status="running", expect_owner=row.owner):
        raise RunBusy(f"run {row.run_id!r} was taken by another process just now")
    rt.cancel(row.run_id, row.attempt)
    return attempt


# -- arazzo.runs -------------------------------------------------------------------------

def _open(store: str | os.PathLike[str] | None) -> Store:
    return open_store(store_url(store))


def list_runs(store: str | os.PathLike[str] | None = None, *,
              status: str | None = None) -> list[RunInfo]:
    """The runs in ``store`` (default ``$ARAZZO_STORE``, else ``./.arazzo/runs.sqlite``),
    newest first."""
    the_store = _open(store)
    return [_info(the_store, row) for row in the_store.runs_list(status=status)]


def show(run_id: str, store: str | os.PathLike[str] | None = None) -> RunInfo:
    """One run: status, current step and poll, steps done, outputs when finished."""
    the_store = _open(store)
    row = the_store.get(run_id)
    if row is None:
        raise RunNotFound(f"no run {run_id!r} in the store {shown_url(the_store.url)}")
    return _info(the_store, row, with_steps=True)


def cancel(run_id: str, store: str | os.PathLike[str] | None = None) -> RunInfo:
    """Cancel a run: a process running it stops before its next request (or within a second
    of a sleep); a queued one is not started. ``resume`` takes it up again."""
    url = store_url(store)
    the_store = open_store(url)
    row = the_store.get(run_id)
    if row is None:
        raise RunNotFound(f"no run {run_id!r} in the store {shown_url(url)}")
    if is_finished(row.status):
        raise DurableError(f"run {run_id!r} is finished ({row.status}); nothing to cancel")
    the_store.update(run_id, cancel=True)
    if row.status in ("queued", "in-doubt", "error") or not the_store.alive(
            row.owner, stale_after=STALE_AFTER):
        the_store.update(run_id, status="cancelled", owner=None)
    runtime(url).cancel(run_id, row.attempt)
    return show(run_id, store)


def resume(run_id: str, store: str | os.PathLike[str] | None = None, *,
           spec: Any = None, inputs: Mapping[str, Any] | None = None,
           options: RunOptions | None = None, force: bool = False,
           resend_in_doubt: bool = False,
           on_resume: Callable[[str | None, int, int], None] | None = None,
           **overrides: Any) -> RunResult:
    """Resume the run ``run_id`` (cancelled, stopped, in doubt) in this process, reading its
    document where it was (``spec=`` to give it again) with its stored inputs (``inputs=``
    when it has secret ones) and servers; returns its result (a finished run's without
    sending anything). ``auth=``, ``transports=`` and the other options as for
    :func:`arazzo.run`."""
    from arazzo._options import resolve_options

    url = store_url(store)
    the_store = open_store(url)
    row = the_store.get(run_id)
    if row is None:
        raise RunNotFound(f"no run {run_id!r} in the store {shown_url(url)}")
    if spec is None:
        if row.document == "<text>":
            raise InputError(f"run {run_id!r} was given its document as text: give it "
                             f"again (spec=)")
        spec = row.document
    resolved = resolve_options("resume", options, overrides)
    if row.servers and not resolved.servers:
        resolved = resolved.replace(servers=row.servers)
    return run_durable(spec, row.workflow_id, inputs, resolved, run_id=run_id, store=url,
                       resuming=True, force=force, resend_in_doubt=resend_in_doubt,
                       on_resume=on_resume)


def submit(spec: Any, workflow_id: str | None = None,
           inputs: Mapping[str, Any] | None = None, *, run_id: str,
           store: str | os.PathLike[str] | None = None,
           options: RunOptions | None = None, **overrides: Any) -> RunInfo:
    """Queue a run for the workers (:func:`worker`) instead of running it here. The document
    must be readable by the workers at the same location (a path on a shared file system, a
    URL); its inputs must not be secret (the store does not keep secrets)."""
    from arazzo._options import resolve_options

    resolved = resolve_options("submit", options, overrides)
    url = store_url(store)
    the_store = open_store(url)
    if the_store.get(run_id) is not None:
        raise RunBusy(f"run {run_id!r} exists already (arazzo runs show {run_id})")
    doc, engine, _ = _prepare_engine(spec, workflow_id, inputs, resolved)
    kept, secret, inputs_hash = _stored_inputs(engine)
    if secret:
        raise InputError(f"a submitted run cannot have secret inputs ({', '.join(secret)}): "
                         f"the store does not keep them; give the workers credentials "
                         f"through their environment")
    location = _location(spec, doc)
    if location == "<text>":
        raise InputError("a submitted run needs its document as a path or URL the workers "
                         "can read")
    rt = runtime(url)
    now = time.time()
    if not the_store.create(RunRow(
            run_id=run_id, workflow_id=engine.root.workflow_id, document=location,
            doc_hash=document_hash(doc), inputs=kept, inputs_hash=inputs_hash,
            secret_inputs=[], servers=dict(resolved.servers), status="queued", step=None,
            poll=0, steps_done=0, requests=0, inflight=None, sleep=None, summary=None,
            error=None, owner=None, attempt=1, cancel=False, created=now, updated=now)):
        raise RunBusy(f"run {run_id!r} exists already")
    rt.enqueue(run_id, 1)
    return show(run_id, url)


def wait(run_id: str, store: str | os.PathLike[str] | None = None, *,
         timeout: float | None = None, interval: float = 0.5) -> RunInfo:
    """Wait until the run is finished (or stopped: cancelled, in doubt, error)."""
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        info = show(run_id, store)
        if info.status in ("succeeded", "failed", "cancelled", "in-doubt", "error"):
            return info
        if end is not None and time.monotonic() >= end:
            raise TimeoutError(f"run {run_id!r} is still {info.status} after {timeout} s")
        time.sleep(interval)


def worker(store: str | os.PathLike[str] | None = None, *, concurrency: int = 1,
           global_concurrency: int | None = None, options: RunOptions | None = None,
           stop: threading.Event | None = None, scan_every: float = 1.0,
           on_event: Callable[[str], None] | None = None, **overrides: Any) -> None:
    """Work on the queued runs of ``store`` until ``stop`` is set (or forever): at most
    ``concurrency`` at once in this process (``global_concurrency``: across all workers).
    Runs whose process died (on this host: its pid is gone; elsewhere: no heartbeat for
    15 s) are put back on the queue and finished here or by another worker. Credentials
    come from this process's environment (or ``auth=`` in ``options``)."""
    from arazzo._options import resolve_options

    if concurrency < 1:
        raise InputError("concurrency must be at least 1")
    resolved = resolve_options("worker", options, overrides)
    url = store_url(store)
    rt = _runtime.runtime(url, worker_concurrency=concurrency,
                          global_concurrency=global_concurrency)
    the_store = rt.store
    tell = on_event or (lambda _: None)
    running: set[str] = set()  # the runs with an attempt going on here
    handed: set[str] = set()  # the runs this worker handed back as it stopped
    lock = threading.Lock()

    def build(run_id: str, attempt: int) -> Callable[[], str] | None:
        row = the_store.get(run_id)
        if row is None or not the_store.claim(run_id, attempt=attempt, new_attempt=attempt,
                                              owner=rt.executor_id, status="running",
                                              expect_owner=None):
            return None
        try:
            run_options = resolved
            if row.servers and not resolved.servers:
                run_options = resolved.replace(servers=row.servers)
            doc, engine, gate = _prepare_engine(row.document, row.workflow_id,
                                                _resume_inputs(row), run_options)
            if row.doc_hash != document_hash(doc):
                raise RunChanged(f"run {run_id!r}: its document changed since it was "
                                 f"submitted ({row.document})")
        except Exception as exc:  # the run is marked, the worker goes on
            the_store.update(run_id, status="error", owner=None, error=str(exc))
            tell(f"{run_id}: {exc}")
            return None
        tell(f"{run_id}: attempt {attempt} started")
        work = _Attempt(the_store, run_id, attempt, rt.executor_id, doc, engine, gate,
                        run_options)

        def reported() -> str:
            with lock:
                running.add(run_id)
            try:
                outcome = work()
            except DurableError as exc:
                if run_id in handed:  # fenced: this worker handed the run back
                    tell(f"{run_id}: attempt {attempt} stopped (handed back)")
                    return "handed back"
                tell(f"{run_id}: stopped: {exc}")
                raise
            finally:
                with lock:
                    running.discard(run_id)
            tell(f"{run_id}: {outcome}")
            return outcome

        return reported

    _runtime.WORKER_FACTORY[:] = [build]
    halt = stop or threading.Event()
    try:
        while not halt.wait(scan_every):
            _requeue_orphans(the_store, rt, tell)
    finally:
        _runtime.WORKER_FACTORY.clear()
        rt.stop_dequeuing()
        with lock:
            going = set(running)
        old = _hand_back(the_store, rt, tell, handed, going)
        # the attempts going on here stop at their next write (fenced), and DBOS records
        # their end: it is shut down after them; those still going after STOP_GRACE are
        # marked cancelled in DBOS (nobody runs them again)
        end = time.monotonic() + STOP_GRACE
        while time.monotonic() < end:
            with lock:
                if not running:
                    break
            time.sleep(0.05)
        with lock:
            late = set(running)
        for run_id, attempt in old.items():
            if run_id in late:
                rt.cancel(run_id, attempt)
        _runtime.shutdown()


#: how long a stopping worker waits for the attempts it handed back to stop (a sleep stops
#: within a second; a request in flight when its answer comes)
STOP_GRACE = 5.0


def _hand_back(store: Store, rt: Any, tell: Callable[[str], None], handed: set[str],
               going: set[str]) -> dict[str, int]:
    """A stopping worker puts the runs it holds back on the queue as new attempts (the
    attempts running here stop at their next request or within a second of a sleep: their
    writes are fenced). A run with an unsafe request in flight is left for the takeover
    rules (``in-doubt``). ``handed`` gets the runs handed back; the old attempts of those
    in ``going`` (going on here) are left to end (DBOS records it): ``{run: attempt}``."""
    old: dict[str, int] = {}
    for row in store.runs_list(status="running"):
        if row.owner != rt.executor_id:
            continue
        if row.inflight is not None and row.inflight.get("policy") == "unsafe":
            continue
        handed.add(row.run_id)  # before the claim: the attempt may stop at once
        if store.claim(row.run_id, attempt=row.attempt, new_attempt=row.attempt + 1,
                       owner=None, status="queued", expect_owner=row.owner):
            if row.run_id in going:
                old[row.run_id] = row.attempt
            else:
                rt.cancel(row.run_id, row.attempt)
            rt.enqueue(row.run_id, row.attempt + 1)
            tell(f"{row.run_id}: handed back to the queue (this worker stops)")
        else:
            handed.discard(row.run_id)
    return old


def _requeue_orphans(store: Store, rt: Any, tell: Callable[[str], None]) -> None:
    stale = STALE_AFTER
    for row in store.runs_list(status="running"):
        if row.owner is None or store.alive(row.owner, stale_after=stale):
            continue
        if row.inflight is not None and row.inflight.get("policy") == "unsafe":
            store.update(row.run_id, status="in-doubt", owner=None, error=(
                f"step {row.inflight.get('step')} ({row.inflight.get('method')} "
                f"{row.inflight.get('url')}) was in flight when its process died: "
                f"{row.inflight.get('reason')}; check the server, then arazzo runs resume "
                f"{row.run_id} --resend"))
            continue
        if store.claim(row.run_id, attempt=row.attempt, new_attempt=row.attempt + 1,
                       owner=None, status="queued", expect_owner=row.owner):
            rt.cancel(row.run_id, row.attempt)
            rt.enqueue(row.run_id, row.attempt + 1)
            tell(f"{row.run_id}: its process {row.owner} is gone; queued again")
    for row in store.runs_list(status="queued"):
        if time.time() - row.updated <= 10:
            continue
        state, executor = rt.state(row.run_id, row.attempt)
        if state is None:  # lost between the store and the queue
            rt.enqueue(row.run_id, row.attempt)
        elif state not in ("ENQUEUED", "DELAYED") and not (
                state == "PENDING" and store.alive(executor, stale_after=stale)) \
                and store.claim(row.run_id, attempt=row.attempt, new_attempt=row.attempt + 1,
                                owner=None, status="queued", expect_owner=None):
            # taken off the queue but never started: its worker died before claiming the
            # run (or a process without a worker took it): a new attempt
            rt.cancel(row.run_id, row.attempt)
            rt.enqueue(row.run_id, row.attempt + 1)
            tell(f"{row.run_id}: attempt {row.attempt} was taken off the queue but never "
                 f"started; queued again")
