"""A small real HTTP server on loopback that scripts responses and records requests.

    with ScriptedServer() as server:
        server.route("GET", "/pets/{id}", Reply(200, json={"id": 1}))
        server.route("POST", "/", Reply(200, json={...}),
                     when=lambda r: r.headers.get("x-amz-target") == "SageMaker.X")
        ... server.url ...
        server.requests  # [Recorded(method, path, query, headers, body)]

A route holds a sequence of replies (or callables ``request -> Reply``) used in order; the
last one repeats. Unmatched requests get 404 with a JSON body naming the request. Responses
are written in one ``write`` with TCP_NODELAY set (no delayed-ACK stall).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["Recorded", "Reply", "ScriptedServer"]

_UNSET: Any = object()


@dataclass
class Reply:
    status: int = 200
    json: Any = _UNSET
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0

    def encode(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.json is not _UNSET:
            data = json.dumps(self.json).encode()
            headers.setdefault("Content-Type", self.content_type or "application/json")
        else:
            data = self.body.encode() if isinstance(self.body, str) else self.body
            if self.content_type:
                headers.setdefault("Content-Type", self.content_type)
        return data, headers


@dataclass
class Recorded:
    method: str
    path: str
    raw_path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    #: the client's port: requests with the same one came over the same connection
    peer: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def target(self) -> str | None:
        return self.headers.get("x-amz-target")


Responder = Reply | Callable[[Recorded], Reply]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    when: Callable[[Recorded], bool] | None
    replies: list[Responder]
    index: int = 0
    hits: int = 0

    def next_reply(self, request: Recorded) -> Reply:
        reply = self.replies[min(self.index, len(self.replies) - 1)]
        self.index += 1
        self.hits += 1
        return reply(request) if callable(reply) else reply


def _compile_path(path: str) -> re.Pattern[str]:
    out = ""
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{") and piece.endswith("}"):
            out += r"[^/]+"
        else:
            out += re.escape(piece)
    return re.compile("^" + out + "$")


class ScriptedServer:
    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------------------------

    def route(self, method: str, path: str, *replies: Responder,
              when: Callable[[Recorded], bool] | None = None) -> _Route:
        route = _Route(method.upper(), _compile_path(path), when, list(replies) or [Reply()])
        with self.lock:
            self.routes.append(route)
        return route

    def target(self, amz_target: str, *replies: Responder, path: str = "/") -> _Route:
        """A POST route selected by its X-Amz-Target header (AWS JSON protocols)."""
        return self.route("POST", path, *replies,
                          when=lambda r: r.headers.get("x-amz-target") == amz_target)

    def reset(self) -> None:
        with self.lock:
            self.routes.clear()
            self.requests.clear()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    def _dispatch(self, request: Recorded) -> Reply:
        with self.lock:
            self.requests.append(request)
            for route in self.routes:
                if route.method != request.method or not route.pattern.match(request.raw_path):
                    continue
                if route.when is not None and not route.when(request):
                    continue
                return route.next_reply(request)
        return Reply(404, json={"error": "no route", "method": request.method,
                                "path": request.path})

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ScriptedServer:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorded = Recorded(
                    self.command, unquote(parts.path), parts.path, parse_qs(parts.query,
                                                                keep_blank_values=True),
                    parts.query, {k.lower(): v for k, v in self.headers.items()}, body,
                    self.client_address[1])
                reply = scripted._dispatch(recorded)
                if reply.delay:
                    time.sleep(reply.delay)
                data, headers = reply.encode()
                if reply.status in (204, 304) or 100 <= reply.status < 200:
                    data = b""  # no body allowed (RFC 9110)
                lines = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
                headers.setdefault("Content-Length", str(len(data)))
                for key, value in headers.items():
                    lines.append(f"{key}: {value}")
                head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                try:
                    self.wfile.write(head + (b"" if self.command == "HEAD" else data))
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A loopback port with nothing listening (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
