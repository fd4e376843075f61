"""Paths shared by the engine tests (named apart from ``conftest`` to avoid clashes)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
