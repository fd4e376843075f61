"""The shortcuts evaluation takes on every step give what the general path gives.

- a comparison against a literal does not evaluate the right side, and ``==``/``!=``
  against a number literal compare an ``int``/``float`` value directly: for every operator,
  value and literal (both Arazzo versions) the result is the general comparison's;
- ``$inputs.x``, ``$steps.s.outputs.x`` and ``$response.body#/ptr`` getters are fused into
  one call: they give what the body getter composed with the pointer (or the name lookup)
  gives, dotted names, non-dict mappings and lists included;
- a compiled expression value evaluates through the expression's getter, and a
  ``$message`` value still refuses to evaluate where there is no message.
"""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Any

import pytest

from arazzo._exceptions import ExpressionError
from arazzo.expressions import (
    MISSING,
    EvaluationContext,
    HttpMessage,
    compile_value,
    parse,
    parse_condition,
)
from arazzo.expressions._condition import compare
from arazzo.expressions._runtime import _compose


class _Code(enum.IntEnum):
    OK = 200


class _Int(int):
    pass


VALUES: list[Any] = [
    MISSING, None, True, False, 0, 200, 200.0, -1, 1.5, float("nan"), float("inf"), "200",
    " 200 ", "2e2", "abc", "ABC", "true", b"200", [200], {"a": 1}, _Code.OK, _Int(200),
]
LITERALS = ["200", "200.0", "0", "-1", "1.5", "1e999", "true", "false", "null", "'abc'",
            "'200'"]
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "contains"]


def _literal(text: str) -> Any:
    return parse_condition(f"{text} == {text}").root.left.literal  # type: ignore[attr-defined]


def _ctx(value: Any, other: Any = MISSING) -> EvaluationContext:
    inputs = {} if value is MISSING else {"x": value}
    if other is not MISSING:
        inputs["y"] = other
    return EvaluationContext(inputs=inputs)


def _expected(op: str, left: Any, right: Any, spec_minor: str) -> bool:
    if spec_minor == "1.1":  # a missing value is null (V11-AMB-30)
        left = None if left is MISSING else left
        right = None if right is MISSING else right
    return compare(op, left, right)


@pytest.mark.parametrize("spec_minor", ["1.0", "1.1"])
@pytest.mark.parametrize("op", OPERATORS)
def test_a_comparison_with_a_literal_gives_the_general_result(op: str, spec_minor: str
                                                               ) -> None:
    for text in LITERALS:
        literal = _literal(text)
        forward = parse_condition(f"$inputs.x {op} {text}", spec_minor=spec_minor)
        both = parse_condition(f"$inputs.x {op} $inputs.y", spec_minor=spec_minor)
        for value in VALUES:
            expected = _expected(op, value, literal, spec_minor)
            assert forward.evaluate(_ctx(value)) is expected, (op, text, value)
            assert both.evaluate(_ctx(value, literal)) is expected, (op, text, value)
            if op != "contains":
                backward = parse_condition(f"{text} {op} $inputs.x", spec_minor=spec_minor)
                assert backward.evaluate(_ctx(value)) is _expected(
                    op, literal, value, spec_minor), (op, text, value)


@pytest.mark.parametrize("spec_minor", ["1.0", "1.1"])
def test_the_status_criterion_reads_the_status_of_each_context(spec_minor: str) -> None:
    condition = parse_condition("$statusCode == 200", spec_minor=spec_minor)
    other = parse_condition("$statusCode != 200", spec_minor=spec_minor)
    for status, passed in [(200, True), (201, False), (None, False), ("200", True),
                           (_Code.OK, True), (_Int(200), True), (200.0, True)]:
        ctx = EvaluationContext(status_code=status)  # type: ignore[arg-type]
        assert condition.evaluate(ctx) is passed, status
        # a missing status: 1.0 makes any comparison false, 1.1 reads it as null
        assert other.evaluate(ctx) is (not passed if status is not None
                                       else spec_minor == "1.1"), status
    # the same compiled condition, one context after another: nothing is kept between them
    assert [condition.evaluate(EvaluationContext(status_code=s)) for s in (200, 500, 200)] \
        == [True, False, True]


BODIES: list[Any] = [
    MISSING, None, {"a": [{"b": 1}]}, {"a": [{"b": None}]}, {"a": []}, {"a": {"0": {"b": 2}}},
    MappingProxyType({"a": [{"b": 3}]}), [{"b": 4}], "text", b"bytes", {"a": ({"b": 5},)},
    {"a": [{"b": 6}], "a/0/b": 7},
]


@pytest.mark.parametrize("text", [
    "$response.body#/a/0/b", "$request.body#/a/0/b", "$response.body#/a", "$response.body#",
    "$response.body#/0", "$request.body#/a",
    "$request.body#/0/b", "$response.body#/a~10~1b", "$inputs.x", "$inputs.x.y",
    "$steps.s.outputs.x", "$steps.s.outputs.x.y", "$outputs.x", "$response.body#/a/00/b",
])
def test_a_fused_getter_gives_the_composed_getters_value(text: str) -> None:
    expression = parse(text)
    general = _compose(expression._base_getter(), expression.pointer, expression.navigation)
    for body in BODIES:
        for ctx in [
            EvaluationContext(),
            EvaluationContext(response=HttpMessage(body=body), request=HttpMessage(body=body)),
            EvaluationContext(inputs={"x": body, "x.y": 1}, outputs={"x": body},
                              steps={"s": {"x": body}}),
            EvaluationContext(inputs={"x": {"y": body}}, steps={"s": {"x": {"y": body}}}),
            EvaluationContext(steps={"t": {"x": 1}}),
        ]:
            got = expression.evaluate(ctx)
            want = general(ctx)
            assert got is want or got == want, (text, body)
            assert compile_value(text).evaluate(ctx) is got


def test_a_message_value_still_needs_a_message() -> None:
    value = compile_value("$message.payload#/a", version="1.1")
    with pytest.raises(ExpressionError, match="no current message"):
        value.evaluate(EvaluationContext())
    plain = compile_value("$inputs.a")
    assert plain.evaluate(EvaluationContext(inputs={"a": 1})) == 1
    assert plain.evaluate(EvaluationContext()) is MISSING
