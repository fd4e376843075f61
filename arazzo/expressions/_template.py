"""Strings with embedded ``{$...}`` runtime expressions (RTE-14)."""

from __future__ import annotations

from collections.abc import Iterator

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.expressions._common import MISSING, ExpressionWarning, stringify
from arazzo.expressions._context import EvaluationContext
from arazzo.expressions._runtime import Expression, Mode, scan_expression

__all__ = ["Template", "parse_template", "scan_template"]


class Template:
    """A compiled string template: literal text and embedded expressions.

    ``evaluate`` substitutes the string form of each value (RTE-14, 1.1 rules): strings
    verbatim, other scalars in their JSON spelling, objects/arrays as compact JSON, and a
    missing value as the empty string (use :meth:`missing` to find out which were absent).
    """

    __slots__ = ("parts", "text", "warnings")

    def __init__(self, text: str, parts: tuple[str | Expression, ...],
                 warnings: list[ExpressionWarning] | None = None) -> None:
        self.text = text
        self.parts = parts
        self.warnings: list[ExpressionWarning] = warnings or []

    @property
    def is_constant(self) -> bool:
        return not any(isinstance(p, Expression) for p in self.parts)

    def expressions(self) -> Iterator[Expression]:
        for part in self.parts:
            if isinstance(part, Expression):
                yield part

    def evaluate(self, ctx: EvaluationContext) -> str:
        return "".join(p if isinstance(p, str) else stringify(p.evaluate(ctx))
                       for p in self.parts)

    def missing(self, ctx: EvaluationContext) -> list[Expression]:
        """The embedded expressions that have no value in ``ctx``."""
        return [e for e in self.expressions() if e.evaluate(ctx) is MISSING]

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def scan_template(text: str, *, lenient: bool = False, keep_malformed: bool = False,
                  version: str = "1.0") -> Template:
    """Split ``text`` at ``{$...}``. ``{`` not followed by ``$`` is literal text.

    ``lenient`` accepts the non-standard expression forms (with warnings);
    ``keep_malformed`` keeps a ``{$`` that does not start a valid embedded expression as
    literal text (with a warning) instead of raising; ``version`` is the document's Arazzo
    ``major.minor`` (see :func:`~arazzo.expressions.parse`).
    """
    parts: list[str | Expression] = []
    warnings: list[ExpressionWarning] = []
    literal_start = 0
    pos = text.find("{$")
    while pos >= 0:
        try:
            expression, end = scan_expression(text, pos + 1, Mode.TEMPLATE, lenient=lenient,
                                              version=version)
            if end >= len(text) or text[end] != "}":
                found = repr(text[end]) if end < len(text) else "the end"
                raise ExpressionSyntaxError(
                    f"expected '}}' to close the embedded expression, found {found}", text, end)
        except ExpressionSyntaxError as error:
            if not keep_malformed:
                raise
            warnings.append(ExpressionWarning(
                f"'{{$' does not start a valid embedded expression ({error.message}); "
                "kept as literal text", error.index))
            pos = text.find("{$", pos + 1)
            continue
        if pos > literal_start:
            parts.append(text[literal_start:pos])
        parts.append(expression)
        warnings.extend(expression.warnings)
        literal_start = end + 1
        pos = text.find("{$", literal_start)
    if literal_start < len(text) or not parts:
        parts.append(text[literal_start:])
    return Template(text, tuple(parts), warnings)


def parse_template(text: str, *, version: str = "1.0") -> Template:
    """Parse a string with embedded ``{$...}`` expressions (strict).

    Raises :class:`~arazzo.ExpressionSyntaxError` on a malformed embedded expression; the
    index points into ``text``. ``version``: the document's Arazzo ``major.minor`` (see
    :func:`~arazzo.expressions.parse`).
    """
    return scan_template(text, version=version)
