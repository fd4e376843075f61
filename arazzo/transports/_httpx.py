"""Transports: any ``httpx.BaseTransport`` (sync) or ``httpx.AsyncBaseTransport`` (async).

The engine never talks to the network itself; the drivers in ``_run`` hand each request to the
transport of the step's source (``transports={sourceName: transport}``) or to the default one.
The default of sync runs is one process-wide :class:`~arazzo.transports._client.HTTPClient` (a small
keep-alive HTTP/1.1 client whose pool every sync run shares); a source whose OpenAPI declares
SigV4 is signed over it too (a provider that says ``wraps_default_client``), or over the
process-wide ``httpx.HTTPTransport`` (:func:`default_transport`) for a provider that wraps
httpx transports.
The default of async runs is one process-wide
:class:`~arazzo.transports._aclient.AsyncHTTPClient` (the same client on asyncio; its pool of
plain sockets is bound to no event loop, so every loop shares it); a SigV4 source of an async
run is signed over it too (or, for a provider that wraps httpx transports, over an
``httpx.AsyncHTTPTransport`` opened for the run and closed after it).
A transport whose ``sends_specs`` is true takes the step's request as it is instead of an
``httpx.Request``: ``send_spec(spec, timeout=, max_bytes=, url=, headers=)`` (awaited for an
async one) answers :class:`ResponseData` or :class:`TransportFailure`, as the default client
does (the AWS provider's SigV4 transport is one, over the default client).
Transports are used directly (``handle_request``): no redirects are followed (a 3xx
reaches the criteria, and a redirect cannot take the run to a host the document may not
call) and nothing is retried by the plain transport (ACT-10).

``httpx`` is imported only when an httpx transport is used: a sync run over the default
client never imports it.
"""

from __future__ import annotations

import atexit
import threading
import time
from typing import TYPE_CHECKING, Any, Union

from arazzo.engine._messages import Headers, ResponseData, TransportFailure
from arazzo.transports._client import HTTPClient, client_ssl_context

if TYPE_CHECKING:
    import ssl

    import httpx

    from arazzo.engine._requests import RequestSpec
    from arazzo.transports._aclient import AsyncHTTPClient

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_REQUEST_TIMEOUT",
    "USER_AGENT",
    "AnyTransport",
    "default_async_client",
    "default_client",
    "default_transport",
    "send_async",
    "send_sync",
]

#: responses larger than this are a step error (configurable with ``max_response_bytes``)
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: per-request timeout (seconds) unless the overall ``timeout`` leaves less
DEFAULT_REQUEST_TIMEOUT = 30.0

AnyTransport = Union["httpx.BaseTransport", "httpx.AsyncBaseTransport"]

_DEFAULT: httpx.HTTPTransport | None = None
_CLIENT: HTTPClient | None = None
_ASYNC_CLIENT: AsyncHTTPClient | None = None
_LOCK = threading.Lock()
USER_AGENT = "arazzo-python"


def shared_ssl_context() -> ssl.SSLContext:
    """The TLS context every default transport uses, built once: loading the CA bundle costs
    tens of milliseconds, which a transport per async run would otherwise pay every time.
    It is what ``httpx.create_ssl_context()`` builds."""
    return client_ssl_context()


def default_async_transport() -> httpx.AsyncHTTPTransport:
    """A new async transport (a pool bound to the running event loop) on the shared TLS
    context; the caller closes it."""
    import httpx

    return httpx.AsyncHTTPTransport(retries=0, verify=shared_ssl_context())


def default_client() -> HTTPClient:
    """The process-wide default of sync runs (created on first use)."""
    global _CLIENT  # noqa: PLW0603 - one lazily created process-wide pool
    if _CLIENT is None:
        with _LOCK:
            if _CLIENT is None:
                _CLIENT = HTTPClient()
                # idle keep-alive sockets are closed at exit, not left to the collector
                atexit.register(_CLIENT.close)
    return _CLIENT


def default_async_client() -> AsyncHTTPClient:
    """The process-wide default of async runs (created on first use; usable from any event
    loop). Its idle sockets are closed at exit."""
    global _ASYNC_CLIENT  # noqa: PLW0603 - one lazily created process-wide pool
    if _ASYNC_CLIENT is None:
        from arazzo.transports._aclient import AsyncHTTPClient

        with _LOCK:
            if _ASYNC_CLIENT is None:
                _ASYNC_CLIENT = AsyncHTTPClient()
                atexit.register(_ASYNC_CLIENT.close)
    return _ASYNC_CLIENT


def default_transport() -> httpx.HTTPTransport:
    """The process-wide sync httpx transport (created on first use): what the SigV4 and
    ``--header`` wrappers send through."""
    global _DEFAULT  # noqa: PLW0603 - one lazily created process-wide pool
    if _DEFAULT is None:
        import httpx

        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = httpx.HTTPTransport(retries=0, verify=shared_ssl_context())
                atexit.register(_DEFAULT.close)
    return _DEFAULT


def with_user_agent(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` plus ``User-Agent: arazzo-python`` unless the step sets its own."""
    for key, _ in headers:
        if key.lower() == "user-agent":
            return headers
    return [*headers, ("User-Agent", USER_AGENT)]


def to_httpx(spec: RequestSpec) -> httpx.Request:
    """The ``httpx.Request`` of a step's request (User-Agent added)."""
    request_type = _REQUEST[0] if _REQUEST else _request_type()
    return request_type(spec.method, spec.url, headers=with_user_agent(spec.headers),
                        content=spec.content)


#: ``httpx.Request``, once an httpx transport is used (httpx is imported on first need)
_REQUEST: list[type[httpx.Request]] = []


def _request_type() -> type[httpx.Request]:
    import httpx

    _REQUEST.append(httpx.Request)
    return httpx.Request


def _describe(exc: Exception, url: str) -> TransportFailure:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return TransportFailure("timeout", f"connecting to {url} timed out")
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure("timeout", f"request to {url} timed out")
    if isinstance(exc, httpx.ConnectError):
        detail = str(exc) or "connection failed"
        return TransportFailure("connect", f"cannot connect to {url}: {detail}")
    if isinstance(exc, httpx.HTTPError):
        return TransportFailure("transport", f"request to {url} failed: {exc}")
    return TransportFailure("transport", f"request to {url} failed: "
                                         f"{type(exc).__name__}: {exc}")


def _timeout_ext(timeout: float) -> dict[str, Any]:
    return {"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}}


def _too_large(limit: int, url: str) -> TransportFailure:
    return TransportFailure("too-large", f"the response of {url} is larger than the "
                                         f"{limit} bytes limit (max_response_bytes)")


def send_sync(transport: Any, spec: RequestSpec, *, timeout: float, max_bytes: int,
              url: str = "") -> ResponseData | TransportFailure:
    """Send through a sync transport (the default :class:`HTTPClient` or any httpx one);
    never raises for network problems or a request that cannot be encoded. ``url`` (without
    the query) names the request in error messages."""
    if type(transport) is HTTPClient:
        return transport.send(spec, timeout=timeout, max_bytes=max_bytes, url=url,
                              headers=with_user_agent(spec.headers))
    started = time.perf_counter()
    if getattr(transport, "sends_specs", False):
        try:
            result: ResponseData | TransportFailure = transport.send_spec(
                spec, timeout=timeout, max_bytes=max_bytes, url=url,
                headers=with_user_agent(spec.headers))
        except Exception as exc:
            failure = _describe(exc, url)
            return TransportFailure(failure.code, failure.message,
                                    time.perf_counter() - started)
        return result
    try:
        request = to_httpx(spec)
        request.extensions = _timeout_ext(timeout)
        response = transport.handle_request(request)
        try:
            headers = Headers(response.headers.multi_items())
            length = headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                return _too_large(max_bytes, url)
            chunks: list[bytes] = []
            total = 0
            for chunk in response.stream:
                total += len(chunk)
                if total > max_bytes:
                    return _too_large(max_bytes, url)
                chunks.append(chunk)
        finally:
            response.close()
    except Exception as exc:
        failure = _describe(exc, url)
        return TransportFailure(failure.code, failure.message, time.perf_counter() - started)
    content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return ResponseData(response.status_code, headers, content, time.perf_counter() - started)


async def send_async(transport: Any, spec: RequestSpec, *, timeout: float,
                     max_bytes: int, url: str = "") -> ResponseData | TransportFailure:
    """Send through an async transport (the default :class:`AsyncHTTPClient` or any httpx
    one; a sync one is called inline)."""
    from arazzo.transports._aclient import AsyncHTTPClient  # loaded with asyncio

    if type(transport) is AsyncHTTPClient:
        return await transport.send(spec, timeout=timeout, max_bytes=max_bytes, url=url,
                                 headers=with_user_agent(spec.headers))
    if not hasattr(transport, "handle_async_request"):
        return send_sync(transport, spec, timeout=timeout, max_bytes=max_bytes, url=url)
    started = time.perf_counter()
    if getattr(transport, "sends_specs", False):
        try:
            result: ResponseData | TransportFailure = await transport.send_spec(
                spec, timeout=timeout, max_bytes=max_bytes, url=url,
                headers=with_user_agent(spec.headers))
        except Exception as exc:
            failure = _describe(exc, url)
            return TransportFailure(failure.code, failure.message,
                                    time.perf_counter() - started)
        return result
    try:
        request = to_httpx(spec)
        request.extensions = _timeout_ext(timeout)
        response = await transport.handle_async_request(request)
        try:
            headers = Headers(response.headers.multi_items())
            length = headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                return _too_large(max_bytes, url)
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.stream:
                total += len(chunk)
                if total > max_bytes:
                    return _too_large(max_bytes, url)
                chunks.append(chunk)
        finally:
            await response.aclose()
    except Exception as exc:
        failure = _describe(exc, url)
        return TransportFailure(failure.code, failure.message, time.perf_counter() - started)
    return ResponseData(response.status_code, headers, b"".join(chunks),
                        time.perf_counter() - started)
