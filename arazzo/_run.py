"""``run`` / ``run_async``: thin drivers around the sans-I/O engine
(:class:`~arazzo.engine._machine.Engine`)."""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from arazzo._diagnostics import Diagnostic
from arazzo._exceptions import InputError, ValidationFailed
from arazzo._options import RunOptions, RunOptionsArgs, resolve_options
from arazzo.criteria import DEFAULT_CRITERIA, CriterionTypes
from arazzo.documents._loading import Document, load
from arazzo.documents._validation import validate
from arazzo.engine._auth import Authenticator, parse_auth
from arazzo.engine._machine import Engine, RunAborted
from arazzo.engine._messages import Effect, ResponseData, Send, Sleep, TransportFailure
from arazzo.engine._plan import plan_for
from arazzo.engine._providers import (
    DEFAULT_PROVIDERS,
    Provider,
    claimed_sources,
    provider_servers,
    provider_transport,
)
from arazzo.engine._results import RunResult
from arazzo.observers._logging import normalize_hooks
from arazzo.transports._httpx import (
    DEFAULT_REQUEST_TIMEOUT,
    AnyTransport,
    default_async_transport,
    default_client,
    default_transport,
    send_async,
    send_sync,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["RunOptions", "prepare", "run", "run_async"]




def _load(spec: Document | str | os.PathLike[str] | bytes) -> Document:
    if isinstance(spec, Document):
        return spec
    return load(spec)


def _validation_errors(doc: Document, criteria: CriterionTypes = DEFAULT_CRITERIA
                       ) -> list[Diagnostic]:
    def errors() -> list[Diagnostic]:
        found = [d for d in doc.diagnostics if d.is_error]
        for diagnostic in validate(doc, criteria=criteria):
            if diagnostic.is_error and diagnostic not in found:
                found.append(diagnostic)
        return found

    found: list[Diagnostic] = doc.memo(("errors", criteria), errors)
    return found


def _pick_workflow(doc: Document, workflow_id: str | None) -> str:
    ids = [w.workflow_id for w in doc.spec.workflows]
    if workflow_id is None:
        if len(ids) == 1:
            return ids[0]
        raise InputError("the document has several workflows; choose one: " + ", ".join(ids))
    if doc.spec.workflow(workflow_id) is not None:
        return workflow_id
    close = difflib.get_close_matches(workflow_id, ids, n=3, cutoff=0.5)
    lower = [i for i in ids if i.lower() == workflow_id.lower()]
    hint = close or lower
    suggestion = f"; did you mean {' or '.join(repr(c) for c in hint)}?" if hint else ""
    raise InputError(f"no workflow {workflow_id!r} in the document{suggestion} "
                     f"(workflows: {', '.join(ids)})")


def _all_source_names(doc: Document) -> set[str]:
    return {name for document in doc.iter_documents() for name in document.sources}


def prepare(spec: Document | str | os.PathLike[str] | bytes, workflow_id: str | None,
            inputs: Mapping[str, Any] | None = None, *, options: RunOptions | None = None,
            **overrides: Unpack[RunOptionsArgs]) -> tuple[Document, Engine]:
    """Load, validate and check the arguments; returns the engine ready to run.

    ``options``: a :class:`RunOptions`; its fields may also be given as keyword arguments
    (they replace the option's value). Raises :class:`ValidationFailed` for a document with
    errors and :class:`InputError` for bad arguments (:class:`MissingCredentials` when a
    step's security scheme has no credentials), before any request is sent. The drivers'
    options (``timeout``, ``max_response_bytes``) are left to whoever drives the engine.
    """
    return _prepare(spec, workflow_id, inputs, resolve_options("prepare", options, overrides))


def _prepare(spec: Document | str | os.PathLike[str] | bytes, workflow_id: str | None,
             inputs: Mapping[str, Any] | None, options: RunOptions, *,
             check_auth: bool = True, handled: Iterable[str] | None = None,
             environ: Mapping[str, str] | None = None) -> tuple[Document, Engine]:
    """:func:`prepare`; ``check_auth=False`` (dry runs) keeps missing credentials in
    ``engine.auth.missing`` instead of raising. ``handled``: the sources trusted to
    authenticate through their transport when credentials are missing (default: those of
    ``options.transports`` whose transport does not say ``handles_auth = False``)."""
    providers = options.providers
    doc = _load(spec)
    errors = _validation_errors(doc, options.criteria)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationFailed(f"the document has validation errors, nothing was run: "
                               f"{errors[0].format()}{more}", errors)
    if inputs is not None and not isinstance(inputs, Mapping):
        raise InputError(f"inputs must be a mapping (a JSON object), not "
                         f"{type(inputs).__name__}")
    chosen = _pick_workflow(doc, workflow_id)
    names = _all_source_names(doc)
    for label, mapping in (("servers", options.servers), ("transports", options.transports)):
        for name in mapping:
            if name not in names:
                hint = difflib.get_close_matches(name, sorted(names), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise InputError(f"{label}: no source description named {name!r}{extra} "
                                 f"(sources: {', '.join(sorted(names))})")
    for name, url in options.servers.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"servers: {name!r} must be an absolute http(s) URL, got {url!r}")
    servers = provider_servers(doc, options.servers or None, providers)
    plan = plan_for(doc, options.criteria, providers)
    workflow = plan.workflow(doc, chosen)
    plan.refuse_unrunnable(workflow)
    authenticator = Authenticator(
        parse_auth(options.auth, doc.reachable_openapi_sources(), providers),
        handled=frozenset(handled_sources(options.transports) if handled is None else handled),
        environ=os.environ if environ is None else environ)
    engine = Engine(plan, workflow, inputs, servers=servers, max_steps=options.max_steps,
                    loop_delay=options.loop_delay, hooks=normalize_hooks(options.hooks),
                    record_limit=options.record_limit, auth=authenticator)
    if check_auth:
        authenticator.check()
    return doc, engine


def handled_sources(transports: Mapping[str, Any] | None) -> set[str]:
    """Sources whose caller-supplied transport is trusted to authenticate (when their
    credentials are missing): every one, unless it says ``handles_auth = False``."""
    return {name for name, transport in (transports or {}).items()
            if getattr(transport, "handles_auth", True)}


class _Transports:
    """Per-run transport choice: caller's per source, else the default; a source a provider
    claims gets the provider's transport (SigV4 signing) around ``signed_inner`` (an httpx
    transport: the sync default is not one), or around the default."""

    def __init__(self, doc: Document, given: Mapping[str, AnyTransport] | None,
                 default: Any, *, asynchronous: bool, signed_inner: Any = None,
                 providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> None:
        self.providers = tuple(providers)
        self.given = dict(given or {})
        self.default = default
        self.signed_inner = signed_inner
        self.asynchronous = asynchronous
        self.claimed = claimed_sources(doc, self.providers)
        self.chosen: dict[str, Any] = {}

    def get(self, source: str) -> Any:
        transport = self.given.get(source)
        if transport is not None:
            return transport
        transport = self.chosen.get(source)
        if transport is None:
            transport = self.default
            claimed = self.claimed.get(source)
            if claimed is not None:
                inner = self.signed_inner() if self.signed_inner is not None else self.default
                transport = provider_transport(claimed[1], inner, asynchronous=self.asynchronous,
                                                providers=self.providers)
            self.chosen[source] = transport
        return transport


def _timeout_message(timeout: float) -> str:
    return f"timeout: the run took longer than {timeout:g} s (timeout=)"


def run(spec: Document | str | os.PathLike[str] | bytes, workflow_id: str | None = None,
        inputs: Mapping[str, Any] | None = None, *, options: RunOptions | None = None,
        run_id: str | None = None, store: str | os.PathLike[str] | None = None,
        force: bool = False, resend_in_doubt: bool = False,
        **overrides: Unpack[RunOptionsArgs]) -> RunResult:
    """Run a workflow and return its :class:`RunResult` (see ``docs/engine.md``).

    ``spec``: a path, URL, YAML/JSON text or a loaded :class:`Document`. A workflow that fails
    returns ``succeeded=False``; bad arguments raise :class:`InputError`, a document with
    validation errors :class:`ValidationFailed` - both before any request is sent.

    ``options``: a :class:`RunOptions` (servers, transports, auth, hooks, limits, criterion
    types, providers); each of its fields may also be given as a keyword argument, which
    replaces the option's value for this call::

        arazzo.run(path, "buy", inputs, servers={"shop": url}, timeout=30)

    ``auth``: credentials for the OpenAPI security schemes, ``{source: {scheme:
    credential}}`` (a string for apiKey/bearer, ``(user, password)`` for basic,
    ``{"client_id": ..., "client_secret": ...}`` for OAuth2 client credentials; ``None`` for
    a source: send without credentials); the environment (``ARAZZO_AUTH_<SOURCE>_<SCHEME>``)
    fills the rest. See ``docs/auth.md``.

    ``criteria``: the criterion types the document may use (:class:`CriterionTypes`; default
    :data:`DEFAULT_CRITERIA`, the four of the specification). Add one with
    ``DEFAULT_CRITERIA.with_type(name, evaluator)``; see ``docs/python-api.md``.
    ``providers``: who is asked about sources beyond their OpenAPI (SigV4 signing, regional
    servers, poll pacing: :class:`Provider`); default :data:`DEFAULT_PROVIDERS` (AWS),
    ``()`` for none.

    ``run_id``: run durably (``docs/durable.md``; needs ``arazzo[durable]``): every answer is
    recorded in ``store`` (default ``$ARAZZO_STORE``, else ``./.arazzo/runs.sqlite``;
    ``postgresql://...`` to share runs between machines); calling again with the same
    ``run_id`` resumes the run where it stopped, or returns the finished run's result without
    sending anything. ``force``: resume although the document changed; ``resend_in_doubt``:
    send again a request that was in flight when the run stopped and is not safe to repeat.
    """
    options = resolve_options("run", options, overrides)
    for name, transport in options.transports.items():
        if not hasattr(transport, "handle_request"):
            raise InputError(f"transports: {name!r} is an async transport; use run_async")
    if run_id is not None or store is not None:
        if run_id is None:
            raise InputError("store= is for durable runs: give run_id= too")
        from arazzo.durable._api import run_durable

        return run_durable(spec, workflow_id, inputs, options, run_id=run_id, store=store,
                           force=force, resend_in_doubt=resend_in_doubt)
    doc, engine = _prepare(spec, workflow_id, inputs, options)
    chooser = _Transports(doc, options.transports, default_client(), asynchronous=False,
                          signed_inner=default_transport, providers=options.providers)
    return drive_sync(engine.run(), chooser.get, timeout=options.timeout,
                      max_response_bytes=options.max_response_bytes)


def drive_sync(gen: Generator[Effect, Any, RunResult], transport_for: Any, *,
               timeout: float | None, max_response_bytes: int) -> RunResult:
    deadline = time.monotonic() + timeout if timeout is not None else None
    try:
        effect = next(gen)
        while True:
            remaining = deadline - time.monotonic() if deadline is not None else None
            if remaining is not None and remaining <= 0:
                assert timeout is not None
                effect = gen.throw(RunAborted(_timeout_message(timeout)))
                continue
            if isinstance(effect, Send):
                request_timeout = DEFAULT_REQUEST_TIMEOUT if remaining is None else min(
                    DEFAULT_REQUEST_TIMEOUT, remaining)
                if effect.timeout is not None:  # the step's own budget (V11-STP-07)
                    request_timeout = min(request_timeout, effect.timeout)
                result: ResponseData | TransportFailure = send_sync(
                    transport_for(effect.request.source), effect.request,
                    timeout=request_timeout, max_bytes=max_response_bytes,
                    url=effect.request.url.split("?", 1)[0])
                if deadline is not None and time.monotonic() >= deadline and isinstance(
                        result, TransportFailure) and result.code == "timeout":
                    assert timeout is not None
                    effect = gen.throw(RunAborted(_timeout_message(timeout)))
                    continue
                effect = gen.send(result)
            else:
                assert isinstance(effect, Sleep)
                seconds = effect.seconds
                if remaining is not None and seconds >= remaining:
                    time.sleep(max(0.0, remaining))
                    assert timeout is not None
                    effect = gen.throw(RunAborted(_timeout_message(timeout)))
                    continue
                time.sleep(seconds)
                effect = gen.send(None)
    except StopIteration as stop:
        result_value: RunResult = stop.value
        return result_value


async def run_async(spec: Document | str | os.PathLike[str] | bytes,
                    workflow_id: str | None = None,
                    inputs: Mapping[str, Any] | None = None, *,
                    options: RunOptions | None = None,
                    run_id: str | None = None, store: str | os.PathLike[str] | None = None,
                    force: bool = False, resend_in_doubt: bool = False,
                    **overrides: Unpack[RunOptionsArgs]) -> RunResult:
    """The async twin of :func:`run` (same arguments and result).

    Transports may be ``httpx.AsyncBaseTransport`` (awaited) or sync ones (called inline).
    The default is an ``httpx.AsyncHTTPTransport`` opened for this run and closed after it.
    """
    options = resolve_options("run_async", options, overrides)
    if run_id is not None or store is not None:
        # a durable run goes on in a worker thread (its store and DBOS are synchronous)
        import asyncio

        for name, transport in options.transports.items():
            if not hasattr(transport, "handle_request"):
                raise InputError(f"transports: {name!r} is an async transport; a durable "
                                 f"run (run_id=) needs sync transports")
        return await asyncio.to_thread(run, spec, workflow_id, inputs, options=options,
                                       run_id=run_id, store=store, force=force,
                                       resend_in_doubt=resend_in_doubt)
    doc, engine = _prepare(spec, workflow_id, inputs, options)
    default = default_async_transport()
    chooser = _Transports(doc, options.transports, default, asynchronous=True,
                          providers=options.providers)
    try:
        return await _drive_async(engine.run(), chooser.get, timeout=options.timeout,
                                  max_response_bytes=options.max_response_bytes)
    finally:
        await default.aclose()


async def _drive_async(gen: Generator[Effect, Any, RunResult], transport_for: Any, *,
                       timeout: float | None, max_response_bytes: int) -> RunResult:
    import asyncio  # here, not at the top: a sync run (and the CLI) never loads asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout if timeout is not None else None
    try:
        effect = next(gen)
        while True:
            remaining = deadline - loop.time() if deadline is not None else None
            if remaining is not None and remaining <= 0:
                assert timeout is not None
                effect = gen.throw(RunAborted(_timeout_message(timeout)))
                continue
            if isinstance(effect, Send):
                request_timeout = DEFAULT_REQUEST_TIMEOUT if remaining is None else min(
                    DEFAULT_REQUEST_TIMEOUT, remaining)
                if effect.timeout is not None:  # the step's own budget (V11-STP-07)
                    request_timeout = min(request_timeout, effect.timeout)
                send = send_async(transport_for(effect.request.source),
                                  effect.request, timeout=request_timeout,
                                  max_bytes=max_response_bytes,
                                  url=effect.request.url.split("?", 1)[0])
                try:
                    result = await (asyncio.wait_for(send, remaining) if remaining is not None
                                    else send)
                except asyncio.TimeoutError:
                    assert timeout is not None
                    effect = gen.throw(RunAborted(_timeout_message(timeout)))
                    continue
                effect = gen.send(result)
            else:
                assert isinstance(effect, Sleep)
                if remaining is not None and effect.seconds >= remaining:
                    await asyncio.sleep(max(0.0, remaining))
                    assert timeout is not None
                    effect = gen.throw(RunAborted(_timeout_message(timeout)))
                    continue
                await asyncio.sleep(effect.seconds)
                effect = gen.send(None)
    except StopIteration as stop:
        result_value: RunResult = stop.value
        return result_value
