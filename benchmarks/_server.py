"""A fast scripted HTTP/1.1 server on loopback for the benchmarks (stdlib only).

Run alone (``python benchmarks/_server.py``) it binds 127.0.0.1 on a free port, prints
``READY http://127.0.0.1:PORT`` and serves until killed. From Python use
:class:`LoopbackServer`, which starts it as a **subprocess** (so the server never competes
for the GIL of the process being measured) and stops it by its pid::

    with LoopbackServer() as server:
        ... server.url ...
        server.reset()
        ...
        server.stats()  # {"requests": 12, "routes": {"GET /poll": 10, ...}, "poll": {...}}

Keep-alive HTTP/1.1 on an asyncio Protocol, TCP_NODELAY set, and every response goes out in
one ``write`` (headers and body together): a server that writes them separately stalls
~40 ms per request on delayed ACKs (see /work/shared/design/peers.md).

Routes (every request outside ``/_`` is counted):

- ``POST /items`` - JSON body ``{"name": ...}``, header ``X-Tag``: 201 ``{"id", "name", "tag"}``
- ``GET /items/{id}`` - 200 the stored item, 404 otherwise
- ``GET /poll/{key}/{n}`` - 200 ``{"state": "pending", "count": i}`` for the first ``n - 1``
  requests of ``key``, then ``{"state": "done", "count": n}`` (``n`` requests in all)
- ``GET /status/{key}/{n}`` - 200 ``{"state": "running"}`` for the first ``n - 1`` requests of
  ``key``, then ``{"state": "done", "count": n}``: the same body each time, but a fresh
  ``Date`` and ``X-Request-Id`` header on every answer (what a real API sends)
- ``POST /`` with ``X-Amz-Target: Bench.Poll`` (an AWS JSON 1.1 call, body
  ``{"key": ..., "n": ...}``): what ``GET /poll/{key}/{n}`` answers (the same counter), as
  ``application/x-amz-json-1.1``; requests carrying a SigV4 ``Authorization`` header are
  counted in ``signed`` (the signature is not checked: tests/aws does that against moto)
- ``GET /_stats`` - the counters; ``POST /_reset`` - clears counters and items
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["LoopbackServer", "serve"]

_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed"}
_MAX_ITEMS = 100_000
_AMZ_JSON = "application/x-amz-json-1.1"


class _State:
    def __init__(self) -> None:
        self.requests = 0
        self.routes: dict[str, int] = {}
        self.poll: dict[str, int] = {}
        self.status: dict[str, int] = {}
        self.signed = 0
        self.items: dict[int, dict[str, Any]] = {}
        self.next_id = 1

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def count(self, route: str) -> None:
        self.requests += 1
        self.routes[route] = self.routes.get(route, 0) + 1

    def handle(self, method: str, path: str, headers: dict[str, str],
               body: bytes) -> tuple[int, Any] | tuple[int, Any, str] | tuple[int, Any, str, str]:
        """``(status, payload)``, or ``(status, payload, extra header lines)``, or
        ``(status, payload, extra header lines, content type)``."""
        parts = path.split("?", 1)[0].strip("/").split("/")
        if parts[0] == "_stats" and method == "GET":
            return 200, {"requests": self.requests, "routes": self.routes, "poll": self.poll,
                         "status": self.status, "signed": self.signed}
        if parts[0] == "_reset" and method == "POST":
            self.reset()
            return 200, {"reset": True}
        if method == "POST" and headers.get("x-amz-target") == "Bench.Poll":
            self.count("POST Bench.Poll")
            if headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 Credential="):
                self.signed += 1
            try:
                data = json.loads(body or b"null")
                key, limit = str(data["key"]), int(data["n"])
            except (ValueError, TypeError, KeyError):
                return 400, {"__type": "ValidationException", "message": "key and n"}, "", \
                    _AMZ_JSON
            seen = self.poll.get(key, 0) + 1
            self.poll[key] = seen
            return 200, {"state": "done" if seen >= limit else "pending", "count": seen}, "", \
                _AMZ_JSON
        if parts[0] == "items" and len(parts) == 1 and method == "POST":
            self.count("POST /items")
            try:
                data = json.loads(body or b"null")
            except ValueError:
                return 400, {"error": "body is not JSON"}
            if not isinstance(data, dict) or "name" not in data:
                return 400, {"error": "name required"}
            item = {"id": self.next_id, "name": data["name"], "tag": headers.get("x-tag", "")}
            if len(self.items) < _MAX_ITEMS:
                self.items[self.next_id] = item
            self.next_id += 1
            return 201, item
        if parts[0] == "items" and len(parts) == 2 and method == "GET":
            self.count("GET /items/{id}")
            found = self.items.get(int(parts[1])) if parts[1].isdigit() else None
            return (200, found) if found else (404, {"error": "no such item"})
        if parts[0] == "poll" and len(parts) == 3 and method == "GET" and parts[2].isdigit():
            self.count("GET /poll")
            key, limit = parts[1], int(parts[2])
            seen = self.poll.get(key, 0) + 1
            self.poll[key] = seen
            return 200, {"state": "done" if seen >= limit else "pending", "count": seen}
        if parts[0] == "status" and len(parts) == 3 and method == "GET" and parts[2].isdigit():
            self.count("GET /status")
            key, limit = parts[1], int(parts[2])
            seen = self.status.get(key, 0) + 1
            self.status[key] = seen
            extra = (f"Date: {email.utils.formatdate(usegmt=True)}\r\n"
                     f"X-Request-Id: {key}-{seen}-{time.monotonic_ns()}\r\n")
            if seen >= limit:
                return 200, {"state": "done", "count": limit}, extra
            return 200, {"state": "running"}, extra
        self.count("unmatched")
        return 404, {"error": "no route", "method": method, "path": path}


def _response(status: int, payload: Any, keep_alive: bool, extra: str = "",
              content_type: str = "application/json") -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n{extra}"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
    return head.encode("latin-1") + body


class _Connection(asyncio.BufferedProtocol):
    """One keep-alive connection. A protocol rather than asyncio streams: it costs the
    server about half as much per request, and the server's share is part of every tool's
    loop figures. A *buffered* protocol: each read lands in this connection's own 64 KiB
    buffer. A plain Protocol gets a fresh ``recv(256 KiB)`` bytes object per read, which
    glibc serves with mmap/mremap/munmap (three system calls, ~17 us per request here)
    until a large free happens to raise its mmap threshold: the server's cost per request
    then depended on what ran before (a client closing an idle connection halved it)."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.scratch = memoryview(bytearray(64 * 1024))

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.scratch

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(self.scratch[:nbytes]))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out: list[bytes] = []
        keep_alive = True
        while keep_alive:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < end + 4 + length:
                break
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            method, target, version = [*lines[0].split(" "), "", "", ""][:3]
            connection = headers.get("connection", "").lower()
            keep_alive = connection != "close" and (version == "HTTP/1.1"
                                                    or connection == "keep-alive")
            status, payload, *extra = self.state.handle(method, target, headers, body)
            out.append(_response(status, payload, keep_alive, *extra))
        if out and self.transport is not None:
            self.transport.write(b"".join(out))  # one write per batch of responses
            if not keep_alive:
                self.transport.close()


async def serve(port: int = 0) -> None:
    """Serve forever on 127.0.0.1:``port`` (0 = a free port); prints ``READY <url>``."""
    state = _State()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(state), "127.0.0.1", port,
                                      backlog=2048)
    host, bound = server.sockets[0].getsockname()[:2]
    print(f"READY http://{host}:{bound}", flush=True)
    async with server:
        await server.serve_forever()


class LoopbackServer:
    """The server in a subprocess; ``url``, ``stats()``, ``reset()``, ``close()``."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.close()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    @property
    def pid(self) -> int:
        """The server process (one thread: its CPU affinity is the server's)."""
        return self._proc.pid

    def _call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.url + path, method=method, data=(
            b"" if method == "POST" else None))
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_stats")
        return result

    def reset(self) -> None:
        self._call("POST", "/_reset")

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
