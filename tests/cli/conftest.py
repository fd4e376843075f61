"""Fixtures for the command line tests: the scripted loopback server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_support import ScriptedServer


@pytest.fixture(scope="session")
def _server_instance() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def server(_server_instance: ScriptedServer) -> Iterator[ScriptedServer]:
    _server_instance.reset()
    yield _server_instance
    _server_instance.reset()
