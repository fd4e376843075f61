"""Shared fixtures: the shared corpus and the scripted loopback HTTP server (tests/server.py).

Test packages keep their own constants in uniquely named modules (``engine_support``,
``cli_support``), never in ``conftest``: two ``conftest`` modules on ``sys.path`` shadow each
other depending on collection order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import ScriptedServer

# CI (``CI`` set, as .ci/run and hosted CI do) draws the same generated examples every run, so
# what lands is what was checked; elsewhere each run explores new ones. ``--hypothesis-seed``
# or HYPOTHESIS_PROFILE=explore overrides.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else
                                     "explore"))

#: the shared corpus beside the clone (``<clone>/../shared/corpus``), if present
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def corpus_dir() -> Path:
    """The shared corpus of real Arazzo documents; skips the test when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    return CORPUS


@pytest.fixture(scope="session")
def _server_instance() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def server(_server_instance: ScriptedServer) -> Iterator[ScriptedServer]:
    """A real HTTP server on loopback that scripts responses and records requests."""
    _server_instance.reset()
    yield _server_instance
    _server_instance.reset()
