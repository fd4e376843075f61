"""Is the nodelist of an RFC 9535 query empty? Compiled to closures, for ``jsonpath`` criteria.

A ``jsonpath`` criterion passes iff its query selects at least one node (CRI-07). The
library that parses and validates the queries (``jsonpath-rfc9535``) builds every node with
its location and evaluates filters through a small interpreter: ~2.5 µs per array element
for ``$[?@.id == 7 && @.tag == 'x']``, 12 ms for a filter over 5 000 items. This module
compiles the library's parsed query into plain Python closures that answer only the
criterion's question, stop at the first node found and build no nodes.

It covers the forms criteria use: child segments with name, index, slice, wildcard and
filter selectors; filters made of ``&&``, ``||``, ``!``, comparisons between literals and
singular queries (``@…``, ``$…``) and existence tests. Anything else (descendant
segments ``..``, function extensions such as ``length()`` or ``match()``) makes
:func:`compile_exists` return ``None`` and the caller keeps the library's evaluation.

Results follow RFC 9535 (CRI-07), and are the library's but in two corners where the library
reads the RFC loosely: it compares arrays and objects with Python equality, so ``[1] ==
[true]`` holds although a number never equals a boolean (section 2.3.5.2.2), and it takes
``@`` alone as an existence test to be false for ``0``, ``false`` and ``""`` although ``@``
always selects the current node. ``tests/expressions/test_jsonpath_exists.py`` checks this
module against the compliance suite, against the RFC's comparison table on every pair of
values, and against the library (its equality corrected) on generated queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["compile_exists"]

# A value, or _NOTHING when a singular query selects no node.
_NOTHING: Any = object()

Exists = Callable[[Any, Any], bool]  # (value, root) -> is the nodelist non-empty?
Predicate = Callable[[Any, Any], bool]  # (current, root) -> does the filter select it?
Operand = Callable[[Any, Any], Any]  # (current, root) -> a value or _NOTHING


class _Unsupported(Exception):
    """A construct this module does not compile: the library evaluates the query."""


def compile_exists(query: Any) -> Callable[[Any], bool] | None:
    """``value -> bool`` (does ``query`` select a node of ``value``?) for a query parsed by
    ``jsonpath-rfc9535``, or ``None`` when the query uses a construct not covered here."""
    try:
        walk = _segments(query.segments)
    except _Unsupported:
        return None

    def exists(value: Any) -> bool:
        return walk(value, value)

    return exists


# -- segments and selectors -----------------------------------------------------------------

def _segments(segments: Sequence[Any]) -> Exists:
    """A walker over ``segments`` that stops at the first node reached by all of them."""
    walk: Exists = _always
    for segment in reversed(segments):
        if type(segment).__name__ != "JSONPathChildSegment":
            raise _Unsupported(type(segment).__name__)
        walk = _segment([_selector(s) for s in segment.selectors], walk)
    return walk


def _always(_value: Any, _root: Any) -> bool:
    return True


Step = Callable[[Any, Any, Exists], bool]  # (value, root, rest) -> does a selected child lead on?


def _segment(steps: list[Step], rest: Exists) -> Exists:
    if len(steps) == 1:
        step = steps[0]

        def one(value: Any, root: Any) -> bool:
            return step(value, root, rest)

        return one

    def several(value: Any, root: Any) -> bool:
        return any(step(value, root, rest) for step in steps)

    return several


def _selector(selector: Any) -> Step:
    kind = type(selector).__name__
    if kind == "NameSelector":
        name = selector.name

        def by_name(value: Any, root: Any, rest: Exists) -> bool:
            if isinstance(value, dict):
                child = value.get(name, _NOTHING)
                return child is not _NOTHING and rest(child, root)
            return False

        return by_name
    if kind == "IndexSelector":
        index = selector.index

        def by_index(value: Any, root: Any, rest: Exists) -> bool:
            if isinstance(value, list):
                try:
                    child = value[index]
                except IndexError:
                    return False
                return rest(child, root)
            return False

        return by_index
    if kind == "SliceSelector":
        cut = selector.slice

        def by_slice(value: Any, root: Any, rest: Exists) -> bool:
            if isinstance(value, list) and cut.step != 0:
                return any(rest(child, root) for child in value[cut])
            return False

        return by_slice
    if kind == "WildcardSelector":
        if getattr(selector.env, "nondeterministic", False):
            raise _Unsupported("nondeterministic wildcard")

        def every(value: Any, root: Any, rest: Exists) -> bool:
            if isinstance(value, dict):
                return any(rest(child, root) for child in value.values())
            if isinstance(value, list):
                return any(rest(child, root) for child in value)
            return False

        return every
    if kind == "FilterSelector":
        test = _logical(selector.expression.expression)

        def filtered(value: Any, root: Any, rest: Exists) -> bool:
            if isinstance(value, dict):
                children: Any = value.values()
            elif isinstance(value, list):
                children = value
            else:
                return False
            for child in children:  # noqa: SIM110 - a loop is faster than any(<generator>)
                if test(child, root) and rest(child, root):
                    return True
            return False

        return filtered
    raise _Unsupported(kind)


# -- filter expressions ---------------------------------------------------------------------

def _logical(expression: Any) -> Predicate:
    """The truth of a filter (sub)expression for one candidate node."""
    kind = type(expression).__name__
    if kind == "LogicalExpression":
        left, right = _logical(expression.left), _logical(expression.right)
        if expression.operator == "&&":
            return lambda current, root: left(current, root) and right(current, root)
        if expression.operator == "||":
            return lambda current, root: left(current, root) or right(current, root)
        raise _Unsupported(expression.operator)
    if kind == "PrefixExpression" and expression.operator == "!":
        inner = _logical(expression.right)
        return lambda current, root: not inner(current, root)
    if kind == "ComparisonExpression":
        operator = expression.operator
        fast = _against_literal(operator, expression.left, expression.right)
        if fast is None:
            fast = _against_literal(_MIRRORED[operator], expression.right, expression.left)
        if fast is not None:
            return fast
        return _comparison(operator, _operand(expression.left), _operand(expression.right))
    if kind in ("RelativeFilterQuery", "RootFilterQuery"):
        return _existence(kind == "RootFilterQuery", expression.query.segments)
    raise _Unsupported(kind)


def _existence(absolute: bool, segments: Sequence[Any]) -> Predicate:
    """An existence test (``@.a``, ``$.b[*]``): does the query select a node?"""
    if absolute:
        walk = _segments(segments)
        return lambda _current, root: walk(root, root)
    if not segments:  # @ selects the current node, whatever its value
        return _always
    return _segments(segments)


_LITERALS = ("StringLiteral", "IntegerLiteral", "FloatLiteral", "BooleanLiteral",
             "NullLiteral")
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _operand(expression: Any) -> Operand:
    kind = type(expression).__name__
    if kind in _LITERALS:
        constant = expression.value
        return lambda _current, _root: constant
    if kind in ("RelativeFilterQuery", "RootFilterQuery"):
        path = _singular(expression.query.segments)
        if kind == "RootFilterQuery":
            return lambda _current, root: path(root)
        return lambda current, _root: path(current)
    raise _Unsupported(kind)


def _against_literal(operator: str, query: Any, literal: Any) -> Predicate | None:
    """``@.a == 'x'``, ``@.n != 3``: a singular query against a literal, with the type
    test the RFC's equality implies done once (a number equals only a number, a string
    only a string, a boolean only itself, null only null; Nothing equals no literal).
    None for any other comparison."""
    if operator not in ("==", "!=") or type(literal).__name__ not in _LITERALS:
        return None
    kind = type(query).__name__
    if kind not in ("RelativeFilterQuery", "RootFilterQuery"):
        return None
    path = _singular(query.query.segments)
    constant = literal.value
    equal: Callable[[Any], bool]
    if constant is None:
        def equal(value: Any) -> bool:
            return value is None
    elif isinstance(constant, bool):
        def equal(value: Any) -> bool:
            return value is constant
    elif isinstance(constant, str):
        def equal(value: Any) -> bool:
            return bool(value == constant)  # only a str equals a str
    elif isinstance(constant, (int, float)):
        def equal(value: Any) -> bool:
            number = type(value)
            return (number is int or number is float) and value == constant
    else:  # pragma: no cover - the literal kinds above are all RFC 9535 has
        return None
    if kind == "RootFilterQuery":
        if operator == "==":
            return lambda _current, root: equal(path(root))
        return lambda _current, root: not equal(path(root))
    if operator == "==":
        return lambda current, _root: equal(path(current))
    return lambda current, _root: not equal(path(current))


def _singular(segments: Sequence[Any]) -> Callable[[Any], Any]:
    """The value a singular query selects, or ``_NOTHING``."""
    keys: list[tuple[bool, Any]] = []  # (is a name, name or index)
    for segment in segments:
        selectors = segment.selectors
        if type(segment).__name__ != "JSONPathChildSegment" or len(selectors) != 1:
            raise _Unsupported("a query that is not singular")
        kind = type(selectors[0]).__name__
        if kind == "NameSelector":
            keys.append((True, selectors[0].name))
        elif kind == "IndexSelector":
            keys.append((False, selectors[0].index))
        else:
            raise _Unsupported("a query that is not singular")
    if len(keys) == 1 and keys[0][0]:
        name = keys[0][1]
        return lambda value: value.get(name, _NOTHING) if isinstance(value, dict) else _NOTHING

    def resolve(value: Any) -> Any:
        for is_name, key in keys:
            if is_name:
                if not isinstance(value, dict):
                    return _NOTHING
                value = value.get(key, _NOTHING)
                if value is _NOTHING:
                    return _NOTHING
            else:
                if not isinstance(value, list):
                    return _NOTHING
                try:
                    value = value[key]
                except IndexError:
                    return _NOTHING
        return value

    return resolve


def _eq(left: Any, right: Any) -> bool:
    """RFC 9535 ``==`` (section 2.3.5.2.2): Nothing equals only Nothing."""
    if left is _NOTHING or right is _NOTHING:
        return left is right
    return _json_equal(left, right)


def _json_equal(left: Any, right: Any) -> bool:
    """Numbers by value, a boolean only the same boolean, arrays element by element,
    objects by the same names with equal values."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list):
        return (isinstance(right, list) and len(left) == len(right)
                and all(_json_equal(a, b) for a, b in zip(left, right, strict=True)))
    if isinstance(left, dict):
        return (isinstance(right, dict) and left.keys() == right.keys()
                and all(_json_equal(value, right[name]) for name, value in left.items()))
    return bool(left == right)


def _lt(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return bool(left < right)
    return False


def _comparison(operator: str, left: Operand, right: Operand) -> Predicate:
    if operator == "==":
        return lambda current, root: _eq(left(current, root), right(current, root))
    if operator == "!=":
        return lambda current, root: not _eq(left(current, root), right(current, root))
    if operator == "<":
        return lambda current, root: _lt(left(current, root), right(current, root))
    if operator == ">":
        return lambda current, root: _lt(right(current, root), left(current, root))
    if operator == "<=":
        def at_most(current: Any, root: Any) -> bool:
            a, b = left(current, root), right(current, root)
            return _lt(a, b) or _eq(a, b)

        return at_most
    if operator == ">=":
        def at_least(current: Any, root: Any) -> bool:
            a, b = left(current, root), right(current, root)
            return _lt(b, a) or _eq(a, b)

        return at_least
    raise _Unsupported(operator)
