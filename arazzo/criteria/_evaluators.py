"""Criterion Objects: compile once, evaluate many times (inventory section I).

Types (CRI-03): ``simple`` (default), ``regex``, ``jsonpath``, ``xpath``
(:data:`DEFAULT_CRITERIA`), and any type a caller adds with :meth:`CriterionTypes.with_type`
(an immutable value passed in: ``validate``/``run``/``run_async``, ``criteria=``).
``CompiledCriterion.evaluate`` never raises: a criterion that cannot be evaluated (missing
context, wrong type of value, timeout, ...) fails with a ``reason``.

Rules chosen where the specification is silent (details and citations: docs/expressions.md):

- ``regex`` (CRI-06): the ``regex`` package with ``re`` syntax (``VERSION0``), *search*
  semantics, evaluated with a timeout (:attr:`RegexEvaluator.timeout`, 1 s); the context value
  is stringified (strings verbatim, numbers via ``str()``, booleans/``null`` in JSON spelling,
  objects/arrays as compact JSON, bytes as UTF-8); a missing or ``null`` context fails.
- ``jsonpath`` (CRI-07): RFC 9535 by default (``jsonpath-rfc9535``, 100 % of the compliance
  suite; jsonpath-ng passes about half of it), ``draft-goessner-dispatch-jsonpath-00`` through
  jsonpath-ng. The criterion passes iff the nodelist on the context value is non-empty.
  **Object rule**: when the query's first segment has a filter (``$[?...]``) and the context
  value is an object, it also passes when the query on ``[value]`` selects a node (the
  object itself is tested), so the spec's ``$[?count(@.pets) > 0]`` works on
  ``{"pets": [...]}`` while ``$[?@.n == 2]`` still selects among the member values as
  RFC 9535 says. Never less than the RFC. The comparison form some catalogues use
  (``$.Status == "InProgress"``, ``&&``/``||`` between comparisons) is not RFC 9535: it is
  evaluated as the filter ``$[?@.Status == "InProgress"]`` on ``[value]`` (RFC 9535
  comparison semantics) and a warning suggests writing that filter.
- ``xpath`` (CRI-08): ``elementpath`` (XPath 3.1 by default; ``xpath-30``/``xpath-20``/
  ``xpath-10``); the context must be an XML document (``str``/``bytes``) or an ElementTree
  element; documents with a DTD are refused; the result's effective boolean value decides.
- Embedded ``{$...}`` in regex/jsonpath/xpath conditions (CRI-11, V11-CRI-01) are substituted
  as strings before evaluation (V11-AMB-31: strings verbatim, other scalars in JSON spelling,
  objects and arrays as compact JSON); the template is compiled once, the substituted
  condition is compiled on first use and cached.

What differs by the document's Arazzo version (``compile_criterion(..., spec_minor=)``, the
document's ``spec_minor``; "Criteria in 1.1" in docs/expressions.md):

- version names (V11-SEL-08, S-20): ``rfc9535`` and ``xpath-31`` are named without a warning
  in 1.1; in 1.0 they draw a warning (they are the defaults there, and cannot be named);
- ``jsonpointer`` is no criterion type in 1.1 (V11-AMB-27), an error;
- the non-RFC JSONPath comparison form (``$.status == 'ok'``) is evaluated with a warning in
  1.0 and is an invalid condition in 1.1 (V11-CRI-07, V11-AMB-32);
- simple conditions: a missing value is ``null`` in 1.1 (V11-AMB-30), in 1.0 it makes any
  comparison false;
- an embedded ``{$...}`` without a value makes the criterion fail with an evaluation error
  in 1.1 (V11-AMB-30, V11-CRI-09); in 1.0 it is substituted as the empty string.
"""

from __future__ import annotations

import functools
import re
import warnings as _warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

# The regex, JSONPath and XPath libraries are imported by the evaluators on first use: a
# document with only simple conditions (and the CLI's start-up) never pays for them.
from arazzo._exceptions import CriterionError, ExpressionSyntaxError
from arazzo.expressions import (
    MISSING,
    Condition,
    EvaluationContext,
    Expression,
    ExpressionWarning,
    Template,
    parse,
    parse_condition,
    stringify,
)
from arazzo.expressions._common import short_repr, type_name
from arazzo.expressions._jsonpath import rfc9535_environment
from arazzo.expressions._template import scan_template
from arazzo.expressions._xpath import (
    XPATH_VERSIONS,
    UnsafeXml,
    parse_xml,
    xpath_error_index,
    xpath_parser,
)

__all__ = [
    "DEFAULT_CRITERIA",
    "JSONPOINTER_NOT_A_CRITERION",
    "SPEC_MINORS",
    "CompiledCriterion",
    "CriterionEvaluator",
    "CriterionResult",
    "CriterionSyntaxError",
    "CriterionTypes",
    "JsonPathEvaluator",
    "RegexEvaluator",
    "SimpleEvaluator",
    "XPathEvaluator",
    "compile_criterion",
]

GOESSNER = "draft-goessner-dispatch-jsonpath-00"
#: the Arazzo versions whose rules criteria follow (``ArazzoSpecification.spec_minor``)
SPEC_MINORS = ("1.0", "1.1")


def _check_spec_minor(spec_minor: str) -> None:
    if spec_minor not in SPEC_MINORS:
        raise ValueError(f"spec_minor must be '1.0' or '1.1', not {spec_minor!r}")


class CriterionSyntaxError(CriterionError, ExpressionSyntaxError):
    """A regex/JSONPath/XPath condition does not compile; ``index`` locates the problem."""


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """Outcome of one criterion: ``passed``, and ``reason`` when it did not pass; ``error``
    is true when the condition could not be evaluated (rather than being false)."""

    passed: bool
    reason: str | None = None
    error: bool = False

    def __bool__(self) -> bool:
        return self.passed


_PASSED = CriterionResult(True)


@runtime_checkable
class CriterionEvaluator(Protocol):
    """What a criterion type means.

    ``evaluate(compiled, value, ctx)`` decides one criterion: ``compiled`` is what the
    optional ``compile(condition, version)`` returned for the condition, or the condition
    text itself when the evaluator has no ``compile``; ``value`` is the criterion's
    ``context`` value (``MISSING`` when it has none); ``ctx`` is the run's
    :class:`~arazzo.expressions.EvaluationContext` (``ctx.response``, ``ctx.status_code``,
    ``ctx.inputs``, ...). It returns true or false, and may raise ``CriterionError`` to fail
    with that message as the reason (any other exception fails too, with its repr).

    ``compile(condition, version)``, when present, runs once, when the document is validated
    and when its plan is compiled (never per step): raise ``CriterionError`` (or
    :class:`CriterionSyntaxError` with an index into the condition) for a bad condition or
    version, and validation reports it at the condition's position. A compiled object with a
    ``warnings`` attribute (``(message, index)`` pairs) has them reported. An evaluator
    without ``compile`` takes no ``version``. The built-in evaluators' ``compile`` also takes
    ``spec_minor=`` (``"1.0"`` or ``"1.1"``, the document's Arazzo version); a custom
    evaluator is called with ``(condition, version)`` only.
    """

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool: ...


def _compile_with(evaluator: CriterionEvaluator, name: str, condition: str,
                  version: str | None, spec_minor: str) -> Any:
    compile_ = getattr(evaluator, "compile", None)
    if compile_ is None:
        if version is not None:
            raise CriterionError(f"the {name} criterion type takes no version (its evaluator "
                                 "has no compile(condition, version))")
        return condition
    if isinstance(evaluator, _BUILTIN_EVALUATORS):
        return compile_(condition, version, spec_minor=spec_minor)
    return compile_(condition, version)


class CriterionTypes(Mapping[str, CriterionEvaluator]):
    """The criterion types a document may use: an immutable mapping from type name to
    :class:`CriterionEvaluator` (CRI-03).

    :data:`DEFAULT_CRITERIA` holds ``simple``, ``regex``, ``jsonpath`` and ``xpath``.
    :meth:`with_type` returns a new value with one type added or replaced; nothing changes a
    value in place. Pass one to ``arazzo.validate``, ``arazzo.run`` and ``arazzo.run_async``
    (``criteria=``). Two values are equal when they map the same names to the same evaluator
    objects; results computed for a loaded document are kept per value.
    """

    __slots__ = ("_hash", "_types")

    _types: Mapping[str, CriterionEvaluator]
    _hash: int

    def __init__(self, types: Mapping[str, CriterionEvaluator]
                 | Iterable[tuple[str, CriterionEvaluator]] = ()) -> None:
        table = dict(types)
        for name, evaluator in table.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"a criterion type name must be a non-empty string, not "
                                f"{name!r}")
            if not callable(getattr(evaluator, "evaluate", None)):
                raise TypeError(f"criterion type {name!r}: {evaluator!r} has no "
                                "evaluate(compiled, value, ctx) method")
        object.__setattr__(self, "_types", MappingProxyType(table))
        object.__setattr__(self, "_hash",
                           hash(frozenset((name, id(e)) for name, e in table.items())))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CriterionTypes is immutable; with_type() returns a new value")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("CriterionTypes is immutable; with_type() returns a new value")

    def __getitem__(self, name: str) -> CriterionEvaluator:
        return self._types[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CriterionTypes):
            return NotImplemented
        return self._types.keys() == other._types.keys() and all(
            evaluator is other._types[name] for name, evaluator in self._types.items())

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"CriterionTypes({self.names()!r})"

    def with_type(self, name: str, evaluator: CriterionEvaluator) -> CriterionTypes:
        """A new value with ``name`` evaluated by ``evaluator`` (added, or replacing the
        type of that name); this one is unchanged."""
        return CriterionTypes({**self._types, name: evaluator})

    def names(self) -> list[str]:
        """The type names, sorted."""
        return sorted(self._types)

    def evaluator(self, name: str) -> CriterionEvaluator:
        """The evaluator of ``name``; raises ``CriterionError`` naming the known types."""
        try:
            return self._types[name]
        except KeyError:
            raise CriterionError(f"unknown criterion type {name!r} (known types: "
                                 f"{', '.join(self.names())})") from None


# -- simple -------------------------------------------------------------------------------


class SimpleEvaluator:
    """``simple`` conditions (CRI-05); see :mod:`arazzo.expressions._condition`."""

    name = "simple"

    def compile(self, condition: str, version: str | None, *,
                spec_minor: str = "1.0") -> Condition:
        if version is not None:
            raise CriterionError("the simple criterion type has no versions")
        return parse_condition(condition, spec_minor=spec_minor)

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        return bool(compiled.evaluate(ctx))


# -- regex --------------------------------------------------------------------------------


class _RegexCondition:
    __slots__ = ("pattern", "warnings")

    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern
        self.warnings: list[ExpressionWarning] = []


class RegexEvaluator:
    """``regex`` conditions (CRI-06): search semantics, bounded by ``timeout`` seconds."""

    name = "regex"

    def __init__(self, timeout: float = 1.0) -> None:
        self.timeout = timeout

    def compile(self, condition: str, version: str | None, *,
                spec_minor: str = "1.0") -> _RegexCondition:
        """``spec_minor`` changes nothing: regex criteria are the same in 1.0 and 1.1."""
        import regex

        if version is not None:
            raise CriterionError("the regex criterion type has no versions")
        try:
            return _RegexCondition(regex.compile(condition))
        except regex.error as error:
            index = error.pos if isinstance(error.pos, int) else 0
            raise CriterionSyntaxError(f"invalid regular expression: {error.msg}", condition,
                                       min(max(index, 0), len(condition))) from None

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        if value is MISSING or value is None:
            raise CriterionError(f"the context value is {short_repr(value)}")
        text = stringify(value)
        try:
            return compiled.pattern.search(text, timeout=self.timeout) is not None
        except TimeoutError:
            raise CriterionError(
                f"the regular expression did not finish within {self.timeout} s on "
                f"{len(text)} characters (catastrophic backtracking?)") from None


# -- jsonpath -----------------------------------------------------------------------------



class _JsonPathCondition:
    __slots__ = ("exists", "find", "json_only", "mode", "negations", "text", "warnings")

    def __init__(self, text: str, find: Any, mode: str,
                 warnings: list[ExpressionWarning] | None = None,
                 exists: Callable[[Any], bool] | None = None,
                 negations: list[ExpressionWarning] | None = None) -> None:
        self.text = text
        self.find = find  # value -> iterable of matched values
        # "plain" (on the value), "filter-root" (on the value, then on [value] for an object:
        # the object rule) or "comparison" (on [value] only)
        self.mode = mode
        self.warnings = warnings or []
        # value -> is the nodelist non-empty, compiled (_jsonpath_exists); None: use find
        self.exists = exists
        # unguarded negated comparisons of a root filter (validation rule jsonpath-negation)
        self.negations = negations or []
        # Arazzo 1.1: a text context (an unparsed body) is not JSON data, so the condition
        # fails (V11-CRI-09, V11-AMB-21); 1.0 queries the string as a JSON value
        self.json_only = False


# The non-RFC comparison form: singular queries, literals, comparison and logical operators.
# Compiled on first use (its Unicode ranges make it a slow compile; few documents need it).
_CMP_TOKEN_PATTERN = r"""
    (?P<ws>\s+)
  | (?P<query>\$(?:\s*(?:\.[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*
                     |\[\s*(?:-?[0-9]+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\]))*)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<word>true|false|null)\b
  | (?P<op>==|!=|<=|>=|<|>|&&|\|\|)
  | (?P<other>[!()])
"""


@functools.cache
def _cmp_token() -> re.Pattern[str]:
    return re.compile(_CMP_TOKEN_PATTERN, re.VERBOSE)


def _comparison_form(condition: str) -> str | None:
    """The filter-expression text for a non-RFC comparison form, or None if it is not one."""
    pos = 0
    out: list[str] = []
    has_op = has_query = False
    token = _cmp_token()
    while pos < len(condition):
        match = token.match(condition, pos)
        if match is None or match.end() == pos:
            return None
        kind = match.lastgroup
        piece = match.group()
        if kind == "query":
            has_query = True
            piece = "@" + piece[1:]
        elif kind == "op":
            has_op = True
        out.append(piece)
        pos = match.end()
    if not (has_op and has_query):
        return None
    return "".join(out).strip()


def _single_quoted(filter_text: str) -> str:
    """Rewrite double-quoted string literals with single quotes where that is trivial."""
    def swap(match: re.Match[str]) -> str:
        text = match.group()
        if text.startswith('"') and "'" not in text and "\\" not in text:
            return "'" + text[1:-1] + "'"
        return text

    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", swap, filter_text)


def _jsonpath_error_index(error: Exception, condition: str) -> int:
    token = getattr(error, "token", None)
    index = getattr(token, "index", None)
    if isinstance(index, int):
        return min(max(index, 0), len(condition))
    match = re.search(r"col(?:umn)? (\d+)", str(error))
    if match:
        return min(max(int(match.group(1)) - 1, 0), len(condition))
    return 0


class JsonPathEvaluator:
    """``jsonpath`` conditions (CRI-07); pass iff the nodelist is non-empty."""

    name = "jsonpath"

    def compile(self, condition: str, version: str | None, *,
                spec_minor: str = "1.0") -> _JsonPathCondition:
        """``spec_minor`` ``"1.1"``: ``rfc9535`` is a version name (V11-SEL-08), and the
        non-RFC comparison form is a syntax error (V11-CRI-07)."""
        warnings: list[ExpressionWarning] = []
        if version == "rfc9535":
            if spec_minor == "1.0":
                warnings.append(ExpressionWarning(
                    "'rfc9535' is an Arazzo 1.1 version name; in 1.0 RFC 9535 is the default "
                    "and is selected by omitting the version (S-20)", 0))
            version = None
        compiled: _JsonPathCondition | None = None
        if version is None:
            compiled = self._compile_rfc(condition, warnings,
                                         comparison_form=spec_minor == "1.0")
        elif version == GOESSNER:
            compiled = self._compile_goessner(condition)
        if compiled is not None:
            compiled.json_only = spec_minor != "1.0"
            return compiled
        if spec_minor == "1.0":
            raise CriterionError(
                f"unknown JSONPath version {version!r}: the only version that can be named is "
                f"{GOESSNER!r} (RFC 9535 is the default)")
        raise CriterionError(
            f"unknown JSONPath version {version!r}: use 'rfc9535' (the default) or "
            f"{GOESSNER!r} (V11-SEL-08)")

    def _compile_rfc(self, condition: str, warnings: list[ExpressionWarning], *,
                     comparison_form: bool) -> _JsonPathCondition:
        import jsonpath_rfc9535 as jsonpath

        from arazzo.criteria._jsonpath_exists import compile_exists

        env = rfc9535_environment()
        try:
            query = env.compile(condition)
        except jsonpath.JSONPathError as error:
            filter_text = _comparison_form(condition)
            if filter_text is not None and not comparison_form:
                # Arazzo 1.1: "the condition MUST be a valid JSONPath expression conforming
                # to RFC 9535" (V11-CRI-07); statically invalid is a validation error
                # (V11-AMB-32), with the filter that means what the author wrote
                raise CriterionSyntaxError(
                    f"invalid RFC 9535 JSONPath query: {error.args[0]}; a comparison is only "
                    f"allowed inside a filter: write $[?{_single_quoted(filter_text)}] "
                    "(V11-CRI-07)", condition, _jsonpath_error_index(error, condition)
                ) from None
            if filter_text is not None:
                try:
                    query = env.compile(f"$[?{filter_text}]")
                except jsonpath.JSONPathError:
                    pass
                else:
                    suggestion = f"$[?{_single_quoted(filter_text)}]"
                    warnings.append(ExpressionWarning(
                        f"{condition!r} is not an RFC 9535 JSONPath query (comparisons "
                        "between queries are only allowed inside a filter); it is evaluated "
                        f"as {suggestion} on the context value itself: write that filter "
                        "instead (on an object context it also tests the object's member "
                        "values, CRI-07)", 0))
                    return _JsonPathCondition(condition, _finder(query), "comparison",
                                              warnings, compile_exists(query))
            raise CriterionSyntaxError(f"invalid RFC 9535 JSONPath query: {error.args[0]}",
                                       condition, _jsonpath_error_index(error, condition)
                                       ) from None
        segments = query.segments
        filters = [s for s in segments[0].selectors if type(s).__name__ == "FilterSelector"] \
            if segments and type(segments[0]).__name__ == "JSONPathChildSegment" else []
        return _JsonPathCondition(condition, _finder(query),
                                  "filter-root" if filters else "plain", warnings,
                                  compile_exists(query), _negations(filters, condition))

    def _compile_goessner(self, condition: str) -> _JsonPathCondition:
        from jsonpath_ng.ext.parser import parse as parse_goessner

        try:
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore")
                expression = parse_goessner(condition)
        except Exception as error:  # jsonpath-ng raises several unrelated types
            raise CriterionSyntaxError(f"invalid JSONPath (Goessner) expression: {error}",
                                       condition, _jsonpath_error_index(error, condition)
                                       ) from None

        def find(value: Any) -> Any:
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore")
                return [m.value for m in expression.find(value)]

        filter_root = condition.lstrip().startswith("$[?")
        return _JsonPathCondition(condition, find, "filter-root" if filter_root else "plain")

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        if value is MISSING or value is None:
            raise CriterionError(f"the context value is {short_repr(value)}")
        if isinstance(value, (bytes, bytearray)):
            raise CriterionError("the context value is binary, not JSON")
        if compiled.json_only and isinstance(value, str):
            raise CriterionError("the context value is text, not parsed JSON data (a body that "
                                 "is not JSON, or a string): a JSONPath condition fails on it "
                                 "(V11-CRI-09, V11-AMB-21)")
        mode = compiled.mode
        try:
            if mode == "comparison":
                return _selects(compiled, [value])
            # RFC 9535 (CRI-07); the object rule adds the object itself for a root filter
            return _selects(compiled, value) or (
                mode == "filter-root" and isinstance(value, Mapping)
                and _selects(compiled, [value]))
        except RecursionError:
            raise CriterionError("the JSON value is nested too deeply") from None
        except TimeoutError:
            raise CriterionError("a match()/search() regular expression timed out") from None
        except Exception as error:
            if type(error).__name__ == "JSONPathRecursionError":
                raise CriterionError("the JSON value is nested too deeply (recursion limit "
                                     "of the descendant segment)") from None
            raise


def _selects(compiled: _JsonPathCondition, value: Any) -> bool:
    """Is the nodelist of the compiled query on ``value`` non-empty?"""
    if compiled.exists is not None:
        return compiled.exists(value)
    return any(True for _ in compiled.find(value))


def _finder(query: Any) -> Any:
    def find(value: Any) -> Any:
        return (node.value for node in query.finditer(value))

    return find


# The jsonpath-negation finding: in a root filter, ``@.m != x`` (or ``!(@.m == x)``, any
# negated comparison) is true for a node without ``m`` (RFC 9535 compares Nothing), and on an
# object context the filter tests each member value, which usually has no ``m``: the
# criterion passes whatever the object holds. An existence test ``@.m`` in the same
# conjunction guards it. Found once, at compile time, from the library's parsed query.

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _negations(filters: list[Any], condition: str) -> list[ExpressionWarning]:
    found: list[ExpressionWarning] = []
    for selector in filters:
        _visit_filter(selector.expression.expression, False, None, frozenset(), condition,
                      found)
    return found


def _conjuncts(expression: Any, negated: bool, anchor: int | None
               ) -> Iterable[tuple[Any, bool, int | None]]:
    """The operands of the (effective) conjunction ``expression`` is, with their polarity
    (``!(a || b)`` is ``!a && !b``) and where a guard for them would be written (before the
    ``!`` that negates them, or ``None``: before the comparison itself)."""
    kind = type(expression).__name__
    if kind == "LogicalExpression" and (expression.operator == "&&") != negated:
        yield from _conjuncts(expression.left, negated, anchor)
        yield from _conjuncts(expression.right, negated, anchor)
    elif kind == "PrefixExpression" and expression.operator == "!":
        flipped = not negated
        yield from _conjuncts(expression.right, flipped,
                              expression.token.index if flipped else None)
    else:
        yield expression, negated, anchor


def _member_path(query: Any) -> tuple[str | int, ...]:
    """The leading names and indices of a relative query (``@.a[0].b`` -> ``('a', 0, 'b')``)."""
    path: list[str | int] = []
    for segment in query.query.segments:
        selectors = segment.selectors
        if type(segment).__name__ != "JSONPathChildSegment" or len(selectors) != 1:
            break
        kind = type(selectors[0]).__name__
        if kind == "NameSelector":
            path.append(selectors[0].name)
        elif kind == "IndexSelector":
            path.append(selectors[0].index)
        else:
            break
    return tuple(path)


def _member_text(path: tuple[str | int, ...]) -> str:
    parts = ["@"]
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif _IDENTIFIER.fullmatch(key):
            parts.append(f".{key}")
        else:
            parts.append("['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']")
    return "".join(parts)


def _visit_filter(expression: Any, negated: bool, anchor: int | None,
                  guards: frozenset[tuple[str | int, ...]], condition: str,
                  found: list[ExpressionWarning]) -> None:
    parts = list(_conjuncts(expression, negated, anchor))
    guards = guards | {_member_path(part) for part, flipped, _ in parts
                       if not flipped and type(part).__name__ == "RelativeFilterQuery"}
    for part, flipped, where in parts:
        kind = type(part).__name__
        if kind == "LogicalExpression":  # a disjunction: each side under the same guards
            _visit_filter(part.left, flipped, where, guards, condition, found)
            _visit_filter(part.right, flipped, where, guards, condition, found)
        elif kind == "ComparisonExpression" and (part.operator == "!=") != flipped:
            _check_negation(part, where, guards, condition, found)


def _check_negation(comparison: Any, anchor: int | None,
                    guards: frozenset[tuple[str | int, ...]], condition: str,
                    found: list[ExpressionWarning]) -> None:
    sides = (comparison.left, comparison.right)
    paths = [_member_path(side) if type(side).__name__ == "RelativeFilterQuery" else ()
             for side in sides]
    if all(paths):  # @.a != @.b: a node with neither member has Nothing == Nothing
        return
    for side, path in zip(sides, paths, strict=True):
        if not path or any(guard[:len(path)] == path for guard in guards):
            continue
        member = _member_text(path)
        at = comparison.left.token.index if anchor is None else anchor
        guarded = f"{condition[:at]}{member} && {condition[at:]}"
        if comparison.operator == "!=":
            what = f"{member} != ... is true wherever {member} selects nothing (RFC 9535: " \
                "Nothing is != any value)"
        else:
            what = f"the negated comparison of {member} is true wherever {member} selects " \
                "nothing (RFC 9535: a comparison with Nothing is false, its negation true)"
        found.append(ExpressionWarning(
            f"{what}, and on an object context the filter also tests each member value of "
            "the object, which usually has no such member: the criterion then passes whatever "
            f"the object holds. Guard the comparison with an existence test: {guarded} "
            "(CRI-07)", side.token.index))


# -- xpath --------------------------------------------------------------------------------



class _XPathCondition:
    __slots__ = ("root_token", "text", "warnings")

    def __init__(self, text: str, root_token: Any, warnings: list[ExpressionWarning]) -> None:
        self.text = text
        self.root_token = root_token
        self.warnings = warnings


class XPathEvaluator:
    """``xpath`` conditions (CRI-08): XPath 3.1 by default via elementpath."""

    name = "xpath"

    def compile(self, condition: str, version: str | None, *,
                spec_minor: str = "1.0") -> _XPathCondition:
        """``spec_minor`` ``"1.1"``: ``xpath-31`` is a version name (V11-SEL-08,
        V11-AMB-25). Every version has its own parser, function library and effective
        boolean value (V11-SEL-09, V11-SEL-11)."""
        if version not in XPATH_VERSIONS:
            if spec_minor == "1.0":
                raise CriterionError(
                    f"unknown XPath version {version!r}: use 'xpath-30', 'xpath-20' or "
                    "'xpath-10' (XPath 3.1 is the default)")
            raise CriterionError(
                f"unknown XPath version {version!r}: use 'xpath-31' (the default), "
                "'xpath-30', 'xpath-20' or 'xpath-10' (V11-SEL-08)")
        warnings: list[ExpressionWarning] = []
        if version == "xpath-31" and spec_minor == "1.0":
            warnings.append(ExpressionWarning(
                "'xpath-31' is an Arazzo 1.1 version name; in 1.0 XPath 3.1 is the default "
                "and is selected by omitting the version (S-20)", 0))
        from elementpath import ElementPathError

        parser = xpath_parser(XPATH_VERSIONS[version])
        try:
            token = parser.parse(condition)
        except ElementPathError as error:
            raise CriterionSyntaxError(f"invalid XPath expression: {error}", condition,
                                       xpath_error_index(error, condition)) from None
        return _XPathCondition(condition, token, warnings)

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        from xml.etree import ElementTree  # local, as elementpath: only xpath criteria need it

        from elementpath import ElementPathError, XPathContext

        if value is MISSING or value is None:
            raise CriterionError(f"the context value is {short_repr(value)}")
        if isinstance(value, (str, bytes, bytearray)):
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            try:
                root = parse_xml(data)
            except UnsafeXml:
                raise CriterionError("XML documents with a DTD are not evaluated (security)"
                                     ) from None
            except ElementTree.ParseError as error:
                raise CriterionError(f"the context value is not well-formed XML: {error}"
                                     ) from None
        elif isinstance(value, ElementTree.Element):
            root = value
        else:
            raise CriterionError(
                f"an xpath criterion needs an XML document, got a {type_name(value)}")
        token = compiled.root_token
        try:
            return bool(token.boolean_value(token.evaluate(XPathContext(root))))
        except ElementPathError as error:
            raise CriterionError(f"XPath evaluation failed: {error}") from None


# -- compiled criterion -------------------------------------------------------------------


#: the built-in criterion types (CRI-03): ``simple``, ``regex``, ``jsonpath``, ``xpath``
def _builtin_types() -> CriterionTypes:
    evaluators: dict[str, CriterionEvaluator] = {
        "simple": SimpleEvaluator(), "regex": RegexEvaluator(),
        "jsonpath": JsonPathEvaluator(), "xpath": XPathEvaluator()}
    return CriterionTypes(evaluators)


DEFAULT_CRITERIA = _builtin_types()

_BUILTIN_TYPES = ("simple", "regex", "jsonpath", "xpath")
#: evaluators whose ``compile`` takes ``spec_minor=``
_BUILTIN_EVALUATORS = (SimpleEvaluator, RegexEvaluator, JsonPathEvaluator, XPathEvaluator)
_CACHE_SIZE = 32


class CompiledCriterion:
    """A compiled Criterion Object. ``evaluate`` returns a :class:`CriterionResult` and
    never raises. ``warnings`` lists ``(message, index)`` pairs (index into ``condition``)."""

    __slots__ = ("_cache", "_compiled", "_evaluator", "_simple", "_template", "condition",
                 "context", "passes", "spec_minor", "type", "version", "warnings")

    def __init__(self, condition: str, *, type: str, version: str | None,
                 context: Expression | None, evaluator: CriterionEvaluator, compiled: Any,
                 template: Template | None, warnings: list[ExpressionWarning],
                 spec_minor: str = "1.0") -> None:
        self.condition = condition
        self.type = type
        self.version = version
        self.spec_minor = spec_minor
        self.context = context
        self.warnings = warnings
        self._evaluator = evaluator
        self._compiled = compiled
        self._template = template
        self._cache: dict[str, Any] = {}
        self._simple: Condition | None = compiled if isinstance(compiled, Condition) and \
            isinstance(evaluator, SimpleEvaluator) else None
        #: a simple condition's test (``ctx -> bool``, pure; it may raise on exotic values,
        #: where :meth:`evaluate` fails with the error): true iff :meth:`evaluate` passes.
        #: The engine calls it first and :meth:`evaluate` only for a reason. None for the
        #: other types.
        self.passes: Callable[[EvaluationContext], bool] | None = \
            self._simple.test if self._simple is not None else None

    def __repr__(self) -> str:
        return f"CompiledCriterion({self.condition!r}, type={self.type!r})"

    @property
    def negations(self) -> list[ExpressionWarning]:
        """Unguarded negated comparisons in a ``jsonpath`` root filter (``$[?@.m != x]``,
        true on an object whose member values lack ``m``), found at compile time; empty for
        other conditions and for a condition with embedded expressions."""
        return list(getattr(self._compiled, "negations", ()))

    def expressions(self) -> list[Expression]:
        """Runtime expressions used: the context, then those in the condition."""
        found = [self.context] if self.context is not None else []
        if self._simple is not None:
            found.extend(self._simple.expressions())
        elif self._template is not None:
            found.extend(self._template.expressions())
        return found

    def evaluate(self, ctx: EvaluationContext) -> CriterionResult:
        simple = self._simple
        if simple is not None:
            try:
                if simple.test(ctx):
                    return _PASSED
                return CriterionResult(
                    False, f"condition {self.condition!r} is false ({simple.explain(ctx)})")
            except Exception as error:  # a bug or an exotic value: fail, never raise
                return CriterionResult(False, f"condition {self.condition!r} could not be "
                                              f"evaluated: {error!r}", error=True)
        try:
            return self._evaluate(ctx)
        except CriterionError as error:
            return CriterionResult(False, f"{self.type} condition {self.condition!r}: "
                                          f"{error.message}", error=True)
        except Exception as error:
            return CriterionResult(False, f"{self.type} condition {self.condition!r} could "
                                          f"not be evaluated: {error!r}", error=True)

    def _evaluate(self, ctx: EvaluationContext) -> CriterionResult:
        value: Any = MISSING
        if self.context is not None:
            value = self.context.evaluate(ctx)
            if value is MISSING and self.type != "simple":
                return CriterionResult(False, f"{self.type} condition {self.condition!r}: "
                                              f"context {self.context.explain(ctx)}")
        compiled = self._compiled
        if self._template is not None:
            text = self._substitute(self._template, ctx)
            compiled = self._cache.get(text)
            if compiled is None:
                compiled = _compile_with(self._evaluator, self.type, text, self.version,
                                         self.spec_minor)
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()  # simple and safe under concurrent use
                self._cache[text] = compiled
        if self._evaluator.evaluate(compiled, value, ctx):
            return _PASSED
        where = f" on {self.context.text} = {short_repr(value)}" if self.context else ""
        return CriterionResult(False, f"{self.type} condition {self.condition!r} did not "
                                      f"match{where}")

    def _substitute(self, template: Template, ctx: EvaluationContext) -> str:
        """The condition with its embedded values (V11-CRI-01, V11-AMB-31). In 1.0 a missing
        value is the empty string; in 1.1 it is an evaluation error (V11-AMB-30)."""
        if self.spec_minor == "1.0":
            return template.evaluate(ctx)
        parts: list[str] = []
        for part in template.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            value = part.evaluate(ctx)
            if value is MISSING:
                raise CriterionError(f"{part.explain(ctx)}, so the condition cannot be "
                                     "built (an embedded value must exist, V11-AMB-30, "
                                     "V11-CRI-09)")
            parts.append(stringify(value))
        return "".join(parts)


#: the message for ``jsonpointer`` as a criterion type in Arazzo 1.1 (V11-AMB-27)
JSONPOINTER_NOT_A_CRITERION = (
    "'jsonpointer' is not a criterion type: JSON Pointer is a selector type only (Selector "
    "Objects, targetSelectorType), and a condition has no JSON Pointer evaluation rule; use a "
    "simple condition such as $response.body#/id != null, or type jsonpath (V11-AMB-27)")


def _criterion_type(type: str | Mapping[str, str] | None,
                    spec_minor: str) -> tuple[str, str | None, bool]:
    """(name, version, explicit) from the ``type`` field (CRI-03, CRI-09, V11-CRI-12)."""
    if type is None:
        return "simple", None, False
    what, rule = ("a Criterion Expression Type Object", "CRI-09") if spec_minor == "1.0" \
        else ("an Expression Type Object", "V11-SEL-07, V11-SEL-08")
    version: str | None = None
    if isinstance(type, str):
        name = type
    elif isinstance(type, Mapping):
        named = type.get("type")
        version = type.get("version")
        if not isinstance(named, str) or not named:
            raise CriterionError(f"{what} needs a 'type' ({rule})")
        if not isinstance(version, str) or not version:
            raise CriterionError(f"{what} needs a 'version' ({rule})")
        name = named
        if name not in ("jsonpath", "xpath", "jsonpointer") and name in _BUILTIN_TYPES:
            raise CriterionError(f"{what} names 'jsonpath' or 'xpath', not {name!r}")
    else:
        raise CriterionError(f"criterion type must be a string or an object, not {type!r}")
    if name == "jsonpointer" and spec_minor != "1.0":
        raise CriterionError(JSONPOINTER_NOT_A_CRITERION)
    return name, version, True


def compile_criterion(
    condition: str,
    type: str | Mapping[str, str] | None = None,
    context: str | None = None,
    *,
    registry: CriterionTypes | None = None,
    spec_minor: str = "1.0",
) -> CompiledCriterion:
    """Compile a Criterion Object's ``condition``, ``type`` and ``context``.

    ``spec_minor`` is the Arazzo version of the document the criterion is in (``"1.0"`` or
    ``"1.1"``, ``ArazzoSpecification.spec_minor``): it selects that version's rules where the
    two differ (listed in this module's docstring).

    Raises :class:`~arazzo.ExpressionSyntaxError` for a malformed simple condition or
    context, :class:`CriterionSyntaxError` (both a ``CriterionError`` and an
    ``ExpressionSyntaxError``) for a malformed regex/JSONPath/XPath condition, and
    :class:`~arazzo.CriterionError` for an unknown type or version or a missing context.
    """
    if not isinstance(condition, str):
        raise CriterionError(f"a criterion condition must be a string, not {condition!r}")
    _check_spec_minor(spec_minor)
    registry = registry if registry is not None else DEFAULT_CRITERIA
    name, version, explicit = _criterion_type(type, spec_minor)
    evaluator = registry.evaluator(name)
    warnings: list[ExpressionWarning] = []
    compiled_context: Expression | None = None
    if context is not None:
        try:
            compiled_context = parse(context, lenient=True, version=spec_minor)
        except ExpressionSyntaxError as error:
            error.message = f"criterion context: {error.message}"
            raise
        warnings.extend(ExpressionWarning(f"context: {w.message}", 0)
                        for w in compiled_context.warnings)
    elif name != "simple":
        raise CriterionError(f"a {name} criterion needs a 'context' (CRI-04)")
    elif explicit:
        warnings.append(ExpressionWarning(
            "'type' is given, so 'context' MUST be given too (CRI-04)", 0))

    template: Template | None = None
    compiled: Any = None
    if name != "simple" and "{$" in condition:
        scanned = scan_template(condition, keep_malformed=True, version=spec_minor)
        warnings.extend(scanned.warnings)
        if not scanned.is_constant:
            template = scanned
    if template is None:
        compiled = _compile_with(evaluator, name, condition, version, spec_minor)
        warnings.extend(getattr(compiled, "warnings", ()) or ())
    return CompiledCriterion(condition, type=name, version=version, context=compiled_context,
                             evaluator=evaluator, compiled=compiled, template=template,
                             warnings=warnings, spec_minor=spec_minor)
