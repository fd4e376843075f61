"""Our SigV4 signer against botocore's ``SigV4Auth``, through the paths users hit.

Each request is sent the way a run sends it (``send_sync`` -> ``SigV4Transport.send_spec``
-> the project's client) or the way an httpx user sends it
(``httpx.Client(transport=SigV4Transport(...))``) to a raw socket server that records the
request as it arrived: request line, every header line in order, body. botocore's
``SigV4Auth.add_auth`` then signs the same request (the caller's headers, the URL as it
arrived) at the same frozen second, and the signing headers must be byte-identical:
``Authorization``, ``X-Amz-Date`` (or the rewritten ``Date``), ``X-Amz-Security-Token``,
``X-Amz-Content-Sha256``. Every header botocore signed must also have arrived with the value
it signed: what the server checks is what was signed.
"""

from __future__ import annotations

import datetime
import functools
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo.aws import AwsCredentials, SigV4Transport
from arazzo.aws._sigv4 import SigV4Signer, plan_url
from arazzo.engine._messages import RequestSpec, ResponseData
from arazzo.transports._client import HTTPClient, _split
from arazzo.transports._httpx import send_sync, with_user_agent

NOW = 1_717_171_717.75  # 2024-05-31T16:08:37Z (the fraction is dropped, as botocore drops it)
KEY = "AKIDEXAMPLEDIFF00000"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//token+with/odd=chars"
COMPARED = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
            "date")
#: what the transport never hands to the signer (botocore would not get them either)
DROPPED = {"authorization", "x-amz-date", "x-amz-security-token", "transfer-encoding"}


# -- a server that records requests exactly as they arrive ------------------------------------

@dataclass
class Wire:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


class RawServer:
    """HTTP/1.1 on loopback, keep-alive; records each request's head lines as received."""

    def __init__(self) -> None:
        self.requests: list[Wire] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = [(n, v.strip(" \t")) for n, _, v in
                           (line.partition(":") for line in lines[1:])]
                length = int(next((v for n, v in headers if n.lower() == "content-length"),
                                  "0"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                self.requests.append(Wire(method, target, headers, body))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 2\r\n\r\n{}")

    def close(self) -> None:
        self._sock.close()


@pytest.fixture(scope="module")
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()
    _CLIENT.close()


_CLIENT = HTTPClient()  # the run path's client: one pool, closed with the server


# -- botocore, frozen -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _frozen_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = datetime.datetime.fromtimestamp(int(NOW), datetime.timezone.utc).replace(
        tzinfo=None)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: frozen)


@dataclass
class Expected:
    """What botocore did: the signing headers it set, and its canonical headers block."""

    headers: dict[str, str]
    canonical: str

    def get(self, name: str) -> str | None:
        return self.headers.get(name)


def botocore_signs(method: str, url: str, headers: Sequence[tuple[str, str]],
                   body: bytes | None, service: str, region: str,
                   token: str | None) -> Expected:
    """``SigV4Auth.add_auth`` of the request: its headers after signing (by lower-cased
    name; repeated ones joined) and the canonical headers it signed."""
    request = AWSRequest(method=method, url=url, data=body or b"")
    for name, value in headers:
        if name.lower() not in DROPPED:
            request.headers[name] = value  # email.message: a repeated name is appended
    auth = SigV4Auth(Credentials(KEY, SECRET, token), service, region)
    auth.add_auth(request)
    signed: dict[str, str] = {}
    for name, value in request.headers.items():
        lower = name.lower()
        signed[lower] = f"{signed[lower]},{value}" if lower in signed else value
    to_sign = auth.headers_to_sign(request)
    del to_sign["authorization"]  # set by the signing itself
    return Expected(signed, auth.canonical_headers(to_sign))


def assert_same_signature(wire: Wire, expected: Expected, service: str,
                          region: str) -> None:
    for name in COMPARED:
        assert wire.get(name) == expected.get(name), name
    # the server's view: botocore's canonical headers of the request as it arrived, restricted
    # to the names signed, are the ones the signature was computed over
    authorization = expected.headers["authorization"]
    names = set(authorization.split("SignedHeaders=")[1].split(",")[0].split(";"))
    arrived = AWSRequest(method=wire.method, url=f"http://127.0.0.1{wire.target}")
    for name, value in wire.headers:
        if name.lower() in names:
            arrived.headers[name] = value
    auth = SigV4Auth(Credentials(KEY, SECRET), service, region)
    assert auth.canonical_headers(auth.headers_to_sign(arrived)) == expected.canonical


# -- the run path: send_sync -> SigV4Transport.send_spec -> HTTPClient ------------------------

def run_path(server: RawServer, method: str, path_and_query: str,
             headers: list[tuple[str, str]], body: bytes | None, *, service: str = "sagemaker",
             region: str = "us-east-1", token: str | None = None) -> tuple[Wire, Expected]:
    transport = SigV4Transport(_CLIENT, service=service, region=region,
                               credentials=AwsCredentials(KEY, SECRET, token),
                               clock=lambda: NOW, retry=None)
    url = f"http://127.0.0.1:{server.port}{path_and_query}"
    spec = RequestSpec("aws", method, url, headers, body)
    before = len(server.requests)
    result = send_sync(transport, spec, timeout=10, max_bytes=1 << 20, url=url)
    assert isinstance(result, ResponseData), result
    assert len(server.requests) == before + 1
    wire = server.requests[-1]
    # botocore signs the request the run asked for, at the URL that arrived
    expected = botocore_signs(method, f"http://127.0.0.1:{server.port}{wire.target}",
                              with_user_agent(headers), body, service, region, token)
    assert wire.body == (body or b"")
    return wire, expected


def httpx_path(server: RawServer, method: str, path_and_query: str,
               headers: list[tuple[str, str]], body: bytes | None, *,
               service: str = "sagemaker", region: str = "us-east-1",
               token: str | None = None) -> tuple[Wire, Expected]:
    seen: list[httpx.Request] = []

    class Keep(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return self.inner.handle_request(request)

        def close(self) -> None:
            self.inner.close()

    transport = SigV4Transport(Keep(), service=service, region=region,
                               credentials=AwsCredentials(KEY, SECRET, token),
                               clock=lambda: NOW, retry=None)
    with httpx.Client(transport=transport) as client:
        request = client.build_request(method, f"http://127.0.0.1:{server.port}{path_and_query}",
                                       headers=headers, content=body)
        caller_headers = [(k.decode(), v.decode()) for k, v in request.headers.raw]
        client.send(request).read()
    wire = server.requests[-1]
    # the caller's request is not modified; a signed copy was sent
    assert [(k.decode(), v.decode()) for k, v in request.headers.raw] == caller_headers
    assert seen[-1] is not request
    expected = botocore_signs(method, f"http://127.0.0.1:{server.port}{wire.target}",
                              caller_headers, body, service, region, token)
    return wire, expected


JSON_HEADERS = [("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "SageMaker.DescribeTrainingJob")]

CASES: list[tuple[str, str, str, list[tuple[str, str]], bytes | None, str, str | None]] = [
    # (id, method, path?query, headers, body, service, token)
    ("json-1.1", "POST", "/", JSON_HEADERS, b'{"TrainingJobName": "job-1"}', "sagemaker", None),
    ("json-1.1 session token", "POST", "/", JSON_HEADERS, b"{}", "sagemaker", TOKEN),
    ("empty body POST", "POST", "/", JSON_HEADERS, b"", "sagemaker", None),
    ("GET no body", "GET", "/2015-03-31/functions/", [], None, "lambda", None),
    ("json-1.0 dynamodb", "POST", "/", [("Content-Type", "application/x-amz-json-1.0"),
                                         ("X-Amz-Target", "DynamoDB_20120810.ListTables")],
     b"{}", "dynamodb", None),
    ("rest-json path", "GET", "/v1/describecomputeenvironments", [
        ("Accept", "application/json")], None, "batch", None),
    ("path with spaces", "GET", "/a b/c  d/", [], None, "execute-api", None),
    ("path with unicode", "GET", "/caf\u00e9/\u65e5\u672c/\U0001f600", [], None,
     "execute-api", None),
    ("path with reserved characters", "GET", "/r/!$&'()*+,;=:@/~x/-_.", [], None,
     "execute-api", None),
    ("path already percent-encoded", "GET", "/a%20b/%2F/%7E/%25", [], None, "execute-api",
     None),
    ("dot segments and double slashes", "GET", "/a/./b/../c//d/", [], None, "execute-api",
     None),
    ("repeated and empty query params", "GET", "/items?b=2&a=1&a=0&empty=&flag&a=", [], None,
     "execute-api", None),
    ("query values needing encoding", "GET",
     "/q?Marker=a b/c&x=%2Fy&u=caf\u00e9&star=*&tilde=~&plus=1+2&eq==&amp=%26", [], None,
     "lambda", None),
    ("query key order kept but sorted for signing", "GET", "/q?z=1&A=2&a=3&_=4&~=5", [], None,
     "execute-api", None),
    ("header values with extra whitespace", "POST", "/", [
        ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "SageMaker.ListModels"),
        ("X-Custom", "  spaced   out\tvalue  "), ("X-Empty", ""), ("X-Tabs", "\ta\t\tb\t")],
     b"{}", "sagemaker", None),
    ("repeated header", "POST", "/", [*JSON_HEADERS, ("X-Multi", "one"), ("x-multi", " two  x ")],
     b"{}", "sagemaker", None),
    ("unsigned headers are not signed", "POST", "/", [
        *JSON_HEADERS, ("X-Amzn-Trace-Id", "Root=1-abc"), ("traceparent", "00-ab-cd-01"),
        ("Expect", "100-continue")], b"{}", "sagemaker", None),
    ("caller's stale signing headers are replaced", "POST", "/", [
        *JSON_HEADERS, ("Authorization", "AWS4-HMAC-SHA256 stale"),
        ("X-Amz-Date", "20000101T000000Z"), ("X-Amz-Security-Token", "stale")], b"{}",
     "sagemaker", TOKEN),
    ("a Date header is rewritten to the signing time", "POST", "/", [
        *JSON_HEADERS, ("Date", "Mon, 01 Jan 2024 00:00:00 GMT")], b"{}", "sagemaker", None),
    ("s3-style unsigned payload", "PUT", "/bucket/key.txt", [
        ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"), ("Content-Type", "text/plain")],
     b"hello", "s3", None),
    ("s3-style payload hash header", "PUT", "/bucket/key%20two.bin", [
        ("x-amz-content-sha256",
         "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")],
     b"hello", "s3", TOKEN),
    ("binary body", "POST", "/upload", [("Content-Type", "application/octet-stream")],
     bytes(range(256)) * 4, "execute-api", None),
    ("a Host header of the caller's", "POST", "/", [
        *JSON_HEADERS, ("Host", "api.sagemaker.eu-west-1.amazonaws.com")], b"{}", "sagemaker",
     None),
]


@pytest.mark.parametrize(("method", "target", "headers", "body", "service", "token"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_run_path_signs_like_botocore(raw_server: RawServer, method: str, target: str,
                                      headers: list[tuple[str, str]], body: bytes | None,
                                      service: str, token: str | None) -> None:
    wire, expected = run_path(raw_server, method, target, headers, body, service=service,
                              region="eu-west-1", token=token)
    assert_same_signature(wire, expected, service, "eu-west-1")


#: httpx refuses header values with surrounding whitespace; a Host header is its own
_HTTPX_CASES = [c for c in CASES if c[0] not in (
    "a Host header of the caller's", "header values with extra whitespace", "repeated header")]


@pytest.mark.parametrize(("method", "target", "headers", "body", "service", "token"),
                         [c[1:] for c in _HTTPX_CASES], ids=[c[0] for c in _HTTPX_CASES])
def test_httpx_path_signs_like_botocore(raw_server: RawServer, method: str, target: str,
                                        headers: list[tuple[str, str]], body: bytes | None,
                                        service: str, token: str | None) -> None:
    wire, expected = httpx_path(raw_server, method, target, headers, body, service=service,
                                region="ap-southeast-2", token=token)
    assert_same_signature(wire, expected, service, "ap-southeast-2")


def test_both_paths_send_the_same_signature_for_a_json_call(raw_server: RawServer) -> None:
    headers = [*JSON_HEADERS, ("User-Agent", "arazzo-python")]
    run_wire, _ = run_path(raw_server, "POST", "/", headers, b"{}", token=TOKEN)
    httpx_wire, _ = httpx_path(raw_server, "POST", "/", headers, b"{}", token=TOKEN)
    # httpx signs the headers it adds itself (Accept, Content-Length...), the client does
    # not: the signatures differ, the date, scope and token do not
    for name in ("x-amz-date", "x-amz-security-token"):
        assert run_wire.get(name) == httpx_wire.get(name)
    scope = f"Credential={KEY}/20240531/us-east-1/sagemaker/aws4_request"
    assert scope in (run_wire.get("authorization") or "")
    assert scope in (httpx_wire.get("authorization") or "")


# -- generated requests -----------------------------------------------------------------------

_SEGMENT = st.text(alphabet=st.sampled_from(list(
    "abcXYZ019-_.~ !$&'()*+,;=:@%\u00e9\u00fc\u4e2d")), min_size=0, max_size=8)
_QUERY_TEXT = st.text(alphabet=st.sampled_from(list(
    "abAB09-_.~ /?:@!$'()*+,;%=\u00e9")), min_size=0, max_size=6)
_HEADER_VALUE = st.text(alphabet=st.sampled_from(list("ab AZ09-_./:;=,\t")), max_size=12)


@st.composite
def _requests(draw: Any) -> tuple[str, str, list[tuple[str, str]], bytes | None, str | None]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    segments = draw(st.lists(_SEGMENT, max_size=4))
    path = "/" + "/".join(s.replace("%", "%25") for s in segments)
    pairs = draw(st.lists(st.tuples(_QUERY_TEXT, _QUERY_TEXT), max_size=4))
    query = "&".join(f"{k.replace('&', '').replace('=', '')}={v.replace('&', '')}"
                     for k, v in pairs if k.replace("&", "").replace("=", ""))
    names = draw(st.lists(st.sampled_from(["X-A", "x-b", "X-Amz-Meta-C", "Content-Type"]),
                          max_size=4))
    headers = [(name, draw(_HEADER_VALUE)) for name in names]
    body = draw(st.one_of(st.none(), st.binary(max_size=64))) if method != "GET" else None
    token = draw(st.one_of(st.none(), st.just(TOKEN)))
    return method, path + (f"?{query}" if query else ""), headers, body, token


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=_requests())
def test_generated_requests_sign_like_botocore(raw_server: RawServer,
                                               request: tuple[Any, ...]) -> None:
    method, target, headers, body, token = request
    wire, expected = run_path(raw_server, method, target, headers, body, token=token)
    assert_same_signature(wire, expected, "sagemaker", "us-east-1")


# -- the signer's own caches ------------------------------------------------------------------

def test_signing_key_is_derived_once_per_secret_day_and_scope(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [NOW]
    signer = SigV4Signer("sagemaker", "us-east-1", clock=lambda: now[0])
    plan = plan_url("https://api.sagemaker.us-east-1.amazonaws.com/", _split)
    creds = Credentials(KEY, SECRET).get_frozen_credentials()
    for _ in range(5):
        signer.sign("POST", plan, JSON_HEADERS, b"{}", creds)
    assert len(signer._keys) == 1
    now[0] += 86_400  # the next day: a new key
    signer.sign("POST", plan, JSON_HEADERS, b"{}", creds)
    other = Credentials(KEY, "another-secret").get_frozen_credentials()
    signer.sign("POST", plan, JSON_HEADERS, b"{}", other)
    assert len(signer._keys) == 3


def _fixed(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def test_the_signer_matches_botocore_across_days_and_seconds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://api.sagemaker.us-east-1.amazonaws.com/"
    plan = plan_url(url, _split)
    for moment in (0.0, 951_782_400.5, NOW, 4_102_444_799.999):  # 1970, 2000-02-29, 2099
        frozen = datetime.datetime.fromtimestamp(int(moment), datetime.timezone.utc).replace(
            tzinfo=None)
        monkeypatch.setattr("botocore.auth.get_current_datetime",
                            functools.partial(_fixed, frozen))
        signer = SigV4Signer("sagemaker", "us-east-1", clock=functools.partial(_fixed, moment))
        kept, signing = signer.sign("POST", plan, JSON_HEADERS, b"{}",
                                    Credentials(KEY, SECRET).get_frozen_credentials())
        expected = botocore_signs("POST", url, JSON_HEADERS, b"{}", "sagemaker", "us-east-1",
                                  None)
        assert {k.lower(): v for k, v in signing} == {
            k: expected.headers[k] for k in ("authorization", "x-amz-date")}
        assert kept == JSON_HEADERS
