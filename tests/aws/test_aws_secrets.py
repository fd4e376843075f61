"""Access key ids, secrets, session tokens and Authorization headers never leak."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from _aws_helpers import JSON_11, Recorder, call

from arazzo.aws import (
    AsyncSigV4Transport,
    AwsCredentials,
    AwsCredentialsError,
    RetryEvent,
    SageMakerEmulator,
    SigV4Transport,
    check_credentials,
    parse_aws_error,
)

pytestmark = pytest.mark.emulator

KEY = "AKIALEAKCHECK0KEY123"
SECRET = "leak-check-secret-Zq8vN2xT"
TOKEN = "leak-check-session-token-IQoJb3JpZ2luX2VjE"


def _assert_clean(texts: list[str], secrets: list[str]) -> None:
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob, "a secret leaked"


def test_secrets_never_leak(
    emu: SageMakerEmulator,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    clean_aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, botocore and httpx included
    texts: list[str] = []
    events: list[RetryEvent] = []

    # 1. the emulator's real key: signed requests, a throttled retry, a 403
    emu.throttle = {"ListModels": 1}
    inner = Recorder(httpx.HTTPTransport())
    transport = SigV4Transport(inner, service="sagemaker", region=emu.region,
                               credentials=emu.credentials, on_retry=events.append,
                               sleep=lambda s: None)
    with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
        ok = call(client, "ListModels", {})
        texts += [repr(ok.request.headers), repr(transport), repr(emu)]
    wrong = AwsCredentials(emu.credentials.access_key_id, SECRET)
    with httpx.Client(transport=emu.transport(credentials=wrong),
                      base_url=emu.endpoint_url) as client:
        denied = call(client, "ListModels", {})
    error = parse_aws_error(denied.status_code, denied.headers, denied.content)
    texts += [repr(error), str(error), repr(wrong), str(wrong), repr(emu.credentials)]

    # 2. a session token through a mock AWS endpoint
    token_inner = Recorder(handler=lambda request: httpx.Response(
        503 if len(token_inner.requests) == 1 else 200, json={}))
    token_creds = AwsCredentials(KEY, SECRET, TOKEN)
    with httpx.Client(transport=SigV4Transport(token_inner, credentials=token_creds,
                                               on_retry=events.append,
                                               sleep=lambda s: None)) as client:
        response = client.post("https://api.sagemaker.us-east-1.amazonaws.com/",
                               content=b"{}", headers={"Content-Type": JSON_11})
        texts += [repr(response.request.headers), repr(token_creds)]
    assert "authorization" not in response.request.headers

    # 3. environment credentials, async, and an error path
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    texts.append(check_credentials())
    async_transport = AsyncSigV4Transport(service="sagemaker", region="us-east-1")
    texts.append(repr(async_transport))
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AwsCredentialsError) as caught:
        check_credentials()
    texts += [str(caught.value), repr(caught.value)]

    texts += [repr(event) for event in events] + [event.describe() for event in events]
    captured = capsys.readouterr()
    texts += [caplog.text, captured.out, captured.err]
    assert len(events) == 2  # the throttle and the 503 were reported

    authorizations = [r.headers["authorization"] for r in inner.requests + token_inner.requests]
    signatures = [a.rsplit("Signature=", 1)[1] for a in authorizations]
    _assert_clean(texts, [KEY, SECRET, TOKEN, emu.credentials.access_key_id,
                          emu.credentials.secret_access_key, *authorizations, *signatures])
    # the signer is arazzo's own (it logs nothing); botocore's never ran
    assert not [r for r in caplog.records if r.name == "botocore.auth"]


def test_reprs_are_redacted() -> None:
    creds = AwsCredentials(KEY, SECRET, TOKEN)
    assert KEY not in repr(creds)
    assert SECRET not in repr(creds)
    assert TOKEN not in repr(creds)
    assert "session_token=<redacted>" in repr(creds)
    transport = SigV4Transport(credentials=creds, service="sagemaker", region="us-east-1")
    assert repr(transport) == (
        "SigV4Transport(service='sagemaker', region='us-east-1', "
        "credentials=<explicit, redacted>, max_attempts=3)")
    assert SECRET not in repr(creds.get_frozen_credentials())
    with pytest.raises(AwsCredentialsError):
        AwsCredentials(KEY, "")
