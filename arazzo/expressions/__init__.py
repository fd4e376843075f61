"""Arazzo runtime expressions, ``{$...}`` templates and simple conditions.

Everything is compiled once (hand-written scanner and recursive-descent parser, errors carry
the 0-based index of the offending character) and evaluated many times against an
:class:`EvaluationContext`. Evaluation never raises for absent data: it yields
:data:`MISSING`. Semantics where the specification is silent: ``docs/expressions.md``.

Warnings (tolerated non-conformant forms) are :class:`ExpressionWarning` named tuples
``(message, index)``, collected on the compiled object's ``warnings`` list.

The parse and compile functions take ``version`` (``"1.0"`` by default, or ``"1.1"``): a
document's ``spec_minor``. Arazzo 1.1 adds ``$message`` and ``$self`` and Selector Objects
(:func:`compile_selector`; recognised by :func:`compile_value`), whose evaluation raises
:class:`~arazzo.ExpressionError` naming the selector when it gives no value.
"""

from arazzo.expressions._common import MISSING, ExpressionWarning, Missing, stringify
from arazzo.expressions._condition import Condition, compare, loose_equals, parse_condition
from arazzo.expressions._context import AsyncMessage, EvaluationContext, HttpMessage
from arazzo.expressions._pointer import JsonPointer
from arazzo.expressions._runtime import Expression, parse
from arazzo.expressions._selectors import SELECTOR_VERSIONS, CompiledSelector, compile_selector
from arazzo.expressions._template import Template, parse_template
from arazzo.expressions._values import CompiledValue, compile_value

__all__ = [
    "MISSING",
    "SELECTOR_VERSIONS",
    "AsyncMessage",
    "CompiledSelector",
    "CompiledValue",
    "Condition",
    "EvaluationContext",
    "Expression",
    "ExpressionWarning",
    "HttpMessage",
    "JsonPointer",
    "Missing",
    "Template",
    "compare",
    "compile_selector",
    "compile_value",
    "loose_equals",
    "parse",
    "parse_condition",
    "parse_template",
    "stringify",
]
