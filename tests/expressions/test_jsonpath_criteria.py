"""``jsonpath`` criteria (CRI-07) against RFC 9535, through the code path every step uses:
``compile_criterion(condition, "jsonpath", "$response.body").evaluate(ctx)``.

The oracle is the RFC's nodelist on the context value, combined with the object rule
(docs/expressions.md): when the query's first segment contains a filter selector and the
context value is an object, the criterion also passes when the query on ``[value]`` selects
a node. Never less than the RFC. Checked on the compliance suite and on generated queries
and documents (the generators of ``test_jsonpath_exists.py``, extended with descendant
segments and function extensions, which the compiled check leaves to the library).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo.criteria import CriterionSyntaxError, compile_criterion
from arazzo.expressions import EvaluationContext, HttpMessage

from .cts_support import cts_cases
from .test_jsonpath_exists import (
    ENV,
    EXISTENCE,
    JSON,
    LITERALS,
    NAMES,
    OPERAND,
    QUERY_OPERAND,
    _library,
    _library_with_rfc_equality,
)

CONTEXT = "$response.body"


def _passes(condition: str, document: Any) -> bool:
    criterion = compile_criterion(condition, "jsonpath", CONTEXT)
    result = criterion.evaluate(EvaluationContext(response=HttpMessage(body=document)))
    return result.passed


def _object_rule_applies(query: Any) -> bool:
    segments = query.segments
    return bool(segments) and type(segments[0]).__name__ == "JSONPathChildSegment" and any(
        type(s).__name__ == "FilterSelector" for s in segments[0].selectors)


def _oracle(query: Any, document: Any, rfc: bool) -> bool:
    """``rfc`` (the RFC's nodelist on the document is non-empty) OR the object rule."""
    return rfc or (_object_rule_applies(query) and isinstance(document, dict)
                   and _library(query, [document]))


# -- the example ----------------------------------------------------------------------

def test_root_filter_selects_member_values_of_an_object() -> None:
    """RFC 9535 section 2.3.5: ``$[?@.n == 2]`` selects ``{"n": 2}`` among the member
    values; the object rule does not take that away."""
    body = {"items": [1, 2], "summary": {"n": 2}}
    assert _passes("$[?@.n == 2]", body) is True
    assert _passes("$[?@.n == 3]", body) is False
    assert _passes("$[?@.items[0] == 1]", body) is True  # the object itself (object rule)
    assert _passes("$[?@.items[0] == 2]", body) is False


def test_negation_follows_the_rfc_and_the_guarded_form_does_not_match_members() -> None:
    body = {"status": "done"}
    # the member value "done" has no status: Nothing != 'done' is true (RFC 9535)
    assert _passes("$[?@.status != 'done']", body) is True
    assert _passes("$[?@.status && @.status != 'done']", body) is False
    assert _passes("$[?@.status && @.status != 'done']", {"status": "open"}) is True
    assert _passes("$[?@.access_token != null]", {"error": "denied"}) is True
    assert _passes("$[?@.access_token && @.access_token != null]", {"error": "denied"}) is False
    assert _passes("$[?@.access_token && @.access_token != null]", {"access_token": "t"})


def test_the_object_case_checks_the_object_only_when_the_rfc_nodelist_is_empty() -> None:
    criterion = compile_criterion("$[?@.n == 2]", "jsonpath", CONTEXT)
    compiled = criterion._compiled
    seen: list[Any] = []
    exists = compiled.exists

    def spy(value: Any) -> bool:
        seen.append(value)
        return bool(exists(value))

    compiled.exists = spy
    member = {"summary": {"n": 2}}
    assert criterion.evaluate(EvaluationContext(response=HttpMessage(body=member))).passed
    assert seen == [member]  # one check: the RFC's nodelist was not empty
    seen.clear()
    itself = {"n": 2}
    assert criterion.evaluate(EvaluationContext(response=HttpMessage(body=itself))).passed
    assert seen == [itself, [itself]]
    seen.clear()
    assert criterion.evaluate(EvaluationContext(response=HttpMessage(body=[itself]))).passed
    assert seen == [[itself]]  # an array: the RFC alone


@pytest.mark.parametrize(("condition", "members"), [
    ("$[?@.access_token != null]", ["@.access_token"]),
    ("$[?@.a != $.b]", ["@.a"]),
    ("$[?!(@.a < 1)]", ["@.a"]),  # a negated comparison with Nothing is true
    ("$[?!(@.a == 1 || @['x y'][0] > 2)]", ["@.a", "@['x y'][0]"]),
    ("$[?@.a.b != 1 && @.a]", ["@.a.b"]),  # @.a exists, @.a.b may not
    ("$[?@.a && @.a != 1 || @.b != 2]", ["@.b"]),  # a guard covers its own conjunction
    ("$[?@.a.b != 1 && @.a.b.c]", []),
    ("$[?@.a != null && @.a[*]]", []),
    ("$[?!(@.a != 1)]", []),  # is @.a == 1
    ("$[?!(!@.a || @.a == 1)]", []),  # is @.a && @.a != 1
    ("$[?@.a != @.b]", []),  # a node with neither: Nothing == Nothing
    ("$[?@.a == 1]", []),
    ("$.items[?@.a != 1]", []),  # not a root filter: the object rule does not apply
    ("$.a != 1", []),  # the comparison form: evaluated on [value] only
    ("$[?@.a != {$inputs.x}]", []),  # compiled on first use, not known at validation
])
def test_negations_are_found_at_compile_time(condition: str, members: list[str]) -> None:
    found = compile_criterion(condition, "jsonpath", CONTEXT).negations
    assert [w.index for w in found] == [condition.index(m) for m in members]
    for warning, member in zip(found, members, strict=True):
        assert f"{member} is true" in warning.message or f"{member} != ..." in warning.message
        # the guarded query it suggests is valid and has that comparison guarded
        guarded = warning.message.split("existence test: ")[1].removesuffix(" (CRI-07)")
        assert guarded.count(member) == condition.count(member) + 1
        assert len(compile_criterion(guarded, "jsonpath", CONTEXT).negations) == len(found) - 1


@pytest.mark.parametrize(("condition", "document", "expected"), [
    # the compiled check
    ("$[?@.a[?@.a == $.a]]", [{"a": [None]}], True),
    ("$[?@.a[?@ == $.b]]", {"x": {"a": [2]}, "b": 2}, True),
    # functions: the library evaluates them, in an environment whose relative queries keep
    # the root (the library's own starts them at the current node, so $.a was [null])
    ("$[?@.a[?length($.a) == 1]]", [{"a": [None]}], False),
    ("$[?@.a[?count($.a) == 1]]", [{"a": [None]}], False),
    ("$[?@.a[?count($.b) == 1]]", {"x": {"a": [0]}, "b": 1}, True),
    ("$[?@.a[?value($.b) == 1]]", {"x": {"a": [0]}, "b": 1}, True),
])
def test_root_in_a_nested_filter_is_the_query_root(
        condition: str, document: Any, expected: bool) -> None:
    """RFC 9535 section 2.3.5.1: ``$`` in any filter is the root node of the query's
    argument, however deeply the filter is nested."""
    assert _passes(condition, document) is expected


# -- the compliance suite ---------------------------------------------------------------------

def test_the_compliance_suite_through_criteria() -> None:
    """Valid selectors: the criterion passes as the expected result and the object rule say;
    invalid ones: a ``CriterionSyntaxError`` at compile time."""
    cases = cts_cases()
    invalid = [c for c in cases if c.get("invalid_selector")]
    for case in invalid:
        with pytest.raises(CriterionSyntaxError):
            compile_criterion(case["selector"], "jsonpath", CONTEXT)
    widened = 0
    with _library_with_rfc_equality():
        for case in cases:
            if case.get("invalid_selector"):
                continue
            query = ENV.compile(case["selector"])
            expected = [case["result"]] if "result" in case else case["results"]
            want = _oracle(query, case["document"], bool(expected[0]))
            widened += want and not expected[0]
            assert _passes(case["selector"], case["document"]) is want, case["name"]
    assert len(invalid) > 200
    # the object rule makes some root filters pass that select nothing under the RFC
    assert widened > 0


# -- generated queries on generated documents -------------------------------------------------

_NUMBER = st.sampled_from(["0", "1", "2", "-1"])
_COMPARE = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
_NODES = st.sampled_from(["@.*", "@..a", "@[*]", "@.a", "@.b[*].a", "$..id"])
FUNCTION = st.one_of(
    st.builds(lambda q, op, n: f"length({q}) {op} {n}",
              st.one_of(QUERY_OPERAND, st.sampled_from(["'ab'", "@"])), _COMPARE, _NUMBER),
    st.builds(lambda q, op, n: f"count({q}) {op} {n}", _NODES, _COMPARE, _NUMBER),
    st.builds(lambda q, op, v: f"value({q}) {op} {v}", _NODES, _COMPARE,
              st.one_of(LITERALS, OPERAND)),
    st.builds(lambda f, q, p: f"{f}({q}, {p})", st.sampled_from(["match", "search"]),
              QUERY_OPERAND, st.sampled_from(["'a'", "'[ab]'", "'.*'"])),
)
COMPARISON = st.builds(lambda a, op, b: f"{a} {op} {b}", OPERAND, _COMPARE, OPERAND)
# not well-typed (RFC 9535 section 2.4.3): compile_criterion must refuse them as the library does
ILL_TYPED = st.sampled_from(["@.* == 1", "length(@.*) > 0", "count(1) > 0", "match(@.a)",
                             "value(@.a)", "@.a == @..b"])
FILTER = st.recursive(
    st.one_of(COMPARISON, EXISTENCE, FUNCTION, st.sampled_from(["@..a", "@..[0]"]),
              ILL_TYPED),
    lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["&&", "||"]),
                  inner),
        inner.map(lambda f: f"!({f})"),
        inner.map(lambda f: f"({f})"),
        inner.map(lambda f: f"@.a[?{f}]"),  # a nested filter as an existence test
    ),
    max_leaves=4)
SELECTOR = st.one_of(
    st.sampled_from(NAMES).map(lambda n: f"'{n}'"),
    st.sampled_from(["0", "1", "-1", "*", "1:", ":2", "::-1", "0:3:2"]),
    FILTER.map(lambda f: f"?{f}"),
)
SELECTORS = st.lists(SELECTOR, min_size=1, max_size=2).map(", ".join)
SEGMENT = st.one_of(
    SELECTORS.map(lambda s: f"[{s}]"),
    SELECTORS.map(lambda s: f"..[{s}]"),
    st.sampled_from(NAMES).map(lambda n: f".{n}"),
    st.sampled_from([".*", "..*", "..a", "..id"]),
)
# a root filter first half of the time: the form the object rule concerns
QUERY = st.tuples(st.one_of(FILTER.map(lambda f: f"[?{f}]"), SEGMENT),
                  st.lists(SEGMENT, max_size=2)).map(lambda t: "$" + t[0] + "".join(t[1]))
DOCUMENT = st.one_of(st.lists(JSON, max_size=5),
                     st.dictionaries(st.sampled_from(NAMES), JSON, max_size=4))


@settings(max_examples=700, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(QUERY, st.lists(DOCUMENT, min_size=1, max_size=4))
def test_generated_criteria_agree_with_the_rfc_and_the_object_rule(
        text: str, documents: list[Any]) -> None:
    try:
        query = ENV.compile(text)
    except Exception:  # not a well-typed RFC 9535 query: criteria must refuse it too
        with pytest.raises(CriterionSyntaxError):
            compile_criterion(text, "jsonpath", CONTEXT)
        return
    with _library_with_rfc_equality():  # the RFC's equality of arrays and objects
        for document in documents:
            want = _oracle(query, document, _library(query, document))
            assert _passes(text, document) is want, (text, document)
