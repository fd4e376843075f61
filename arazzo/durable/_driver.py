"""The durable driver: runs the sans-I/O engine against the run store.

The engine is deterministic: given the same document, inputs and answers, it yields the same
requests in the same order. So a run is resumed by building the engine again and *replaying*
the recorded answers (no request is sent) until the log runs out, then going on live. Each
live request is marked in flight before it is sent and its answer recorded after, in the
store's log (:mod:`arazzo.durable._store`); each sleep records its wake-up time first, so a
resumed poll keeps its schedule.

The crash window (``docs/durable.md``): a request marked in flight with no recorded answer may
have reached the server. On resume the engine arrives at that request again; what the driver
does depends on the request (:func:`resend_policy`): an idempotent one (GET, AWS
``Describe*``) is sent again; one carrying an idempotency token is sent again with the same
token; an AWS ``Create*`` is sent again and an "already exists" answer resolved by describing
the resource (the provider's ``resolve_in_doubt``); any other is not sent again unless the
caller says so (``resend_in_doubt=True``, ``--resend``): :class:`RunInDoubt`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from arazzo._exceptions import ArazzoError
from arazzo.engine._events import RunResumed
from arazzo.engine._machine import RunAborted
from arazzo.engine._messages import (
    Effect,
    Headers,
    RequestSpec,
    ResponseData,
    Send,
    Sleep,
    TransportFailure,
)
from arazzo.engine._providers import IDEMPOTENT_METHODS, claimant, http_resend_policy
from arazzo.transports._httpx import DEFAULT_REQUEST_TIMEOUT, send_sync

from ._store import VOLATILE_HEADERS, LogEntry, RunRow, Store

if TYPE_CHECKING:
    from arazzo.documents._loading import Document
    from arazzo.engine._machine import Engine
    from arazzo.engine._providers import Provider
    from arazzo.engine._results import RunResult

__all__ = ["DurableError", "RunCancelled", "RunDiverged", "RunInDoubt", "drive_durable",
           "fingerprint", "resend_policy"]

#: the answer given to an OAuth2 token request while replaying (the real one is never
#: recorded; ``expires_in: 0`` makes the first live request fetch a real token)
_REPLAYED_TOKEN = ResponseData(200, Headers([("content-type", "application/json")]),
                               b'{"access_token":"replayed","token_type":"Bearer",'
                               b'"expires_in":0}', 0.0)
#: how often a sleeping run looks whether it was cancelled
_CANCEL_CHECK = 1.0


class DurableError(ArazzoError):
    """A durable run cannot go on (the message says why and what to do)."""


class RunInDoubt(DurableError):
    """The run stopped while a request that is not safe to send twice was in flight."""


class RunDiverged(DurableError):
    """On replay the engine asked for another request than the one recorded."""


class RunCancelled(DurableError):
    """The run was cancelled (``arazzo runs cancel``)."""


def fingerprint(request: RequestSpec) -> str:
    """What identifies a request in the log: a hash of its method, path and query, and body.
    Headers are left out (they carry credentials, and a replayed request is never sent), and
    so are the scheme, host and port: a run resumed against the same API at another address
    (``servers=``, a restarted emulator) replays."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    url = request.url
    scheme_end = url.find("://")
    if scheme_end >= 0:
        path_start = url.find("/", scheme_end + 3)
        url = url[path_start:] if path_start >= 0 else "/"
    digest.update(url.encode())
    digest.update(b"\0")
    digest.update(request.content or b"")
    return digest.hexdigest()[:32]


def encode_answer(result: ResponseData | TransportFailure) -> dict[str, Any]:
    if isinstance(result, TransportFailure):
        return {"f": result.code, "m": result.message, "e": round(result.elapsed, 6)}
    return {"s": result.status_code, "h": result.headers.raw_items(),
            "c": base64.b64encode(result.content).decode("ascii"),
            "e": round(result.elapsed, 6)}


def decode_answer(data: Mapping[str, Any]) -> ResponseData | TransportFailure:
    if "f" in data:
        return TransportFailure(data["f"], data["m"], data.get("e", 0.0))
    return ResponseData(int(data["s"]), Headers([(str(k), str(v)) for k, v in data["h"]]),
                        base64.b64decode(data["c"]), float(data.get("e", 0.0)))


def same_answer(a: Mapping[str, Any], b: Mapping[str, Any], *, headers_read: bool) -> bool:
    """Whether two recorded answers are the same to the engine: status (or failure) and body
    equal, and headers equal but for :data:`VOLATILE_HEADERS` (all of them when the step's
    expressions read response headers)."""
    if a.get("f") != b.get("f") or a.get("s") != b.get("s") or a.get("c") != b.get("c"):
        return False
    if "f" in a:
        return bool(a.get("m") == b.get("m"))

    def kept(items: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
        return [(str(k).lower(), str(v)) for k, v in items
                if headers_read or str(k).lower() not in VOLATILE_HEADERS]

    return kept(a["h"]) == kept(b["h"])


def resend_policy(request: RequestSpec, provider: Provider | None) -> tuple[str, str]:
    """``(kind, reason)``: what to do with ``request`` if it is in doubt after a crash.

    ``idempotent`` (send again), ``token`` (send again: the request carries an idempotency
    token), ``resolve`` (send again; the provider resolves an "already exists" answer) or
    ``unsafe`` (not sent again unless the caller says so). The source's provider decides for
    the requests it knows (AWS actions); else HTTP's method semantics (RFC 9110, 9.2.2) and
    an idempotency header."""
    decide = getattr(provider, "resend_policy", None)
    if decide is not None:
        kind, reason = decide(request)
        return str(kind), str(reason)
    return http_resend_policy(request)


def _headers_read(doc: Document) -> frozenset[str]:
    """``workflowId/stepId`` of the steps whose expressions (or their workflow's actions)
    read response headers: their log entries are split by any header change."""
    found: set[str] = set()
    for document in doc.iter_documents():
        for workflow in document.raw.get("workflows") or ():
            if not isinstance(workflow, dict):
                continue
            shared = json.dumps({k: workflow.get(k) for k in ("successActions",
                                                              "failureActions", "outputs")})
            for step in workflow.get("steps") or ():
                if isinstance(step, dict) and "$response.header" in (
                        json.dumps(step) + shared):
                    found.add(f"{workflow.get('workflowId')}/{step.get('stepId')}")
    return frozenset(found)


class Progress:
    """Where a resumed run stands, for the notice shown when it goes live."""

    def __init__(self) -> None:
        self.step: str | None = None
        self.poll = 0
        self.replayed = 0

    def sent(self, step: str) -> None:
        self.poll = self.poll + 1 if step == self.step else 1
        self.step = step


def drive_durable(
    store: Store, row: RunRow, doc: Document, engine: Engine, transport_for: Any, *,
    gate: Any, owner: str, attempt: int, providers: Sequence[Provider],
    max_response_bytes: int, timeout: float | None = None, resend_in_doubt: bool = False,
    on_resume: Callable[[str | None, int, int], None] | None = None,
    replay_only: bool = False,
) -> RunResult:
    """Drive ``engine`` for the run ``row``: replay its log, then go on live (module doc).

    ``gate``: the hook gate of the engine's hooks (events are held back while replaying).
    ``replay_only``: the run is finished; rebuild its result from the log, sending nothing.
    """
    gen: Generator[Effect, Any, RunResult] = engine.run()
    entries = store.entries(row.run_id)
    progress = Progress()
    sources = doc.reachable_openapi_sources()
    provider_of: dict[str, Provider | None] = {}

    def provider(source: str) -> Provider | None:
        if source not in provider_of:
            provider_of[source] = claimant(sources.get(source), providers)
        return provider_of[source]

    last: LogEntry | None = entries[-1] if entries else None
    position = 0  # the entry being replayed
    used = 0  # answers of that entry given so far
    answered = 0  # answers given in all (replayed and live): the sleeps' position
    gate.live = False
    try:
        effect = next(gen)
        # -- replay ----------------------------------------------------------------------
        while position < len(entries):
            if isinstance(effect, Sleep):
                effect = gen.send(None)
                continue
            if effect.token:
                effect = gen.send(_REPLAYED_TOKEN)
                continue
            entry = entries[position]
            step = f"{effect.workflow_id}/{effect.step_id}"
            if entry.fingerprint != fingerprint(effect.request) or entry.step != step:
                what = (f"step {step}'s request ({effect.request.method} "
                        f"{engine.masker.url(effect.request.url)}) is not the one recorded"
                        if entry.step == step else
                        f"step {step} asked for a request where {entry.step} had one")
                raise RunDiverged(
                    f"run {row.run_id!r} cannot be resumed: replaying its log, {what} (the "
                    f"document, its inputs or the engine changed since it ran)")
            progress.sent(step)
            answered += 1
            used += 1
            if used == entry.count:
                position, used = position + 1, 0
            effect = gen.send(decode_answer(entry.data))
        progress.replayed = answered
        if replay_only:
            raise DurableError(f"run {row.run_id!r}: its log ends before the run does "
                               f"(the store was changed by hand?)")
        # -- live ------------------------------------------------------------------------
        gate.live = True
        if answered:
            if on_resume is not None:
                on_resume(progress.step, progress.poll, answered)
            if progress.step is not None:
                workflow_id, _, step_id = progress.step.rpartition("/")
            else:
                workflow_id, step_id = engine.root.workflow_id, ""
            gate(RunResumed(workflow_id, row.run_id, step_id or None, progress.poll,
                            answered))
        headers_read = _headers_read(doc)
        declared: dict[tuple[str, str], str | None] = {}
        in_doubt = row.inflight
        sleep = row.sleep
        deadline = time.monotonic() + timeout if timeout is not None else None
        while True:
            remaining = deadline - time.monotonic() if deadline is not None else None
            if remaining is not None and remaining <= 0:
                effect = gen.throw(RunAborted(f"timeout: the run took longer than "
                                              f"{timeout:g} s (timeout=)"))
                continue
            if isinstance(effect, Sleep):
                seconds = effect.seconds
                if sleep is not None and sleep.get("after") == answered:
                    seconds = max(0.0, float(sleep["until"]) - time.time())  # resumed
                elif not store.set_sleep(row.run_id, {"after": answered,
                                                    "until": time.time() + seconds},
                                       owner=owner, attempt=attempt):
                    raise _stopped(store, row.run_id)
                sleep = None
                _sleep(store, row.run_id, seconds, owner, attempt)
                effect = gen.send(None)
                continue
            request = effect.request
            request_timeout = DEFAULT_REQUEST_TIMEOUT if remaining is None else min(
                DEFAULT_REQUEST_TIMEOUT, remaining)
            if effect.timeout is not None:
                request_timeout = min(request_timeout, effect.timeout)

            def send(spec: RequestSpec, limit: float = request_timeout
                     ) -> ResponseData | TransportFailure:
                return send_sync(transport_for(spec.source), spec, timeout=limit,
                                 max_bytes=max_response_bytes, url=spec.url.split("?", 1)[0])

            if effect.token:  # a credential: sent, never recorded
                effect = gen.send(send(request))
                continue
            step = f"{effect.workflow_id}/{effect.step_id}"
            mark = fingerprint(request)
            request = _with_idempotency_key(request, engine, effect, row.run_id, answered,
                                            declared)
            source_provider = provider(request.source)
            kind, reason = resend_policy(request, source_provider)
            doubted = in_doubt is not None and in_doubt.get("fingerprint") == mark
            if doubted and in_doubt is not None and in_doubt.get("policy") == "unsafe" \
                    and not resend_in_doubt:
                raise RunInDoubt(
                    f"run {row.run_id!r}: step {step} ({request.method} "
                    f"{engine.masker.url(request.url)}) was in flight when the run stopped "
                    f"and may have reached the server: {in_doubt.get('reason')}. Check the "
                    f"server, then resume with resend_in_doubt=True (arazzo runs resume "
                    f"{row.run_id} --resend) to send it again")
            in_doubt = None
            progress.sent(step)
            if not store.begin_send(row.run_id, {
                    "fingerprint": mark, "step": step, "method": request.method,
                    "url": engine.masker.url(request.url), "policy": kind,
                    "reason": reason}, step=step, poll=progress.poll, owner=owner,
                    attempt=attempt):
                raise _stopped(store, row.run_id)
            result = send(request)
            if doubted and kind == "resolve" and isinstance(result, ResponseData):
                resolve = getattr(source_provider, "resolve_in_doubt", None)
                resolved = resolve(request, result, send) if resolve is not None else None
                if resolved is not None:
                    result = resolved
            data = encode_answer(result)
            merge = (last is not None and last.fingerprint == mark and last.step == step
                     and same_answer(last.data, data, headers_read=step in headers_read))
            recorded = store.record(row.run_id, last, step, mark, data, merge=merge,
                                    steps_done=engine.executed, owner=owner, attempt=attempt)
            if recorded is None:  # another process has the run: its answer is not ours
                raise _stopped(store, row.run_id)
            last = recorded
            answered += 1
            effect = gen.send(result)
    except StopIteration as stop:
        value: RunResult = stop.value
        return value


def _declared_idempotency_header(step: Any) -> str | None:
    """The idempotency header (a header parameter whose name says ``idempotency``) the
    step's OpenAPI operation declares, if any."""
    operation = getattr(step, "operation", None)
    if operation is None:
        return None
    try:
        holders = (operation.operation, operation.path_item)
    except Exception:  # an operation that cannot be built: nothing declared
        return None
    for holder in holders:
        for parameter in getattr(holder, "parameters", None) or ():
            name = getattr(parameter, "name", None)
            if getattr(parameter, "in_", None) == "header" and isinstance(name, str) \
                    and "idempotency" in name.lower():
                return name
    return None


def _with_idempotency_key(request: RequestSpec, engine: Engine, effect: Send, run_id: str,
                          position: int, declared: dict[tuple[str, str], str | None]
                          ) -> RequestSpec:
    """``request`` with the idempotency header its operation declares, when the step does
    not set it and the method is not idempotent: the key is derived from the run id and the
    request's position in the run, so a request sent again after a crash carries the same
    key (and a replay builds the same one)."""
    if request.method.upper() in IDEMPOTENT_METHODS:
        return request
    key = (effect.workflow_id, effect.step_id)
    if key not in declared:
        declared[key] = _declared_idempotency_header(engine.step_plan(*key))
    name = declared[key]
    if name is None or any(n.lower() == name.lower() for n, _ in request.headers):
        return request
    value = "arazzo-" + hashlib.sha256(f"{run_id}\0{position}".encode()).hexdigest()[:32]
    return dataclasses.replace(request, headers=[*request.headers, (name, value)])


def _sleep(store: Store, run_id: str, seconds: float, owner: str, attempt: int) -> None:
    """Sleep ``seconds``, looking every second whether the run was cancelled or taken over
    (then stop)."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, _CANCEL_CHECK))
        if store.still_mine(run_id, owner, attempt) is not None:
            raise _stopped(store, run_id)


def _stopped(store: Store, run_id: str) -> DurableError:
    row = store.get(run_id)
    if row is not None and row.cancel:
        return RunCancelled(f"run {run_id!r} was cancelled")
    owner = row.owner if row is not None else None
    if owner is None:
        return DurableError(f"run {run_id!r} was handed back to the queue (or taken by "
                            f"another process); this one stops")
    return DurableError(f"run {run_id!r} was taken over by another process ({owner}); "
                        f"this one stops")
