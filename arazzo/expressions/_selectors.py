"""Selector Objects (Arazzo 1.1, V11-SEL-01..11): compiled once, applied many times.

A Selector Object applies ``selector`` (a JSON Pointer, JSONPath or XPath expression, by
``type``) to the value of the runtime expression ``context``. :func:`compile_selector` parses
both at load/plan time (syntax errors raise :class:`~arazzo.ExpressionSyntaxError`, an unknown
type or version :class:`~arazzo.ExpressionError`); :meth:`CompiledSelector.evaluate` only
evaluates.

What a selector yields (V11-AMB-20):

- ``jsonpointer`` (RFC 6901): the referenced value;
- ``jsonpath``: for a singular query (RFC 9535 section 2.3.5.1) the one node's value,
  otherwise the list of the nodelist's values, possibly empty; a Goessner expression
  (``draft-goessner-dispatch-jsonpath-00``, via jsonpath-ng) counts as singular when the same
  text is a singular RFC 9535 query;
- ``xpath``: an atomic value as the matching JSON scalar, one node as its string value, a
  longer sequence as a list.

Contexts (V11-AMB-21): ``xpath`` parses a string context as XML; ``jsonpath`` and
``jsonpointer`` need a parsed JSON value (a string is an error, not re-parsed).

Unlike a runtime expression, a selector that cannot give a value raises
:class:`~arazzo.ExpressionError` naming the selector: an absent context, a context of the wrong
kind, a pointer to nothing, a singular query or an XPath expression that selects nothing
(V11-AMB-20, handled like a missing JSON pointer, RTE-13).
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from arazzo._exceptions import ExpressionError, ExpressionSyntaxError
from arazzo.expressions._common import MISSING, ExpressionWarning, type_name
from arazzo.expressions._context import EvaluationContext
from arazzo.expressions._pointer import JsonPointer
from arazzo.expressions._runtime import Expression, Mode, scan_expression
from arazzo.expressions._xpath import UnsafeXml, parse_xml, xpath_error_index, xpath_parser

__all__ = ["SELECTOR_VERSIONS", "CompiledSelector", "SelectorSpec", "compile_selector"]

GOESSNER = "draft-goessner-dispatch-jsonpath-00"

#: type -> the versions it may name, the default first (V11-SEL-08)
SELECTOR_VERSIONS: dict[str, tuple[str, ...]] = {
    "jsonpath": ("rfc9535", GOESSNER),
    "xpath": ("xpath-31", "xpath-30", "xpath-20", "xpath-10"),
    "jsonpointer": ("rfc6901",),
}


Apply = Callable[[Any], Any]


@runtime_checkable
class SelectorSpec(Protocol):
    """What :func:`compile_value` recognises as a Selector Object besides a plain mapping:
    the ``Selector`` model of :mod:`arazzo.models` has this shape."""

    @property
    def context(self) -> str: ...

    @property
    def selector(self) -> str: ...

    @property
    def type_name(self) -> str: ...

    @property
    def type_version(self) -> str: ...


class _Failed(Exception):
    """Raised by an apply function: why the selector gives no value (the caller names it)."""


class CompiledSelector:
    """A compiled Selector Object. ``evaluate(ctx)`` gives the selected value or raises
    :class:`~arazzo.ExpressionError` with a message naming the selector."""

    __slots__ = ("_apply", "context", "selector", "type", "version", "warnings")

    def __init__(self, context: Expression, selector: str, type: str, version: str,
                 apply: Apply) -> None:
        self.context = context
        self.selector = selector
        self.type = type
        self.version = version
        self._apply = apply
        self.warnings: list[ExpressionWarning] = list(context.warnings)

    def __repr__(self) -> str:
        return f"CompiledSelector({self.context.text!r}, {self.selector!r}, {self.type!r})"

    def describe(self) -> str:
        """How messages name the selector: ``jsonpath selector '$.id' on $response.body``."""
        return f"{self.type} selector {self.selector!r} on {self.context.text}"

    def evaluate(self, ctx: EvaluationContext) -> Any:
        value = self.context.evaluate(ctx)
        if value is MISSING:
            raise ExpressionError(f"{self.describe()}: the context has no value: "
                                  f"{self.context.missing_reason(ctx)} (V11-SEL-02)")
        try:
            return self._apply(value)
        except _Failed as error:
            raise ExpressionError(f"{self.describe()}: {error}") from None

    def apply(self, value: Any) -> Any:
        """The selector applied to ``value`` (the context's value)."""
        try:
            return self._apply(value)
        except _Failed as error:
            raise ExpressionError(f"{self.describe()}: {error}") from None


def compile_selector(context: str, selector: str, type: str, version: str | None = None, *,
                     lenient: bool = True) -> CompiledSelector:
    """Compile a Selector Object (Arazzo 1.1): ``context`` is one whole runtime expression
    (V11-AMB-35), ``selector`` an expression of ``type`` (``jsonpointer``, ``jsonpath`` or
    ``xpath``) and ``version`` one of :data:`SELECTOR_VERSIONS` (default: the type's default,
    V11-SEL-10).

    Raises :class:`~arazzo.ExpressionSyntaxError` for a malformed context or selector (the
    index points into that text) and :class:`~arazzo.ExpressionError` for an unknown type or
    version. With ``lenient`` the context accepts the tolerated non-standard forms (warnings).
    """
    versions = SELECTOR_VERSIONS.get(type)
    if versions is None:
        raise ExpressionError(f"unknown selector type {type!r}: use 'jsonpath', 'xpath' or "
                              "'jsonpointer' (V11-SEL-04)")
    if version is None:
        version = versions[0]
    elif version not in versions:
        raise ExpressionError(f"unknown {type} version {version!r}: use "
                              f"{' or '.join(repr(v) for v in versions)} (V11-SEL-08)")
    expression, _ = scan_expression(context, 0, Mode.WHOLE, lenient=lenient, version="1.1")
    if type == "jsonpointer":
        apply = _compile_pointer(selector)
    elif type == "jsonpath":
        apply = _compile_goessner(selector) if version == GOESSNER else _compile_rfc(selector)
    else:
        apply = _compile_xpath(selector, version)
    return CompiledSelector(expression, selector, type, version, apply)


def compile_selector_spec(spec: SelectorSpec, *, lenient: bool = True) -> CompiledSelector:
    """:func:`compile_selector` for an object of the :class:`SelectorSpec` shape."""
    return compile_selector(spec.context, spec.selector, spec.type_name, spec.type_version,
                            lenient=lenient)


# -- jsonpointer ---------------------------------------------------------------------------


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _json_context(value: Any, type: str) -> None:
    if isinstance(value, (str, bytes, bytearray)):
        raise _Failed(f"a {type} selector needs parsed JSON data, but the context is "
                      f"{_a(type_name(value))} (it is not parsed again, V11-AMB-21)")


def _compile_pointer(selector: str) -> Apply:
    pointer = JsonPointer.parse(selector)

    def apply(value: Any) -> Any:
        _json_context(value, "jsonpointer")
        found = pointer.resolve(value)
        if found is MISSING:
            raise _Failed(f"{pointer.explain(value) or 'no value'} (V11-AMB-20)")
        return found

    return apply


# -- jsonpath ------------------------------------------------------------------------------

def _environment() -> Any:
    from arazzo.expressions._jsonpath import rfc9535_environment

    return rfc9535_environment()


def _jsonpath_index(error: Exception, text: str) -> int:
    token = getattr(error, "token", None)
    index = getattr(token, "index", None)
    if isinstance(index, int):
        return min(max(index, 0), len(text))
    return 0


def _is_singular_rfc(selector: str) -> bool:
    import jsonpath_rfc9535 as jsonpath

    try:
        return bool(_environment().compile(selector).singular_query())
    except jsonpath.JSONPathError:
        return False


def _compile_rfc(selector: str) -> Apply:
    import jsonpath_rfc9535 as jsonpath

    try:
        query = _environment().compile(selector)
    except jsonpath.JSONPathError as error:
        raise ExpressionSyntaxError(f"invalid RFC 9535 JSONPath query: {error.args[0]}",
                                    selector, _jsonpath_index(error, selector)) from None
    singular = query.singular_query()

    def apply(value: Any) -> Any:
        _json_context(value, "jsonpath")
        try:
            if singular:
                node = query.find_one(value)
                if node is None:
                    raise _Failed("the query selects nothing (V11-AMB-20)")
                return node.value
            return [node.value for node in query.finditer(value)]
        except jsonpath.JSONPathError as error:
            raise _Failed(f"JSONPath evaluation failed: {error.args[0]}") from None
        except RecursionError:
            raise _Failed("the JSON value is nested too deeply") from None
        except TimeoutError:
            raise _Failed("a match() or search() pattern did not finish in time") from None

    return apply


def _compile_goessner(selector: str) -> Apply:
    from jsonpath_ng.ext.parser import parse as parse_goessner

    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            expression = parse_goessner(selector)
    except Exception as error:  # jsonpath-ng raises several unrelated types
        raise ExpressionSyntaxError(f"invalid JSONPath (Goessner) expression: {error}",
                                    selector, 0) from None
    singular = _is_singular_rfc(selector)

    def apply(value: Any) -> Any:
        _json_context(value, "jsonpath")
        try:
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore")
                found = [match.value for match in expression.find(value)]
        except RecursionError:
            raise _Failed("the JSON value is nested too deeply") from None
        except Exception as error:  # jsonpath-ng raises several unrelated types
            raise _Failed(f"JSONPath evaluation failed: {error}") from None
        if not singular:
            return found
        if not found:
            raise _Failed("the query selects nothing (V11-AMB-20)")
        return found[0]

    return apply


# -- xpath ---------------------------------------------------------------------------------


def _xml_root(value: Any) -> Any:
    from xml.etree import ElementTree

    if isinstance(value, ElementTree.Element):
        return value
    if not isinstance(value, (str, bytes, bytearray)):
        raise _Failed(f"an xpath selector needs an XML document (a string), but the context "
                      f"is {_a(type_name(value))} (V11-AMB-21)")
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    try:
        return parse_xml(data)
    except UnsafeXml:
        raise _Failed("XML documents with a DTD are not evaluated (security)") from None
    except ElementTree.ParseError as error:
        raise _Failed(f"the context is not well-formed XML: {error} (V11-AMB-21)") from None


def _xpath_item(item: Any) -> Any:
    """One XPath item as JSON: a node as its string value, an atomic value as a scalar."""
    from xml.etree import ElementTree

    if isinstance(item, ElementTree.Element):
        return "".join(item.itertext())
    if isinstance(item, bool) or item is None or isinstance(item, (int, float, str)):
        return item
    if isinstance(item, Decimal):
        return int(item) if item == item.to_integral_value() else float(item)
    string_value = getattr(item, "string_value", None)
    if isinstance(string_value, str):
        return string_value
    return str(item)


def _compile_xpath(selector: str, version: str) -> Apply:
    from elementpath import ElementPathError, XPathContext

    try:
        token = xpath_parser(version).parse(selector)
    except ElementPathError as error:
        raise ExpressionSyntaxError(f"invalid XPath expression: {error}", selector,
                                    xpath_error_index(error, selector)) from None

    def apply(value: Any) -> Any:
        root = _xml_root(value)
        try:
            result = token.get_results(XPathContext(root))
        except ElementPathError as error:
            raise _Failed(f"XPath evaluation failed: {error}") from None
        if not isinstance(result, list):
            return _xpath_item(result)
        if not result:
            raise _Failed("the expression selects nothing (V11-AMB-20)")
        if len(result) == 1:
            return _xpath_item(result[0])
        return [_xpath_item(item) for item in result]

    return apply
