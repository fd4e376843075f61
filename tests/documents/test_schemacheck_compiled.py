"""The compiled inputs check (``InputsCheck``: WF-03) against the interpreter and jsonschema.

An inputs schema is compiled once per document and workflow into closures; a node outside what
is compiled (a ``$ref`` loop, an odd keyword value, ``$id``, ...) is left to the interpreter
(``_Checker``). The one claim is still "valid": a compiled ``True`` must mean jsonschema
(``Draft202012Validator``) reports no error, through ``WorkflowPlan.prepare_inputs`` (defaults
applied first) as through the check itself. Compiling must lose no fast path either: whatever
the interpreter finds valid, the compiled check finds valid.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arazzo
from arazzo.documents import _schemacheck
from arazzo.documents._schemacheck import InputsCheck

from .test_schemacheck import (
    _INSTANCES,
    _PROPS,
    _REFERENCING_ERROR,
    _SCALARS_OR_INSTANCES,
    _SCHEMAS,
    _schemas,
    _uses,
    _workflow_plan,
)

EXAMPLES = settings(max_examples=400, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: keyword values the compiled form does not take as they are: the interpreter decides them
_ODD_KEYWORD = st.one_of(
    st.sampled_from([
        ("minimum", True), ("maximum", "3"), ("minLength", 1.5), ("maxItems", None),
        ("required", "a"), ("required", [1]), ("type", "bogus"), ("type", []),
        ("type", ["string", 3]), ("enum", "ab"), ("enum", {"a": 1}), ("properties", []),
        ("items", 3), ("prefixItems", {"a": True}), ("maxContains", None),
        ("minContains", True), ("pattern", "("), ("pattern", 5), ("multipleOf", 0),
        ("uniqueItems", 1), ("$ref", 3), ("$ref", "#/nowhere"), ("$ref", "#anchor"),
        ("$id", "urn:x"), ("$schema", "http://json-schema.org/draft-07/schema#"),
        ("$schema", "https://json-schema.org/draft/2020-12/schema"), ("$dynamicRef", "#m"),
        ("unevaluatedItems", False), ("allOf", {"a": True}), ("anyOf", []),
        ("dependentRequired", {"a": "b"}), ("dependentSchemas", [True]),
        ("patternProperties", {"(": True}), ("additionalProperties", 0),
    ]),
    st.tuples(st.just("$ref"), st.just("#/components/inputs/loop")),
)


def _odd_schemas(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    mixed = st.lists(st.one_of(_ODD_KEYWORD, st.tuples(st.sampled_from(
        ["properties", "allOf", "anyOf", "oneOf", "not", "items"]), st.just(None))),
        min_size=1, max_size=3)

    def fill(pairs: list[tuple[str, Any]], sub: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for keyword, written in pairs:
            if written is not None:
                out[keyword] = written
            elif keyword == "properties":
                out[keyword] = {"a": sub}
            elif keyword in ("allOf", "anyOf", "oneOf"):
                out[keyword] = [sub, True]
            else:
                out[keyword] = sub
        return out
    return st.one_of(_schemas(inner), st.builds(fill, mixed, inner))


_ODD_SCHEMAS: st.SearchStrategy[Any] = st.recursive(st.booleans() | st.just({}), _odd_schemas,
                                                    max_leaves=8)
#: a recursive schema (a tree): the compiled form leaves its loop to the interpreter
_TREE = {"type": "object", "properties": {"name": {"type": "string"},
                                          "child": {"$ref": "#/components/inputs/loop"}}}


def _raw(schema: Any, shared: Any, loop: Any = _TREE) -> dict[str, Any]:
    return {"workflows": [{"workflowId": "other", "inputs": {}},
                          {"workflowId": "w", "inputs": schema}],
            "components": {"inputs": {"shared": shared, "loop": loop}}}


def _jsonschema_errors(raw: dict[str, Any], instance: Any) -> list[str] | None:
    """jsonschema's messages for ``instance``; None when it cannot decide (a ``$ref`` loop
    it follows forever, an exception)."""
    validator = _workflow_plan(raw).validator()
    assert validator is not None
    try:
        return [e.message for e in validator.iter_errors(instance)]
    except (_REFERENCING_ERROR, RecursionError):
        return None
    except Exception:  # an odd keyword value jsonschema trips over
        return None
    except BaseException as exc:  # rpds' PanicException on deep $ref loops
        if type(exc).__name__ != "PanicException":
            raise
        return None


def _agree(raw: dict[str, Any], instance: Any) -> tuple[bool, bool, list[str] | None]:
    check = InputsCheck(raw, 1)
    compiled = check(instance)
    interpreted = check.interpret(instance)
    errors = _jsonschema_errors(raw, instance)
    if compiled:
        assert errors is not None, "compiled said valid, jsonschema could not decide"
        assert not errors, f"compiled said valid, jsonschema found: {errors[:3]}"
    if interpreted:
        assert compiled, "the interpreter was sure, the compiled check was not"
    return compiled, interpreted, errors


@EXAMPLES
@given(_SCHEMAS, _SCHEMAS, _SCALARS_OR_INSTANCES)
def test_WF03_compiled_check_agrees_with_interpreter_and_jsonschema(
        schema: Any, shared: Any, instance: Any) -> None:
    compiled, _, errors = _agree(_raw(schema, shared), instance)
    if errors == [] and not compiled:
        # not sure only about unevaluatedProperties in a document's own schemas, or a loop
        assert _uses(schema, "unevaluatedProperties") or _uses(shared, "unevaluated") or (
            _uses(schema, "shared") and _uses(shared, "shared"))


@EXAMPLES
@given(_ODD_SCHEMAS, _ODD_SCHEMAS, _SCALARS_OR_INSTANCES)
def test_WF03_compiled_check_with_odd_keyword_values_agrees(
        schema: Any, shared: Any, instance: Any) -> None:
    """Odd keyword values and ``$ref`` loops: the nodes left to the interpreter decide as it
    does, and a compiled "valid" is still never wrong."""
    _agree(_raw(schema, shared), instance)


# -- through prepare_inputs: defaults first, then the check ------------------------------

_DEFAULTED = st.builds(lambda sub, default: {**sub, "default": default} if isinstance(
    sub, dict) else {"default": default}, _SCHEMAS, _INSTANCES)
_PROPERTIES = st.dictionaries(st.sampled_from(_PROPS), st.one_of(_SCHEMAS, _DEFAULTED),
                              max_size=3)
_OBJECT_SCHEMAS = st.fixed_dictionaries(
    {"type": st.just("object"), "properties": _PROPERTIES},
    optional={
        "required": st.lists(st.sampled_from(_PROPS), unique=True, max_size=2),
        "allOf": st.lists(st.one_of(st.builds(lambda p: {"properties": p}, _PROPERTIES),
                                    st.just({"$ref": "#/components/inputs/shared"})),
                          max_size=2),
        "additionalProperties": _SCHEMAS,
        "anyOf": st.lists(_SCHEMAS, min_size=1, max_size=2),
    })
_INPUTS = st.dictionaries(st.sampled_from(_PROPS), _SCALARS_OR_INSTANCES, max_size=4)


#: a shared schema without a $ref back to itself (a loop of allOf members through one is
#: walked by the defaults up to 32 levels deep on every path: not a case for many examples)
_SHARED_OBJECTS = st.one_of(_SCHEMAS, _OBJECT_SCHEMAS).filter(lambda s: not _uses(s, "shared"))


@EXAMPLES
@given(_OBJECT_SCHEMAS, _SHARED_OBJECTS, _INPUTS)
def test_WF03_prepare_inputs_is_valid_only_when_jsonschema_agrees(
        schema: Any, shared: Any, inputs: dict[str, Any]) -> None:
    raw = _raw(schema, shared)
    plan = _workflow_plan(raw)
    defaults = plan._inputs.defaults
    data = copy.deepcopy(inputs)
    if defaults is not None:
        defaults.apply(data, 0)
    compiled, _, errors = _agree(raw, data)
    if errors is None:
        return  # a $ref loop jsonschema cannot follow (compiled said not sure)
    try:
        prepared = plan.prepare_inputs(inputs)
    except arazzo.InputError:
        assert errors, "prepare_inputs refused inputs jsonschema accepts"
        assert not compiled
    else:
        assert not errors, f"prepare_inputs accepted inputs jsonschema refuses: {errors[:3]}"
        assert prepared == data


# -- details --------------------------------------------------------------------------------

_SHARED = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
_CHAIN = {"$ref": "#/components/inputs/chain2"}


@pytest.mark.parametrize(("schema", "instance", "valid"), [
    # booleans are not numbers; 1.0 is an integer
    ({"type": "integer"}, True, False),
    ({"type": "integer"}, 1.0, True),
    ({"type": "integer"}, 1.5, False),
    ({"type": "number"}, False, False),
    ({"type": ["integer", "boolean"]}, True, True),
    ({"type": ["string", "null"]}, None, True),
    ({"minimum": 1}, True, True),  # not a number: minimum does not apply
    ({"minimum": 1}, 0.5, False),
    ({"minimum": 1}, math.nan, True),
    ({"exclusiveMaximum": 1}, 1.0, False),
    ({"multipleOf": 0.5}, 1.5, True),
    ({"multipleOf": 2}, True, True),
    # enum and const: 1 is not True, 1 is 1.0
    ({"enum": [1, "a"]}, True, False),
    ({"enum": [True]}, 1, False),
    ({"enum": [1]}, 1.0, True),
    ({"enum": [1.0, None]}, 1, True),
    ({"enum": [False, None]}, 0, False),
    ({"enum": [None]}, None, True),
    ({"enum": ["a", [1, True]]}, [1, True], True),
    ({"enum": ["a", [1, True]]}, [True, True], False),
    ({"const": 1}, True, False),
    ({"const": True}, 1, False),
    ({"const": "a"}, "a", True),
    ({"const": {"a": [1]}}, {"a": [1.0]}, True),
    ({"const": {"a": [1]}}, {"a": [True]}, False),
    # nested objects and arrays
    ({"type": "object", "properties": {"a": {"type": "object", "required": ["b"],
                                             "properties": {"b": {"type": "integer"}}}}},
     {"a": {"b": 2}}, True),
    ({"type": "object", "properties": {"a": {"type": "object", "required": ["b"]}}},
     {"a": {}}, False),
    ({"items": {"type": "integer"}, "minItems": 1}, [1, 2.0], True),
    ({"items": {"type": "integer"}}, [1, True], False),
    ({"prefixItems": [{"type": "string"}], "items": False}, ["a"], True),
    ({"prefixItems": [{"type": "string"}], "items": False}, ["a", 1], False),
    ({"contains": {"type": "string"}, "maxContains": 1}, ["a", 1, "b"], False),
    ({"contains": {"type": "string"}, "minContains": 2}, ["a", 1, "b"], True),
    ({"uniqueItems": True}, [1, True], True),
    ({"uniqueItems": True}, [1, 1.0], False),
    ({"additionalProperties": False, "properties": {"a": True}, "patternProperties":
      {"^x-": True}}, {"a": 1, "x-y": 2}, True),
    ({"additionalProperties": False, "properties": {"a": True}, "patternProperties":
      {"^x-": True}}, {"a": 1, "y": 2}, False),
    ({"additionalProperties": {"type": "string"}, "patternProperties": {"^x-": True,
                                                                        "^y": True}},
     {"x-a": 1, "y": 2, "z": "s"}, True),
    ({"additionalProperties": False, "properties": {"a": True}}, {"a": 1, "b": 2}, False),
    ({"additionalProperties": {"type": "string"}}, {"a": "x", "b": 2}, False),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ab": 1}, True),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"A": 1}, False),
    ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, False),
    ({"dependentSchemas": {"a": {"required": ["b"]}}}, {"a": 1, "b": 2}, True),
    # combinators
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, 3, True),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, 1, False),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1, True),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, False),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1, True),
    ({"not": {"type": "string"}}, 1, True),
    ({"not": {"not": {"type": "string"}}}, 1, False),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}, "else": {"type": "string"}}, 6, True),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}, "else": {"type": "string"}}, 4, False),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}, "else": {"type": "string"}}, [], False),
    # $ref chains, with siblings
    (_CHAIN, {"n": 3}, True),
    (_CHAIN, {"n": 3.5}, False),
    (_CHAIN, {}, False),
    ({"$ref": "#/components/inputs/shared", "properties": {"n": {"minimum": 5}}}, {"n": 4},
     False),
    ({"$ref": "#/components/inputs/shared", "properties": {"n": {"minimum": 5}}}, {"n": 5},
     True),
    # a recursive schema: its loop is left to the interpreter
    ({"$ref": "#/components/inputs/loop"}, {"name": "a", "child": {"child": {"name": "c"}}},
     True),
    ({"$ref": "#/components/inputs/loop"}, {"name": "a", "child": {"child": {"name": 3}}},
     False),
])
def test_WF03_compiled_details_agree_with_jsonschema(schema: Any, instance: Any,
                                                     valid: bool) -> None:
    raw = _raw(schema, _SHARED)
    raw["components"]["inputs"].update(chain2={"$ref": "#/components/inputs/chain3"},
                                       chain3={"$ref": "#/components/inputs/shared"})
    check = InputsCheck(raw, 1)
    errors = _jsonschema_errors(raw, instance)
    assert errors is not None
    assert (not errors) is valid, errors
    assert check(instance) is valid
    assert check.interpret(instance) is valid


@pytest.mark.parametrize(("schema", "instance"), [
    ({"$id": "https://example.com/s", "type": "string"}, "x"),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}, "x"),
    ({"unevaluatedItems": False}, []),
    ({"$dynamicRef": "#meta"}, "x"),
    ({"$ref": "#a"}, "x"),
    ({"unevaluatedProperties": False}, {}),
    ({"type": "bogus"}, "x"),
    ({"pattern": "("}, "x"),
    ({"properties": {"a": {"$ref": "#/nowhere"}}}, {"a": 1}),
    ({"not": {"unevaluatedProperties": False}}, {}),
])
def test_WF03_compiled_check_not_sure_means_ask_jsonschema(schema: Any, instance: Any) -> None:
    check = InputsCheck(_raw(schema, True), 1)
    assert check(instance) is False
    assert check.interpret(instance) is False


def test_WF03_a_common_schema_is_compiled_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Objects, arrays, combinators and a ``$ref`` chain are all compiled: no call reaches
    the interpreter."""
    schema = {"$ref": "#/components/inputs/chain2", "type": "object", "properties": {
        "n": True, "id": {"type": "integer", "minimum": 1}, "tags": {"type": "array", "items": {
            "type": "string", "pattern": "^[a-z]"}, "uniqueItems": True},
        "mode": {"enum": ["a", "b"]}, "flag": {"type": "boolean", "default": False},
        "both": {"allOf": [{"type": "object"}, {"required": ["x"]}]},
        "either": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "one": {"oneOf": [{"const": 1}, {"const": "1"}]}, "no": {"not": {"type": "array"}}},
        "required": ["id"], "additionalProperties": False}
    raw = _raw(schema, _SHARED)
    raw["components"]["inputs"].update(chain2={"$ref": "#/components/inputs/shared"})
    check = InputsCheck(raw, 1)
    instance = {"n": 1, "id": 3, "tags": ["a", "b"], "mode": "a", "flag": True,
                "both": {"x": 1}, "either": None, "one": "1", "no": 3}
    assert check.interpret(instance) is True

    def interpreter(*_: Any) -> Any:
        raise AssertionError("the interpreter was asked")
    monkeypatch.setattr(_schemacheck._Checker, "check", interpreter)
    assert check(instance) is True
    assert check({**instance, "extra": 1}) is False
    assert check({**instance, "id": True}) is False
    assert check({**instance, "tags": ["a", "a"]}) is False
    assert check({**instance, "mode": "c"}) is False


def test_WF03_compiled_once_per_check() -> None:
    check = InputsCheck(_raw({"type": "object"}, True), 1)
    assert check({}) is True
    compiled = check._compiled
    assert compiled is not None
    assert check([]) is False
    assert check._compiled is compiled


def test_WF03_a_deeply_nested_schema_is_not_decided_below_the_depth_bound() -> None:
    schema: dict[str, Any] = {"type": "object"}
    instance: dict[str, Any] = {}
    for _ in range(120):
        schema = {"properties": {"a": schema}}
        instance = {"a": instance}
    check = InputsCheck(_raw(schema, True), 1)
    assert check(instance) is False
    assert check.interpret(instance) is False
    assert check({}) is True


def test_WF03_a_loop_that_never_ends_is_not_decided() -> None:
    raw = _raw({"$ref": "#/components/inputs/loop"}, True, loop={
        "allOf": [{"$ref": "#/components/inputs/loop"}]})
    check = InputsCheck(raw, 1)
    assert check({}) is False
    assert check.interpret({}) is False
    assert _jsonschema_errors(raw, {}) is None


_VALUES_ENUM = [None, True, False, 0, 1, 0.5, "", "a"]


@pytest.mark.parametrize("value", [True, 1, 1.0, 0, "1", None, [1], {"a": 1}])
def test_WF03_enum_of_scalars_matches_as_jsonschema_does(value: Any) -> None:
    for enum in ([1], [True], [1.0], ["1"], [None], [0, False], [[1]], [{"a": 1}], _VALUES_ENUM):
        raw = _raw({"enum": enum}, True)
        errors = _jsonschema_errors(raw, value)
        assert InputsCheck(raw, 1)(value) is (errors == []), (enum, value)

