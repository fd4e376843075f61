"""The vendored RFC 9535 JSONPath Compliance Test Suite (``jsonpath-cts/``, see its README):
where it lives and its cases, for the tests that read it (named apart from ``conftest``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The vendored suite (verbatim copy of the upstream ``cts.json``).
CTS = Path(__file__).resolve().parent / "jsonpath-cts" / "cts.json"

#: The copy in the shared corpus beside the clone, when present (the vendored one's origin).
SHARED_CTS = (Path(__file__).resolve().parents[2].parent
              / "shared" / "suites" / "jsonpath-cts" / "cts.json")


def cts_cases() -> list[dict[str, Any]]:
    """Every case of the suite, in file order."""
    cases: list[dict[str, Any]] = json.loads(CTS.read_text(encoding="utf-8"))["tests"]
    return cases
