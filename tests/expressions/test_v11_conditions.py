"""The version keyword of the condition parser and of ``compile_criterion`` (``spec_minor``):
what differs between Arazzo 1.0 and 1.1 criteria, unit by unit (docs/spec-1.1.md)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo import CriterionError
from arazzo.criteria import (
    DEFAULT_CRITERIA,
    JSONPOINTER_NOT_A_CRITERION,
    CriterionSyntaxError,
    compile_criterion,
)
from arazzo.expressions import EvaluationContext, parse_condition

CTX = EvaluationContext(inputs={"empty": [], "obj": {"a": 1, "none": None}, "s": "ok"})


@pytest.mark.parametrize(("condition", "in_10", "in_11"), [
    # V11-AMB-30: missing is null in 1.1
    ("$inputs.empty#/0 == null", False, True),
    ("$inputs.obj#/b == null", False, True),
    ("$inputs.obj#/b != 'x'", False, True),
    ("$inputs.obj#/b != 1", False, True),
    ("null == $inputs.obj#/b", False, True),
    # V11-AMB-28: comparisons of null follow from it
    ("$inputs.obj#/b != null", False, False),
    ("$inputs.obj#/b == 'x'", False, False),
    ("$inputs.obj#/b < 1", False, False),
    ("$inputs.obj#/b >= 0", False, False),
    ("$inputs.obj#/none == null", True, True),
    ("$inputs.obj#/a != null", True, True),
    # V11-AMB-29: a bare operand passes only when it is true; missing is not
    ("$inputs.obj#/b", False, False),
    ("!$inputs.obj#/b", True, True),
    ("$inputs.obj#/a", False, False),
    # unaffected
    ("$inputs.s == 'OK' && $inputs.obj#/a == '1'", True, True),
])
def test_missing_values_by_version(condition: str, in_10: bool, in_11: bool) -> None:
    assert parse_condition(condition).evaluate(CTX) is in_10
    assert parse_condition(condition, spec_minor="1.0").evaluate(CTX) is in_10
    assert parse_condition(condition, spec_minor="1.1").evaluate(CTX) is in_11
    assert compile_criterion(condition, spec_minor="1.1").evaluate(CTX).passed is in_11
    assert compile_criterion(condition).evaluate(CTX).passed is in_10


def test_1_1_condition_still_explains_the_missing_value() -> None:
    result = compile_criterion("$inputs.obj#/b == 2", spec_minor="1.1").evaluate(CTX)
    assert not result.passed
    assert not result.error
    assert "$inputs.obj#/b has no value" in (result.reason or "")
    assert [e.text for e in parse_condition("$inputs.obj#/b == $inputs.s",
                                            spec_minor="1.1").expressions()] == [
        "$inputs.obj#/b", "$inputs.s"]


@pytest.mark.parametrize("spec_minor", ["1.2", "1", ""])
def test_unknown_spec_minor_is_refused(spec_minor: str) -> None:
    with pytest.raises(ValueError, match="spec_minor"):
        parse_condition("true", spec_minor=spec_minor)
    with pytest.raises(ValueError, match="spec_minor"):
        compile_criterion("true", spec_minor=spec_minor)


@pytest.mark.parametrize("version", ["rfc9535", "xpath-31"])
def test_default_version_names_warn_only_in_1_0(version: str) -> None:
    kind, condition = ("jsonpath", "$") if version == "rfc9535" else ("xpath", "/")
    type_ = {"type": kind, "version": version}
    assert compile_criterion(condition, type_, "$inputs.s", spec_minor="1.1").warnings == []
    warnings = compile_criterion(condition, type_, "$inputs.s").warnings
    assert [w.message for w in warnings if "S-20" in w.message]


@pytest.mark.parametrize("type_", [{"type": "jsonpointer", "version": "rfc6901"},
                                   "jsonpointer"])
def test_jsonpointer_is_no_criterion_type_in_1_1(type_: Any) -> None:
    with pytest.raises(CriterionError) as raised:
        compile_criterion("/a", type_, "$inputs.obj", spec_minor="1.1")
    assert raised.value.message == JSONPOINTER_NOT_A_CRITERION
    # even with an evaluator registered under that name: the name is the spec's selector type
    types = DEFAULT_CRITERIA.with_type("jsonpointer", _Always())
    with pytest.raises(CriterionError, match="V11-AMB-27"):
        compile_criterion("/a", type_, "$inputs.obj", spec_minor="1.1", registry=types)
    with pytest.raises(CriterionError, match="unknown criterion type 'jsonpointer'"):
        compile_criterion("/a", type_, "$inputs.obj")  # 1.0: unknown, as before


def test_comparison_form_by_version() -> None:
    condition = "$.status == 'ok' && $.n != 2"
    compiled = compile_criterion(condition, "jsonpath", "$inputs.obj")
    assert any("not an RFC 9535 JSONPath query" in w.message for w in compiled.warnings)
    with pytest.raises(CriterionSyntaxError) as raised:
        compile_criterion(condition, "jsonpath", "$inputs.obj", spec_minor="1.1")
    assert "write $[?@.status == 'ok' && @.n != 2]" in raised.value.message
    assert raised.value.index == 9


def test_unknown_versions_name_the_versions_of_the_document() -> None:
    for spec_minor, says in (("1.0", "the only version that can be named"),
                             ("1.1", "use 'rfc9535' \\(the default\\)")):
        with pytest.raises(CriterionError, match=says):
            compile_criterion("$", {"type": "jsonpath", "version": "rfc0000"}, "$inputs.s",
                              spec_minor=spec_minor)
    for spec_minor, says in (("1.0", "use 'xpath-30'"), ("1.1", "'xpath-31' \\(the default\\)")):
        with pytest.raises(CriterionError, match=says):
            compile_criterion("/", {"type": "xpath", "version": "xpath-40"}, "$inputs.s",
                              spec_minor=spec_minor)
    with pytest.raises(CriterionError, match="an Expression Type Object needs a 'version'"):
        compile_criterion("$", {"type": "jsonpath"}, "$inputs.s", spec_minor="1.1")
    with pytest.raises(CriterionError, match="a Criterion Expression Type Object needs"):
        compile_criterion("$", {"type": "jsonpath"}, "$inputs.s")


@pytest.mark.parametrize(("spec_minor", "passed", "error"), [("1.0", True, False),
                                                            ("1.1", False, True)])
def test_missing_embedded_value(spec_minor: str, passed: bool, error: bool) -> None:
    compiled = compile_criterion("^{$inputs.nope}", "regex", "$inputs.s", spec_minor=spec_minor)
    result = compiled.evaluate(CTX)
    assert (result.passed, result.error) == (passed, error)
    if error:
        assert "$inputs.nope has no value" in (result.reason or "")


def test_embedded_values_take_their_json_form() -> None:
    # V11-AMB-31: strings verbatim, numbers (integers without .0), booleans, null and
    # structures in JSON; the same in both versions
    ctx = EvaluationContext(inputs={"n": 2, "f": 2.5, "t": True, "z": None, "o": {"a": [1]},
                                    "s": "x y", "text": '2|2.5|true|null|{"a":[1]}|x y'})
    for spec_minor in ("1.0", "1.1"):
        compiled = compile_criterion(
            r"^{$inputs.n}\|{$inputs.f}\|{$inputs.t}\|{$inputs.z}\|\{\"a\":\[1\]\}\|{$inputs.s}$",
            "regex", "$inputs.text", spec_minor=spec_minor)
        assert compiled.evaluate(ctx).passed, spec_minor
        assert compile_criterion("^{$inputs.o}$", "regex", "$inputs.o",
                                 spec_minor=spec_minor).evaluate(ctx).passed is False


class _Always:
    """A custom evaluator with the two-argument compile of the protocol."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def compile(self, condition: str, version: str | None) -> str:
        self.calls.append((condition, version))
        return condition

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        return True


def test_custom_evaluators_keep_the_two_argument_compile() -> None:
    evaluator = _Always()
    types = DEFAULT_CRITERIA.with_type("mine", evaluator)
    for spec_minor in ("1.0", "1.1"):
        compiled = compile_criterion("x", {"type": "mine", "version": "v2"}, "$inputs.s",
                                     registry=types, spec_minor=spec_minor)
        assert compiled.evaluate(CTX).passed
    assert evaluator.calls == [("x", "v2"), ("x", "v2")]
