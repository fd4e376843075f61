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
import logging
from typing import Any

import httpx
import pytest

import arazzo
from arazzo.engine._plan import ParamPlan, StepPlan
from arazzo.engine._requests import RequestError, build_request, join_url, serialize_path
from arazzo.engine._responses import BodyError, parse_body
from arazzo.expressions import EvaluationContext, compile_value
from arazzo.observers._logging import logging_hooks

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
    b"{} x", b"nope", b"\xff{}", b"\xe9", b"{\"a\": NaN}", b"\x00", b" \n\t", b"\n[]\n",
    b'{"a": }', b"[1,]", b'{"a" 1}', b"1 2", b'"\\u00e9\\ud83d\\ude00"', b"1e999", b"-0",
    b'{"a": 1, "a": 2}', b"[" * 50 + b"]" * 50, b"tru", b'"unterminated',
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
        snippet = content.decode(charset)[:40].replace("\n", " ")
        assert str(refused.value) == ("the response says application/json but its body is "
                                      f"not JSON ({expected[1]}; starts with {snippet!r})")
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


@pytest.fixture
def no_hooks(caplog: pytest.LogCaptureFixture) -> None:
    """No logging hook: pytest listens to the loggers, which gives every run one, and the
    engine's no-hooks path is what runs without observers."""
    caplog.set_level(logging.ERROR, logger="arazzo")
    assert logging_hooks() == ()


@pytest.mark.usefixtures("no_hooks")
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


@pytest.mark.parametrize("condition", [
    "$statusCode == 200", "$statusCode != 200", "$response.body#/n > 2", "$inputs.x",
    "!$inputs.x", "$inputs.x == 'a' && $statusCode < 300", "$response.body#/n == 5",
])
@pytest.mark.parametrize("spec_minor", ["1.0", "1.1"])
def test_a_simple_criterions_test_passes_iff_evaluate_passes(condition: str, spec_minor: str
                                                             ) -> None:
    from arazzo.criteria import compile_criterion
    from arazzo.expressions import HttpMessage

    compiled = compile_criterion(condition, spec_minor=spec_minor)
    assert compiled.passes is not None
    for status in (200, 404, None):
        for body in ({"n": 5}, {"n": 1}, {}, [5], "text"):
            for x in ("a", True, False, None):
                ctx = EvaluationContext(inputs={"x": x}, status_code=status,
                                        response=HttpMessage(body=body))
                assert compiled.passes(ctx) is compiled.evaluate(ctx).passed
    assert compile_criterion("^a", "regex", "$inputs.x").passes is None


@pytest.mark.usefixtures("no_hooks")
def test_a_run_records_the_same_with_and_without_hooks(tmp_path: Any) -> None:
    """Hooks take the criteria's full path (every result is an event); without hooks a
    simple criterion that passes is only tested: the records and failures are the same."""
    (tmp_path / "api.yaml").write_text(API)
    (tmp_path / "flow.arazzo.yaml").write_text(DOC.replace(
        "$response.body#/n == 5}]",
        "$response.body#/n == 5}, {condition: $statusCode == 200}]"))

    def run(**options: Any) -> dict[str, Any]:
        calls = iter(range(1, 100))
        transport = httpx.MockTransport(lambda r: httpx.Response(
            200 if next(calls) % 3 == 0 else 503, json={"n": 5}))
        result = arazzo.run(tmp_path / "flow.arazzo.yaml", "poll",
                            transports={"api": transport}, **options)
        data = result.to_dict()
        for record in data["steps"]:
            record["duration"] = 0
        data["duration"] = 0
        return data

    events: list[object] = []
    plain, hooked = run(), run(hooks=[events.append])
    assert plain == hooked
    assert events
    assert [r["succeeded"] for r in plain["steps"]] == [False, False, True]
    assert plain["steps"][0]["reasons"][0]["criterion"] == "$statusCode == 200"
