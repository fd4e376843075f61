"""``compile_value``: parameter values, payloads and replacement values (RTE-12, RTE-14, RTE-15)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.expressions._common import MISSING, ExpressionWarning
from arazzo.expressions._context import EvaluationContext
from arazzo.expressions._runtime import Expression, Mode, scan_expression
from arazzo.expressions._template import Template, scan_template

__all__ = ["CompiledValue", "compile_value"]

_LOOKS_LIKE = re.compile(
    r"\$(url|method|status|request|response|input|output|step|workflow|"
    r"sourceDescription|component)", re.IGNORECASE)


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


class _ExpressionValue(CompiledValue):
    __slots__ = ("expression",)

    def __init__(self, expression: Expression) -> None:
        super().__init__(False)
        self.expression = expression

    def evaluate(self, ctx: EvaluationContext) -> Any:
        return self.expression.evaluate(ctx)

    def expressions(self) -> Iterator[Expression]:
        yield self.expression

    def __repr__(self) -> str:
        return f"ExpressionValue({self.expression.text!r})"


class _TemplateValue(CompiledValue):
    __slots__ = ("template",)

    def __init__(self, template: Template) -> None:
        super().__init__(False)
        self.template = template

    def evaluate(self, ctx: EvaluationContext) -> Any:
        return self.template.evaluate(ctx)

    def expressions(self) -> Iterator[Expression]:
        return self.template.expressions()

    def __repr__(self) -> str:
        return f"TemplateValue({self.template.text!r})"


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


def _compile(value: Any, path: str, warnings: list[ExpressionWarning],
             lenient: bool) -> CompiledValue:
    where = f"{path}: " if path else ""
    if isinstance(value, str):
        if value.startswith("$"):
            try:
                expression, _ = scan_expression(value, 0, Mode.WHOLE, lenient=lenient)
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
                template = scan_template(value, lenient=lenient)
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
        return _Object(tuple((k, _compile(v, f"{path}/{_escape(str(k))}", warnings, lenient))
                             for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return _Array(tuple(_compile(v, f"{path}/{i}", warnings, lenient)
                            for i, v in enumerate(value)))
    return _Constant(value)


def compile_value(value: Any, *, lenient: bool = True) -> CompiledValue:
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
    """
    warnings: list[ExpressionWarning] = []
    compiled = _compile(value, "", warnings, lenient)
    compiled.warnings = warnings
    return compiled
