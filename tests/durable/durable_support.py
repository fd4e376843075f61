"""A simulated crash for durable-run tests: a transport that lets a request reach the server
and then raises a BaseException, as if the run's process died before recording the answer."""

from __future__ import annotations

import httpx

__all__ = ["Crash", "CrashingTransport"]


class Crash(BaseException):
    """The run's process dies (not an Exception: nothing in the engine catches it)."""


class CrashingTransport(httpx.BaseTransport):
    """Sends through a real transport; after the ``when``-th matching request reached the
    server (its answer read), raises :class:`Crash` instead of returning it."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.crash_on: tuple[str, int] | None = None
        self.seen: dict[str, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        key = f"{request.method} {request.url.path}"
        self.seen[key] = self.seen.get(key, 0) + 1
        if self.crash_on is not None and self.crash_on == (key, self.seen[key]):
            self.crash_on = None
            raise Crash(key)
        return httpx.Response(response.status_code, headers=response.headers,
                              content=response.content)
