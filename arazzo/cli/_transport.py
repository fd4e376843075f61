"""The ``--header`` transport of ``arazzo run`` (its own module: only a run with ``--header``
imports ``httpx`` for it)."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["HeaderTransport"]


class HeaderTransport(httpx.BaseTransport):
    """Adds the ``--header`` headers, then hands the request to ``inner`` (which may sign).
    With a secret header (or a signing ``inner``) it is trusted to authenticate: a missing
    ``--auth`` credential is then not an error (``handles_auth``)."""

    def __init__(self, inner: Any, headers: list[tuple[str, str]], *,
                 handles_auth: bool = True) -> None:
        self.inner = inner
        self.headers = headers
        self.handles_auth = handles_auth

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for name, value in self.headers:
            request.headers[name] = value
        response: httpx.Response = self.inner.handle_request(request)
        return response
