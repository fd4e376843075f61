"""The default sync transport (arazzo.transports._client.HTTPClient) against real sockets
on loopback.

Each test scripts a raw server byte by byte, so framing, keep-alive, stale connections,
limits and malformed responses are exercised exactly; the URL encoding and the Host header
are compared with httpx's (the transport the client replaced as the default).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from server import Reply, ScriptedServer

from arazzo.engine._messages import Headers, ResponseData, TransportFailure
from arazzo.engine._requests import RequestSpec
from arazzo.transports._client import HTTPClient, _split

Handler = Callable[["RawServer", socket.socket, int], None]


class RawServer:
    """Accepts connections on loopback; ``handler(server, conn, n)`` scripts the n-th
    connection (``server.read_request(conn)`` reads one request)."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            index = self.connections
            self.connections += 1
            threading.Thread(target=self._one, args=(conn, index), daemon=True).start()

    def _one(self, conn: socket.socket, index: int) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            with conn:
                self.handler(self, conn, index)
        except (OSError, ssl.SSLError):
            pass
        except BaseException as exc:  # pragma: no cover - reported by the test
            self.errors.append(exc)

    def read_request(self, conn: socket.socket) -> bytes | None:
        """One request (head and Content-Length body), or None at end of stream."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += conn.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + rest)
        return head

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def raw() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Handler, **kwargs: object) -> RawServer:
        server = RawServer(handler, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
        assert not server.errors


@pytest.fixture
def client() -> Iterator[HTTPClient]:
    with HTTPClient() as c:
        yield c


def spec(url: str, method: str = "GET", headers: list[tuple[str, str]] | None = None,
         content: bytes | None = None) -> RequestSpec:
    return RequestSpec("api", method, url, headers or [], content)


def send(client: HTTPClient, request: RequestSpec, *, timeout: float = 5.0,
         max_bytes: int = 1 << 20) -> ResponseData | TransportFailure:
    return client.send(request, timeout=timeout, max_bytes=max_bytes)


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"


def serve_forever(response: bytes) -> Handler:
    def handler(srv: RawServer, conn: socket.socket, _index: int) -> None:
        while srv.read_request(conn) is not None:
            conn.sendall(response)
    return handler


# -- exchanges and keep-alive ---------------------------------------------------------


def test_keep_alive_reuses_one_connection(raw: Callable[..., RawServer],
                                          client: HTTPClient) -> None:
    server = raw(serve_forever(OK))
    for _ in range(5):
        result = send(client, spec(server.url + "/x"))
        assert isinstance(result, ResponseData)
        assert (result.status_code, result.content) == (200, b'{"ok":true}')
        assert result.headers["content-type"] == "application/json"
    assert server.connections == 1
    assert client.idle_connections() == 1


def test_request_bytes_match_what_httpx_would_send(raw: Callable[..., RawServer],
                                                   client: HTTPClient) -> None:
    server = raw(serve_forever(OK))
    send(client, spec(server.url + "/a b/é?q=x y&r=1|2", "POST",
                      [("X-Tag", "t"), ("User-Agent", "me")], b'{"n":1}'))
    send(client, spec(server.url + "/empty", "POST"))
    first, second = server.requests
    assert first.startswith(b"POST /a%20b/%C3%A9?q=x%20y&r=1|2 HTTP/1.1\r\n"
                            b"Host: 127.0.0.1:" + str(server.port).encode() + b"\r\n")
    assert b"X-Tag: t\r\nUser-Agent: me\r\nContent-Length: 7\r\n\r\n{\"n\":1}" in first
    assert second.endswith(b"Content-Length: 0\r\n\r\n")  # POST without a body, as httpx


@pytest.mark.parametrize("url", [
    "http://h/p!$&'()*+,;=:@[]|^\\%41%zz~`{}\"<>?q=!$&'()*+,;=:@/?[]|^\\`{}\"<> ~%20",
    "http://h/a b/é?x=é y", "http://h", "http://h?x=1", "http://h/a/?", "http://u:p@h:80/x",
    "http://[::1]:8080/x", "https://H.Example:443/x#frag", "http://bücher.de/x",
    "http://h:8080/x?y#z",
])
def test_target_and_host_header_match_httpx(url: str) -> None:
    _scheme, _host, _port, host_header, target = _split(url)
    assert target == httpx.URL(url).raw_path.decode()
    assert host_header == httpx.Request("GET", url).headers["host"]


def test_a_connection_the_server_closed_while_idle_is_replaced(
        raw: Callable[..., RawServer], client: HTTPClient) -> None:
    def once(srv: RawServer, conn: socket.socket, _index: int) -> None:
        srv.read_request(conn)
        conn.sendall(OK)  # keep-alive by HTTP/1.1 default, then closed anyway

    server = raw(once)
    assert isinstance(send(client, spec(server.url)), ResponseData)
    time.sleep(0.05)  # the close reaches the idle connection
    result = send(client, spec(server.url))
    assert isinstance(result, ResponseData), result
    assert server.connections == 2


@pytest.mark.parametrize(("method", "resent"), [("GET", True), ("PUT", True),
                                                ("POST", False), ("PATCH", False)])
def test_a_reused_connection_closed_without_answer_is_resent_only_if_idempotent(
        raw: Callable[..., RawServer], client: HTTPClient, method: str,
        resent: bool) -> None:
    def handler(srv: RawServer, conn: socket.socket, index: int) -> None:
        srv.read_request(conn)
        conn.sendall(OK)
        if index == 0:
            srv.read_request(conn)  # the second request is read, then dropped unanswered
            return
        while srv.read_request(conn) is not None:
            conn.sendall(OK)

    server = raw(handler)
    assert isinstance(send(client, spec(server.url, method)), ResponseData)
    result = send(client, spec(server.url, method))
    if resent:
        assert isinstance(result, ResponseData), result
        assert len(server.requests) == 3
    else:
        assert isinstance(result, TransportFailure)
        assert result.code == "transport"
        assert "closed the connection without a response" in result.message
        assert len(server.requests) == 2  # never sent twice: the server may have acted on it


def test_connection_close_is_honoured(raw: Callable[..., RawServer],
                                      client: HTTPClient) -> None:
    server = raw(serve_forever(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"))
    for _ in range(2):
        result = send(client, spec(server.url))
        assert isinstance(result, ResponseData)
        assert result.content == b"hi"
    assert server.connections == 2
    assert client.idle_connections() == 0


# -- framing ------------------------------------------------------------------------------


def test_chunked_body_with_extensions_and_trailers(raw: Callable[..., RawServer],
                                                   client: HTTPClient) -> None:
    server = raw(serve_forever(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"))
    for _ in range(2):  # and the connection stays usable after the trailers
        result = send(client, spec(server.url))
        assert isinstance(result, ResponseData)
        assert result.content == b"hello world"
    assert server.connections == 1


def test_body_delimited_by_close(raw: Callable[..., RawServer],
                                 client: HTTPClient) -> None:
    def handler(srv: RawServer, conn: socket.socket, _index: int) -> None:
        srv.read_request(conn)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        conn.sendall(b"all of ")
        conn.sendall(b"it")

    server = raw(handler)
    result = send(client, spec(server.url))
    assert isinstance(result, ResponseData)
    assert result.content == b"all of it"
    assert client.idle_connections() == 0


@pytest.mark.parametrize(("method", "status"), [("HEAD", 200), ("GET", 204), ("GET", 304)])
def test_responses_without_a_body(raw: Callable[..., RawServer], client: HTTPClient,
                                  method: str, status: int) -> None:
    server = raw(serve_forever(
        f"HTTP/1.1 {status} X\r\nContent-Length: 11\r\n\r\n".encode()))
    for _ in range(2):  # the advertised length is not read: the connection stays in sync
        result = send(client, spec(server.url, method))
        assert isinstance(result, ResponseData)
        assert (result.status_code, result.content) == (status, b"")
    assert server.connections == 1


def test_interim_1xx_responses_are_skipped(raw: Callable[..., RawServer],
                                           client: HTTPClient) -> None:
    server = raw(serve_forever(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK))
    result = send(client, spec(server.url, "POST", content=b"x"))
    assert isinstance(result, ResponseData)
    assert result.status_code == 200
    assert "link" not in result.headers


def test_repeated_header_fields(raw: Callable[..., RawServer],
                                client: HTTPClient) -> None:
    """Repeated fields join, folded lines join; a value loses only SP / HTAB around it (RFC
    9110 OWS): obs-text such as 0xA0 (a no-break space once decoded) stays, as h11 keeps it."""
    server = raw(serve_forever(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Folded: one\r\n two\r\nset-cookie: b=2\r\n"
        b"X-Padded: \t caf\xe9\xa0 \r\nContent-Length: 0\r\n\r\n"))
    result = send(client, spec(server.url))
    assert isinstance(result, ResponseData)
    assert result.headers["SET-COOKIE"] == "a=1, b=2"
    assert result.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert result.headers["x-folded"] == "one two"
    assert result.headers["x-padded"] == "caf\xe9\xa0"
    assert ("set-cookie", "b=2") in result.headers.multi_items()


# -- limits and broken servers ------------------------------------------------------------


@pytest.mark.parametrize("response", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b"x" * 2000,
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"400\r\n" + b"x" * 1024
    + b"\r\n" + b"400\r\n" + b"x" * 1024 + b"\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 2000,
], ids=["content-length", "chunked", "read-to-close"])
def test_a_body_over_the_limit_is_too_large(raw: Callable[..., RawServer],
                                            client: HTTPClient, response: bytes) -> None:
    server = raw(serve_forever(response))
    result = send(client, spec(server.url + "/big?token=s3cret"), max_bytes=1500)
    assert isinstance(result, TransportFailure)
    assert result.code == "too-large"
    assert result.message == (f"the response of {server.url}/big is larger than the 1500 "
                              "bytes limit (max_response_bytes)")


@pytest.mark.parametrize(("response", "says"), [
    (b"HTTP/2 200 OK\r\n\r\n", "malformed status line"),
    (b"garbage\r\n\r\n", "malformed status line"),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", "Content-Length"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "before the end of the body"),
    (b"HTTP/1.1 200 OK\r\nX: " + b"y" * 70_000, "larger than 64 KiB"),
])
def test_broken_responses_are_transport_failures(raw: Callable[..., RawServer],
                                                 client: HTTPClient, response: bytes,
                                                 says: str) -> None:
    def handler(srv: RawServer, conn: socket.socket, _index: int) -> None:
        srv.read_request(conn)
        conn.sendall(response)

    server = raw(handler)
    result = send(client, spec(server.url + "/p"))
    assert isinstance(result, TransportFailure)
    assert result.code == "transport"
    assert result.message.startswith(f"request to {server.url}/p failed: ")
    assert says in result.message
    assert client.idle_connections() == 0


def test_a_silent_server_times_out(raw: Callable[..., RawServer],
                                   client: HTTPClient) -> None:
    release = threading.Event()

    def handler(srv: RawServer, conn: socket.socket, _index: int) -> None:
        srv.read_request(conn)
        release.wait(5)

    server = raw(handler)
    started = time.monotonic()
    result = send(client, spec(server.url + "/slow"), timeout=0.3)
    release.set()
    assert isinstance(result, TransportFailure)
    assert (result.code, result.message) == ("timeout", f"request to {server.url}/slow "
                                                        "timed out")
    assert 0.25 < time.monotonic() - started < 3


def test_a_reused_connection_takes_the_new_timeout(raw: Callable[..., RawServer],
                                                   client: HTTPClient) -> None:
    release = threading.Event()

    def handler(srv: RawServer, conn: socket.socket, _index: int) -> None:
        srv.read_request(conn)
        conn.sendall(OK)
        srv.read_request(conn)
        release.wait(5)

    server = raw(handler)
    assert isinstance(send(client, spec(server.url), timeout=10), ResponseData)
    started = time.monotonic()
    result = send(client, spec(server.url), timeout=0.3)  # the run's deadline is near
    release.set()
    assert isinstance(result, TransportFailure)
    assert result.code == "timeout"
    assert 0.25 < time.monotonic() - started < 3
    assert server.connections == 1


def test_a_refused_connection_is_a_connect_failure(client: HTTPClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = send(client, spec(f"http://127.0.0.1:{port}/x"))
    assert isinstance(result, TransportFailure)
    assert result.code == "connect"
    assert result.message.startswith(f"cannot connect to http://127.0.0.1:{port}/x: ")


@pytest.mark.parametrize(("headers", "says"), [
    ([("X-Evil", "a\r\nInjected: 1")], "contains CR, LF or NUL"),
    ([("X-Evil", "a\nb")], "contains CR, LF or NUL"),
    ([("X-Evil", "a\x00b")], "contains CR, LF or NUL"),
    ([("Bad Name", "v")], "invalid header name"),
    ([("X-Name", "Zoë")], "is not ASCII"),
])
def test_headers_that_would_corrupt_the_request_are_refused(
        raw: Callable[..., RawServer], client: HTTPClient,
        headers: list[tuple[str, str]], says: str) -> None:
    server = raw(serve_forever(OK))
    for _ in range(2):  # refused every time (the request head is cached, a refusal is not)
        result = send(client, spec(server.url + "/h", headers=headers))
        assert isinstance(result, TransportFailure)
        assert result.code == "transport"
        assert says in result.message
    assert server.connections == 0  # nothing was sent


def test_control_characters_in_the_url_are_refused(client: HTTPClient) -> None:
    result = send(client, spec("http://127.0.0.1:9/a\r\nHost: evil"))
    assert isinstance(result, TransportFailure)
    assert "control character" in result.message


def test_concurrent_threads_share_the_pool(raw: Callable[..., RawServer],
                                           client: HTTPClient) -> None:
    def echo(srv: RawServer, conn: socket.socket, _index: int) -> None:
        while (head := srv.read_request(conn)) is not None:
            path = head.split(b" ")[1]
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(path), path))

    server = raw(echo)
    wrong: list[object] = []

    def worker(n: int) -> None:
        for i in range(40):
            result = send(client, spec(f"{server.url}/{n}/{i}"))
            if not isinstance(result, ResponseData) or result.content != f"/{n}/{i}".encode():
                wrong.append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert server.connections <= 8


# -- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "arazzo test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_https_with_a_trusted_certificate(raw: Callable[..., RawServer],
                                          certificate: tuple[Path, Path]) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*certificate)
    server = raw(serve_forever(OK), tls=server_context)
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    with HTTPClient(ssl_context=trusting) as c:
        for _ in range(3):
            result = send(c, spec(server.url + "/secure"))
            assert isinstance(result, ResponseData)
            assert result.content == b'{"ok":true}'
    assert server.connections == 1


def test_https_refuses_an_untrusted_certificate(raw: Callable[..., RawServer],
                                                client: HTTPClient,
                                                certificate: tuple[Path, Path]) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*certificate)
    server = raw(serve_forever(OK), tls=server_context)
    result = send(client, spec(server.url + "/secure"))  # certifi's bundle: not trusted
    assert isinstance(result, TransportFailure)
    assert result.code == "connect"
    assert "CERTIFICATE_VERIFY_FAILED" in result.message


# -- Headers and the run path -------------------------------------------------------------


def test_headers_mapping() -> None:
    headers = Headers([("Content-Type", "a/b"), ("X-Token", "secret"), ("x-token", "two")])
    assert headers["content-type"] == headers.get("CONTENT-TYPE") == "a/b"
    assert headers.get("missing", "d") == "d"
    assert "X-TOKEN" in headers
    not_a_name: object = 3
    assert not_a_name not in headers
    assert list(headers) == ["content-type", "x-token"]
    assert len(headers) == 2
    assert headers["x-token"] == "secret, two"
    assert headers.raw_items()[1] == ("X-Token", "secret")
    assert headers == {"Content-Type": "a/b", "x-token": "secret, two"}
    assert "secret" not in repr(headers)


def test_a_sync_run_over_http_never_imports_httpx(server: ScriptedServer,
                                                  tmp_path: Path) -> None:
    """The default transport is the whole HTTP stack of a sync run: httpx (~75 ms of
    imports) is loaded only for httpx transports, SigV4 signing and async runs."""
    url = server.url
    server.route("GET", "/ping", Reply(200, json={"pong": True}))
    program = f"""
import json, sys, arazzo
doc = '''
arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: api, url: ./api.json, type: openapi}}]
workflows:
  - workflowId: w
    steps:
      - stepId: ping
        operationId: ping
        successCriteria: [{{condition: $statusCode == 200}}]
        outputs: {{pong: $response.body#/pong}}
    outputs: {{pong: $steps.ping.outputs.pong}}
'''
open('flow.arazzo.yaml', 'w').write(doc)
json.dump({{'openapi': '3.1.0', 'info': {{'title': 'a', 'version': '1'}},
           'servers': [{{'url': '{url}'}}],
           'paths': {{'/ping': {{'get': {{'operationId': 'ping',
                      'responses': {{'200': {{'description': 'ok'}}}}}}}}}}}},
          open('api.json', 'w'))
result = arazzo.run('flow.arazzo.yaml', 'w')
print(json.dumps([result.outputs, 'httpx' in sys.modules]))
"""
    proc = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"pong": True}, False]
    assert len(server.requests) == 1
