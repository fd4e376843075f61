"""The shortcuts of a step's request and response give what the general path gives.

- an integer path parameter in the default style is its digits: the URL is the one
  ``serialize_path`` and ``join_url`` build, for every style, and a path with
  dot-segments is still refused;
- a JSON body declared as UTF-8 is decoded and parsed inline: the value, and the refusal
  (invalid text, a byte order mark, extra data, not JSON), are those of
  ``json.loads(content.decode(charset))``, for any charset;
- the record limits still hold with the first records appended inline.
"""

from __future__ import annotations

import enum
import json
from typing import Any

import httpx
import pytest

import arazzo
from arazzo.engine._plan import ParamPlan, StepPlan
from arazzo.engine._requests import RequestError, build_request, join_url, serialize_path
from arazzo.engine._responses import BodyError, parse_body
from arazzo.expressions import EvaluationContext, compile_value

BASE = "http://api.test/v1"


class _Id(enum.IntEnum):
    SEVEN = 7


def _step(value: Any, style: str, explode: bool) -> StepPlan:
    param = ParamPlan("id", "path", compile_value("$inputs.id"), style, explode)
    return StepPlan("s", 0, method="GET", path="/things/{id}", server_url=BASE,
                    params=(param,))


@pytest.mark.parametrize("style", ["simple", "label", "matrix"])
@pytest.mark.parametrize("explode", [False, True])
def test_an_integer_path_parameter_gives_the_serialized_url(style: str, explode: bool) -> None:
    for value in [0, 7, -3, 10**30, True, False, _Id.SEVEN, 7.0, "7", "a b", [1, 2],
                  {"a": 1}]:
        step = _step(value, style, explode)
        built = build_request(step, EvaluationContext(inputs={"id": value}))
        path = "/things/{id}".replace("{id}", serialize_path("id", value, style, explode))
        assert built.request.url == join_url(BASE, path, []), (value, style)
        assert built.request.path_params == {"id": value}
        assert built.secrets == ()


def test_a_path_outside_the_server_is_still_refused() -> None:
    step = StepPlan("s", 0, path="/{id}", server_url=BASE,
                    params=(ParamPlan("id", "path", compile_value("$inputs.id"), "simple",
                                      False),))
    assert build_request(step, EvaluationContext(inputs={"id": 5})).request.url == \
        BASE + "/5"
    with pytest.raises(RequestError, match="dot-segments"):
        build_request(StepPlan("s", 0, path="/../{id}", server_url=BASE, params=step.params),
                      EvaluationContext(inputs={"id": 5}))


def _reference(content: bytes, charset: str) -> Any:
    """How a JSON body was read before the inline path: _decoded, then json.loads."""
    try:
        text = content.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return ("text", f"the body is not valid {charset} text")
    try:
        return json.loads(text)
    except ValueError as exc:
        return ("json", exc.args[0])


@pytest.mark.parametrize("content", [
    b'{"id": 7, "name": "thing"}', b"[1, 2]", b"  3 ", b'"\xc3\xa9"', b"\xef\xbb\xbf{}",
    b"{} x", b"nope", b"\xff{}", b"\xe9", b"{\"a\": NaN}", b"\x00",
])
@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "latin-1", "utf-16", "nope"])
def test_a_json_body_reads_as_json_loads_reads_it(content: bytes, charset: str) -> None:
    expected = _reference(content, charset)
    content_type = f"application/json; charset={charset}"
    if isinstance(expected, tuple) and expected[0] == "text":
        with pytest.raises(BodyError) as refused:
            parse_body(content, content_type)
        assert str(refused.value) == expected[1]
    elif isinstance(expected, tuple):
        with pytest.raises(BodyError) as refused:
            parse_body(content, content_type)
        assert f"({expected[1]};" in str(refused.value)
    else:
        assert parse_body(content, content_type) == expected
        assert parse_body(content, "application/json") == _reference(content, "utf-8") or \
            isinstance(_reference(content, "utf-8"), tuple)


DOC = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
  - workflowId: poll
    steps:
      - stepId: read
        operationId: getThing
        successCriteria: [{condition: $response.body#/n == 5}]
        onFailure: [{name: again, type: retry, retryAfter: 0, retryLimit: 20}]
        outputs: {n: $response.body#/n}
    outputs: {n: $steps.read.outputs.n}
"""
API = """\
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'http://api.test'}]
paths:
  /thing:
    get:
      operationId: getThing
      responses: {'200': {description: ok}}
"""


@pytest.mark.parametrize(("limit", "kept"), [(None, 5), (0, 0), (1, 1), (3, 3), (10, 5)])
def test_the_record_limits_hold(tmp_path: Any, limit: int | None, kept: int) -> None:
    (tmp_path / "api.yaml").write_text(API)
    (tmp_path / "flow.arazzo.yaml").write_text(DOC)
    calls = iter(range(1, 100))
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"n": next(calls)}))
    result = arazzo.run(tmp_path / "flow.arazzo.yaml", "poll", transports={"api": transport},
                        record_limit=limit)
    assert result.succeeded
    assert result.outputs == {"n": 5}
    assert len(result.steps) == kept
    assert result.dropped_records == 5 - kept
    numbers = [r.number for r in result.steps]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == kept
    if kept:
        assert result.steps[-1].number == 5  # the latest is always kept
