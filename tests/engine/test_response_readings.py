"""A Content-Type value's reading is found once and kept (bounded): the kept readings give
the same bodies as a fresh reading, for every kind of value (issue 19)."""

from __future__ import annotations

import pytest

from arazzo.engine import _responses
from arazzo.engine._responses import BodyError, parse_body
from arazzo.expressions import MISSING


@pytest.mark.parametrize(("content_type", "content", "expected"), [
    ("application/json", b'{"a": 1}', {"a": 1}),
    ("application/problem+json; charset=utf-8", b'{"a": 1}', {"a": 1}),
    ("application/x-amz-json-1.1", b"[1]", [1]),
    ("text/plain; charset=latin-1", "caf\u00e9".encode("latin-1"), "caf\u00e9"),
    ("application/xml", b"<a/>", "<a/>"),
    ("application/octet-stream", b"\x00\x01", b"\x00\x01"),
    (None, b'{"a": 1}', {"a": 1}),
    (None, b"plain", "plain"),
])
def test_a_kept_reading_gives_what_a_fresh_one_gives(content_type: str | None, content: bytes,
                                                     expected: object) -> None:
    _responses._READINGS.clear()
    assert parse_body(content, content_type) == expected  # first: read and kept
    assert content_type in _responses._READINGS
    assert parse_body(content, content_type) == expected  # then: from the kept reading


def test_a_kept_reading_still_refuses_a_body_that_does_not_match() -> None:
    _responses._READINGS.clear()
    assert parse_body(b"[]", "application/json") == []
    with pytest.raises(BodyError, match="not JSON"):
        parse_body(b"nope", "application/json")
    with pytest.raises(BodyError, match="not valid utf-8 text"):
        parse_body(b"\xff", "text/plain")
    assert parse_body(b"", "application/json") is MISSING


def test_the_kept_readings_are_bounded() -> None:
    _responses._READINGS.clear()
    for n in range(3 * _responses._READINGS_MAX):
        assert parse_body(b'{"n": %d}' % n, f"application/json; v={n}") == {"n": n}
        assert len(_responses._READINGS) <= _responses._READINGS_MAX
