"""Fixtures for the AWS tests: an isolated credential environment and the moto emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo.aws import SageMakerEmulator

_AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
)


@pytest.fixture
def clean_aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS variables, an empty HOME, no profile files, no instance metadata lookups."""
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return home


@pytest.fixture(scope="module")
def emulator() -> Iterator[SageMakerEmulator]:
    """One emulator per test module (signature checking on); tests use unique names."""
    with SageMakerEmulator(training_polls=2, endpoint_polls=1) as emu:
        yield emu


@pytest.fixture
def emu(emulator: SageMakerEmulator) -> Iterator[SageMakerEmulator]:
    """The module's emulator with default staging, throttling off and fresh records."""
    saved = {
        name: getattr(emulator, name)
        for name in (
            "training_polls", "training_outcome", "endpoint_polls", "endpoint_outcome",
            "throttle", "throttle_retry_after_ms",
        )
    }
    emulator.throttle = {}
    emulator.reset_records()
    yield emulator
    for name, value in saved.items():
        setattr(emulator, name, value)
    emulator.reset_records()
