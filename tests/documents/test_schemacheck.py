"""The fast schema check (``arazzo.documents._schemacheck``) against jsonschema, differentially.

Its one claim is "valid": a ``True`` must mean jsonschema reports no error. Every test here
asserts that on real documents (the repository's and the shared corpus's), on mutated ones,
on random ``inputs`` schemas inside a document (the 2020-12 meta-schema path) and on random
input schemas with random inputs (the ``arazzo.engine._plan`` path). Where the check is not meant to
be unsure, it must also say ``True`` for everything jsonschema accepts (else the fast path
would silently stop being taken).
"""

from __future__ import annotations

import copy
import functools
import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo.documents._loading import _schema_validator
from arazzo.documents._schemacheck import document_is_valid, inputs_are_valid
from arazzo.documents._yaml import parse_text
from arazzo.engine._plan import WorkflowPlan

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _arazzo_documents(folder: Path) -> list[tuple[str, Any]]:
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file() or any(
                part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            data = parse_text(path.read_bytes(), str(path)).data
        except Exception:
            continue
        if isinstance(data, dict) and "arazzo" in data:
            out.append((str(path.relative_to(folder)), data))
    return out


@functools.cache
def _repo_documents() -> list[tuple[str, Any]]:
    return [doc for folder in ("tests", "benchmarks", "docs", "specs")
            for doc in _arazzo_documents(ROOT / folder)]


def _schema_errors(raw: Any) -> list[str]:
    return [e.message for e in _schema_validator().iter_errors(raw)]


def _agrees(raw: Any) -> None:
    fast = document_is_valid(raw)
    errors = _schema_errors(raw)
    if fast:
        assert not errors, f"fast check said valid, jsonschema found: {errors[:3]}"
    else:
        assert errors, "jsonschema found nothing, but the fast check was not sure"


def test_repository_documents_agree() -> None:
    documents = _repo_documents()
    assert len(documents) >= 5
    valid = 0
    for name, raw in documents:
        try:
            _agrees(raw)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
        valid += document_is_valid(raw)
    assert valid >= 3  # the fast path is taken


@pytest.mark.corpus
def test_corpus_documents_agree(corpus_dir: Path) -> None:
    documents = _arazzo_documents(corpus_dir)
    assert documents
    for name, raw in documents:
        try:
            _agrees(raw)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


# -- mutated documents ---------------------------------------------------------------------

_NAMES = ["name", "type", "in", "value", "stepId", "workflowId", "operationId", "steps",
          "criteria", "condition", "successCriteria", "onSuccess", "onFailure", "retryAfter",
          "retryLimit", "inputs", "outputs", "parameters", "reference", "payload",
          "replacements", "target", "contentType", "x-extra", "unknown", "properties",
          "required", "items", "additionalProperties", "$ref", "version", "context"]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5, -1.5]),
    st.sampled_from(["goto", "end", "retry", "simple", "regex", "jsonpath", "xpath", "rfc9535",
                     "path", "query", "header", "cookie", "string", "object", "integer",
                     "x-a", "$inputs.a", "#/components/inputs/a", "", "1.0.0", "a b"]))
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(_NAMES), inner, max_size=3)),
    max_leaves=6)


def _containers(node: Any) -> list[Any]:
    found = [node] if isinstance(node, (dict, list)) else []
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) \
        else []
    for child in children:
        found.extend(_containers(child))
    return found


@functools.cache
def _seeds() -> list[Any]:
    seeds = [raw for _, raw in _repo_documents()]
    if CORPUS.is_dir():
        seeds += [raw for _, raw in _arazzo_documents(CORPUS)][:40]
    return seeds


@st.composite
def _mutated_document(draw: st.DrawFn) -> Any:
    pool = _seeds()
    raw = copy.deepcopy(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(_containers(raw)))
        op = draw(st.sampled_from(["set", "delete", "duplicate"]))
        if isinstance(target, dict):
            if op == "delete" and target:
                del target[draw(st.sampled_from(sorted(target)))]
            else:
                key = draw(st.sampled_from(sorted(target) + _NAMES))
                target[key] = draw(_JSON)
        elif target:
            index = draw(st.integers(0, len(target) - 1))
            if op == "delete":
                del target[index]
            elif op == "duplicate":
                target.append(copy.deepcopy(target[index]))
            else:
                target[index] = draw(_JSON)
    return raw


@SETTINGS
@given(_mutated_document())
def test_mutated_documents_agree(raw: Any) -> None:
    _agrees(raw)


# -- inputs schemas as data: the 2020-12 meta-schema path ------------------------------------

_KEYWORDS = ["type", "properties", "required", "items", "enum", "const", "minimum",
             "maxLength", "pattern", "additionalProperties", "allOf", "anyOf", "oneOf", "not",
             "$defs", "$ref", "$id", "$anchor", "$comment", "uniqueItems", "minItems",
             "default", "deprecated", "format", "dependentRequired", "dependencies",
             "definitions", "if", "then", "prefixItems", "unevaluatedProperties", "x-a"]
_META_VALUES = st.one_of(
    _SCALARS, st.sampled_from(["string", "object", "array", "number", "bogus", "^a", "a#b",
                               "#/x", "#a", "a_b"]),
    st.lists(st.sampled_from(["string", "null", "a", 1, True]), max_size=3))


def _schema_like(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.booleans(),
        st.dictionaries(st.sampled_from(_KEYWORDS), st.one_of(_META_VALUES, inner), max_size=4),
        st.dictionaries(st.sampled_from(_NAMES), inner, max_size=2))


_SCHEMA_LIKE = st.recursive(_META_VALUES, _schema_like, max_leaves=8)


@SETTINGS
@given(_SCHEMA_LIKE, st.booleans())
def test_inputs_schemas_in_documents_agree(inputs: Any, in_components: bool) -> None:
    raw = _document(inputs)
    if in_components:
        raw["components"] = {"inputs": {"shared": inputs}}
    _agrees(raw)


def _document(inputs: Any) -> dict[str, Any]:
    return {"arazzo": "1.0.1", "info": {"title": "t", "version": "1"},
            "sourceDescriptions": [{"name": "api", "url": "./api.yaml"}],
            "workflows": [{"workflowId": "w", "inputs": inputs,
                           "steps": [{"stepId": "s", "operationId": "op"}]}]}


@pytest.mark.parametrize(("inputs", "valid"), [
    ({"type": "object", "properties": {"a": {"type": "string", "minLength": 1}}}, True),
    # nested schemas are checked against the whole meta-schema ($dynamicRef "#meta")
    ({"properties": {"a": {"type": "bogus"}}}, False),
    ({"items": {"minLength": -1}}, False),
    ({"$defs": {"x": {"required": "a"}}}, False),
    ({"allOf": [{"properties": {"a": {"enum": "x"}}}]}, False),
    ({"properties": {"a": {"items": {"uniqueItems": 1}}}}, False),
    ({"dependencies": {"a": ["b", "b"]}}, False),
    ({"dependencies": {"a": {"type": "string"}}}, True),
    ({"$anchor": "1a"}, False),
    ({"$id": "https://example.com/x#frag"}, False),
    ({"x-anything": {"type": "bogus"}}, True),
    (True, True),
    ("string", False),
])
def test_meta_schema_details_agree(inputs: Any, valid: bool) -> None:
    raw = _document(inputs)
    assert document_is_valid(raw) == valid
    assert (not _schema_errors(raw)) == valid


# -- input schemas and inputs: the arazzo.engine._plan path ----------------------------------------

_PROPS = ["a", "b", "c", "x-d"]
_PATTERNS = ["^a", "b$", "[0-9]", "^x-"]
_NUMBERS = st.sampled_from([0, 1, 2, -1, 0.5, 1.0, 2.5, 3, 10])
_VALUES = st.one_of(st.none(), st.booleans(), _NUMBERS,
                    st.sampled_from(["", "a", "ab", "b1", "x-y", "abc"]))
_INSTANCES = st.recursive(
    _VALUES,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(_PROPS), inner, max_size=4)),
    max_leaves=10)
# st.recursive draws containers far more often than scalars (9 numbers in 400 instances): the
# scalar keywords (minimum, exclusiveMaximum, multipleOf, ...) need scalars as often.
_SCALARS_OR_INSTANCES = st.one_of(_VALUES, _INSTANCES)
_TYPES = ["null", "boolean", "integer", "number", "string", "array", "object"]


def _schemas(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    lists = st.lists(inner, min_size=1, max_size=3)
    keyword = st.one_of(
        st.tuples(st.just("type"), st.one_of(
            st.sampled_from(_TYPES), st.lists(st.sampled_from(_TYPES), min_size=1, max_size=2,
                                              unique=True))),
        st.tuples(st.just("enum"), st.lists(_VALUES, min_size=1, max_size=3)),
        st.tuples(st.just("const"), _INSTANCES),
        st.tuples(st.sampled_from(["minimum", "maximum", "exclusiveMinimum",
                                   "exclusiveMaximum"]), _NUMBERS),
        st.tuples(st.just("multipleOf"), st.sampled_from([1, 2, 0.5, 0.1, 3])),
        st.tuples(st.sampled_from(["minLength", "maxLength", "minItems", "maxItems",
                                   "minProperties", "maxProperties"]), st.integers(0, 3)),
        st.tuples(st.just("pattern"), st.sampled_from(_PATTERNS)),
        st.tuples(st.just("uniqueItems"), st.booleans()),
        st.tuples(st.just("required"), st.lists(st.sampled_from(_PROPS), unique=True,
                                                 max_size=2)),
        st.tuples(st.just("format"), st.sampled_from(["email", "date"])),
        st.tuples(st.sampled_from(["title", "description"]), st.just("x")),
        st.tuples(st.just("properties"), st.dictionaries(st.sampled_from(_PROPS), inner,
                                                         max_size=3)),
        st.tuples(st.just("patternProperties"), st.dictionaries(st.sampled_from(_PATTERNS),
                                                                inner, max_size=2)),
        st.tuples(st.sampled_from(["additionalProperties", "items", "not", "propertyNames",
                                   "contains", "if", "then", "else"]), inner),
        st.tuples(st.sampled_from(["allOf", "anyOf", "oneOf", "prefixItems"]), lists),
        st.tuples(st.just("dependentRequired"), st.dictionaries(
            st.sampled_from(_PROPS), st.lists(st.sampled_from(_PROPS), unique=True),
            max_size=2)),
        st.tuples(st.just("dependentSchemas"), st.dictionaries(st.sampled_from(_PROPS), inner,
                                                               max_size=2)),
        st.tuples(st.sampled_from(["minContains", "maxContains"]), st.integers(0, 2)),
        st.tuples(st.just("$ref"), st.just("#/components/inputs/shared")),
        st.tuples(st.just("unevaluatedProperties"), st.booleans()),
    )
    return st.one_of(st.booleans(), st.lists(keyword, max_size=4).map(dict))


_SCHEMAS: st.SearchStrategy[Any] = st.recursive(st.booleans() | st.just({}), _schemas, max_leaves=8)


#: what jsonschema raises for an unresolvable or looping ``$ref`` (private, not in its stubs)
_REFERENCING_ERROR: type[Exception] = (
    jsonschema.exceptions._WrappedReferencingError)  # type: ignore[attr-defined]


def _workflow_plan(raw: dict[str, Any]) -> WorkflowPlan:
    document = SimpleNamespace(raw=raw, spec=SimpleNamespace(
        workflows=[SimpleNamespace(workflow_id=w["workflowId"]) for w in raw["workflows"]]))
    workflow = raw["workflows"][-1]
    # only what the inputs validator reads: the raw document and the workflow ids
    return WorkflowPlan(workflow_id=workflow["workflowId"], document=cast(Any, document),
                        workflow=cast(Any, None), steps=[], by_id={}, outputs=(),
                        depends_on=(), source_descriptions={}, components={},
                        inputs_schema=workflow["inputs"])


def _uses(schema: Any, keyword: str) -> bool:
    return keyword in json.dumps(schema)


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_SCHEMAS, _SCHEMAS, _SCALARS_OR_INSTANCES)
def test_inputs_agree(schema: Any, shared: Any, instance: Any) -> None:
    raw = {"workflows": [{"workflowId": "other", "inputs": {}},
                         {"workflowId": "w", "inputs": schema}],
           "components": {"inputs": {"shared": shared}}}
    plan = _workflow_plan(raw)
    fast = inputs_are_valid(raw, 1, instance)
    try:
        validator = plan.validator()
        assert validator is not None
        errors = list(validator.iter_errors(instance))
    except (_REFERENCING_ERROR, RecursionError):  # a $ref loop
        assert not fast
        return
    except BaseException as exc:
        # A $ref loop can also exhaust the stack inside referencing's Rust maps (rpds),
        # which pyo3 turns into a PanicException (a BaseException) instead.
        if type(exc).__name__ != "PanicException":
            raise
        assert not fast
        return
    if fast:
        assert not errors, [e.message for e in errors]
    elif not errors:
        # not sure only about unevaluatedProperties in a document's own schemas
        assert _uses(schema, "unevaluatedProperties") or _uses(shared, "unevaluated")


# -- details ------------------------------------------------------------------------------


def _inputs(schema: Any, instance: Any, **components: Any) -> tuple[bool, list[str]]:
    raw = {"workflows": [{"workflowId": "w", "inputs": schema}],
           "components": {"inputs": components}}
    validator = _workflow_plan(raw).validator()
    assert validator is not None
    return inputs_are_valid(raw, 0, instance), [e.message for e in
                                                  validator.iter_errors(instance)]


_ONE_KEYWORD = st.one_of(
    st.tuples(st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
              _NUMBERS),
    st.tuples(st.just("multipleOf"), st.sampled_from([1, 2, 0.5, 0.1, 3])),
    st.tuples(st.sampled_from(["minLength", "maxLength", "minItems", "maxItems",
                               "minProperties", "maxProperties"]), st.integers(0, 3)),
    st.tuples(st.just("pattern"), st.sampled_from(_PATTERNS)),
    st.tuples(st.just("uniqueItems"), st.booleans()),
    st.tuples(st.just("type"), st.sampled_from(_TYPES)),
    st.tuples(st.just("enum"), st.lists(_VALUES, min_size=1, max_size=3)),
    st.tuples(st.just("const"), _SCALARS_OR_INSTANCES),
    st.tuples(st.just("required"), st.lists(st.sampled_from(_PROPS), unique=True, max_size=2)),
)


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_ONE_KEYWORD, _SCALARS_OR_INSTANCES)
def test_each_assertion_keyword_agrees_both_ways(keyword: tuple[str, Any], instance: Any) -> None:
    """A schema of one assertion keyword is always decided: the verdict is jsonschema's,
    valid and invalid alike."""
    fast, errors = _inputs(dict([keyword]), instance)
    assert fast == (not errors), errors


@pytest.mark.parametrize(("schema", "instance", "valid"), [
    ({"enum": [1]}, True, False),  # True is not 1 in JSON Schema
    ({"enum": [True]}, 1, False),
    ({"const": 1}, 1.0, True),  # 1 and 1.0 are the same number
    ({"type": "integer"}, 1.0, True),
    ({"type": "integer"}, True, False),
    ({"type": "integer"}, 2.5, False),
    ({"type": ["string", "integer"]}, 3, True),
    ({"type": "number"}, False, False),
    ({"uniqueItems": True}, [1, True], True),
    ({"uniqueItems": True}, [1, 1.0], False),
    ({"uniqueItems": True}, [{"a": [1]}, {"a": [True]}], True),
    ({"uniqueItems": True}, [{"a": 1}, {"a": 1}], False),
    ({"minimum": 1}, math.nan, True),
    ({"minimum": 1}, 0, False),
    ({"minimum": 1}, 1, True),
    ({"maximum": 1}, 2, False),
    ({"maximum": 1}, 1, True),
    ({"exclusiveMinimum": 1}, 1, False),
    ({"exclusiveMinimum": 1}, 1.5, True),
    ({"exclusiveMaximum": 1}, 1, False),
    ({"exclusiveMaximum": 1}, 3, False),
    ({"exclusiveMaximum": 1}, 0.5, True),
    ({"exclusiveMaximum": 1}, "3", True),
    ({"enum": [[1, {"a": None}]]}, [1, {"a": None}], True),
    ({"items": False, "prefixItems": [True]}, [1], True),
    ({"items": False, "prefixItems": [True]}, [1, 2], False),
    ({"properties": {"a~b/c": {"type": "string"}}}, {"a~b/c": 1}, False),
    ({"$ref": "#/components/inputs/a~1b"}, 1, False),
    ({"$ref": "#/components/inputs/a%7E1b"}, "x", True),
])
def test_details_agree_with_jsonschema(schema: Any, instance: Any, valid: bool) -> None:
    fast, errors = _inputs(schema, instance, **{"a/b": {"type": "string"}})
    assert fast == valid
    assert (not errors) == valid


_LOOP = {"$ref": "#/components/inputs/loop"}


@pytest.mark.parametrize(("schema", "instance", "valid"), [
    # jsonschema's anyOf stops at the first valid branch and never meets the $ref loop
    ({"anyOf": [{}, _LOOP]}, 1, True),
    ({"anyOf": [{"type": "integer"}, _LOOP, {"type": "string"}]}, 1, True),
    ({"anyOf": [{"type": "string"}, {"minimum": 3}, _LOOP]}, 5, True),
])
def test_any_of_after_its_first_valid_branch_is_decided(schema: Any, instance: Any,
                                                       valid: bool) -> None:
    raw = {"workflows": [{"workflowId": "w", "inputs": schema}],
           "components": {"inputs": {"loop": _LOOP}}}
    validator = _workflow_plan(raw).validator()
    assert validator is not None
    assert not list(validator.iter_errors(instance))
    assert inputs_are_valid(raw, 0, instance) is valid


def test_any_of_with_unknown_annotations_leaves_unevaluated_properties_to_jsonschema() -> None:
    """A branch after the first valid one was not decided: which properties it evaluated is
    unknown, so an unevaluatedProperties beside it is not decided either."""
    from arazzo.documents._schemacheck import _Checker, _Unsure

    schema = {"anyOf": [{"properties": {"a": True}}, {"$ref": "#/loop"}],
              "unevaluatedProperties": False}
    checker = _Checker({"urn:t": {"loop": {"$ref": "#/loop"}, "s": schema}}, trusted=True)
    with pytest.raises(_Unsure):
        checker.check(schema, {"a": 1}, "urn:t", ())


@pytest.mark.parametrize(("schema", "instance"), [
    ({"$id": "https://example.com/s", "type": "string"}, "x"),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}, "x"),
    ({"unevaluatedItems": False}, []),
    ({"$dynamicRef": "#meta"}, "x"),
    ({"$ref": "#a"}, "x"),
    ({"$ref": "https://json-schema.org/draft/2020-12/schema"}, "x"),
    ({"unevaluatedProperties": False}, {}),
    ({"type": "bogus"}, "x"),
    ({"pattern": "("}, "x"),
])
def test_not_sure_means_ask_jsonschema(schema: Any, instance: Any) -> None:
    """Outside the subset decided here the answer is False (jsonschema decides, as before)."""
    raw = {"workflows": [{"workflowId": "w", "inputs": schema}]}
    assert inputs_are_valid(raw, 0, instance) is False


def test_a_schema_nested_beyond_the_depth_bound_is_not_decided() -> None:
    schema: dict[str, Any] = {"type": "object"}
    instance: dict[str, Any] = {}
    for _ in range(120):
        schema = {"properties": {"a": schema}}
        instance = {"a": instance}
    raw = {"workflows": [{"workflowId": "w", "inputs": schema}]}
    assert inputs_are_valid(raw, 0, instance) is False
    assert inputs_are_valid(raw, 0, {}) is True
