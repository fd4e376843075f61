"""The default transport of sync runs: a small keep-alive HTTP/1.1 client (stdlib only).

A step's request is already a complete :class:`~arazzo.engine._requests.RequestSpec`
(method, URL with its query encoded, headers, body bytes), so this client writes it to the
socket as it is: no request object, URL model or header model is built on the way. That
is most of what an exchange costs in a poll loop (see ``docs/performance.md``). It speaks what
``httpx.HTTPTransport`` speaks by default (HTTP/1.1 over TCP or TLS, no proxy, no redirects,
no compression negotiated, nothing retried) and fails the same way, as a
:class:`~arazzo.engine._messages.TransportFailure` (``connect``, ``timeout``, ``too-large``,
``transport``), never an exception.

- Connections are pooled per (scheme, host, port) and reused while the server keeps them
  alive; a pooled connection that the server closed while idle is detected before reuse. A
  reused connection that fails before any byte of the response arrives is replaced once, for
  a request that cannot have reached the server (the write failed) or an idempotent one.
- TLS uses one context per process (certifi's CA bundle, or ``SSL_CERT_FILE`` /
  ``SSL_CERT_DIR``, as httpx does), with ALPN ``http/1.1``.
- Responses: ``Content-Length``, ``chunked`` (trailers read and dropped) or read to close;
  1xx interim responses skipped; no body for ``HEAD``, 204 and 304. The head is limited to
  64 KiB and 256 header lines, the body to ``max_bytes``.
- Header names must be tokens and values may not hold CR, LF or NUL (no header injection);
  non-ASCII values are refused, as httpx refuses them.
- The pool is thread-safe (sync runs may share it from several threads) and is emptied in a
  forked child.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import select
import socket
import struct
import sys
import threading
import time
from typing import TYPE_CHECKING, cast

from arazzo.engine._messages import Headers, ResponseData, TransportFailure
from arazzo.engine._providers import IDEMPOTENT_METHODS

if TYPE_CHECKING:
    import ssl

    from arazzo.engine._requests import RequestSpec

__all__ = ["HTTPClient", "client_ssl_context", "request_problem"]

_MAX_HEAD = 64 * 1024
_MAX_HEADER_LINES = 256
_MAX_IDLE_PER_ORIGIN = 16
_READ_SIZE = 64 * 1024
#: Linux and the BSDs take a struct timeval for SO_RCVTIMEO / SO_SNDTIMEO (Windows does not)
_KERNEL_TIMEOUTS = sys.platform.startswith(("linux", "darwin", "freebsd"))
_BODYLESS_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
# What the WHATWG URL standard percent-encodes in a path and in a query (httpx follows it):
# space, '"', '<', '>' and non-ASCII; in the path also '`', '{', '}'. ('#' cannot occur: the
# fragment is cut off first; '%' stays, so encoded text is not encoded twice.) Control
# characters are refused, as httpx refuses them.
# (Non-ASCII as a negated ASCII class: a class up to U+10FFFF costs ~3.5 ms to compile.)
_PATH_UNSAFE = re.compile('[ "<>`{}]|[^\x00-\x7f]')
_QUERY_UNSAFE = re.compile('[ "<>]|[^\x00-\x7f]')
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8"))


@functools.cache
def client_ssl_context() -> ssl.SSLContext:
    """The process-wide TLS context: what ``httpx.create_ssl_context()`` builds (certifi's
    CA bundle unless ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` say otherwise), built once, since
    loading the CA bundle costs tens of milliseconds. (``ssl`` is imported here: plain HTTP
    never needs it.)"""
    import ssl

    if os.environ.get("SSL_CERT_FILE"):
        context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    elif os.environ.get("SSL_CERT_DIR"):
        context = ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    else:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    return context


class _ProtocolError(Exception):
    """The server broke HTTP/1.1 (the message says how)."""


class _TooLarge(Exception):
    pass


class _ClosedEarly(Exception):
    """The connection closed before the first byte of the response."""


class _Connection:
    __slots__ = ("buffer", "kernel_timeouts", "reused", "sock", "timeout", "tls")

    def __init__(self, sock: socket.socket, timeout: float, *, tls: bool = False) -> None:
        self.sock = sock
        self.tls = tls
        self.buffer = bytearray()
        self.reused = False
        self.timeout = -1.0
        # A plain TCP socket stays in blocking mode with the kernel's send/receive timeouts:
        # with a Python-level timeout, every send and recv would first poll() the socket.
        self.kernel_timeouts = _KERNEL_TIMEOUTS and not tls
        if self.kernel_timeouts:
            sock.settimeout(None)
        self.set_timeout(timeout)

    def set_timeout(self, timeout: float) -> None:
        if timeout == self.timeout:
            return
        self.timeout = timeout
        if self.kernel_timeouts:
            seconds = max(timeout, 0.001)
            value = struct.pack("ll", int(seconds), int(seconds % 1 * 1_000_000))
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
        else:
            self.sock.settimeout(timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def stale(self) -> bool:
        """Whether an idle pooled connection can no longer be used: the server closed it (or
        sent something unasked, which is as bad)."""
        sock = self.sock
        if self.tls and cast("ssl.SSLSocket", sock).pending():
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def fill(self) -> bool:
        """Read more into the buffer; ``False`` at end of stream."""
        chunk = self.sock.recv(_READ_SIZE)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def read_head(self) -> bytes:
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
            if not self.fill():
                if not buffer:
                    raise _ClosedEarly
                raise _ProtocolError("the server closed the connection in the response head")

    def read_line(self) -> bytes:
        buffer = self.buffer
        while True:
            end = buffer.find(b"\n")
            if end >= 0:
                line = bytes(buffer[:end]).rstrip(b"\r")
                del buffer[:end + 1]
                return line
            if len(buffer) > _MAX_HEAD:
                raise _ProtocolError("a chunk header is longer than 64 KiB")
            if not self.fill():
                raise _ProtocolError("the server closed the connection in a chunked body")

    def read_exact(self, size: int, into: list[bytes]) -> None:
        buffer = self.buffer
        if len(buffer) >= size:
            into.append(bytes(buffer[:size]))
            del buffer[:size]
            return
        if buffer:
            into.append(bytes(buffer))
            size -= len(buffer)
            buffer.clear()
        recv = self.sock.recv
        while size > 0:
            chunk = recv(min(size, _READ_SIZE))
            if not chunk:
                raise _ProtocolError("the server closed the connection before the end of "
                                     "the body (Content-Length)")
            into.append(chunk)
            size -= len(chunk)

    def read_to_close(self, max_bytes: int) -> bytes:
        chunks = [bytes(self.buffer)]
        self.buffer.clear()
        total = len(chunks[0])
        recv = self.sock.recv
        while True:
            if total > max_bytes:
                raise _TooLarge
            chunk = recv(_READ_SIZE)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)

    def read_chunked(self, max_bytes: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.read_line()
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
            self.read_exact(size, chunks)
            if self.read_line():
                raise _ProtocolError("a chunk is longer than its size")
        lines = 0
        while self.read_line():  # trailer fields, dropped
            lines += 1
            if lines > _MAX_HEADER_LINES:
                raise _ProtocolError("more than 256 trailer lines")
        return b"".join(chunks)


@functools.lru_cache(maxsize=256)
def _origin(scheme: str, netloc: str) -> tuple[str, int, str]:
    """(host, port, Host header) of ``netloc`` (userinfo dropped, default port left out of
    the Host header as httpx leaves it out)."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        host = hostport[1:end]
        port_text = hostport[end + 2:] if hostport[end + 1:end + 2] == ":" else ""
    else:
        host, _, port_text = hostport.partition(":")
    if not host:
        raise ValueError("the URL has no host")
    default = _DEFAULT_PORTS[scheme]
    port = int(port_text) if port_text else default
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    try:
        host.encode("ascii")
        ascii_host = host.lower()
    except UnicodeEncodeError:
        ascii_host = host.encode("idna").decode("ascii")
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    header = shown if port == default else f"{shown}:{port}"
    return ascii_host, port, header


@functools.lru_cache(maxsize=512)
def _split(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, Host header, request target) of an absolute http(s) URL.
    Cached: a polling step sends the same URL on every iteration."""
    control = _CONTROL.search(url)
    if control is not None:
        raise ValueError(f"the URL contains the control character {control.group()!r}")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        raise ValueError(f"unsupported URL scheme in {url!r}")
    rest = rest.partition("#")[0]
    cut = len(rest)
    for mark in "/?":
        at = rest.find(mark)
        if 0 <= at < cut:
            cut = at
    netloc, target = rest[:cut], rest[cut:]
    if not target.startswith("/"):
        target = "/" + target
    path, mark, query = target.partition("?")
    if _PATH_UNSAFE.search(path):
        path = _PATH_UNSAFE.sub(_percent, path)
    if _QUERY_UNSAFE.search(query):
        query = _QUERY_UNSAFE.sub(_percent, query)
    target = path + mark + query
    host, port, host_header = _origin(scheme, netloc)
    return scheme, host, port, host_header, target


def _head(method: str, target: str, host_header: str, headers: list[tuple[str, str]],
          content: bytes | None, extra: list[tuple[str, str]] | None = None) -> bytes:
    head = _cached_head(method, target, host_header, tuple(headers),
                        None if content is None else len(content))
    if extra:  # written after the cached head: they change with every request
        lines = []
        for name, value in extra:
            _check_header(name, value)
            lines.append(f"{name}: {value}\r\n")
        head = head[:-2] + "".join(lines).encode("ascii") + b"\r\n"
    return head


def _check_header(name: str, value: str) -> None:
    if not _TOKEN.match(name):
        raise ValueError(f"invalid header name {name!r}")
    if _BAD_VALUE.search(value):
        raise ValueError(f"the value of header {name!r} contains CR, LF or NUL")
    if not value.isascii():
        raise ValueError(f"the value of header {name!r} is not ASCII")


def request_problem(request: RequestSpec, headers: list[tuple[str, str]] | None = None
                    ) -> str | None:
    """Why the client cannot write ``request`` (with ``headers`` instead of its own): a URL
    or header it refuses; ``None`` when it can. What :meth:`HTTPClient.send` answers as a
    ``transport`` failure before any I/O, told apart from a network one (a caller that
    retries must not retry it)."""
    try:
        _, _, _, host_header, target = _split(request.url)
        _head(request.method, target, host_header,
              request.headers if headers is None else headers, request.content)
    except (ValueError, UnicodeError) as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=256)
def _cached_head(method: str, target: str, host_header: str,
                 headers: tuple[tuple[str, str], ...], length: int | None) -> bytes:
    """The request head; cached: a polling step sends the same one on every iteration (an
    invalid header raises every time)."""
    lines = [f"{method} {target} HTTP/1.1"]
    has_host = has_length = False
    for name, value in headers:
        _check_header(name, value)
        lower = name.lower()
        if lower == "host":
            has_host = True
        elif lower in ("content-length", "transfer-encoding"):
            has_length = True
        lines.append(f"{name}: {value}")
    if not has_host:
        lines.insert(1, f"Host: {host_header}")
    if not has_length and (length is not None or method in _BODYLESS_METHODS):
        lines.append(f"Content-Length: {length if length is not None else 0}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("ascii")


_OWS = " \t"  # optional whitespace around a field value (RFC 9110 section 5.6.3)


def _parse_head(head: bytes) -> tuple[int, bool, list[tuple[str, str]]]:
    """(status, HTTP/1.1?, fields) of a response head."""
    lines = head.decode("latin-1").split("\n")
    status_line = lines[0].rstrip("\r")
    parts = status_line.split(" ", 2)
    if (len(parts) < 2 or not parts[0].startswith("HTTP/1.") or len(parts[1]) != 3
            or not parts[1].isdigit()):
        raise _ProtocolError(f"malformed status line {status_line[:80].encode('latin-1')!r}")
    if len(lines) > _MAX_HEADER_LINES + 1:
        raise _ProtocolError("more than 256 header lines")
    fields: list[tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t") and fields:  # obsolete line folding
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip(_OWS)}")
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip(_OWS):
            raise _ProtocolError(f"malformed header line {line[:80].encode('latin-1')!r}")
        fields.append((name, value.strip(_OWS)))
    return int(parts[1]), parts[0] == "HTTP/1.1", fields


def _framing(fields: list[tuple[str, str]]) -> tuple[list[str], list[str], set[str]]:
    """The fields that frame a response, in one pass: the Connection tokens, the
    Transfer-Encoding codings (lower-cased) and the distinct Content-Length values."""
    connection: list[str] = []
    codings: list[str] = []
    lengths: set[str] = set()
    for name, value in fields:
        key = name.lower()
        if key == "content-length":
            lengths.add(value.strip())
        elif key == "connection":
            connection.extend(t.strip().lower() for t in value.split(",") if t.strip())
        elif key == "transfer-encoding":
            codings.extend(t.strip().lower() for t in value.split(",") if t.strip())
    return connection, codings, lengths


class HTTPClient:
    """A pooled HTTP/1.1 client. :meth:`send` takes a
    :class:`~arazzo.engine._requests.RequestSpec` and returns
    :class:`~arazzo.engine._messages.ResponseData` or a
    :class:`~arazzo.engine._messages.TransportFailure` (it never raises for network problems)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._lock = threading.Lock()
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

    def __enter__(self) -> HTTPClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def idle_connections(self) -> int:
        """How many connections wait in the pool (for tests and diagnostics)."""
        with self._lock:
            return sum(len(v) for v in self._idle.values())

    # -- connections -------------------------------------------------------------------

    def _checkout(self, key: tuple[str, str, int], timeout: float) -> _Connection:
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
            connection.set_timeout(timeout)
            return connection
        return self._connect(key, timeout)

    def _connect(self, key: tuple[str, str, int], timeout: float) -> _Connection:
        scheme, host, port = key
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                context = self._ssl_context or client_ssl_context()
                context.set_alpn_protocols(["http/1.1"])
                sock = context.wrap_socket(sock, server_hostname=host)
            return _Connection(sock, timeout, tls=scheme == "https")
        except BaseException:
            sock.close()
            raise

    def _checkin(self, key: tuple[str, str, int], connection: _Connection) -> None:
        connection.buffer.clear()
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if len(pool) < _MAX_IDLE_PER_ORIGIN:
                pool.append(connection)
                return
        connection.close()

    # -- one exchange ------------------------------------------------------------------

    def send(self, request: RequestSpec, *, timeout: float, max_bytes: int, url: str = "",
             headers: list[tuple[str, str]] | None = None,
             extra_headers: list[tuple[str, str]] | None = None,
             ) -> ResponseData | TransportFailure:
        """One exchange. ``headers`` replaces ``request.headers`` (the driver adds its
        User-Agent); ``extra_headers`` follow them, left out of the cache of request heads
        (a signature: new on every request); ``url`` (without the query) names the request
        in messages."""
        started = time.perf_counter()
        url = url or request.url.split("?", 1)[0]
        try:
            scheme, host, port, host_header, target = _split(request.url)
            wire = _head(request.method, target, host_header,
                         request.headers if headers is None else headers, request.content,
                         extra_headers)
        except (ValueError, UnicodeError) as exc:
            return TransportFailure("transport", f"request to {url} failed: {exc}",
                                    time.perf_counter() - started)
        if request.content:
            wire += request.content
        key = (scheme, host, port)
        connection: _Connection | None = None
        try:
            for attempt in (1, 2):
                try:
                    connection = self._checkout(key, timeout)
                except TimeoutError:
                    return TransportFailure("timeout", f"connecting to {url} timed out",
                                            time.perf_counter() - started)
                except OSError as exc:
                    return TransportFailure("connect",
                                            f"cannot connect to {url}: {_detail(exc)}",
                                            time.perf_counter() - started)
                sent = False
                try:
                    connection.sock.sendall(wire)
                    sent = True
                    return self._receive(connection, key, request.method, max_bytes,
                                         started)
                except (_ClosedEarly, ConnectionError) as exc:
                    connection.close()
                    retry = connection.reused and attempt == 1 and (
                        not sent or request.method in IDEMPOTENT_METHODS)
                    connection = None
                    if not retry:
                        detail = ("the server closed the connection without a response"
                                  if isinstance(exc, _ClosedEarly) else _detail(exc))
                        return TransportFailure("transport", f"request to {url} failed: "
                                                f"{detail}", time.perf_counter() - started)
            raise AssertionError("unreachable")  # pragma: no cover
        except (TimeoutError, BlockingIOError):  # BlockingIOError: a kernel timeout
            failure = TransportFailure("timeout", f"request to {url} timed out",
                                       time.perf_counter() - started)
        except _TooLarge:
            failure = TransportFailure("too-large", f"the response of {url} is larger than "
                                       f"the {max_bytes} bytes limit (max_response_bytes)",
                                       time.perf_counter() - started)
        except _ProtocolError as exc:
            failure = TransportFailure("transport", f"request to {url} failed: {exc}",
                                       time.perf_counter() - started)
        except OSError as exc:
            failure = TransportFailure("transport", f"request to {url} failed: "
                                       f"{_detail(exc)}", time.perf_counter() - started)
        if connection is not None:
            connection.close()
        return failure

    def _receive(self, connection: _Connection, key: tuple[str, str, int], method: str,
                 max_bytes: int, started: float) -> ResponseData:
        while True:
            head = connection.read_head()
            status, http11, fields = _parse_head(head)
            if status >= 200 or status == 101:
                break
            connection.reused = False  # a response has begun: no resend from here on
        connection_tokens, codings, lengths = _framing(fields)
        keep_alive = ("close" not in connection_tokens if http11
                      else "keep-alive" in connection_tokens)
        if method == "HEAD" or status in (204, 304) or status < 200:
            content = b""
        elif codings:
            if codings[-1] != "chunked":
                raise _ProtocolError(f"unsupported Transfer-Encoding {codings[-1]!r}")
            content = connection.read_chunked(max_bytes)
        elif lengths:
            if len(lengths) > 1 or not next(iter(lengths)).isdigit():
                raise _ProtocolError(f"bad Content-Length {', '.join(sorted(lengths))!r}")
            size = int(next(iter(lengths)))
            if size > max_bytes:
                raise _TooLarge
            parts: list[bytes] = []
            connection.read_exact(size, parts)
            content = parts[0] if len(parts) == 1 else b"".join(parts)
        else:
            content = connection.read_to_close(max_bytes)
            keep_alive = False
        if keep_alive and status != 101 and not connection.buffer:
            self._checkin(key, connection)
        else:
            connection.close()
        return ResponseData(status, Headers(fields), content, time.perf_counter() - started)


def _detail(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
