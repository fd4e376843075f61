"""``run`` / ``run_async``: thin drivers around the sans-I/O engine
(:class:`~arazzo.engine._machine.Engine`)."""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

from arazzo._exceptions import InputError
from arazzo._options import RunOptions, RunOptionsArgs, resolve_options
from arazzo._prepare import (  # noqa: F401 - re-exported: tests import them from here
    _load,
    _pick_workflow,
    _prepare,
    _Transports,
    _validation_errors,
    handled_sources,
    prepare,
)
from arazzo.documents._loading import Document
from arazzo.engine._machine import RunAborted
from arazzo.engine._messages import Effect, ResponseData, Send, Sleep, TransportFailure
from arazzo.engine._providers import DefaultInner
from arazzo.engine._results import RunResult
from arazzo.transports._httpx import (
    DEFAULT_REQUEST_TIMEOUT,
    default_async_client,
    default_async_transport,
    default_client,
    default_transport,
    send_async,
    send_sync,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["RunOptions", "prepare", "run", "run_async"]


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
                          signed_inner=signed_inner, providers=options.providers)
    return drive_sync(engine.run(), chooser.get, timeout=options.timeout,
                      max_response_bytes=options.max_response_bytes)


def signed_inner() -> DefaultInner:
    """What a provider's sync transport wraps: the default client, or (for a provider that
    wraps httpx transports) the process-wide httpx transport (looked up here at call
    time, so that tests may replace it)."""
    return DefaultInner(default_client(), default_transport)


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
    The default is the process-wide :class:`~arazzo.transports._aclient.AsyncHTTPClient`
    (keep-alive, shared by every run and event loop); a SigV4 source is signed over it too
    (a provider that wraps httpx transports gets an ``httpx.AsyncHTTPTransport`` opened for
    this run and closed after it).
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
    opened: list[Any] = []  # the httpx transport of signed sources, if one is needed

    def httpx_inner() -> Any:
        if not opened:
            opened.append(default_async_transport())
        return opened[0]

    chooser = _Transports(doc, options.transports, default_async_client(), asynchronous=True,
                          signed_inner=lambda: DefaultInner(default_async_client(),
                                                            httpx_inner),
                          providers=options.providers)
    try:
        return await _drive_async(engine.run(), chooser.get, timeout=options.timeout,
                                  max_response_bytes=options.max_response_bytes)
    finally:
        for transport in opened:
            await transport.aclose()


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
