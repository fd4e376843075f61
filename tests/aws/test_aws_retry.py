"""Standard-mode retries: throttling from the emulator, 5xx, connection errors, exhaustion."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import httpx
import pytest
from _aws_helpers import JSON_11, Recorder, call, unique

from arazzo.aws import (
    AsyncSigV4Transport,
    AwsCredentials,
    RetryEvent,
    RetryPolicy,
    SageMakerEmulator,
    SigV4Transport,
    parse_aws_error,
)

pytestmark = pytest.mark.emulator

CREDS = AwsCredentials("AKIARETRY00000000000", "retry-secret")


def _fixed(value: float) -> Callable[[], float]:
    return lambda: value


def test_throttling_is_retried_and_succeeds(emu: SageMakerEmulator) -> None:
    emu.throttle = {"ListModels": 2}
    events: list[RetryEvent] = []
    slept: list[float] = []
    transport = emu.transport(on_retry=events.append, sleep=slept.append, random=_fixed(0.5))
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        response = call(client, "ListModels", {})
    assert response.status_code == 200
    assert "Models" in response.json()
    assert emu.operations == ["SageMaker.ListModels"] * 3
    assert [c.status for c in emu.calls] == [400, 400, 200]
    # throttling scale 1 s: 0.5 * min(1 * 2**0, 20), 0.5 * min(1 * 2**1, 20)
    assert slept == [0.5, 1.0]
    assert [(e.attempt, e.error_code, e.status_code, e.throttling) for e in events] == [
        (1, "ThrottlingException", 400, True),
        (2, "ThrottlingException", 400, True),
    ]
    assert events[0].operation == "SageMaker.ListModels"
    assert events[0].max_attempts == 3
    assert events[0].request_id
    assert "retry 1/2" in events[0].describe()


def test_exhausted_retries_return_the_last_error_response(emu: SageMakerEmulator) -> None:
    emu.throttle = {"DescribeEndpoint": 10}
    events: list[RetryEvent] = []
    transport = emu.transport(on_retry=events.append, sleep=lambda s: None)
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        response = call(client, "DescribeEndpoint", {"EndpointName": "x"})
    assert response.status_code == 400
    error = parse_aws_error(response.status_code, response.headers, response.content)
    assert error is not None
    assert error.code == "ThrottlingException"
    assert response.json()["message"] == "Rate exceeded"
    assert len(emu.operations) == 3
    assert [e.attempt for e in events] == [1, 2]


def test_max_attempts_is_configurable_and_retries_can_be_switched_off(
    emu: SageMakerEmulator,
) -> None:
    emu.throttle = {"ListEndpoints": 100}
    policy = RetryPolicy(max_attempts=5)
    with httpx.Client(transport=emu.transport(retry=policy, sleep=lambda s: None),
                      base_url=emu.endpoint_url) as client:
        assert call(client, "ListEndpoints", {}).status_code == 400
    assert len(emu.operations) == 5
    emu.reset_records()
    with httpx.Client(transport=emu.transport(retry=None), base_url=emu.endpoint_url) as client:
        assert call(client, "ListEndpoints", {}).status_code == 400
    assert len(emu.operations) == 1


def test_retry_after_header_raises_the_delay(emu: SageMakerEmulator) -> None:
    emu.throttle = {"ListTrainingJobs": 1}
    emu.throttle_retry_after_ms = 1500
    slept: list[float] = []
    transport = emu.transport(sleep=slept.append, random=_fixed(0.0))
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        assert call(client, "ListTrainingJobs", {}).status_code == 200
    assert slept == [1.5]  # max(0, min(1.5, 0 + 5))


def test_non_retryable_errors_are_returned_at_once(emu: SageMakerEmulator) -> None:
    events: list[RetryEvent] = []
    with httpx.Client(transport=emu.transport(on_retry=events.append),
                      base_url=emu.endpoint_url) as client:
        response = call(client, "DescribeTrainingJob", {"TrainingJobName": unique("missing")})
    assert response.status_code == 400
    assert response.json()["__type"] == "ValidationException"
    assert events == []


def test_server_errors_use_the_small_scale_and_succeed() -> None:
    answers = iter([
        httpx.Response(503, content=b""),
        httpx.Response(500, json={"__type": "InternalFailure", "message": "x"}),
        httpx.Response(200, json={"ok": True}),
    ])
    seen = Recorder(handler=lambda request: next(answers))
    slept: list[float] = []
    events: list[RetryEvent] = []
    transport = SigV4Transport(seen, credentials=CREDS, sleep=slept.append,
                               random=_fixed(1.0), on_retry=events.append)
    with httpx.Client(transport=transport) as client:
        response = client.post("https://api.sagemaker.us-east-1.amazonaws.com/", content=b"{}")
    assert response.json() == {"ok": True}
    assert slept == [0.05, 0.1]
    assert [e.error_code for e in events] == ["503", "InternalFailure"]
    # every attempt was signed again, with the same body
    assert all(r.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
               for r in seen.requests)
    assert all(r.read() == b"{}" for r in seen.requests)


def test_transient_error_codes_are_retried() -> None:
    answers = iter([
        httpx.Response(400, json={"__type": "RequestTimeoutException"}),
        httpx.Response(200, json={}),
    ])
    seen = Recorder(handler=lambda request: next(answers))
    transport = SigV4Transport(seen, credentials=CREDS, sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        assert client.post("https://api.sagemaker.us-east-1.amazonaws.com/").status_code == 200
    assert len(seen.requests) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_errors_are_retried_then_raised() -> None:
    events: list[RetryEvent] = []
    transport = SigV4Transport(service="sagemaker", region="us-east-1", credentials=CREDS,
                               on_retry=events.append, sleep=lambda s: None)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.post(f"http://127.0.0.1:{_closed_port()}/", content=b"{}")
    assert [(e.attempt, e.exception, e.status_code) for e in events] == [
        (1, "ConnectError", None), (2, "ConnectError", None)]


def test_backoff_formula_and_cap() -> None:
    policy = RetryPolicy()
    one = _fixed(1.0)
    assert policy.backoff(1, throttling=True, random=one) == 1.0
    assert policy.backoff(3, throttling=True, random=one) == 4.0
    assert policy.backoff(10, throttling=True, random=one) == 20.0
    assert policy.backoff(1, throttling=False, random=one) == 0.05
    assert policy.backoff(2, throttling=False, random=_fixed(0.5)) == 0.05
    # x-amz-retry-after: raised to the header, capped at delay + 5 s; junk ignored
    assert policy.backoff(1, throttling=False, retry_after_ms="9000", random=one) == 5.05
    assert policy.backoff(1, throttling=False, retry_after_ms="junk", random=one) == 0.05
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_retry_quota_stops_retries_when_drained() -> None:
    seen = Recorder(handler=lambda request: httpx.Response(503))
    policy = RetryPolicy(max_attempts=3, quota=20)  # one non-throttling retry costs 14
    transport = SigV4Transport(seen, credentials=CREDS, retry=policy, sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        url = "https://api.sagemaker.us-east-1.amazonaws.com/"
        assert client.post(url).status_code == 503
        assert len(seen.requests) == 2  # 20 -> 6: the second retry is refused
        assert client.post(url).status_code == 503
        assert len(seen.requests) == 3  # no quota left at all


def test_async_transport_retries_with_awaited_sleep(emu: SageMakerEmulator) -> None:
    emu.throttle = {"ListEndpointConfigs": 1}
    slept: list[float] = []

    async def fake_sleep(delay: float) -> None:
        slept.append(delay)

    async def main() -> int:
        transport = AsyncSigV4Transport(service="sagemaker", region=emu.region,
                                        credentials=emu.credentials, sleep=fake_sleep,
                                        random=_fixed(0.25))
        async with httpx.AsyncClient(transport=transport, base_url=emu.endpoint_url) as client:
            response = await client.post(
                "/", content=b"{}",
                headers={"X-Amz-Target": "SageMaker.ListEndpointConfigs",
                         "Content-Type": JSON_11},
            )
            return response.status_code

    assert asyncio.run(main()) == 200
    assert slept == [0.25]
    assert emu.operations == ["SageMaker.ListEndpointConfigs"] * 2
