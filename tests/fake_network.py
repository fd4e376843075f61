"""The network as the project's own clients see it (``HTTPClient`` / ``AsyncHTTPClient``),
replaced by an httpx handler: what ``httpx.MockTransport`` is for httpx transports.

    route_clients(monkeypatch, handler)   # handler(httpx.Request) -> httpx.Response

Every request either client would send (the request head as written: its headers, the
signing headers a SigV4 transport adds, the Host header) reaches ``handler`` as an
``httpx.Request``; its response comes back as the client's ``ResponseData``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from arazzo.engine._messages import Headers, ResponseData
from arazzo.transports._aclient import AsyncHTTPClient
from arazzo.transports._client import HTTPClient

Handler = Callable[[httpx.Request], httpx.Response]


def _exchange(handler: Handler, request: Any, headers: list[tuple[str, str]] | None,
              extra_headers: list[tuple[str, str]] | None) -> ResponseData:
    sent = [*(request.headers if headers is None else headers), *(extra_headers or [])]
    response = handler(httpx.Request(request.method, request.url, headers=sent,
                                     content=request.content))
    response.read()
    return ResponseData(response.status_code, Headers(response.headers.multi_items()),
                        response.content, 0.0)


def route_clients(monkeypatch: pytest.MonkeyPatch, handler: Handler) -> None:
    """Answer every request of the project's clients with ``handler`` (for this test)."""

    def send(self: HTTPClient, request: Any, *, timeout: float, max_bytes: int,
             url: str = "", headers: list[tuple[str, str]] | None = None,
             extra_headers: list[tuple[str, str]] | None = None) -> ResponseData:
        return _exchange(handler, request, headers, extra_headers)

    async def asend(self: AsyncHTTPClient, request: Any, *, timeout: float, max_bytes: int,
                    url: str = "", headers: list[tuple[str, str]] | None = None,
                    extra_headers: list[tuple[str, str]] | None = None) -> ResponseData:
        return _exchange(handler, request, headers, extra_headers)

    monkeypatch.setattr(HTTPClient, "send", send)
    monkeypatch.setattr(AsyncHTTPClient, "send", asend)
