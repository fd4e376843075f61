"""The default async transport (arazzo.transports._aclient.AsyncHTTPClient): one process-wide
keep-alive pool that every ``run_async`` shares, on any event loop, against the loopback server
of tests/server.py (which records each request's client port: one port, one connection)."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import ssl
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import test_http_client
from server import Reply, ScriptedServer, closed_port
from test_http_client import OK, RawServer, serve_forever

import arazzo
from arazzo.engine._messages import RequestSpec, ResponseData, TransportFailure
from arazzo.transports._aclient import AsyncHTTPClient
from arazzo.transports._httpx import default_async_client

OPENAPI = """\
openapi: 3.0.3
info: {title: app, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /version:
    get:
      operationId: getVersion
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: versions, version: '1'}
sourceDescriptions:
  - {name: app, url: ./app.openapi.yaml, type: openapi}
workflows:
  - workflowId: check
    steps:
      - stepId: one
        operationId: getVersion
        successCriteria: [{condition: $statusCode == 200}]
      - stepId: two
        operationId: getVersion
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {version: $response.body#/version}
    outputs:
      version: $steps.two.outputs.version
"""


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    (tmp_path / "app.openapi.yaml").write_text(OPENAPI)
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(ARAZZO)
    return path


async def _runs(flow: Path, server: ScriptedServer, count: int) -> list[arazzo.RunResult]:
    return [await arazzo.run_async(flow, "check", {}, servers={"app": server.url})
            for _ in range(count)]


def test_runs_on_one_loop_share_one_connection(flow: Path, server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4.1"}))
    results = asyncio.run(_runs(flow, server, 3))
    assert [r.outputs for r in results] == [{"version": "2.4.1"}] * 3
    assert len(server.requests) == 6
    assert len({r.peer for r in server.requests}) == 1


def test_two_event_loops_in_sequence_both_work_on_the_same_pool(
        flow: Path, server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4.1"}))
    first = asyncio.run(_runs(flow, server, 1))
    second = asyncio.run(_runs(flow, server, 1))  # a new loop: the pool is bound to none
    assert first[0].succeeded, first[0].error
    assert second[0].succeeded, second[0].error
    assert len({r.peer for r in server.requests}) == 1


def test_loops_in_two_threads_both_work(flow: Path, server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4.1"}))
    results: list[arazzo.RunResult] = []

    def work() -> None:
        results.extend(asyncio.run(_runs(flow, server, 2)))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.succeeded for r in results] == [True] * 4
    assert len(server.requests) == 8


def test_concurrent_runs_then_close_leave_no_socket_behind(flow: Path,
                                                         server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4.1"}))

    async def many() -> list[arazzo.RunResult]:
        return await asyncio.gather(*(arazzo.run_async(flow, "check", {},
                                                       servers={"app": server.url})
                                      for _ in range(20)))

    client = AsyncHTTPClient()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        results = asyncio.run(many())
        assert all(r.succeeded for r in results)
        assert default_async_client().idle_connections() >= 1
        default_async_client().close()  # what interpreter exit does
        assert default_async_client().idle_connections() == 0
        client.close()
        gc.collect()


def test_a_timed_out_exchange_closes_its_connection(server: ScriptedServer) -> None:
    server.route("GET", "/slow", Reply(json={}, delay=0.5))
    client = AsyncHTTPClient()
    spec = RequestSpec("app", "GET", f"{server.url}/slow", [])
    result = asyncio.run(client.send(spec, timeout=0.05, max_bytes=1000))
    assert isinstance(result, TransportFailure)
    assert result.code == "timeout"
    assert client.idle_connections() == 0


def test_a_too_large_response_is_a_failure_and_not_pooled(server: ScriptedServer) -> None:
    server.route("GET", "/big", Reply(json={"x": "y" * 100}))
    client = AsyncHTTPClient()
    spec = RequestSpec("app", "GET", f"{server.url}/big", [])
    result = asyncio.run(client.send(spec, timeout=5, max_bytes=10))
    assert isinstance(result, TransportFailure)
    assert result.code == "too-large"
    assert client.idle_connections() == 0
    ok = asyncio.run(client.send(spec, timeout=5, max_bytes=10_000))
    assert isinstance(ok, ResponseData)
    assert ok.status_code == 200
    assert client.idle_connections() == 1
    client.close()


def test_a_refused_connection_is_a_connect_failure() -> None:
    client = AsyncHTTPClient()
    spec = RequestSpec("app", "GET", f"http://127.0.0.1:{closed_port()}/x", [])
    result = asyncio.run(client.send(spec, timeout=5, max_bytes=10))
    assert isinstance(result, TransportFailure)
    assert result.code == "connect"


def test_an_httpx_async_transport_still_serves_a_source(flow: Path,
                                                         server: ScriptedServer) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4.1"}))

    async def main() -> arazzo.RunResult:
        async with httpx.AsyncHTTPTransport() as transport:
            return await arazzo.run_async(flow, "check", {}, servers={"app": server.url},
                                          transports={"app": transport})

    result = asyncio.run(main())
    assert result.outputs == {"version": "2.4.1"}


# -- TLS (ssl.SSLObject over memory BIOs on the pooled sockets) ---------------------------

# the sync client's raw loopback server and self-signed certificate fixtures
raw = test_http_client.raw
certificate = test_http_client.certificate

def _tls_server(raw: Callable[..., RawServer], certificate: tuple[Path, Path],
                response: bytes) -> RawServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return raw(serve_forever(response), tls=context)


def test_https_with_a_trusted_certificate_keeps_one_connection(
        raw: Callable[..., RawServer], certificate: tuple[Path, Path]) -> None:
    server = _tls_server(raw, certificate, OK)
    client = AsyncHTTPClient(ssl_context=ssl.create_default_context(cafile=str(certificate[0])))
    request = RequestSpec("app", "GET", server.url + "/secure", [])

    async def three() -> list[ResponseData | TransportFailure]:
        return [await client.send(request, timeout=5, max_bytes=1000) for _ in range(3)]

    results = asyncio.run(three())
    assert all(isinstance(r, ResponseData) and r.content == b'{"ok":true}' for r in results)
    assert server.connections == 1
    assert client.idle_connections() == 1
    client.close()


def test_https_body_larger_than_the_tls_records_and_reads(
        raw: Callable[..., RawServer], certificate: tuple[Path, Path]) -> None:
    body = json.dumps({"blob": "x" * 300_000}).encode()  # ~19 TLS records, many reads
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    server = _tls_server(raw, certificate, head + body)
    client = AsyncHTTPClient(ssl_context=ssl.create_default_context(cafile=str(certificate[0])))
    payload = b'{"name": "' + b"y" * 200_000 + b'"}'
    request = RequestSpec("app", "POST", server.url + "/upload",
                          [("Content-Type", "application/json")], payload)
    result = asyncio.run(client.send(request, timeout=10, max_bytes=1 << 20))
    assert isinstance(result, ResponseData)
    assert result.content == body
    assert server.requests[0].endswith(payload)  # the whole request body went through TLS
    client.close()


def test_https_refuses_an_untrusted_certificate(
        raw: Callable[..., RawServer], certificate: tuple[Path, Path]) -> None:
    server = _tls_server(raw, certificate, OK)
    client = AsyncHTTPClient()  # certifi's bundle: the test certificate is not trusted
    request = RequestSpec("app", "GET", server.url + "/secure", [])
    result = asyncio.run(client.send(request, timeout=5, max_bytes=1000))
    assert isinstance(result, TransportFailure)
    assert result.code == "connect"
    assert "CERTIFICATE_VERIFY_FAILED" in result.message
    assert client.idle_connections() == 0


def test_https_a_connection_the_server_closed_while_idle_is_replaced(
        raw: Callable[..., RawServer], certificate: tuple[Path, Path]) -> None:
    def one_then_close(srv: RawServer, conn: socket.socket, _index: int) -> None:
        if srv.read_request(conn) is not None:
            conn.sendall(OK)  # then the handler returns: the TLS connection is closed

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = raw(one_then_close, tls=context)
    client = AsyncHTTPClient(ssl_context=ssl.create_default_context(cafile=str(certificate[0])))
    request = RequestSpec("app", "GET", server.url + "/secure", [])

    async def two() -> list[ResponseData | TransportFailure]:
        first = await client.send(request, timeout=5, max_bytes=1000)
        await asyncio.sleep(0.1)  # the server's close reaches the idle socket
        return [first, await client.send(request, timeout=5, max_bytes=1000)]

    results = asyncio.run(two())
    assert all(isinstance(r, ResponseData) and r.status_code == 200 for r in results)
    assert server.connections == 2
    client.close()
