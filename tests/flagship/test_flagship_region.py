"""Pointing the flagship at real AWS: the ``{region}`` server variable comes from the AWS
configuration. No network: a MockTransport stands in for it, with dummy credentials."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml
from _flagship import OPENAPI, SOURCE, WORKFLOW, inputs
from fake_network import route_clients

import arazzo
from arazzo.aws._region import configured_region, regional_server_url
from arazzo.cli import main

KEY_ID = "AKIDFLAGSHIPEXAMPLE0"
SECRET = "flagship-dummy-secret-0000000000000000000"
PROFILE_KEY = "AKIDFLAGSHIPPROFILE0"

_AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION",
            "AWS_REGION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
            "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Dummy env credentials, no region, a profile ``ci`` (ap-southeast-2, its own key)."""
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    aws = tmp_path / "home" / ".aws"
    aws.mkdir(parents=True)
    (aws / "config").write_text("[profile ci]\nregion = ap-southeast-2\n")
    (aws / "credentials").write_text(
        f"[ci]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = {SECRET}\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    return aws


class FakeAws:
    """Answers CreateTrainingJob with a ValidationException and remembers what it got."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            400, json={"__type": "ValidationException", "message": "stopped by the test"},
            headers={"Content-Type": "application/x-amz-json-1.1"})

    @property
    def scope(self) -> str:
        auth = self.requests[0].headers["authorization"]
        return auth.split("Credential=", 1)[1].split(",", 1)[0]


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    """Every transport the engine or the CLI would open to the network is this fake."""
    fake = FakeAws()
    route_clients(monkeypatch, fake)  # the project's own client: what signed runs go over
    monkeypatch.setattr("arazzo._run.default_transport", lambda: httpx.MockTransport(fake))
    monkeypatch.setattr("arazzo.aws._transport.httpx.HTTPTransport",
                        lambda *a, **k: httpx.MockTransport(fake))
    return fake


def _api_run() -> arazzo.RunResult:
    return arazzo.run(WORKFLOW, None, inputs(), loop_delay=0)


# -- the server URL ------------------------------------------------------------------------

def test_regional_server_url_per_partition() -> None:
    spec = yaml.safe_load(OPENAPI.read_text())
    assert regional_server_url(spec, "eu-west-1") == "https://api.sagemaker.eu-west-1.amazonaws.com"
    assert regional_server_url(spec, "cn-north-1") == (
        "https://api.sagemaker.cn-north-1.amazonaws.com.cn")
    assert regional_server_url({"servers": [{"url": "https://x.example"}]}, "eu-west-1") is None


def test_configured_region_reads_botocore_config(aws_env: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert configured_region() is None
    assert configured_region("ci") == "ap-southeast-2"
    monkeypatch.setenv("AWS_REGION", "eu-west-2")  # ignored, as botocore ignores it
    assert configured_region() is None
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    assert configured_region() == "eu-north-1"
    with pytest.raises(arazzo.ArazzoError, match="profile 'nope' not found"):
        configured_region("nope")


# -- arazzo.run: the region hook -----------------------------------------------------------

def test_run_uses_AWS_DEFAULT_REGION(aws_env: Path, fake_aws: FakeAws,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    result = _api_run()
    assert not result.succeeded
    assert result.steps[0].error_code == "ValidationException"
    assert [str(r.url) for r in fake_aws.requests] == [
        "https://api.sagemaker.eu-west-1.amazonaws.com/"]
    assert fake_aws.scope.startswith(f"{KEY_ID}/")
    assert fake_aws.scope.endswith("/eu-west-1/sagemaker/aws4_request")
    assert fake_aws.requests[0].headers["x-amz-target"] == "SageMaker.CreateTrainingJob"


def test_run_uses_the_profile_region(aws_env: Path, fake_aws: FakeAws,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_PROFILE", "ci")
    _api_run()
    assert str(fake_aws.requests[0].url) == "https://api.sagemaker.ap-southeast-2.amazonaws.com/"
    assert fake_aws.scope.startswith(f"{PROFILE_KEY}/")
    assert fake_aws.scope.endswith("/ap-southeast-2/sagemaker/aws4_request")


def test_without_a_region_the_description_default_applies(aws_env: Path,
                                                          fake_aws: FakeAws) -> None:
    _api_run()
    assert str(fake_aws.requests[0].url) == "https://api.sagemaker.us-east-1.amazonaws.com/"


def test_servers_argument_wins(aws_env: Path, fake_aws: FakeAws,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    arazzo.run(WORKFLOW, None, inputs(), servers={SOURCE: "https://sagemaker.internal:8443"})
    assert str(fake_aws.requests[0].url) == "https://sagemaker.internal:8443/"


# -- the CLI: --aws-region, --aws-profile ---------------------------------------------------

def _cli(*extra: str) -> list[str]:
    return ["run", str(WORKFLOW), "--inputs", json.dumps(inputs()), "--loop-delay", "0",
            *extra]


def test_cli_aws_region(aws_env: Path, fake_aws: FakeAws,
                        capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert main(_cli("--aws-region", "eu-central-1")) == 1
    out = capsys.readouterr().out
    assert "POST https://api.sagemaker.eu-central-1.amazonaws.com/  400" in out
    assert "ValidationException: stopped by the test" in out
    assert fake_aws.scope.endswith("/eu-central-1/sagemaker/aws4_request")


def test_cli_aws_profile(aws_env: Path, fake_aws: FakeAws,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_cli("--aws-profile", "ci")) == 1
    assert "POST https://api.sagemaker.ap-southeast-2.amazonaws.com/" in capsys.readouterr().out
    assert fake_aws.scope.startswith(f"{PROFILE_KEY}/")
    assert SECRET not in str(fake_aws.requests[0].headers)


def test_cli_server_wins_over_region(aws_env: Path, fake_aws: FakeAws,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_cli("--aws-region", "eu-central-1", "--server",
                     f"{SOURCE}=https://sagemaker.internal:8443")) == 1
    assert "POST https://sagemaker.internal:8443/" in capsys.readouterr().out
    assert fake_aws.scope.endswith("/eu-central-1/sagemaker/aws4_request")


def test_cli_unknown_profile(aws_env: Path, fake_aws: FakeAws,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_cli("--aws-profile", "nope")) == 2
    err = capsys.readouterr().err
    assert "profile 'nope' not found" in err
    assert fake_aws.requests == []


