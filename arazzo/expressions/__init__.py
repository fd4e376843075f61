"""Arazzo runtime expressions, ``{$...}`` templates and simple conditions.

Everything is compiled once (hand-written scanner and recursive-descent parser, errors carry
the 0-based index of the offending character) and evaluated many times against an
:class:`EvaluationContext`. Evaluation never raises for absent data: it yields
:data:`MISSING`. Semantics where the specification is silent: ``docs/expressions.md``.

Warnings (tolerated non-conformant forms) are :class:`ExpressionWarning` named tuples
``(message, index)``, collected on the compiled object's ``warnings`` list.
"""

from arazzo.expressions._common import MISSING, ExpressionWarning, Missing, stringify
from arazzo.expressions._condition import Condition, compare, loose_equals, parse_condition
from arazzo.expressions._context import EvaluationContext, HttpMessage
from arazzo.expressions._pointer import JsonPointer
from arazzo.expressions._runtime import Expression, parse
from arazzo.expressions._template import Template, parse_template
from arazzo.expressions._values import CompiledValue, compile_value

__all__ = [
    "MISSING",
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
    "compile_value",
    "loose_equals",
    "parse",
    "parse_condition",
    "parse_template",
    "stringify",
]
