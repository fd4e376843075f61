"""Transport-level retries with botocore's ``standard`` retry-mode semantics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import httpx

from arazzo.aws._errors import (
    THROTTLING_ERROR_CODES,
    TRANSIENT_ERROR_CODES,
    TRANSIENT_STATUS_CODES,
    AwsError,
)

__all__ = ["RetryEvent", "RetryPolicy"]


@dataclass(frozen=True, repr=False)
class RetryPolicy:
    """botocore ``standard`` retry mode, tunable.

    - ``max_attempts`` counts the first try (3 = one try + two retries; 1 = no retries).
    - Retried: throttling codes (:data:`THROTTLING_ERROR_CODES`), transient codes
      (``RequestTimeout``, ``RequestTimeoutException``, ``PriorRequestNotComplete``), the
      statuses 500/502/503/504, and connection/timeout/protocol errors from the inner
      transport.
    - Delay before retry *n* (1-based attempt that failed):
      ``random() * min(scale * 2 ** (n - 1), max_backoff)`` with ``scale`` =
      ``throttling_scale`` (1 s) for throttling errors, ``base_scale`` (0.05 s) otherwise.
      An ``x-amz-retry-after`` header (milliseconds) raises the delay to that value, capped
      at ``delay + retry_after_max_additional``.
    - ``quota``: the client-side retry quota (token bucket of 500; a retry costs 5 for
      throttling or 14 otherwise; a success without retries refunds 1, a success after
      retries refunds the last cost).  ``None`` disables the quota.
    """

    max_attempts: int = 3
    max_backoff: float = 20.0
    throttling_scale: float = 1.0
    base_scale: float = 0.05
    retry_after_max_additional: float = 5.0
    throttling_codes: frozenset[str] = field(default=THROTTLING_ERROR_CODES)
    transient_codes: frozenset[str] = field(default=TRANSIENT_ERROR_CODES)
    transient_statuses: frozenset[int] = field(default=TRANSIENT_STATUS_CODES)
    retry_connection_errors: bool = True
    quota: int | None = 500
    throttling_cost: int = 5
    retry_cost: int = 14

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def __repr__(self) -> str:
        """Only the fields that differ from botocore's standard mode, plus max_attempts."""
        changed = [f"max_attempts={self.max_attempts}"]
        for spec in fields(self):
            if spec.name == "max_attempts":
                continue
            value = getattr(self, spec.name)
            if value != spec.default:
                changed.append(f"{spec.name}={value!r}")
        return f"RetryPolicy({', '.join(changed)})"

    def is_throttling(self, error: AwsError | None) -> bool:
        return error is not None and error.code in self.throttling_codes

    def is_retryable_response(self, status: int, error: AwsError | None) -> bool:
        if status in self.transient_statuses:
            return True
        return error is not None and (
            error.code in self.throttling_codes or error.code in self.transient_codes
        )

    def is_retryable_exception(self, exc: BaseException) -> bool:
        if not self.retry_connection_errors:
            return False
        if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
            return False
        return isinstance(
            exc, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
        )

    def backoff(
        self,
        attempt: int,
        *,
        throttling: bool,
        retry_after_ms: str | None = None,
        random: Callable[[], float],
    ) -> float:
        """The delay (seconds) after failed attempt ``attempt`` (1-based)."""
        scale = self.throttling_scale if throttling else self.base_scale
        delay = float(random()) * min(scale * float(2 ** (attempt - 1)), self.max_backoff)
        if retry_after_ms is not None:
            try:
                retry_after = int(retry_after_ms) / 1000.0
            except (ValueError, OverflowError):
                return delay
            if retry_after >= 0:
                return max(delay, min(retry_after, self.retry_after_max_additional + delay))
        return delay


@dataclass(frozen=True)
class RetryEvent:
    """Reported to ``on_retry`` before the transport sleeps and retries.

    ``attempt`` is the attempt that just failed (1-based), ``delay`` the seconds about to be
    slept.  Exactly one of ``status_code`` (an HTTP error response) and ``exception`` (the
    name of a connection/timeout error) is set.  No credentials or signatures appear here.
    """

    attempt: int
    max_attempts: int
    delay: float
    error_code: str | None
    status_code: int | None
    throttling: bool
    method: str
    url: str
    operation: str | None = None
    request_id: str | None = None
    exception: str | None = None

    def describe(self) -> str:
        what = self.error_code or self.exception or f"HTTP {self.status_code}"
        op = f"{self.operation} " if self.operation else ""
        return (
            f"{op}{self.method} {self.url}: {what}; retry {self.attempt}/"
            f"{self.max_attempts - 1} in {self.delay:.3f}s"
        )


class RetryQuota:
    """botocore's ``RetryQuota``: a thread-safe token bucket shared by one transport."""

    def __init__(self, capacity: int) -> None:
        self._max = capacity
        self._available = capacity
        self._lock = threading.Lock()

    @property
    def available(self) -> int:
        return self._available

    def acquire(self, amount: int) -> bool:
        with self._lock:
            if amount > self._available:
                return False
            self._available -= amount
            return True

    def release(self, amount: int) -> None:
        with self._lock:
            self._available = min(self._max, self._available + amount)


def safe_url(url: httpx.URL) -> str:
    """The URL without query string, fragment or userinfo (for events and logs)."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"
