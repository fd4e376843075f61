"""The default transport of async runs: the keep-alive HTTP/1.1 client of
:mod:`arazzo.transports._client`, on asyncio.

It writes a step's request as :class:`~arazzo.transports._client.HTTPClient` writes it (same
URL and head encoding, same response parsing, same failures) but waits on the running event
loop (``loop.sock_recv`` / ``loop.sock_sendall`` on non-blocking sockets) instead of blocking.

Its pool holds plain sockets, not asyncio transports, so it is bound to no event loop: one
process-wide client serves every loop (``asyncio.run`` after ``asyncio.run``, or loops in
several threads); a connection is used by one exchange at a time and waits in the pool with no
reader registered on any loop. The idle sockets are closed at interpreter exit (and forgotten in
a forked child). TLS runs over ``ssl.SSLObject`` with memory BIOs on the same sockets.

A timed-out or cancelled exchange closes its connection (it is never pooled half-read).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from arazzo.engine._messages import Headers, ResponseData, TransportFailure
from arazzo.engine._providers import IDEMPOTENT_METHODS
from arazzo.transports._client import (
    _HEAD_END,
    _MAX_HEAD,
    _MAX_HEADER_LINES,
    _READ_SIZE,
    _ClosedEarly,
    _detail,
    _framing,
    _head,
    _parse_head,
    _ProtocolError,
    _split,
    _TooLarge,
    client_ssl_context,
)

if TYPE_CHECKING:
    from arazzo.engine._requests import RequestSpec

__all__ = ["AsyncHTTPClient"]

#: many runs share one event loop: keep enough idle connections for a burst of them
_MAX_IDLE_PER_ORIGIN = 256
_T = TypeVar("_T")


async def _within(awaitable: Awaitable[_T], timeout: float) -> _T:
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(timeout):
            return await awaitable
    return await asyncio.wait_for(awaitable, timeout)  # pragma: no cover - Python 3.10


class _AsyncConnection:
    __slots__ = ("buffer", "incoming", "outgoing", "reused", "sock", "tls")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.reused = False
        self.tls: ssl.SSLObject | None = None
        self.incoming: ssl.MemoryBIO | None = None
        self.outgoing: ssl.MemoryBIO | None = None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def stale(self) -> bool:
        """Whether an idle pooled connection can no longer be used (see ``HTTPClient``)."""
        if self.tls is not None and (self.tls.pending() or (
                self.incoming is not None and self.incoming.pending)):
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    # -- TLS over memory BIOs ---------------------------------------------------------

    async def start_tls(self, loop: asyncio.AbstractEventLoop, context: ssl.SSLContext,
                        host: str) -> None:
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname=host)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush(loop)
                data = await loop.sock_recv(self.sock, _READ_SIZE)
                if not data:
                    raise ConnectionResetError(
                        "the server closed the connection during the TLS handshake") from None
                self.incoming.write(data)
        await self._flush(loop)

    async def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self.outgoing is not None
        data = self.outgoing.read()
        if data:
            await loop.sock_sendall(self.sock, data)

    async def send(self, loop: asyncio.AbstractEventLoop, data: bytes) -> None:
        if self.tls is None:
            await loop.sock_sendall(self.sock, data)
            return
        self.tls.write(data)
        await self._flush(loop)

    async def recv(self, loop: asyncio.AbstractEventLoop, size: int = _READ_SIZE) -> bytes:
        tls = self.tls
        if tls is None:
            return await loop.sock_recv(self.sock, size)
        assert self.incoming is not None
        while True:
            try:
                return tls.read(size)
            except ssl.SSLWantReadError:
                await self._flush(loop)
                data = await loop.sock_recv(self.sock, _READ_SIZE)
                if not data:
                    return b""  # closed without close_notify: the end of the stream
                self.incoming.write(data)
            except ssl.SSLZeroReturnError:
                return b""

    # -- reading (as ``_client._Connection`` reads, awaiting the loop) --------------------

    async def fill(self, loop: asyncio.AbstractEventLoop) -> bool:
        chunk = await self.recv(loop)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    async def read_head(self, loop: asyncio.AbstractEventLoop) -> bytes:
        buffer = self.buffer
        start = 0
        while True:
            match = _HEAD_END.search(buffer, start)
            if match is not None:
                head = bytes(buffer[:match.start()])
                del buffer[:match.end()]
                return head
            if len(buffer) > _MAX_HEAD:
                raise _ProtocolError("the response head is larger than 64 KiB")
            start = max(0, len(buffer) - 3)
            if not await self.fill(loop):
                if not buffer:
                    raise _ClosedEarly
                raise _ProtocolError("the server closed the connection in the response head")

    async def read_line(self, loop: asyncio.AbstractEventLoop) -> bytes:
        buffer = self.buffer
        while True:
            end = buffer.find(b"\n")
            if end >= 0:
                line = bytes(buffer[:end]).rstrip(b"\r")
                del buffer[:end + 1]
                return line
            if len(buffer) > _MAX_HEAD:
                raise _ProtocolError("a chunk header is longer than 64 KiB")
            if not await self.fill(loop):
                raise _ProtocolError("the server closed the connection in a chunked body")

    async def read_exact(self, loop: asyncio.AbstractEventLoop, size: int,
                         into: list[bytes]) -> None:
        buffer = self.buffer
        if len(buffer) >= size:
            into.append(bytes(buffer[:size]))
            del buffer[:size]
            return
        if buffer:
            into.append(bytes(buffer))
            size -= len(buffer)
            buffer.clear()
        while size > 0:
            chunk = await self.recv(loop, min(size, _READ_SIZE))
            if not chunk:
                raise _ProtocolError("the server closed the connection before the end of "
                                     "the body (Content-Length)")
            into.append(chunk)
            size -= len(chunk)

    async def read_to_close(self, loop: asyncio.AbstractEventLoop, max_bytes: int) -> bytes:
        chunks = [bytes(self.buffer)]
        self.buffer.clear()
        total = len(chunks[0])
        while True:
            if total > max_bytes:
                raise _TooLarge
            chunk = await self.recv(loop)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)

    async def read_chunked(self, loop: asyncio.AbstractEventLoop, max_bytes: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = await self.read_line(loop)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _ProtocolError(f"bad chunk size {size_text[:40]!r}") from None
            if size < 0 or size_text.startswith((b"-", b"+", b"0x", b"0X")):
                raise _ProtocolError(f"bad chunk size {size_text[:40]!r}")
            if size == 0:
                break
            total += size
            if total > max_bytes:
                raise _TooLarge
            await self.read_exact(loop, size, chunks)
            if await self.read_line(loop):
                raise _ProtocolError("a chunk is longer than its size")
        lines = 0
        while await self.read_line(loop):  # trailer fields, dropped
            lines += 1
            if lines > _MAX_HEADER_LINES:
                raise _ProtocolError("more than 256 trailer lines")
        return b"".join(chunks)


class _Phase:
    """Where an exchange is (a timeout while connecting has its own message) and the
    connection it holds (closed when the exchange is abandoned)."""

    __slots__ = ("connecting", "connection")

    def __init__(self) -> None:
        self.connecting = False
        self.connection: _AsyncConnection | None = None


class AsyncHTTPClient:
    """A pooled HTTP/1.1 client for async runs: :meth:`send` takes a
    :class:`~arazzo.engine._requests.RequestSpec` and returns
    :class:`~arazzo.engine._messages.ResponseData` or a
    :class:`~arazzo.engine._messages.TransportFailure` (never raises for network problems).
    Usable from any event loop (not bound to one)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_AsyncConnection]] = {}
        self._lock = threading.Lock()
        self.connections_opened = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:  # in a forked child the sockets belong to the parent
        self._idle = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def idle_connections(self) -> int:
        """How many connections wait in the pool (for tests and diagnostics)."""
        with self._lock:
            return sum(len(v) for v in self._idle.values())

    # -- connections -------------------------------------------------------------------

    async def _checkout(self, loop: asyncio.AbstractEventLoop, key: tuple[str, str, int],
                        phase: _Phase) -> _AsyncConnection:
        while True:
            with self._lock:
                pool = self._idle.get(key)
                connection = pool.pop() if pool else None
            if connection is None:
                break
            if connection.stale():
                connection.close()
                continue
            connection.reused = True
            phase.connection = connection
            return connection
        return await self._connect(loop, key, phase)

    async def _connect(self, loop: asyncio.AbstractEventLoop, key: tuple[str, str, int],
                       phase: _Phase) -> _AsyncConnection:
        scheme, host, port = key
        phase.connecting = True
        try:
            # a numeric host needs no resolver thread
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        error: OSError | None = None
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            connection = _AsyncConnection(sock)
            phase.connection = connection
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                await loop.sock_connect(sock, address)
            except OSError as exc:
                connection.close()
                phase.connection = None
                error = exc
                continue
            self.connections_opened += 1
            if scheme == "https":
                context = self._ssl_context or client_ssl_context()
                context.set_alpn_protocols(["http/1.1"])
                await connection.start_tls(loop, context, host)
            phase.connecting = False
            return connection
        raise error or OSError(f"no address for {host!r}")

    def _checkin(self, key: tuple[str, str, int], connection: _AsyncConnection) -> None:
        connection.buffer.clear()
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if len(pool) < _MAX_IDLE_PER_ORIGIN:
                pool.append(connection)
                return
        connection.close()

    # -- one exchange ------------------------------------------------------------------

    async def send(self, request: RequestSpec, *, timeout: float, max_bytes: int,
                   url: str = "", headers: list[tuple[str, str]] | None = None,
                   ) -> ResponseData | TransportFailure:
        """One exchange (what :meth:`HTTPClient.send` does, awaited)."""
        started = time.perf_counter()
        url = url or request.url.split("?", 1)[0]
        try:
            scheme, host, port, host_header, target = _split(request.url)
            wire = _head(request.method, target, host_header,
                         request.headers if headers is None else headers, request.content)
        except (ValueError, UnicodeError) as exc:
            return TransportFailure("transport", f"request to {url} failed: {exc}",
                                    time.perf_counter() - started)
        if request.content:
            wire += request.content
        phase = _Phase()
        try:
            return await _within(self._exchange(
                (scheme, host, port), wire, request.method, url, max_bytes, started, phase),
                timeout)
        except (asyncio.TimeoutError, TimeoutError):
            what = "connecting to" if phase.connecting else "request to"
            failure = TransportFailure("timeout", f"{what} {url} timed out",
                                       time.perf_counter() - started)
        except _TooLarge:
            failure = TransportFailure("too-large", f"the response of {url} is larger than "
                                       f"the {max_bytes} bytes limit (max_response_bytes)",
                                       time.perf_counter() - started)
        except _ProtocolError as exc:
            failure = TransportFailure("transport", f"request to {url} failed: {exc}",
                                       time.perf_counter() - started)
        except OSError as exc:  # ssl.SSLError too (a failed handshake: "connect")
            if phase.connecting:
                failure = TransportFailure("connect", f"cannot connect to {url}: "
                                           f"{_detail(exc)}", time.perf_counter() - started)
            else:
                failure = TransportFailure("transport", f"request to {url} failed: "
                                           f"{_detail(exc)}", time.perf_counter() - started)
        except BaseException:  # cancelled: the connection is left half-used
            if phase.connection is not None:
                phase.connection.close()
            raise
        if phase.connection is not None:
            phase.connection.close()
        return failure

    async def _exchange(self, key: tuple[str, str, int], wire: bytes, method: str, url: str,
                        max_bytes: int, started: float, phase: _Phase,
                        ) -> ResponseData | TransportFailure:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            connection = await self._checkout(loop, key, phase)
            sent = False
            try:
                await connection.send(loop, wire)
                sent = True
                result = await self._receive(loop, connection, key, method, max_bytes, started)
                phase.connection = None  # pooled or closed: no longer this exchange's
                return result
            except (_ClosedEarly, ConnectionError) as exc:
                connection.close()
                phase.connection = None
                retry = connection.reused and attempt == 1 and (
                    not sent or method in IDEMPOTENT_METHODS)
                if not retry:
                    detail = ("the server closed the connection without a response"
                              if isinstance(exc, _ClosedEarly) else _detail(exc))
                    return TransportFailure("transport", f"request to {url} failed: {detail}",
                                            time.perf_counter() - started)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _receive(self, loop: asyncio.AbstractEventLoop, connection: _AsyncConnection,
                       key: tuple[str, str, int], method: str, max_bytes: int,
                       started: float) -> ResponseData:
        while True:
            head = await connection.read_head(loop)
            status, http11, fields = _parse_head(head)
            if status >= 200 or status == 101:
                break
            connection.reused = False  # a response has begun: no resend from here on
        connection_tokens, codings, lengths = _framing(fields)
        keep_alive = ("close" not in connection_tokens if http11
                      else "keep-alive" in connection_tokens)
        content: bytes
        if method == "HEAD" or status in (204, 304) or status < 200:
            content = b""
        elif codings:
            if codings[-1] != "chunked":
                raise _ProtocolError(f"unsupported Transfer-Encoding {codings[-1]!r}")
            content = await connection.read_chunked(loop, max_bytes)
        elif lengths:
            if len(lengths) > 1 or not next(iter(lengths)).isdigit():
                raise _ProtocolError(f"bad Content-Length {', '.join(sorted(lengths))!r}")
            size = int(next(iter(lengths)))
            if size > max_bytes:
                raise _TooLarge
            parts: list[bytes] = []
            await connection.read_exact(loop, size, parts)
            content = parts[0] if len(parts) == 1 else b"".join(parts)
        else:
            content = await connection.read_to_close(loop, max_bytes)
            keep_alive = False
        if keep_alive and status != 101 and not connection.buffer:
            self._checkin(key, connection)
        else:
            connection.close()
        return ResponseData(status, Headers(fields), content, time.perf_counter() - started)
