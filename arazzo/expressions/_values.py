"""``compile_value``: parameter values, payloads and replacement values (RTE-12, RTE-14, RTE-15),
and in Arazzo 1.1 outputs and Selector Objects (V11-SEL-05, V11-PAR-06, V11-RBD-01/05)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from arazzo._exceptions import ExpressionError, ExpressionSyntaxError
from arazzo.expressions._common import MISSING, ExpressionWarning, is_v11
from arazzo.expressions._context import EvaluationContext
from arazzo.expressions._runtime import NO_MESSAGE, Expression, Mode, scan_expression
from arazzo.expressions._selectors import (
    SELECTOR_VERSIONS,
    CompiledSelector,
    SelectorSpec,
    compile_selector,
)
from arazzo.expressions._template import Template, scan_template

__all__ = ["CompiledValue", "compile_value", "payload_selector", "payload_selector_fields"]

_LOOKS_LIKE = re.compile(
    r"\$(url|method|status|request|response|input|output|step|workflow|"
    r"sourceDescription|component|message|self)", re.IGNORECASE)
_SELECTOR_KEYS = frozenset({"context", "selector", "type"})


class CompiledValue:
    """A value compiled once and built many times with :meth:`evaluate`.

    ``warnings`` holds ``(message, index)`` pairs; for nested values the message starts with
    the JSON pointer of the string it concerns and the index is inside that string.
    """

    __slots__ = ("is_constant", "warnings")

    def __init__(self, constant: bool = True) -> None:
        #: True when the value contains no runtime expression.
        self.is_constant = constant
        self.warnings: list[ExpressionWarning] = []

    def evaluate(self, ctx: EvaluationContext) -> Any:
        raise NotImplementedError

    def expressions(self) -> Iterator[Expression]:
        """Every runtime expression inside the value (for validators)."""
        return iter(())


class _Constant(CompiledValue):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value

    def evaluate(self, ctx: EvaluationContext) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Constant({self.value!r})"


def _no_message(text: str) -> ExpressionError:
    return ExpressionError(f"{text!r} cannot be evaluated: {NO_MESSAGE}")


class _ExpressionValue(CompiledValue):
    # ``evaluate`` is an instance slot: the expression's getter itself (no call in between,
    # the value is evaluated on every step), or for ``$message...`` the checking method
    __slots__ = ("evaluate", "expression", "message")

    evaluate: Callable[[EvaluationContext], Any]  # type: ignore[assignment]

    def __init__(self, expression: Expression) -> None:
        super().__init__(False)
        self.expression = expression
        #: ``$message...``: an evaluation error where there is no message (V11-AMB-14)
        self.message = expression.kind.startswith("message.")
        self.evaluate = self._message_value if self.message else expression.getter

    def _message_value(self, ctx: EvaluationContext) -> Any:
        if ctx.message is None:
            raise _no_message(self.expression.text)
        return self.expression.evaluate(ctx)

    def expressions(self) -> Iterator[Expression]:
        yield self.expression

    def __repr__(self) -> str:
        return f"ExpressionValue({self.expression.text!r})"


class _TemplateValue(CompiledValue):
    __slots__ = ("message", "template")

    def __init__(self, template: Template) -> None:
        super().__init__(False)
        self.template = template
        self.message = any(e.kind.startswith("message.") for e in template.expressions())

    def evaluate(self, ctx: EvaluationContext) -> Any:
        if self.message and ctx.message is None:
            raise _no_message(self.template.text)
        return self.template.evaluate(ctx)

    def expressions(self) -> Iterator[Expression]:
        return self.template.expressions()

    def __repr__(self) -> str:
        return f"TemplateValue({self.template.text!r})"


class _SelectorValue(CompiledValue):
    """A Selector Object (Arazzo 1.1): ``evaluate`` raises :class:`~arazzo.ExpressionError`
    naming the selector when it gives no value (V11-AMB-20)."""

    __slots__ = ("selector",)

    def __init__(self, selector: CompiledSelector) -> None:
        super().__init__(False)
        self.selector = selector

    def evaluate(self, ctx: EvaluationContext) -> Any:
        return self.selector.evaluate(ctx)

    def expressions(self) -> Iterator[Expression]:
        yield self.selector.context

    def __repr__(self) -> str:
        return f"SelectorValue({self.selector!r})"


class _Object(CompiledValue):
    __slots__ = ("items",)

    def __init__(self, items: tuple[tuple[Any, CompiledValue], ...]) -> None:
        super().__init__(all(v.is_constant for _, v in items))
        self.items = items

    def evaluate(self, ctx: EvaluationContext) -> Any:
        result = {}
        for key, value in self.items:
            built = value.evaluate(ctx)
            if built is not MISSING:
                result[key] = built
        return result

    def expressions(self) -> Iterator[Expression]:
        for _, value in self.items:
            yield from value.expressions()


class _Array(CompiledValue):
    __slots__ = ("items",)

    def __init__(self, items: tuple[CompiledValue, ...]) -> None:
        super().__init__(all(v.is_constant for v in items))
        self.items = items

    def evaluate(self, ctx: EvaluationContext) -> Any:
        result = []
        for value in self.items:
            built = value.evaluate(ctx)
            result.append(None if built is MISSING else built)
        return result

    def expressions(self) -> Iterator[Expression]:
        for value in self.items:
            yield from value.expressions()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _selector_type(value: Any) -> tuple[str, str | None] | None:
    """``(type, version)`` of a Selector Object ``type`` field, or None if it is not one."""
    if isinstance(value, str):
        return (value, None) if value in SELECTOR_VERSIONS else None
    if (isinstance(value, Mapping) and set(value) == {"type", "version"}
            and value["type"] in SELECTOR_VERSIONS and isinstance(value["version"], str)):
        return value["type"], value["version"]
    return None


def payload_selector(value: Any, *, lenient: bool = True) -> CompiledSelector | None:
    """The Selector Object ``value`` is in an Arazzo 1.1 payload (V11-AMB-22), or None.

    It is one when it is an object with exactly the keys ``context``, ``selector`` and
    ``type`` (plus ``x-`` keys), whose ``context`` is a runtime expression and whose ``type``
    is a selector type (``jsonpath``, ``xpath``, ``jsonpointer`` or an Expression Type Object
    of one of them); anything else is a literal. A recognised object is compiled: a malformed
    ``selector`` or an unknown version raises.
    """
    fields = payload_selector_fields(value, lenient=lenient)
    if fields is None:
        return None
    return compile_selector(*fields, lenient=lenient)


def payload_selector_fields(value: Any, *, lenient: bool = True
                            ) -> tuple[str, str, str, str | None] | None:
    """``(context, selector, type, version)`` when ``value`` has the shape of a Selector
    Object in a 1.1 payload (see :func:`payload_selector`; nothing is compiled but the
    context), else None. ``version`` is None when ``type`` is a plain string."""
    if not isinstance(value, Mapping):
        return None
    keys = {k for k in value if not (isinstance(k, str) and k.startswith("x-"))}
    if keys != _SELECTOR_KEYS:
        return None
    context, selector = value["context"], value["selector"]
    kind = _selector_type(value["type"])
    if kind is None or not isinstance(context, str) or not isinstance(selector, str):
        return None
    try:
        scan_expression(context, 0, Mode.WHOLE, lenient=lenient, version="1.1")
    except ExpressionSyntaxError:
        return None
    return context, selector, kind[0], kind[1]


def _compile(value: Any, path: str, warnings: list[ExpressionWarning],
             lenient: bool, version: str) -> CompiledValue:
    where = f"{path}: " if path else ""
    if isinstance(value, str):
        if value.startswith("$"):
            try:
                expression, _ = scan_expression(value, 0, Mode.WHOLE, lenient=lenient,
                                                version=version)
            except ExpressionSyntaxError as error:
                if _LOOKS_LIKE.match(value):
                    warnings.append(ExpressionWarning(
                        f"{where}{value!r} looks like a runtime expression but is not a valid "
                        f"one ({error.message}); it is used as a literal string", error.index))
            else:
                warnings.extend(ExpressionWarning(where + w.message, w.index)
                                for w in expression.warnings)
                return _ExpressionValue(expression)
        if "{$" in value:
            try:
                template = scan_template(value, lenient=lenient, version=version)
            except ExpressionSyntaxError as error:
                warnings.append(ExpressionWarning(
                    f"{where}malformed embedded expression ({error.message}); the string is "
                    "used as a literal", error.index))
            else:
                warnings.extend(ExpressionWarning(where + w.message, w.index)
                                for w in template.warnings)
                if not template.is_constant:
                    return _TemplateValue(template)
        return _Constant(value)
    if isinstance(value, Mapping):
        selector = payload_selector(value, lenient=lenient) if is_v11(version) else None
        if selector is not None:
            return _selector_value(selector, where, warnings)
        return _Object(tuple((k, _compile(v, f"{path}/{_escape(str(k))}", warnings, lenient,
                                          version))
                             for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return _Array(tuple(_compile(v, f"{path}/{i}", warnings, lenient, version)
                            for i, v in enumerate(value)))
    if isinstance(value, SelectorSpec):  # the Selector model (a 1.1 parameter value, output)
        if not is_v11(version):
            raise ExpressionError("a Selector Object is Arazzo 1.1; compile it with "
                                  "version='1.1' (V11-SEL-01)")
        return _selector_value(compile_selector(value.context, value.selector, value.type_name,
                                                value.type_version, lenient=lenient),
                               where, warnings)
    return _Constant(value)


def _selector_value(selector: CompiledSelector, where: str,
                    warnings: list[ExpressionWarning]) -> CompiledValue:
    warnings.extend(ExpressionWarning(f"{where}context: {w.message}", w.index)
                    for w in selector.warnings)
    return _SelectorValue(selector)


def compile_value(value: Any, *, lenient: bool = True, version: str = "1.0") -> CompiledValue:
    """Compile a parameter value, payload or replacement value.

    - a string that is a complete valid runtime expression is evaluated, its type preserved
      (RTE-12);
    - a string with valid ``{$...}`` parts becomes a template string (RTE-14);
    - any other string is a literal (RTE-15), with a warning when it looks like a broken
      expression;
    - objects and arrays are compiled recursively; other values are literals.

    ``evaluate`` drops object members whose value is ``MISSING`` (an absent value is never
    sent as ``null``); inside arrays an absent value becomes ``null`` to keep positions; a
    whole value that is absent evaluates to ``MISSING``. With ``lenient`` (the default) the
    non-standard forms ``$response.body.field`` and ``$response.headers.X`` are accepted and
    recorded in ``warnings``.

    ``version`` is the document's Arazzo ``major.minor`` (``"1.0"``, the default, or
    ``"1.1"``). In 1.1 the expressions are read by the 1.1 rules (``$message``, ``$self``),
    a ``Selector`` model (a parameter value or output) and a Selector Object at any depth of
    a payload (:func:`payload_selector`, V11-RBD-01) are compiled as selectors: their
    ``evaluate`` raises :class:`~arazzo.ExpressionError` naming the selector when it gives
    no value, and so does a ``$message`` expression where there is no message. In 1.0 such
    an object is a literal.
    """
    is_v11(version)  # an unknown version is an error even for a constant value
    warnings: list[ExpressionWarning] = []
    compiled = _compile(value, "", warnings, lenient, version)
    compiled.warnings = warnings
    return compiled
