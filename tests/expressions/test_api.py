"""The public API of arazzo.expressions and arazzo.criteria (names the engine and the
validator import), extension through the registry, compile-once behaviour."""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pytest

from arazzo import criteria, expressions
from arazzo._exceptions import CriterionError, ExpressionSyntaxError
from arazzo.criteria import (
    DEFAULT_CRITERIA,
    CompiledCriterion,
    CriterionEvaluator,
    CriterionResult,
    CriterionSyntaxError,
    CriterionTypes,
    compile_criterion,
)
from arazzo.expressions import (
    MISSING,
    EvaluationContext,
    ExpressionWarning,
    HttpMessage,
    JsonPointer,
    compile_value,
    parse,
    parse_condition,
    parse_template,
)


def test_exported_names() -> None:
    assert expressions.__all__ == sorted(expressions.__all__, key=lambda n: (n != n.upper(), n))
    for name in ("MISSING", "HttpMessage", "EvaluationContext", "parse", "parse_template",
                 "parse_condition", "compile_value", "CompiledValue", "Expression",
                 "Template", "Condition"):
        assert name in expressions.__all__
    for name in ("CriterionResult", "CompiledCriterion", "compile_criterion",
                 "CriterionEvaluator", "CriterionTypes", "DEFAULT_CRITERIA"):
        assert name in criteria.__all__


def test_missing_sentinel() -> None:
    assert not MISSING
    assert repr(MISSING) == "MISSING"
    assert MISSING is not None
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


def test_headers_case_insensitive_with_dict_and_httpx() -> None:
    for headers in ({"Content-Type": "a/b"}, httpx.Headers({"Content-Type": "a/b"})):
        ctx = EvaluationContext(response=HttpMessage(headers=headers))
        assert parse("$response.header.content-type").evaluate(ctx) == "a/b"
        assert parse("$response.header.CONTENT-TYPE").evaluate(ctx) == "a/b"
        assert parse("$response.header.X").evaluate(ctx) is MISSING


def test_structured_parts_for_validators() -> None:
    steps = parse("$steps.get-pet.outputs.pet#/id")
    assert (steps.kind, steps.step_id, steps.name) == ("steps", "get-pet", "pet")
    assert steps.pointer == JsonPointer(["id"])
    wf = parse("$workflows.other.outputs.token")
    assert (wf.kind, wf.workflow_id, wf.section, wf.name) == ("workflows", "other", "outputs",
                                                               "token")
    src = parse("$sourceDescriptions.petstore.getPetById")
    assert (src.source_name, src.remainder) == ("petstore", "getPetById")
    comp = parse("$components.failureActions.retry.later")
    assert (comp.component, comp.key) == ("failureActions", "retry.later")
    assert parse("$inputs.a").key is None


def test_explain_is_on_demand_and_helpful() -> None:
    ctx = EvaluationContext(steps={"a": {"x": 1}}, response=HttpMessage(body={"p": [1]}))
    assert "has not run" in parse("$steps.b.outputs.x").explain(ctx)
    assert "has no output 'y'" in parse("$steps.a.outputs.y").explain(ctx)
    assert "out of range" in parse("$response.body#/p/3").explain(ctx)
    assert "no current request" in parse("$request.body").explain(ctx)
    assert parse("$steps.a.outputs.x").explain(ctx) == "$steps.a.outputs.x = 1"


def test_pointer_fragment_form_is_percent_decoded() -> None:
    pointer = JsonPointer.from_fragment("/paths/~1pets~1%7BpetId%7D/get")
    assert pointer.tokens == ("paths", "/pets/{petId}", "get")
    assert JsonPointer.parse("/a~1b/~0").tokens == ("a/b", "~")
    assert str(JsonPointer(["a/b", "~"])) == "/a~1b/~0"


def test_syntax_error_carries_text_and_index() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_condition("$statusCode == 200 &&")
    assert info.value.index == 21
    assert info.value.text == "$statusCode == 200 &&"
    assert "^" in str(info.value)


def test_warnings_are_message_index_pairs() -> None:
    condition = parse_condition('$statusCode == "200"')
    (warning,) = condition.warnings
    assert isinstance(warning, ExpressionWarning)
    message, index = warning
    assert index == 15
    assert "single quotes" in message


def test_condition_and_value_list_their_expressions() -> None:
    condition = parse_condition("$steps.a.outputs.x == 1 && $inputs.y[0] != $statusCode")
    assert [e.text for e in condition.expressions()] == [
        "$steps.a.outputs.x", "$inputs.y[0]", "$statusCode"]
    template = parse_template("{$inputs.a}/{$inputs.b}")
    assert [e.text for e in template.expressions()] == ["$inputs.a", "$inputs.b"]


def test_compile_once_evaluation_never_reparses(monkeypatch: pytest.MonkeyPatch) -> None:
    from arazzo.expressions import _condition, _runtime, _template, _values

    criterion = compile_criterion("$response.body#/a == 'x' && $statusCode == 200")
    value = compile_value({"a": "$inputs.a", "b": "t{$inputs.a}"})
    template = parse_template("{$inputs.a}")

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("re-parsed during evaluation")

    for module in (_condition, _runtime, _template, _values):
        if hasattr(module, "scan_expression"):
            monkeypatch.setattr(module, "scan_expression", boom)
    monkeypatch.setattr(_condition, "_lex", boom)
    ctx = EvaluationContext(inputs={"a": 1}, status_code=200,
                            response=HttpMessage(body={"a": "X"}))
    assert criterion.evaluate(ctx).passed
    assert value.evaluate(ctx) == {"a": 1, "b": "t1"}
    assert template.evaluate(ctx) == "1"


def test_compiled_value_returns_fresh_containers() -> None:
    compiled = compile_value({"a": [1, 2]})
    first = compiled.evaluate(EvaluationContext())
    first["a"].append(3)
    assert compiled.evaluate(EvaluationContext()) == {"a": [1, 2]}


class _Always:
    name = "always"

    def compile(self, condition: str, version: str | None) -> str:
        if condition == "bad":
            raise CriterionError("bad condition")
        return condition

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        if compiled == "explode":
            raise RuntimeError("boom")
        return bool(compiled == "yes" and value == 1)


def test_registry_accepts_a_new_criterion_type() -> None:
    evaluator = _Always()
    assert isinstance(evaluator, CriterionEvaluator)
    registry = DEFAULT_CRITERIA.with_type("always", evaluator)
    assert "always" in registry
    assert "always" not in DEFAULT_CRITERIA
    ctx = EvaluationContext(inputs={"one": 1})
    criterion = compile_criterion("yes", "always", "$inputs.one", registry=registry)
    assert isinstance(criterion, CompiledCriterion)
    assert criterion.type == "always"
    assert criterion.evaluate(ctx) == CriterionResult(True)
    assert not compile_criterion("no", "always", "$inputs.one", registry=registry).evaluate(ctx)
    failed = compile_criterion("explode", "always", "$inputs.one",
                               registry=registry).evaluate(ctx)
    assert not failed.passed
    assert "boom" in (failed.reason or "")
    with pytest.raises(CriterionError):
        compile_criterion("bad", "always", "$inputs.one", registry=registry)
    with pytest.raises(CriterionError, match="unknown criterion type"):
        compile_criterion("yes", "always", "$inputs.one")
    replaced = registry.with_type("always", _Always())
    assert replaced["always"] is not registry["always"]
    assert replaced.names() == ["always", "jsonpath", "regex", "simple", "xpath"]


def test_embedded_expressions_in_custom_type_are_substituted() -> None:
    registry = CriterionTypes({"always": _Always()})
    criterion = compile_criterion("{$inputs.word}", "always", "$inputs.one", registry=registry)
    assert criterion.evaluate(EvaluationContext(inputs={"one": 1, "word": "yes"})).passed
    assert not criterion.evaluate(EvaluationContext(inputs={"one": 1, "word": "no"})).passed
    assert [e.text for e in criterion.expressions()] == ["$inputs.one", "$inputs.word"]


def test_criterion_syntax_error_is_both_kinds() -> None:
    with pytest.raises(CriterionSyntaxError) as info:
        compile_criterion("[", "regex", "$statusCode")
    assert isinstance(info.value, CriterionError)
    assert isinstance(info.value, ExpressionSyntaxError)
    assert 0 <= info.value.index <= 1


def test_evaluation_never_raises_on_odd_values() -> None:
    odd = object()
    ctx = EvaluationContext(inputs={"x": odd, "s": {1, 2}}, status_code=200,
                            response=HttpMessage(body=odd))
    for condition, kind in [("$inputs.x == 1", None), ("$inputs.s < 'a'", None),
                            ("x", "regex"), ("$.a", "jsonpath"), ("/a", "xpath"),
                            ("$inputs.x contains 'a'", None)]:
        result = compile_criterion(condition, kind,
                                   "$response.body" if kind else None).evaluate(ctx)
        assert isinstance(result, CriterionResult)


def test_action_criteria_see_the_current_response() -> None:
    # CRI-12: nothing is implicit; the context given is the one used.
    criterion = compile_criterion("$statusCode == 503 && $response.header.retry-after == 3")
    ctx = EvaluationContext(status_code=503,
                            response=HttpMessage(headers={"Retry-After": "3"}))
    assert criterion.evaluate(ctx).passed
    assert not criterion.evaluate(EvaluationContext()).passed
