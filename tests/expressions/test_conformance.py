"""Runs the JSON conformance cases in tests/conformance/ (expressions, templates, conditions,
values, criteria). Each case cites the inventory rule it checks in its ``id``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from arazzo._exceptions import ArazzoError, ExpressionSyntaxError
from arazzo.criteria import compile_criterion
from arazzo.expressions import (
    MISSING,
    EvaluationContext,
    ExpressionWarning,
    HttpMessage,
    compile_value,
    parse,
    parse_condition,
    parse_template,
)

CONFORMANCE = Path(__file__).parents[1] / "conformance"
KINDS = ("expression", "template", "condition", "value", "criterion")


def _message(raw: dict[str, Any]) -> HttpMessage:
    return HttpMessage(headers=raw.get("headers", {}), query=raw.get("query", {}),
                       path=raw.get("path", {}), body=raw.get("body", MISSING))


def make_context(raw: dict[str, Any]) -> EvaluationContext:
    return EvaluationContext(
        inputs=raw.get("inputs", {}), outputs=raw.get("outputs", {}),
        steps=raw.get("steps", {}), workflows=raw.get("workflows", {}),
        source_descriptions=raw.get("sourceDescriptions", {}),
        components=raw.get("components", {}), url=raw.get("url"), method=raw.get("method"),
        status_code=raw.get("statusCode"),
        request=_message(raw["request"]) if "request" in raw else None,
        response=_message(raw["response"]) if "response" in raw else None,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]


def _load() -> list[Any]:
    params = []
    for path in sorted(CONFORMANCE.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kind") not in KINDS:
            continue  # another module's conformance file
        for case in data["cases"]:
            case_id = f"{path.stem}:{case['id']}:{_slug(case['description'])}"
            params.append(pytest.param(data["kind"], data["contexts"], case, id=case_id))
    return params


CASES = _load()


def test_every_kind_has_cases() -> None:
    kinds = {p.values[0] for p in CASES}
    assert kinds == set(KINDS)


def _check_warnings(expected: Any, warnings: list[ExpressionWarning]) -> None:
    if expected is None:
        return
    if isinstance(expected, int):
        assert len(warnings) == expected, warnings
        return
    for want in expected:
        assert any(want.get("contains", "") in w.message
                   and ("index" not in want or w.index == want["index"]) for w in warnings), (
            f"no warning like {want} in {warnings}")


def _compile(kind: str, case: dict[str, Any]) -> Any:
    if kind == "expression":
        return parse(case["expression"], lenient=case.get("lenient", False))
    if kind == "template":
        return parse_template(case["template"])
    if kind == "condition":
        return parse_condition(case["condition"])
    if kind == "value":
        return compile_value(case["value"])
    criterion = case["criterion"]
    return compile_criterion(criterion["condition"], criterion.get("type"),
                             criterion.get("context"))


@pytest.mark.parametrize(("kind", "contexts", "case"), CASES)
def test_case(kind: str, contexts: dict[str, Any], case: dict[str, Any]) -> None:
    text = case.get(kind) if kind != "criterion" else case["criterion"]["condition"]
    if "error" in case:
        error = case["error"]
        expected_type = {"CriterionError": "CriterionError"}.get(error.get("type", ""),
                                                                 "ExpressionSyntaxError")
        with pytest.raises(ArazzoError) as info:
            _compile(kind, case)
        assert any(c.__name__ == expected_type for c in type(info.value).__mro__), info.value
        if "index" in error:
            assert isinstance(info.value, ExpressionSyntaxError)
            assert info.value.index == error["index"], str(info.value)
            assert 0 <= info.value.index <= len(info.value.text)
        return
    compiled = _compile(kind, case)
    ctx = make_context(contexts[case.get("context", "default")])
    _check_warnings(case.get("warnings"), compiled.warnings)
    if kind == "criterion":
        result = compiled.evaluate(ctx)
        assert result.passed is case["passed"], result.reason
        assert (result.reason is None) is result.passed
        if "reason" in case:
            assert case["reason"] in (result.reason or ""), result.reason
        return
    if kind == "condition":
        assert compiled.evaluate(ctx) is case["passed"], text
        if "ast" in case:
            assert repr(compiled.root) == case["ast"]
        return
    value = compiled.evaluate(ctx)
    if case.get("missing"):
        assert value is MISSING, value
    else:
        assert value is not MISSING, text
        assert value == case["result"]
        assert type(value) is type(case["result"])  # RTE-12: type preserved
    if "kind" in case:
        assert compiled.kind == case["kind"]
    for attribute, expected in case.get("parts", {}).items():
        actual = getattr(compiled, attribute)
        if attribute == "pointer":
            actual = actual.text
        assert actual == expected, attribute
    if "explain" in case:
        assert case["explain"] in compiled.explain(ctx)
    if "constant" in case:
        assert compiled.is_constant is case["constant"]
    if "expressions" in case:
        assert [e.text for e in compiled.expressions()] == case["expressions"]
