"""Shared fixtures. Keep this small: test packages add their own helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

#: the shared corpus beside the clone (``<clone>/../shared/corpus``), if present
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def corpus_dir() -> Path:
    """The shared corpus of real Arazzo documents; skips the test when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    return CORPUS
