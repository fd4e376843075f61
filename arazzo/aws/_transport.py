"""httpx transports that sign every request with AWS Signature Version 4.

``SigV4Transport`` (sync) and ``AsyncSigV4Transport`` wrap an inner transport (by default
one ``httpx.HTTPTransport`` / ``httpx.AsyncHTTPTransport``, i.e. one connection pool for the
life of the wrapper).  For each attempt they:

1. read the request body once (so it can be replayed on retry);
2. freeze the credentials (``get_frozen_credentials()``) so key, secret and token agree;
3. sign *the exact bytes and headers that will be sent* with botocore's ``SigV4Auth``;
4. send a signed copy (the caller's ``httpx.Request`` is never modified, so
   ``response.request`` carries no ``Authorization`` header);
5. on an error response, parse it like botocore and retry with standard-mode rules.

When retries are exhausted (or the error is not retryable) the **last response is returned
unchanged** (its body already read and replayable) so the caller records the AWS error; a
connection error on the last attempt is re-raised as the original ``httpx`` exception.
"""

from __future__ import annotations

import logging
import random as _random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote

import anyio
import anyio.to_thread
import httpx

from arazzo.aws._credentials import CredentialResolver, CredentialsProvider
from arazzo.aws._errors import AwsError, parse_aws_error
from arazzo.aws._exceptions import AwsConfigurationError
from arazzo.aws._retry import RetryEvent, RetryPolicy, RetryQuota, safe_url
from arazzo.aws._scope import infer_scope

__all__ = ["AsyncSigV4Transport", "SigV4Transport"]

logger = logging.getLogger("arazzo.aws")

_SIGNING_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token")
# Never handed to SigV4Auth: hop-by-hop headers and what botocore refuses to sign anyway.
_UNSIGNED = frozenset(
    {
        *_SIGNING_HEADERS,
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
_DEFAULT_RETRY = RetryPolicy()

OnRetry = Callable[[RetryEvent], None]


class _HideSigningDetails(logging.Filter):
    """botocore.auth logs the canonical request (header values, including the session
    token), the string to sign and the signature at DEBUG; drop those records."""

    _PREFIXES = ("CanonicalRequest", "StringToSign", "Signature", "String to sign")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(self._PREFIXES))


_FILTER_LOCK = threading.Lock()
_filter_installed = False


def _install_log_filter() -> None:
    global _filter_installed  # noqa: PLW0603 - one process-wide, idempotent install
    with _FILTER_LOCK:
        if not _filter_installed:
            logging.getLogger("botocore.auth").addFilter(_HideSigningDetails())
            _filter_installed = True


def _canonical_query(url: httpx.URL) -> httpx.URL:
    """Re-encode the query RFC 3986-strictly (``%20`` for spaces, ``%2F``...; parameter
    order kept) so the query sent is exactly the one SigV4 canonicalises."""
    if not url.query:
        return url
    pairs = parse_qsl(url.query.decode("ascii"), keep_blank_values=True)
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    return url.copy_with(query=query.encode("ascii"))


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
        self._scopes: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self._explicit = credentials is not None
        _install_log_filter()

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

    def scope(self, url: httpx.URL) -> tuple[str, str]:
        host = url.host
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

    # -- signing -----------------------------------------------------------------------
    def sign(self, request: httpx.Request, body: bytes, credentials: Any) -> httpx.Request:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = _canonical_query(request.url)
        service, region = self.scope(url)
        headers = request.headers.copy()
        for name in _SIGNING_HEADERS:
            if name in headers:
                del headers[name]
        if "transfer-encoding" in headers:
            del headers["transfer-encoding"]
            headers["content-length"] = str(len(body))
        to_sign = {k: v for k, v in headers.items() if k.lower() not in _UNSIGNED}
        aws_request = AWSRequest(
            method=request.method, url=str(url.copy_with(fragment=None)), data=body,
            headers=to_sign,
        )
        SigV4Auth(credentials, service, region).add_auth(aws_request)
        signed_names = {k.lower() for k in to_sign}
        for name, value in aws_request.headers.items():
            lname = name.lower()
            if lname in _SIGNING_HEADERS or lname not in signed_names:
                headers[name] = value
        return httpx.Request(
            request.method,
            url,
            headers=headers,
            stream=httpx.ByteStream(body),
            extensions=request.extensions,
        )

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
        self, request: httpx.Request, attempt: int, response: httpx.Response, raw: bytes
    ) -> tuple[float, int] | None:
        """(delay, quota cost) when the error response should be retried, else ``None``."""
        error: AwsError | None = parse_aws_error(response.status_code, response.headers, raw)
        policy = self.retry
        if attempt >= policy.max_attempts:
            return None
        if not policy.is_retryable_response(response.status_code, error):
            return None
        throttling = policy.is_throttling(error)
        cost = self._acquire(throttling)
        if cost is None:
            logger.info("AWS retry quota exhausted; not retrying %s", safe_url(request.url))
            return None
        delay = policy.backoff(
            attempt,
            throttling=throttling,
            retry_after_ms=response.headers.get("x-amz-retry-after"),
            random=self.random,
        )
        self._emit(
            RetryEvent(
                attempt=attempt,
                max_attempts=policy.max_attempts,
                delay=delay,
                error_code=error.code if error else None,
                status_code=response.status_code,
                throttling=throttling,
                method=request.method,
                url=safe_url(request.url),
                operation=request.headers.get("x-amz-target"),
                request_id=error.request_id if error else None,
            )
        )
        return delay, cost

    def plan_exception_retry(
        self, request: httpx.Request, attempt: int, exc: BaseException
    ) -> tuple[float, int] | None:
        policy = self.retry
        if attempt >= policy.max_attempts or not policy.is_retryable_exception(exc):
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
                method=request.method,
                url=safe_url(request.url),
                operation=request.headers.get("x-amz-target"),
                exception=type(exc).__name__,
            )
        )
        return delay, cost


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
    """Sign every request with SigV4, retry like botocore, delegate to ``transport``.

    Parameters
    ----------
    transport:
        The inner transport (default: one ``httpx.HTTPTransport()``, reused for every
        request, so connections are pooled).  Closed by :meth:`close`.
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
    sleep, random:
        Injectable for tests (``time.sleep`` and ``random.random`` by default).
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
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
    ) -> None:
        self._core = _SigV4Core(
            service=service, region=region, default_region=default_region,
            credentials=credentials, profile=profile,
            session=session, retry=retry, on_retry=on_retry, random=random,
        )
        self._transport = transport if transport is not None else httpx.HTTPTransport()
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
        return self._core.scope(httpx.URL(url))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = self._core
        body = request.read()
        attempt = 1
        last_cost: int | None = None
        while True:
            signed = core.sign(request, body, core.resolver.frozen())
            try:
                response = self._transport.handle_request(signed)
            except httpx.TransportError as exc:
                plan = core.plan_exception_retry(request, attempt, exc)
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
            plan = core.plan_response_retry(request, attempt, response, raw)
            if plan is None:
                return _rebuild(response, raw)
            delay, last_cost = plan
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        self._transport.close()


class AsyncSigV4Transport(httpx.AsyncBaseTransport):
    """The async twin of :class:`SigV4Transport` (same parameters; ``sleep`` is awaited and
    defaults to ``anyio.sleep``; the inner transport defaults to ``httpx.AsyncHTTPTransport``).
    The first credential lookup runs in a worker thread (botocore's chain may do network
    calls)."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
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
    ) -> None:
        self._core = _SigV4Core(
            service=service, region=region, default_region=default_region,
            credentials=credentials, profile=profile,
            session=session, retry=retry, on_retry=on_retry, random=random,
        )
        self._transport = transport if transport is not None else httpx.AsyncHTTPTransport()
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
        return self._core.scope(httpx.URL(url))

    async def _frozen(self) -> Any:
        if not self._resolved:
            frozen = await anyio.to_thread.run_sync(self._core.resolver.frozen)
            self._resolved = True
            return frozen
        return self._core.resolver.frozen()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = self._core
        body = await request.aread()
        attempt = 1
        last_cost: int | None = None
        while True:
            signed = core.sign(request, body, await self._frozen())
            try:
                response = await self._transport.handle_async_request(signed)
            except httpx.TransportError as exc:
                plan = core.plan_exception_retry(request, attempt, exc)
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
            plan = core.plan_response_retry(request, attempt, response, raw)
            if plan is None:
                return _rebuild(response, raw)
            delay, last_cost = plan
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        await self._transport.aclose()
