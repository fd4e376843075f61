"""Fixtures for the flagship tests: one SageMaker emulator per module (moto on loopback,
signatures checked), reset to default staging for every test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from arazzo.aws import SageMakerEmulator

_STAGING = ("training_polls", "training_outcome", "endpoint_polls", "endpoint_outcome",
            "throttle", "throttle_retry_after_ms")


@pytest.fixture(scope="module")
def emulator() -> Iterator[SageMakerEmulator]:
    with SageMakerEmulator(training_polls=2, endpoint_polls=1) as emu:
        yield emu


@pytest.fixture
def emu(emulator: SageMakerEmulator) -> Iterator[SageMakerEmulator]:
    """The module's emulator: 2 x InProgress then Completed, 1 x Creating then InService,
    no throttling, no recorded calls. Tests use unique resource names (``_flagship.inputs``)."""
    saved = {name: getattr(emulator, name) for name in _STAGING}
    emulator.throttle = {}
    emulator.reset_records()
    yield emulator
    for name, value in saved.items():
        setattr(emulator, name, value)
    emulator.reset_records()


@pytest.fixture(autouse=True)
def _quiet_werkzeug() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
