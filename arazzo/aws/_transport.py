"""Transports that sign every request with AWS Signature Version 4.

``SigV4Transport`` (sync) and ``AsyncSigV4Transport`` sign with :mod:`arazzo.aws._sigv4` (the
signature botocore's ``SigV4Auth`` computes, without botocore on the way) and retry with
botocore's standard-mode rules. They send in one of two ways:

- **over the project's own client** (:class:`~arazzo.transports._client.HTTPClient` /
  ``AsyncHTTPClient``; the default when no ``transport`` is given, and what the AWS provider
  gives them): an ``arazzo.run`` hands them the step's request as it is (``send_spec``), and
  the signing headers are written after the client's cached request head. No ``httpx``
  request, URL or header object is built;
- **as httpx transports** (``httpx.Client(transport=SigV4Transport(...))``, or around an
  httpx ``transport`` given to them): ``handle_request`` signs a copy of the
  ``httpx.Request`` (the caller's is never modified, so ``response.request`` carries no
  ``Authorization`` header) and sends it through the inner transport (by default one
  ``httpx.HTTPTransport``, created on first use).

For each attempt they:

1. freeze the credentials (``get_frozen_credentials()``) so key, secret and token agree
   (refreshable credentials refresh there);
2. sign *the exact bytes and headers that will be sent* (the body is read once, so it can be
   replayed on retry);
3. on an error response, parse it like botocore and retry with standard-mode rules.

When retries are exhausted (or the error is not retryable) the **last response is returned
unchanged** so the caller records the AWS error; a connection error on the last attempt is
the client's ``TransportFailure`` (or, as an httpx transport, the original ``httpx``
exception re-raised).
"""

from __future__ import annotations

import logging
import random as _random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
import httpx

from arazzo.aws._credentials import CredentialResolver, CredentialsProvider
from arazzo.aws._errors import AwsError, parse_aws_error
from arazzo.aws._exceptions import AwsConfigurationError
from arazzo.aws._retry import RetryEvent, RetryPolicy, RetryQuota, safe_url
from arazzo.aws._scope import infer_scope
from arazzo.aws._sigv4 import SigV4Signer, UrlPlan, plan_target, plan_url
from arazzo.engine._messages import RequestSpec, ResponseData, TransportFailure
from arazzo.transports._client import HTTPClient, _split, request_problem

if TYPE_CHECKING:
    from arazzo.transports._aclient import AsyncHTTPClient

__all__ = ["AsyncSigV4Transport", "SigV4Transport"]

logger = logging.getLogger("arazzo.aws")

_DEFAULT_RETRY = RetryPolicy()
#: what a retry event names a client failure (``RetryEvent.exception``), as httpx would
_FAILURE_NAMES = {"connect": "ConnectError", "timeout": "TimeoutException",
                  "transport": "NetworkError"}

OnRetry = Callable[[RetryEvent], None]


def _plain_url(url: str) -> str:
    """``url`` without query, fragment or userinfo (for events and logs)."""
    scheme, sep, rest = url.partition("://")
    rest = rest.partition("#")[0].partition("?")[0]
    netloc, slash, path = rest.partition("/")
    return f"{scheme}{sep}{netloc.rpartition('@')[2]}{slash}{path}"


def _target_of(headers: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in headers if k.lower() == "x-amz-target"), None)


class _SigV4Core:
    """Signing and retry bookkeeping shared by the sync and async transports."""

    def __init__(
        self,
        *,
        service: str | None,
        region: str | None,
        default_region: str | None,
        credentials: CredentialsProvider | None,
        profile: str | None,
        session: Any,
        retry: RetryPolicy | None,
        on_retry: OnRetry | None,
        random: Callable[[], float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        if credentials is not None and not hasattr(credentials, "get_frozen_credentials"):
            raise AwsConfigurationError(
                "credentials must be an arazzo.aws.AwsCredentials or a botocore Credentials "
                f"object, not {type(credentials).__name__}"
            )
        self.service = service
        self.region = region
        self.default_region = default_region
        self.resolver = CredentialResolver(credentials, profile=profile, session=session)
        self.retry = retry or RetryPolicy(max_attempts=1, quota=None)
        self.on_retry = on_retry
        self.random = random
        self.quota = RetryQuota(self.retry.quota) if self.retry.quota is not None else None
        self.clock = clock
        self._scopes: dict[str, tuple[str, str]] = {}
        self._signers: dict[str, SigV4Signer] = {}
        self._by_scope: dict[tuple[str, str], SigV4Signer] = {}
        self._lock = threading.Lock()
        self._explicit = credentials is not None

    def describe(self) -> str:
        parts = []
        if self.service:
            parts.append(f"service={self.service!r}")
        if self.region:
            parts.append(f"region={self.region!r}")
        if self.default_region:
            parts.append(f"default_region={self.default_region!r}")
        if self._explicit:
            parts.append("credentials=<explicit, redacted>")
        elif self.resolver.profile:
            parts.append(f"profile={self.resolver.profile!r}")
        parts.append(f"max_attempts={self.retry.max_attempts}")
        return ", ".join(parts)

    # -- scope -------------------------------------------------------------------------
    def _configured_region(self) -> str | None:
        try:
            value = self.resolver.botocore_session().get_config_variable("region")
        except Exception as exc:  # ProfileNotFound and friends
            raise AwsConfigurationError(
                f"Cannot read the AWS region from the botocore configuration: {exc}"
            ) from None
        return str(value) if value else None

    def scope(self, host: str) -> tuple[str, str]:
        """(service, region) to sign for ``host`` (a host name, or a Host header)."""
        cached = self._scopes.get(host)
        if cached is not None:
            return cached
        inferred = infer_scope(host)
        service = self.service or inferred.service
        if not service:
            raise AwsConfigurationError(
                f"Cannot tell which AWS service to sign for from the host {host!r}: it is not "
                "an AWS endpoint name like api.sagemaker.us-east-1.amazonaws.com. Pass the "
                "signing name explicitly, e.g. SigV4Transport(service='sagemaker', "
                "region='us-east-1')."
            )
        region = (self.region or inferred.region or self._configured_region()
                  or self.default_region)
        if not region:
            raise AwsConfigurationError(
                f"Cannot tell which AWS region to sign for from the host {host!r}: pass "
                "region='us-east-1' (for example), or set AWS_DEFAULT_REGION or the profile's "
                "`region` (botocore ignores AWS_REGION), or give default_region=."
            )
        with self._lock:
            self._scopes[host] = (service, region)
        return service, region

    def signer(self, host: str) -> SigV4Signer:
        """The signer for ``host``'s scope (one per scope: it keeps the derived keys)."""
        signer = self._signers.get(host)
        if signer is None:
            scope = self.scope(host)
            with self._lock:
                signer = self._by_scope.get(scope)
                if signer is None:
                    signer = SigV4Signer(*scope, clock=self.clock)
                    self._by_scope[scope] = signer
                self._signers[host] = signer
        return signer

    # -- signing an httpx request --------------------------------------------------------
    def sign(self, request: httpx.Request, body: bytes, credentials: Any) -> httpx.Request:
        """A signed copy of ``request`` (whose body is ``body``)."""
        url = request.url
        raw_target = url.raw_path.decode("ascii")
        encoding = request.headers.encoding
        items = [(k.decode(encoding), v.decode(encoding)) for k, v in request.headers.raw]
        if any(k.lower() == "transfer-encoding" for k, _ in items):
            # the body is sent whole: it gets a length (and the coding header is dropped)
            items = [(k, v) for k, v in items if k.lower() != "content-length"]
            items.append(("Content-Length", str(len(body))))
        host = request.headers.get("host") or url.netloc.decode("ascii")
        plan = plan_target(raw_target, host)
        kept, signing = self.signer(url.host or host).sign(
            request.method, plan, items, body, credentials)
        if plan.target != raw_target:
            url = url.copy_with(raw_path=plan.target.encode("ascii"))
        return httpx.Request(request.method, url, headers=kept + signing,
                             stream=httpx.ByteStream(body), extensions=request.extensions)

    # -- signing a step's request ------------------------------------------------------------
    def prepare(self, spec: RequestSpec) -> tuple[UrlPlan, SigV4Signer, RequestSpec]:
        """(URL plan, signer, request to send) of a step's request; ``ValueError`` for a URL
        the client cannot send."""
        plan = plan_url(spec.url, _split)
        signer = self.signer(plan.host)
        if plan.url != spec.url:  # the query was re-encoded
            spec = RequestSpec(spec.source, spec.method, plan.url, spec.headers, spec.content)
        return plan, signer, spec

    # -- retries -----------------------------------------------------------------------
    def record_success(self, attempt: int, last_cost: int | None) -> None:
        if self.quota is None:
            return
        if attempt == 1:
            self.quota.release(1)
        elif last_cost:
            self.quota.release(last_cost)

    def _acquire(self, throttling: bool) -> int | None:
        cost = self.retry.throttling_cost if throttling else self.retry.retry_cost
        if self.quota is None:
            return 0
        return cost if self.quota.acquire(cost) else None

    def _emit(self, event: RetryEvent) -> None:
        logger.info("AWS retry: %s", event.describe())
        if self.on_retry is not None:
            self.on_retry(event)

    def plan_response_retry(
        self, method: str, url: str, target: str | None, attempt: int, status: int,
        headers: Mapping[str, str], raw: bytes,
    ) -> tuple[float, int] | None:
        """(delay, quota cost) when the error response should be retried, else ``None``.
        ``url`` has no query (:func:`safe_url`)."""
        error: AwsError | None = parse_aws_error(status, headers, raw)
        policy = self.retry
        if attempt >= policy.max_attempts:
            return None
        if not policy.is_retryable_response(status, error):
            return None
        throttling = policy.is_throttling(error)
        cost = self._acquire(throttling)
        if cost is None:
            logger.info("AWS retry quota exhausted; not retrying %s", url)
            return None
        delay = policy.backoff(
            attempt,
            throttling=throttling,
            retry_after_ms=headers.get("x-amz-retry-after"),
            random=self.random,
        )
        self._emit(
            RetryEvent(
                attempt=attempt,
                max_attempts=policy.max_attempts,
                delay=delay,
                error_code=error.code if error else None,
                status_code=status,
                throttling=throttling,
                method=method,
                url=url,
                operation=target,
                request_id=error.request_id if error else None,
            )
        )
        return delay, cost

    def plan_failure_retry(
        self, method: str, url: str, target: str | None, attempt: int, retryable: bool,
        exception: str,
    ) -> tuple[float, int] | None:
        """(delay, quota cost) when a failed exchange (no response: ``exception`` names why)
        should be retried, else ``None``."""
        policy = self.retry
        if attempt >= policy.max_attempts or not retryable:
            return None
        cost = self._acquire(False)
        if cost is None:
            return None
        delay = policy.backoff(attempt, throttling=False, random=self.random)
        self._emit(
            RetryEvent(
                attempt=attempt,
                max_attempts=policy.max_attempts,
                delay=delay,
                error_code=None,
                status_code=None,
                throttling=False,
                method=method,
                url=url,
                operation=target,
                exception=exception,
            )
        )
        return delay, cost

    # -- the two ways of sending ---------------------------------------------------------
    def response_retry(self, request: httpx.Request, attempt: int, response: httpx.Response,
                       raw: bytes) -> tuple[float, int] | None:
        return self.plan_response_retry(
            request.method, safe_url(request.url), request.headers.get("x-amz-target"),
            attempt, response.status_code, response.headers, raw)

    def exception_retry(self, request: httpx.Request, attempt: int,
                        exc: BaseException) -> tuple[float, int] | None:
        return self.plan_failure_retry(
            request.method, safe_url(request.url), request.headers.get("x-amz-target"),
            attempt, self.retry.is_retryable_exception(exc), type(exc).__name__)

    def result_retry(self, spec: RequestSpec, url: str, headers: list[tuple[str, str]],
                     kept: list[tuple[str, str]], attempt: int,
                     result: ResponseData | TransportFailure) -> tuple[float, int] | None:
        """The retry plan after one exchange of a step's request over the client."""
        if isinstance(result, ResponseData):
            return self.plan_response_retry(spec.method, _plain_url(url), _target_of(headers),
                                            attempt, result.status_code, result.headers,
                                            result.content)
        retryable = self.retry.retry_connection_errors and (
            result.code in ("connect", "timeout")
            # a request the client cannot write fails the same way every time
            or (result.code == "transport" and request_problem(spec, kept) is None))
        return self.plan_failure_retry(spec.method, _plain_url(url), _target_of(headers),
                                       attempt, retryable,
                                       _FAILURE_NAMES.get(result.code, result.code))


def _total(result: ResponseData | TransportFailure,
           started: float) -> ResponseData | TransportFailure:
    """``result`` with the time of every attempt (and retry sleep) as its ``elapsed``."""
    elapsed = time.perf_counter() - started
    if isinstance(result, ResponseData):
        return ResponseData(result.status_code, result.headers, result.content, elapsed)
    return TransportFailure(result.code, result.message, elapsed)


def _read_raw(response: httpx.Response) -> bytes:
    """The body bytes as received (still content-encoded), whether or not httpx already
    buffered them (``httpx.Response(content=...)`` does)."""
    stream = response.stream
    if not isinstance(stream, httpx.SyncByteStream):  # pragma: no cover - defensive
        raise TypeError("a sync transport returned an async stream")
    try:
        return b"".join(stream)
    finally:
        response.close()


async def _aread_raw(response: httpx.Response) -> bytes:
    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream):  # pragma: no cover - defensive
        raise TypeError("an async transport returned a sync stream")
    try:
        return b"".join([chunk async for chunk in stream])
    finally:
        await response.aclose()


def _rebuild(response: httpx.Response, raw: bytes) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
    )


class SigV4Transport(httpx.BaseTransport):
    """Sign every request with SigV4, retry like botocore, send through ``transport``.

    Parameters
    ----------
    transport:
        What the signed requests go through. ``None`` (the default): in an ``arazzo.run``,
        the project's process-wide client (keep-alive pool shared with unsigned sources);
        used as an httpx transport, one ``httpx.HTTPTransport()`` created on first use and
        reused (connections are pooled). An
        :class:`~arazzo.transports._client.HTTPClient`: that client (in runs). Any other
        ``httpx.BaseTransport``: every request goes through it (it is then used in runs
        too). :meth:`close` closes an httpx transport, never a client (it may be shared).
    service, region:
        Signing name and region; when given they win over everything.  Otherwise they are
        inferred from each request's host (``api.sagemaker.us-east-1.amazonaws.com`` ->
        ``sagemaker``/``us-east-1``); the region then falls back to botocore's configured
        region (``AWS_DEFAULT_REGION``, the profile's ``region``), then to
        ``default_region``.  Custom endpoints (an emulator) need ``service`` and a region.
    default_region:
        The last-resort region for hosts that do not name one (e.g. ``SigV4Hint.region``).
    credentials:
        :class:`AwsCredentials` or any botocore ``Credentials``; without it botocore's full
        chain runs (env, profiles, SSO, container and instance roles), optionally for
        ``profile``.  A botocore ``session`` may be passed instead.
    retry:
        A :class:`RetryPolicy` (default: standard mode, 3 attempts); ``None`` disables
        retries.  Exhausted retries return the last response as is.
    on_retry:
        Called with a :class:`RetryEvent` before each retry sleep.
    sleep, random, clock:
        Injectable for tests (``time.sleep``, ``random.random`` and ``time.time``, the
        signing time, by default).
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | HTTPClient | None = None,
        *,
        service: str | None = None,
        region: str | None = None,
        default_region: str | None = None,
        credentials: CredentialsProvider | None = None,
        profile: str | None = None,
        session: Any = None,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
        on_retry: OnRetry | None = None,
        sleep: Callable[[float], object] = time.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._core = _SigV4Core(
            service=service, region=region, default_region=default_region,
            credentials=credentials, profile=profile,
            session=session, retry=retry, on_retry=on_retry, random=random, clock=clock,
        )
        self._client = transport if isinstance(transport, HTTPClient) else None
        self._transport = None if isinstance(transport, HTTPClient) else transport
        #: whether ``arazzo.run`` hands this transport its requests as they are (send_spec)
        self.sends_specs = self._transport is None
        self._owned: httpx.BaseTransport | None = None
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"SigV4Transport({self._core.describe()})"

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._core.retry

    def check_credentials(self) -> str:
        """Resolve credentials now (before the first request); return their source, e.g.
        ``env``, ``shared-credentials-file``, ``sso``, ``explicit``.  Raises
        :class:`AwsCredentialsError` naming where botocore looked."""
        self._core.resolver.frozen()
        return self._core.resolver.source()

    def resolve_scope(self, url: str | httpx.URL) -> tuple[str, str]:
        """``(service, region)`` this transport would sign ``url`` with, or
        :class:`AwsConfigurationError`."""
        return self._core.scope(httpx.URL(url).host)

    # -- a step's request, over the project's client ---------------------------------------
    def send_spec(self, spec: RequestSpec, *, timeout: float, max_bytes: int, url: str,
                  headers: list[tuple[str, str]]) -> ResponseData | TransportFailure:
        """Sign and send a step's request (``headers`` are the ones to send: the driver's
        User-Agent added) over the client; what ``HTTPClient.send`` answers."""
        started = time.perf_counter()
        core = self._core
        url = url or _plain_url(spec.url)
        try:
            plan, signer, request = core.prepare(spec)
        except (ValueError, UnicodeError) as exc:
            return TransportFailure("transport", f"request to {url} failed: {exc}",
                                    time.perf_counter() - started)
        client = self._client
        if client is None:
            from arazzo.transports._httpx import default_client

            client = self._client = default_client()
        method, body = request.method, request.content
        attempt = 1
        last_cost: int | None = None
        while True:
            kept, signing = signer.sign(method, plan, headers, body, core.resolver.frozen())
            result = client.send(request, timeout=timeout, max_bytes=max_bytes, url=url,
                                 headers=kept, extra_headers=signing)
            if isinstance(result, ResponseData) and result.status_code < 301:
                core.record_success(attempt, last_cost)
                return result if attempt == 1 else _total(result, started)
            retry = core.result_retry(request, url, headers, kept, attempt, result)
            if retry is None:
                return result if attempt == 1 else _total(result, started)
            delay, last_cost = retry
            self._sleep(delay)
            attempt += 1

    # -- an httpx request ------------------------------------------------------------------
    def _inner(self) -> httpx.BaseTransport:
        if self._transport is not None:
            return self._transport
        if self._owned is None:
            self._owned = httpx.HTTPTransport()
        return self._owned

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = self._core
        inner = self._inner()
        body = request.read()
        attempt = 1
        last_cost: int | None = None
        while True:
            signed = core.sign(request, body, core.resolver.frozen())
            try:
                response = inner.handle_request(signed)
            except httpx.TransportError as exc:
                plan = core.exception_retry(request, attempt, exc)
                if plan is None:
                    raise
                delay, last_cost = plan
                self._sleep(delay)
                attempt += 1
                continue
            if response.status_code < 301:
                core.record_success(attempt, last_cost)
                return response
            raw = _read_raw(response)
            plan = core.response_retry(request, attempt, response, raw)
            if plan is None:
                return _rebuild(response, raw)
            delay, last_cost = plan
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        for transport in (self._transport, self._owned):
            if transport is not None:
                transport.close()


class AsyncSigV4Transport(httpx.AsyncBaseTransport):
    """The async twin of :class:`SigV4Transport` (same parameters; ``sleep`` is awaited and
    defaults to ``anyio.sleep``). Without ``transport`` (or with an
    :class:`~arazzo.transports._aclient.AsyncHTTPClient`), ``run_async`` sends through the
    project's async client; as an httpx transport it creates an ``httpx.AsyncHTTPTransport``
    on first use. The first credential lookup runs in a worker thread (botocore's chain may
    do network calls)."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | AsyncHTTPClient | None = None,
        *,
        service: str | None = None,
        region: str | None = None,
        default_region: str | None = None,
        credentials: CredentialsProvider | None = None,
        profile: str | None = None,
        session: Any = None,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
        on_retry: OnRetry | None = None,
        sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._core = _SigV4Core(
            service=service, region=region, default_region=default_region,
            credentials=credentials, profile=profile,
            session=session, retry=retry, on_retry=on_retry, random=random, clock=clock,
        )
        from arazzo.transports._aclient import AsyncHTTPClient  # asyncio: anyio loads it

        self._client = transport if isinstance(transport, AsyncHTTPClient) else None
        self._transport = None if isinstance(transport, AsyncHTTPClient) else transport
        #: whether ``run_async`` hands this transport its requests as they are (send_spec)
        self.sends_specs = self._transport is None
        self._owned: httpx.AsyncBaseTransport | None = None
        self._sleep = sleep
        self._resolved = False

    def __repr__(self) -> str:
        return f"AsyncSigV4Transport({self._core.describe()})"

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._core.retry

    def check_credentials(self) -> str:
        """Same as :meth:`SigV4Transport.check_credentials` (blocking)."""
        self._core.resolver.frozen()
        self._resolved = True
        return self._core.resolver.source()

    def resolve_scope(self, url: str | httpx.URL) -> tuple[str, str]:
        return self._core.scope(httpx.URL(url).host)

    async def _frozen(self) -> Any:
        if not self._resolved:
            frozen = await anyio.to_thread.run_sync(self._core.resolver.frozen)
            self._resolved = True
            return frozen
        return self._core.resolver.frozen()

    async def send_spec(self, spec: RequestSpec, *, timeout: float, max_bytes: int, url: str,
                        headers: list[tuple[str, str]]) -> ResponseData | TransportFailure:
        """:meth:`SigV4Transport.send_spec` over the async client."""
        started = time.perf_counter()
        core = self._core
        url = url or _plain_url(spec.url)
        try:
            plan, signer, request = core.prepare(spec)
        except (ValueError, UnicodeError) as exc:
            return TransportFailure("transport", f"request to {url} failed: {exc}",
                                    time.perf_counter() - started)
        client = self._client
        if client is None:
            from arazzo.transports._httpx import default_async_client

            client = self._client = default_async_client()
        method, body = request.method, request.content
        attempt = 1
        last_cost: int | None = None
        while True:
            kept, signing = signer.sign(method, plan, headers, body, await self._frozen())
            result = await client.send(request, timeout=timeout, max_bytes=max_bytes,
                                       url=url, headers=kept, extra_headers=signing)
            if isinstance(result, ResponseData) and result.status_code < 301:
                core.record_success(attempt, last_cost)
                return result if attempt == 1 else _total(result, started)
            retry = core.result_retry(request, url, headers, kept, attempt, result)
            if retry is None:
                return result if attempt == 1 else _total(result, started)
            delay, last_cost = retry
            await self._sleep(delay)
            attempt += 1

    def _inner(self) -> httpx.AsyncBaseTransport:
        if self._transport is not None:
            return self._transport
        if self._owned is None:
            self._owned = httpx.AsyncHTTPTransport()
        return self._owned

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = self._core
        inner = self._inner()
        body = await request.aread()
        attempt = 1
        last_cost: int | None = None
        while True:
            signed = core.sign(request, body, await self._frozen())
            try:
                response = await inner.handle_async_request(signed)
            except httpx.TransportError as exc:
                plan = core.exception_retry(request, attempt, exc)
                if plan is None:
                    raise
                delay, last_cost = plan
                await self._sleep(delay)
                attempt += 1
                continue
            if response.status_code < 301:
                core.record_success(attempt, last_cost)
                return response
            raw = await _aread_raw(response)
            plan = core.response_retry(request, attempt, response, raw)
            if plan is None:
                return _rebuild(response, raw)
            delay, last_cost = plan
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        for transport in (self._transport, self._owned):
            if transport is not None:
                await transport.aclose()
