"""Signed runs over the project's own client (``SigV4Transport.send_spec``): what the AWS
provider and the CLI give a run. moto's server checks every signature (IAM mode: the
emulator's ``/moto-api/reset-auth``); the loopback ``server`` fixture records what arrives
for the behaviours moto cannot show (session tokens, refreshed credentials, 5xx and
connection-error retries)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from server import Reply, ScriptedServer, closed_port

import arazzo
from arazzo.aws import (
    AsyncSigV4Transport,
    AwsCredentials,
    RetryEvent,
    SageMakerEmulator,
    SigV4Transport,
)
from arazzo.aws._credentials import FrozenCredentials
from arazzo.engine._messages import RequestSpec, TransportFailure
from arazzo.transports._client import HTTPClient
from arazzo.transports._httpx import send_sync

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "specs" / "amazon-sagemaker" / "arazzo" / \
    "amazon-sagemaker-train-then-deploy-workflow.yml"
INPUTS = ROOT / "specs" / "amazon-sagemaker" / "inputs.emulator.json"
SOURCE = "sagemakerApi"
KEY = "AKIDSIGNEDRUNS000000"
SECRET = "signed-runs-secret-Qx7vN2"
TOKEN = "signed-runs-session-token-IQoJb3JpZ2lu"
_counter = itertools.count()


def _inputs() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(INPUTS.read_text(encoding="utf-8"))
    tag = f"{next(_counter)}-{uuid.uuid4().hex[:6]}"
    for key in ("trainingJobName", "modelName", "endpointConfigName", "endpointName"):
        data[key] = f"{data[key]}-{tag}"
    return data


def _no_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a run opens an httpx transport (signed runs go over the client)."""
    def refuse() -> Any:
        raise AssertionError("an httpx transport was opened")

    monkeypatch.setattr("arazzo._run.default_transport", refuse)
    monkeypatch.setattr("arazzo._run.default_async_transport", refuse)


@pytest.fixture
def emulator_env(emu: SageMakerEmulator, clean_aws_env: Path,
                 monkeypatch: pytest.MonkeyPatch) -> SageMakerEmulator:
    """The emulator's key in the environment (botocore's chain finds it), its region."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emu.credentials.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emu.credentials.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", emu.region)
    return emu


# -- the AWS provider: arazzo.run with nothing but the environment ----------------------------

def test_the_provider_signs_over_the_client_and_moto_verifies(
        emulator_env: SageMakerEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu = emulator_env
    _no_httpx(monkeypatch)
    result = arazzo.run(FLAGSHIP, None, _inputs(), servers={SOURCE: emu.endpoint_url},
                        loop_delay=0)
    assert result.succeeded, result.error
    assert result.outputs["endpointStatus"] == "InService"
    assert {c.status for c in emu.calls} == {200}  # every signature verified
    assert len(emu.calls) == 9


def test_the_provider_path_is_rejected_with_a_wrong_secret(
        emulator_env: SageMakerEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu = emulator_env
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    result = arazzo.run(FLAGSHIP, None, _inputs(), servers={SOURCE: emu.endpoint_url},
                        loop_delay=0)
    assert not result.succeeded
    assert [c.status for c in emu.calls] == [403]  # an auth error is not retried
    assert result.steps[0].error_code == "SignatureDoesNotMatch"
    assert SECRET not in result.to_json()


def test_the_provider_signs_async_runs_over_the_async_client(
        emulator_env: SageMakerEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu = emulator_env
    _no_httpx(monkeypatch)
    result = asyncio.run(arazzo.run_async(FLAGSHIP, None, _inputs(),
                                          servers={SOURCE: emu.endpoint_url}, loop_delay=0))
    assert result.succeeded, result.error
    assert {c.status for c in emu.calls} == {200}


def test_an_async_transport_given_to_run_async_verifies_and_is_rejected_when_wrong(
        emu: SageMakerEmulator) -> None:
    async def run(credentials: AwsCredentials) -> arazzo.RunResult:
        transport = AsyncSigV4Transport(service="sagemaker", region=emu.region,
                                        credentials=credentials)
        try:
            return await arazzo.run_async(FLAGSHIP, None, _inputs(),
                                          servers={SOURCE: emu.endpoint_url},
                                          transports={SOURCE: transport}, loop_delay=0)
        finally:
            await transport.aclose()

    assert asyncio.run(run(emu.credentials)).succeeded
    wrong = asyncio.run(run(AwsCredentials(emu.credentials.access_key_id, SECRET)))
    assert wrong.steps[0].error_code == "SignatureDoesNotMatch"


def test_the_cli_style_transport_sends_specs_and_verifies(emu: SageMakerEmulator) -> None:
    transport = emu.transport()  # what `arazzo run --emulator` passes
    assert transport.sends_specs
    result = arazzo.run(FLAGSHIP, None, _inputs(), servers={SOURCE: emu.endpoint_url},
                        transports={SOURCE: transport}, loop_delay=0)
    assert result.succeeded, result.error
    assert {c.status for c in emu.calls} == {200}


# -- what arrives: tokens, refreshed credentials, retries -------------------------------------

def _scripted_run(server: ScriptedServer, transport: Any) -> arazzo.RunResult:
    return arazzo.run(FLAGSHIP, None, _inputs(), servers={SOURCE: server.url},
                      transports={SOURCE: transport}, loop_delay=0)


def _created() -> Reply:
    return Reply(200, json={"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/x"},
                 content_type="application/x-amz-json-1.1")


def test_the_session_token_is_sent_and_signed(server: ScriptedServer) -> None:
    server.target("SageMaker.CreateTrainingJob", _created())
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=AwsCredentials(KEY, SECRET, TOKEN))
    _scripted_run(server, transport)
    first = server.requests[0]
    assert first.headers["x-amz-security-token"] == TOKEN
    authorization = first.headers["authorization"]
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={KEY}/")
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert signed == ["content-type", "host", "x-amz-date", "x-amz-security-token",
                      "x-amz-target"]


class _Rotating:
    """Refreshable credentials: a new key on every freeze (botocore's RefreshableCredentials
    refreshes inside get_frozen_credentials)."""

    def __init__(self) -> None:
        self.calls = 0

    def get_frozen_credentials(self) -> FrozenCredentials:
        self.calls += 1
        return FrozenCredentials(f"AKIDROTATING{self.calls:08d}", SECRET, TOKEN)


def test_credentials_are_frozen_again_for_every_attempt(server: ScriptedServer) -> None:
    server.target("SageMaker.CreateTrainingJob", Reply(503), _created())
    rotating = _Rotating()
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=rotating, sleep=lambda s: None)
    _scripted_run(server, transport)
    keys = [r.headers["authorization"].split("Credential=")[1].split("/")[0]
            for r in server.requests[:2]]
    assert keys == ["AKIDROTATING00000001", "AKIDROTATING00000002"]


class _Expired:
    def get_frozen_credentials(self) -> FrozenCredentials:
        raise RuntimeError("the SSO token has expired")


def test_a_failed_refresh_fails_the_step_before_anything_is_sent(
        server: ScriptedServer) -> None:
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=_Expired())
    result = _scripted_run(server, transport)
    assert not result.succeeded
    assert server.requests == []
    assert result.error is not None
    assert "AWS credentials could not be refreshed" in result.error


def test_server_errors_are_retried_then_succeed(server: ScriptedServer) -> None:
    server.target("SageMaker.CreateTrainingJob", Reply(503),
                  Reply(500, json={"__type": "InternalFailure", "message": "x"}), _created())
    events: list[RetryEvent] = []
    slept: list[float] = []
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=AwsCredentials(KEY, SECRET),
                               on_retry=events.append, sleep=slept.append,
                               random=lambda: 1.0)
    result = _scripted_run(server, transport)
    create = result.steps[0]
    assert create.step_id == "createTrainingJob"
    assert create.status_code == 200
    assert slept == [0.05, 0.1]
    assert [(e.attempt, e.error_code, e.status_code, e.operation) for e in events] == [
        (1, "503", 503, "SageMaker.CreateTrainingJob"),
        (2, "InternalFailure", 500, "SageMaker.CreateTrainingJob")]
    assert events[0].url == f"{server.url}/"
    # every attempt was signed again (its own signature header)
    assert all(r.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
               for r in server.requests[:3])
    bodies = {r.body for r in server.requests[:3]}
    assert len(bodies) == 1  # the same body, signed again


def test_exhausted_retries_return_the_last_error(server: ScriptedServer) -> None:
    server.target("SageMaker.CreateTrainingJob", Reply(
        400, json={"__type": "ThrottlingException", "message": "Rate exceeded"},
        headers={"x-amz-retry-after": "1200"}))
    slept: list[float] = []
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=AwsCredentials(KEY, SECRET), sleep=slept.append,
                               random=lambda: 0.0)
    result = _scripted_run(server, transport)
    assert len(server.requests) == 3
    assert slept == [1.2, 1.2]  # x-amz-retry-after raised the delays
    assert result.steps[0].error_code == "ThrottlingException"


def test_connection_errors_are_retried_then_fail() -> None:
    events: list[RetryEvent] = []
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=AwsCredentials(KEY, SECRET),
                               on_retry=events.append, sleep=lambda s: None)
    result = arazzo.run(FLAGSHIP, None, _inputs(),
                        servers={SOURCE: f"http://127.0.0.1:{closed_port()}"},
                        transports={SOURCE: transport}, loop_delay=0)
    assert not result.succeeded
    assert [(e.attempt, e.exception, e.status_code) for e in events] == [
        (1, "ConnectError", None), (2, "ConnectError", None)]
    assert result.error is not None
    assert "cannot connect" in result.error


def test_a_request_the_client_cannot_write_is_not_retried() -> None:
    events: list[RetryEvent] = []
    transport = SigV4Transport(HTTPClient(), service="sagemaker", region="us-east-1",
                               credentials=AwsCredentials(KEY, SECRET),
                               on_retry=events.append, sleep=lambda s: None)
    spec = RequestSpec(SOURCE, "POST", f"http://127.0.0.1:{closed_port()}/",
                       [("X-Bad", "caf\u00e9")], b"{}")
    result = send_sync(transport, spec, timeout=5, max_bytes=1024)
    assert isinstance(result, TransportFailure)
    assert "not ASCII" in result.message
    assert events == []


def test_no_secret_leaks_from_a_signed_run(server: ScriptedServer,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.target("SageMaker.CreateTrainingJob", Reply(503), Reply(
        403, json={"__type": "UnrecognizedClientException", "message": "bad token"}))
    events: list[RetryEvent] = []
    transport = SigV4Transport(service="sagemaker", region="us-east-1",
                               credentials=AwsCredentials(KEY, SECRET, TOKEN),
                               on_retry=events.append, sleep=lambda s: None)
    result = _scripted_run(server, transport)
    authorizations = [r.headers["authorization"] for r in server.requests]
    signatures = [a.rsplit("Signature=", 1)[1] for a in authorizations]
    texts = [caplog.text, result.to_json(), repr(transport), str(result.error),
             *(repr(e) for e in events), *(e.describe() for e in events)]
    blob = "\n".join(texts)
    for secret in (KEY, SECRET, TOKEN, *authorizations, *signatures):
        assert secret not in blob
    assert result.steps[0].error_code == "UnrecognizedClientException"
