"""SigV4Transport against moto's real signature check (IAM auth mode) on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from _aws_helpers import JSON_11, Recorder, call, training_request, unique

from arazzo._exceptions import ArazzoError
from arazzo.aws import (
    AsyncSigV4Transport,
    AwsConfigurationError,
    AwsCredentials,
    AwsCredentialsError,
    AwsScope,
    SageMakerEmulator,
    SigV4Transport,
    check_credentials,
    infer_scope,
    parse_aws_error,
)

pytestmark = pytest.mark.emulator


def _client(emu: SageMakerEmulator, **options: object) -> httpx.Client:
    return httpx.Client(transport=emu.transport(**options), base_url=emu.endpoint_url)


def _list_models(client: httpx.Client) -> httpx.Response:
    return call(client, "ListModels", {})


# -- the signature is checked ---------------------------------------------------------------

def test_correctly_signed_request_passes(emu: SageMakerEmulator) -> None:
    name = unique("signed")
    with _client(emu) as client:
        response = call(client, "CreateTrainingJob", training_request(name))
    assert response.status_code == 200
    # an unsigned request would be routed to S3 and answer XML: check the protocol too
    assert response.headers["content-type"].startswith(JSON_11)
    assert response.json()["TrainingJobArn"].endswith(f"training-job/{name}")
    assert "authorization" not in response.request.headers  # caller's request untouched


def test_wrong_secret_is_rejected(emu: SageMakerEmulator) -> None:
    bad = AwsCredentials(emu.credentials.access_key_id, "not-the-secret")
    with _client(emu, credentials=bad) as client:
        response = _list_models(client)
    assert response.status_code == 403
    error = parse_aws_error(response.status_code, response.headers, response.content)
    assert error is not None
    assert error.code == "SignatureDoesNotMatch"
    assert error.kind == "auth"
    assert error.hint is not None
    assert "secret" in error.hint


class _Tamper(httpx.BaseTransport):
    """Changes one byte of the body after the SigV4 transport signed it."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read().replace(b"a", b"b", 1)
        altered = httpx.Request(request.method, request.url, headers=request.headers,
                                content=body)
        return self.inner.handle_request(altered)

    def close(self) -> None:
        self.inner.close()


def test_body_altered_after_signing_is_rejected(emu: SageMakerEmulator) -> None:
    transport = SigV4Transport(_Tamper(), service="sagemaker", region=emu.region,
                               credentials=emu.credentials)
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        response = call(client, "DescribeTrainingJob", {"TrainingJobName": "abc"})
    assert response.status_code == 403
    error = parse_aws_error(response.status_code, response.headers, response.content)
    assert error is not None
    assert error.code == "SignatureDoesNotMatch"


def test_unknown_access_key_is_rejected(emu: SageMakerEmulator) -> None:
    stranger = AwsCredentials("AKIAUNKNOWNKEY000000", "whatever-secret")
    with _client(emu, credentials=stranger) as client:
        response = _list_models(client)
    assert response.status_code == 403
    error = parse_aws_error(response.status_code, response.headers, response.content)
    assert error is not None
    assert error.code == "InvalidClientTokenId"


def test_auth_errors_are_not_retried(emu: SageMakerEmulator) -> None:
    events: list[object] = []
    bad = AwsCredentials(emu.credentials.access_key_id, "nope")
    with _client(emu, credentials=bad, on_retry=events.append) as client:
        assert _list_models(client).status_code == 403
    assert events == []
    assert emu.operations == ["SageMaker.ListModels"]



@pytest.mark.parametrize(
    ("service", "path", "headers", "protocol"),
    [
        # AWS JSON 1.0
        ("dynamodb", "/", {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                           "Content-Type": "application/x-amz-json-1.0"}, "json"),
        # REST-JSON
        ("batch", "/v1/describecomputeenvironments", {"Content-Type": "application/json"},
         "rest-json"),
    ],
)
def test_other_json_protocols_are_signed_correctly(
    emu: SageMakerEmulator, service: str, path: str, headers: dict[str, str], protocol: str
) -> None:
    # The emulator's key may only call sagemaker:*, so a *valid* signature for another
    # service is answered AccessDenied, and an invalid one SignatureDoesNotMatch.
    good = SigV4Transport(service=service, region="us-east-1", credentials=emu.credentials)
    bad = SigV4Transport(service=service, region="us-east-1",
                         credentials=AwsCredentials(emu.credentials.access_key_id, "bad"))
    codes = []
    for transport in (good, bad):
        with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
            response = client.post(path, content=b"{}", headers=headers)
        error = parse_aws_error(response.status_code, response.headers, response.content,
                                protocol="rest-json" if protocol == "rest-json" else "json")
        assert error is not None
        codes.append(error.code)
    assert codes == ["AccessDenied", "SignatureDoesNotMatch"]


def test_query_strings_are_sent_as_signed() -> None:
    seen = Recorder(handler=lambda request: httpx.Response(200, json={}))
    creds = AwsCredentials("AKIAQUERY00000000000", "secret")
    with httpx.Client(transport=SigV4Transport(seen, credentials=creds)) as client:
        client.get("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/",
                   params={"Marker": "a b/c", "MaxItems": "5"})
    sent = seen.requests[0]
    assert sent.url.query == b"Marker=a%20b%2Fc&MaxItems=5"
    assert "/us-east-1/lambda/aws4_request" in sent.headers["authorization"]

# -- credentials sources ----------------------------------------------------------------------

def test_credentials_from_environment(
    emu: SageMakerEmulator, clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emu.credentials.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emu.credentials.secret_access_key)
    transport = SigV4Transport(service="sagemaker", region=emu.region)
    assert transport.check_credentials() == "env"
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        assert _list_models(client).status_code == 200


def _write_profiles(home: Path, emu: SageMakerEmulator) -> None:
    aws = home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAWRONGDEFAULT0000\n"
        "aws_secret_access_key = wrong\n\n"
        f"[ci]\naws_access_key_id = {emu.credentials.access_key_id}\n"
        f"aws_secret_access_key = {emu.credentials.secret_access_key}\n"
    )
    (aws / "config").write_text("[profile ci]\nregion = us-east-1\n")


def test_credentials_from_profile_via_aws_profile(
    emu: SageMakerEmulator, clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_profiles(clean_aws_env, emu)
    monkeypatch.setenv("AWS_PROFILE", "ci")
    transport = SigV4Transport(service="sagemaker")  # region from the profile's config
    assert transport.check_credentials() == "shared-credentials-file"
    assert transport.resolve_scope(emu.endpoint_url) == ("sagemaker", "us-east-1")
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        assert _list_models(client).status_code == 200


def test_credentials_from_named_profile_argument(
    emu: SageMakerEmulator, clean_aws_env: Path
) -> None:
    _write_profiles(clean_aws_env, emu)
    with _client(emu, credentials=None, profile="ci") as client:
        assert _list_models(client).status_code == 200
    # the default profile holds a wrong key: proves the profile choice matters
    with _client(emu, credentials=None) as client:
        assert _list_models(client).status_code == 403


def test_explicit_credentials_win_over_environment(
    emu: SageMakerEmulator, clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    transport = emu.transport()
    assert transport.check_credentials() == "explicit"
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        assert _list_models(client).status_code == 200


def test_botocore_credentials_objects_are_accepted(emu: SageMakerEmulator) -> None:
    from botocore.credentials import Credentials

    creds = Credentials(emu.credentials.access_key_id, emu.credentials.secret_access_key)
    with _client(emu, credentials=creds) as client:
        assert _list_models(client).status_code == 200


def test_session_token_is_sent_and_signed() -> None:
    seen = Recorder(handler=lambda request: httpx.Response(200, json={}))
    creds = AwsCredentials("AKIATESTTOKEN0000000", "secret", "the-session-token")
    transport = SigV4Transport(seen, credentials=creds)
    with httpx.Client(transport=transport) as client:
        client.post("https://api.sagemaker.eu-west-1.amazonaws.com/", content=b"{}",
                    headers={"X-Amz-Target": "SageMaker.ListModels", "Content-Type": JSON_11})
    sent = seen.requests[0]
    assert sent.headers["x-amz-security-token"] == "the-session-token"
    authorization = sent.headers["authorization"]
    assert "/eu-west-1/sagemaker/aws4_request" in authorization
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-amz-date", "x-amz-security-token", "x-amz-target",
            "content-type"} <= set(signed)


def test_async_transport_signs_and_passes(emu: SageMakerEmulator) -> None:
    async def main() -> list[int]:
        transport = AsyncSigV4Transport(service="sagemaker", region=emu.region,
                                        credentials=emu.credentials)
        async with httpx.AsyncClient(transport=transport, base_url=emu.endpoint_url) as client:
            statuses = []
            for _ in range(3):
                response = await client.post(
                    "/", content=b"{}",
                    headers={"X-Amz-Target": "SageMaker.ListModels", "Content-Type": JSON_11},
                )
                statuses.append(response.status_code)
            return statuses

    assert asyncio.run(main()) == [200, 200, 200]


# -- region / service inference ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api.sagemaker.us-east-1.amazonaws.com", AwsScope("sagemaker", "us-east-1")),
        ("https://api.sagemaker.eu-west-1.amazonaws.com/", AwsScope("sagemaker", "eu-west-1")),
        ("sagemaker.us-west-2.amazonaws.com", AwsScope("sagemaker", "us-west-2")),
        ("api.sagemaker.cn-north-1.amazonaws.com.cn", AwsScope("sagemaker", "cn-north-1")),
        ("api-fips.sagemaker.us-east-1.amazonaws.com", AwsScope("sagemaker", "us-east-1")),
        ("sagemaker-fips.us-gov-west-1.amazonaws.com", AwsScope("sagemaker", "us-gov-west-1")),
        ("runtime.sagemaker.us-east-1.amazonaws.com:443", AwsScope("sagemaker", "us-east-1")),
        ("dynamodb.ap-southeast-2.amazonaws.com", AwsScope("dynamodb", "ap-southeast-2")),
        ("sagemaker.us-east-1.api.aws", AwsScope("sagemaker", "us-east-1")),
        ("abc123.execute-api.eu-central-1.amazonaws.com",
         AwsScope("execute-api", "eu-central-1")),
        ("data.iot.us-east-1.amazonaws.com", AwsScope("iotdata", "us-east-1")),
        ("email.eu-west-1.amazonaws.com", AwsScope("ses", "eu-west-1")),
        ("iam.amazonaws.com", AwsScope("iam", "us-east-1")),
        ("127.0.0.1:5000", AwsScope(None, None)),
        ("example.com", AwsScope(None, None)),
    ],
)
def test_infer_scope(host: str, expected: AwsScope) -> None:
    assert infer_scope(host) == expected


def test_custom_endpoint_without_service_is_a_clear_error(clean_aws_env: Path) -> None:
    seen = Recorder(handler=lambda request: httpx.Response(200))
    transport = SigV4Transport(seen, credentials=AwsCredentials("AKIAX0000000000000", "s"))
    with pytest.raises(AwsConfigurationError, match="service='sagemaker'"):
        transport.resolve_scope("http://127.0.0.1:5000/")
    with httpx.Client(transport=transport) as client, \
            pytest.raises(AwsConfigurationError, match="which AWS service"):
        client.post("http://127.0.0.1:5000/", content=b"{}")
    assert seen.requests == []


def test_custom_endpoint_without_region_is_a_clear_error(clean_aws_env: Path) -> None:
    transport = SigV4Transport(service="sagemaker",
                               credentials=AwsCredentials("AKIAX0000000000000", "s"))
    with pytest.raises(AwsConfigurationError, match="AWS_DEFAULT_REGION"):
        transport.resolve_scope("http://127.0.0.1:5000/")


def test_region_falls_back_to_botocore_config(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    transport = SigV4Transport(service="sagemaker")
    assert transport.resolve_scope("http://127.0.0.1:1/") == ("sagemaker", "eu-north-1")
    # the host wins over the configuration; explicit wins over the host
    assert transport.resolve_scope("https://api.sagemaker.us-west-1.amazonaws.com") == (
        "sagemaker", "us-west-1")
    fallback = SigV4Transport(service="sagemaker", default_region="sa-east-1")
    assert fallback.resolve_scope("http://127.0.0.1:1/") == ("sagemaker", "eu-north-1")
    assert fallback.resolve_scope("https://api.sagemaker.us-west-1.amazonaws.com") == (
        "sagemaker", "us-west-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    fallback = SigV4Transport(service="sagemaker", default_region="sa-east-1")
    assert fallback.resolve_scope("http://127.0.0.1:1/") == ("sagemaker", "sa-east-1")
    explicit = SigV4Transport(service="sagemaker", region="ap-south-1")
    assert explicit.resolve_scope("https://api.sagemaker.us-west-1.amazonaws.com") == (
        "sagemaker", "ap-south-1")


# -- missing credentials ----------------------------------------------------------------------

def test_missing_credentials_fail_before_any_request(clean_aws_env: Path) -> None:
    seen = Recorder(handler=lambda request: httpx.Response(200))
    transport = SigV4Transport(seen)
    with pytest.raises(AwsCredentialsError) as caught:
        transport.check_credentials()
    message = str(caught.value)
    for needle in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                   str(clean_aws_env / ".aws" / "credentials"),
                   str(clean_aws_env / ".aws" / "config"),
                   "SSO", "container", "instance metadata", "aws configure"):
        assert needle in message, needle
    assert isinstance(caught.value, ArazzoError)
    with httpx.Client(transport=transport) as client, pytest.raises(AwsCredentialsError):
        client.post("https://api.sagemaker.us-east-1.amazonaws.com/", content=b"{}")
    assert seen.requests == []
    with pytest.raises(AwsCredentialsError):
        check_credentials()


def test_unknown_profile_is_a_credentials_error(clean_aws_env: Path) -> None:
    with pytest.raises(AwsCredentialsError, match="nosuchprofile"):
        check_credentials(profile="nosuchprofile")


# -- connection reuse ---------------------------------------------------------------------------

class _KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    connections = 0
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with _KeepAliveHandler.lock:
            _KeepAliveHandler.connections += 1

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        body = json.dumps({"auth": self.headers.get("Authorization", "")[:16]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", JSON_11)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def keepalive_server() -> Iterator[str]:
    _KeepAliveHandler.connections = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_transport_reuses_connections(keepalive_server: str) -> None:
    creds = AwsCredentials("AKIAPOOL000000000000", "secret")
    transport = SigV4Transport(service="sagemaker", region="us-east-1", credentials=creds)
    with httpx.Client(transport=transport, base_url=keepalive_server) as client:
        for _ in range(20):
            response = client.post("/", content=b"{}", headers={"Content-Type": JSON_11})
            assert response.json()["auth"] == "AWS4-HMAC-SHA256"
    assert _KeepAliveHandler.connections == 1


def test_one_inner_transport_serves_every_request(emu: SageMakerEmulator) -> None:
    # moto answers `Connection: close`, so count at the transport level instead
    inner = Recorder(httpx.HTTPTransport())
    transport = SigV4Transport(inner, service="sagemaker", region=emu.region,
                               credentials=emu.credentials)
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        for _ in range(5):
            assert _list_models(client).status_code == 200
    assert len(inner.requests) == 5
    dates = {r.headers["x-amz-date"] for r in inner.requests}
    assert dates  # each attempt carries its own signature headers

