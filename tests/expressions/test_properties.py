"""Hypothesis: parsers are total (a result or ExpressionSyntaxError with an in-range index),
and evaluation of whatever parses never raises."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo._exceptions import CriterionError, ExpressionSyntaxError
from arazzo.criteria import compile_criterion
from arazzo.expressions import (
    EvaluationContext,
    HttpMessage,
    compile_value,
    parse,
    parse_condition,
    parse_template,
)

PIECES = [
    "$url", "$method", "$statusCode", "$request.", "$response.", "header.", "query.", "path.",
    "body", "#/", "~0", "~1", "~", "$inputs.", "$outputs.", "$steps.", ".outputs.",
    "$workflows.", "inputs", "outputs", "$sourceDescriptions.", "$components.", "parameters.",
    "{", "}", "{$", "$", ".", "[", "]", "[0]", "'", "''", '"', " ", "==", "!=", "<", "<=", ">",
    ">=", "!", "&&", "||", "&", "|", "=", "(", ")", "true", "false", "null", "contains", "0",
    "12", "-3.5e2", "a", "b-c", "x_y", "é", "\n", "\\",
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(PIECES), max_size=14).map("".join),
)
CTX = EvaluationContext(
    inputs={"a": 1, "b-c": {"x_y": [1, 2]}}, steps={"s": {"a": "x"}}, status_code=200,
    url="http://x", method="GET",
    request=HttpMessage(headers={"a": "1"}, query={"a": "2"}, path={"a": "3"}, body=b"\x00"),
    response=HttpMessage(headers={"A": "1"}, body={"a": [1, {"b": None}], "": 0}),
)


def _check(fn: Any, text: str) -> Any:
    try:
        return fn(text)
    except ExpressionSyntaxError as error:
        caught = error
    assert 0 <= caught.index <= len(text), (text, caught.index)
    assert caught.text == text
    return None


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_parse_is_total(text: str) -> None:
    expression = _check(parse, text)
    if expression is not None:
        expression.evaluate(CTX)
        expression.explain(CTX)
        expression.explain(EvaluationContext())
    lenient = _check(lambda t: parse(t, lenient=True), text)
    if lenient is not None:
        lenient.evaluate(CTX)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_parse_template_is_total(text: str) -> None:
    template = _check(parse_template, text)
    if template is not None:
        assert isinstance(template.evaluate(CTX), str)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_parse_condition_is_total(text: str) -> None:
    condition = _check(parse_condition, text)
    if condition is not None:
        assert condition.evaluate(CTX) in (True, False)
        assert condition.evaluate(EvaluationContext()) in (True, False)
        condition.explain(CTX)
        for warning in condition.warnings:
            assert 0 <= warning.index <= len(text)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_compile_value_never_raises(text: str) -> None:
    compiled = compile_value({"k": text, "l": [text]})
    compiled.evaluate(CTX)
    list(compiled.expressions())


@settings(max_examples=200, deadline=None)
@given(TEXT, st.sampled_from(["simple", "regex", "jsonpath", "xpath"]))
def test_criteria_compile_or_fail_cleanly_and_never_raise_on_evaluate(text: str,
                                                                      kind: str) -> None:
    index = None
    try:
        criterion = compile_criterion(text, kind, "$response.body")
    except ExpressionSyntaxError as error:
        index = error.index
    except CriterionError:
        return
    if index is not None:
        assert 0 <= index <= len(text)
        return
    result = criterion.evaluate(CTX)
    assert result.passed in (True, False)
    criterion.evaluate(EvaluationContext())
