"""RFC 9535 JSONPath Compliance Test Suite against the default ``jsonpath`` dialect.

The suite is vendored in ``tests/expressions/jsonpath-cts`` (origin, commit and licence in
its README); when the shared corpus is beside the clone, the copy is checked to be its
``suites/jsonpath-cts/cts.json`` byte for byte. The engine under test is the one ``jsonpath``
criteria use (``arazzo.criteria.rfc9535_environment()``: jsonpath-rfc9535 with time-bounded
``match``/``search``).
"""

from __future__ import annotations

from typing import Any

import pytest

from arazzo.criteria import rfc9535_environment

from .cts_support import CTS, SHARED_CTS, cts_cases

#: name -> reason. Empty: jsonpath-rfc9535 passes all 703 cases (measured 2026-11).
KNOWN_FAILURES: dict[str, str] = {}


def _run_case(env: Any, case: dict[str, Any]) -> bool:
    try:
        query = env.compile(case["selector"])
    except Exception:
        return bool(case.get("invalid_selector"))
    if case.get("invalid_selector"):
        return False
    try:
        got = [node.value for node in query.finditer(case["document"])]
    except Exception:
        return False
    expected = [case["result"]] if "result" in case else case["results"]
    return any(got == option for option in expected)


def test_rfc9535_compliance() -> None:
    cases = cts_cases()
    assert len(cases) == 703
    env = rfc9535_environment()
    failures = [c["name"] for c in cases if not _run_case(env, c)]
    unexpected = [name for name in failures if name not in KNOWN_FAILURES]
    fixed = [name for name in KNOWN_FAILURES if name not in failures]
    rate = 100 * (len(cases) - len(failures)) / len(cases)
    print(f"\nRFC 9535 CTS: {len(cases) - len(failures)}/{len(cases)} passed ({rate:.1f} %)")
    assert not fixed, f"known failures now pass, remove them: {fixed}"
    assert not unexpected, f"unexpected failures: {unexpected}"
    assert rate >= 95.0


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED_CTS.is_file(), reason="shared corpus not present")
def test_the_vendored_suite_is_the_shared_one() -> None:
    """The vendored copy and its licence are the shared corpus's files, byte for byte."""
    assert CTS.read_bytes() == SHARED_CTS.read_bytes()
    assert (CTS.parent / "LICENSE").read_bytes() == (SHARED_CTS.parent / "LICENSE").read_bytes()
