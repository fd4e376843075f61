"""Hostile inputs are bounded: catastrophic regexes, huge and deeply nested JSON, big XML."""

from __future__ import annotations

import time
from typing import Any

import pytest

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.criteria import DEFAULT_CRITERIA, RegexEvaluator, compile_criterion
from arazzo.expressions import EvaluationContext, HttpMessage, parse, parse_condition

GENEROUS = 15.0  # seconds; the real bounds are ~1 s


def _ctx(body: Any) -> EvaluationContext:
    return EvaluationContext(status_code=200, response=HttpMessage(body=body))


def test_catastrophic_regex_times_out() -> None:
    criterion = compile_criterion("(a+)+$", "regex", "$response.body")
    start = time.monotonic()
    result = criterion.evaluate(_ctx("a" * 50_000 + "b"))
    assert time.monotonic() - start < GENEROUS
    assert not result.passed
    assert "did not finish" in (result.reason or "")


def test_regex_timeout_is_configurable() -> None:
    registry = DEFAULT_CRITERIA.with_type("regex", RegexEvaluator(timeout=0.05))
    criterion = compile_criterion("(a|aa)+$", "regex", "$response.body", registry=registry)
    start = time.monotonic()
    assert not criterion.evaluate(_ctx("a" * 5_000 + "b")).passed
    assert time.monotonic() - start < GENEROUS


def test_catastrophic_regex_inside_jsonpath_match_is_bounded() -> None:
    criterion = compile_criterion("$[?match(@.s, '(a+)+')]", "jsonpath", "$response.body")
    start = time.monotonic()
    result = criterion.evaluate(_ctx([{"s": "a" * 50_000 + "b"}]))
    assert time.monotonic() - start < GENEROUS
    assert not result.passed


def test_huge_jsonpath_input_is_fast_enough() -> None:
    body = [{"name": f"n{i}", "tags": [i, {"deep": i}]} for i in range(100_000)]
    body.append({"name": "needle"})
    start = time.monotonic()
    assert compile_criterion("$[?@.name == 'needle']", "jsonpath",
                             "$response.body").evaluate(_ctx(body)).passed
    assert not compile_criterion("$..nope", "jsonpath",
                                 "$response.body").evaluate(_ctx(body)).passed
    assert time.monotonic() - start < GENEROUS


def test_deeply_nested_json_fails_cleanly() -> None:
    body: Any = {"x": 1}
    for _ in range(5_000):
        body = {"a": body}
    result = compile_criterion("$..x", "jsonpath", "$response.body").evaluate(_ctx(body))
    assert not result.passed
    assert "nested too deeply" in (result.reason or "")
    # the simple language and pointers do not recurse on data
    assert parse("$response.body#" + "/a" * 5_000 + "/x").evaluate(_ctx(body)) == 1


def test_huge_regex_input_is_bounded() -> None:
    criterion = compile_criterion("needle$", "regex", "$response.body")
    start = time.monotonic()
    assert criterion.evaluate(_ctx("x" * 5_000_000 + "needle")).passed
    assert time.monotonic() - start < GENEROUS


def test_billion_laughs_xml_is_refused() -> None:
    entities = "".join(f"<!ENTITY lol{i} '{f'&lol{i - 1};' * 10}'>" for i in range(1, 10))
    xml = (f"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol0 'lol'>{entities}]>"
           "<lolz>&lol9;</lolz>")
    result = compile_criterion("/lolz", "xpath", "$response.body").evaluate(_ctx(xml))
    assert not result.passed
    assert "DTD" in (result.reason or "")


def test_deep_condition_nesting_is_a_syntax_error_not_a_crash() -> None:
    for text in ("(" * 10_000 + "true" + ")" * 10_000, "!" * 10_000 + "true"):
        with pytest.raises(ExpressionSyntaxError, match="nested more than"):
            parse_condition(text)
    long_chain = " || ".join(["false"] * 20_000 + ["true"])
    assert parse_condition(long_chain).evaluate(EvaluationContext())
