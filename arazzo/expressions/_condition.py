"""The ``simple`` condition language (CRI-05): lexer, recursive-descent parser, AST.

Grammar (precedence low to high; comparisons are non-associative)::

    condition  = or
    or         = and *( "||" and )
    and        = comparison *( "&&" comparison )
    comparison = unary [ ( "==" / "!=" / "<" / "<=" / ">" / ">=" ) unary ]
    unary      = "!" unary / primary
    primary    = "(" or ")" / operand
    operand    = runtime-expression *( "." member / "[" index "]" )
               / "true" / "false" / "null" / number / "'" string "'"      ; '' escapes '

Tolerated with a warning (S-23): double-quoted strings, ``{$expr}`` operands, the whole
condition wrapped in ``{...}`` (S-17), and the ``contains`` operator.

Semantics (documented in docs/expressions.md): a condition passes iff it evaluates to
``true``; a bare operand passes iff its value is the boolean ``true`` (V11-AMB-29); ``!x`` is
true iff x is not ``true``; ``null`` equals only ``null`` (``!=`` any other value is true)
and relational comparisons with ``null`` are false (V11-AMB-28); strings compare
case-insensitively; a numeric string is converted when compared with a number; booleans equal
the strings ``'true'``/``'false'`` (case-insensitive).

Missing values differ by the document's version (``parse_condition(..., spec_minor=)``): in
Arazzo 1.0 a missing value makes any comparison false; in 1.1 a missing value is ``null``
(V11-AMB-30), so ``$response.body#/0 == null`` passes on ``[]`` and ``!=`` a non-null value
is true.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.expressions._common import MISSING, ExpressionWarning
from arazzo.expressions._context import EvaluationContext
from arazzo.expressions._runtime import Expression, Mode, scan_expression

__all__ = ["Condition", "compare", "loose_equals", "parse_condition"]

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NUMERIC_STRING = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHITESPACE = " \t\r\n"
_DIGITS = frozenset("0123456789")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD_CHARS = _WORD_START | _DIGITS

# -- comparison semantics -----------------------------------------------------------------


def _number(value: Any) -> float | int | None:
    """``value`` as a number if it is one or a numeric string, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and _NUMERIC_STRING.fullmatch(value):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            number = float(text)
            return None if math.isinf(number) else number
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return None


def loose_equals(left: Any, right: Any) -> bool:
    """Equality of the simple condition language (both sides present)."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left is right
        other = _text(right if isinstance(left, bool) else left)
        flag = left if isinstance(left, bool) else right
        return other is not None and other.strip().casefold() == ("true" if flag else "false")
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        a, b = _number(left), _number(right)
        return a is not None and b is not None and a == b
    a_text, b_text = _text(left), _text(right)
    if a_text is not None and b_text is not None:
        return a_text.casefold() == b_text.casefold()
    if a_text is not None or b_text is not None:
        return False
    try:
        return bool(left == right)
    except Exception:  # exotic objects
        return False


def _order(left: Any, right: Any) -> int | None:
    """-1/0/1, or ``None`` when the values have no order (relational ops are then false)."""
    if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
        return None
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        a, b = _number(left), _number(right)
        if a is None or b is None or math.isnan(a) or math.isnan(b):
            return None
        return (a > b) - (a < b)
    a_text, b_text = _text(left), _text(right)
    if a_text is not None and b_text is not None:
        x, y = a_text.casefold(), b_text.casefold()
        return (x > y) - (x < y)
    return None


def _contains(left: Any, right: Any) -> bool:
    text = _text(left)
    if text is not None:
        needle = _text(right)
        if needle is None:
            needle = json.dumps(right) if not isinstance(right, str) else right
        return needle.casefold() in text.casefold()
    if isinstance(left, (list, tuple)):
        return any(loose_equals(item, right) for item in left if item is not MISSING)
    if isinstance(left, Mapping):
        return isinstance(right, str) and right in left
    return False


def _lt(a: Any, b: Any) -> bool:
    order = _order(a, b)
    return order is not None and order < 0


def _le(a: Any, b: Any) -> bool:
    order = _order(a, b)
    return order is not None and order <= 0


def _gt(a: Any, b: Any) -> bool:
    order = _order(a, b)
    return order is not None and order > 0


def _ge(a: Any, b: Any) -> bool:
    order = _order(a, b)
    return order is not None and order >= 0


def _ne(a: Any, b: Any) -> bool:
    return not loose_equals(a, b)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": loose_equals, "!=": _ne, "<": _lt, "<=": _le, ">": _gt, ">=": _ge,
    "contains": _contains,
}


def compare(op: str, left: Any, right: Any) -> bool:
    """Apply a comparison operator with the simple-condition semantics (MISSING -> false)."""
    if left is MISSING or right is MISSING:
        return False
    return _OPERATORS[op](left, right)


# -- AST ----------------------------------------------------------------------------------


class Node:
    """An AST node. ``value`` gives the operand value, ``test`` the truth (``is True``)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def value(self, ctx: EvaluationContext) -> Any:
        raise NotImplementedError

    def test(self, ctx: EvaluationContext) -> bool:
        return self.value(ctx) is True

    def children(self) -> tuple[Node, ...]:
        return ()


class Literal(Node):
    __slots__ = ("literal",)

    def __init__(self, literal: Any, index: int) -> None:
        super().__init__(index)
        self.literal = literal

    def value(self, ctx: EvaluationContext) -> Any:
        return self.literal

    def __repr__(self) -> str:
        return f"Literal({self.literal!r})"


class Operand(Node):
    __slots__ = ("evaluate", "expression")

    def __init__(self, expression: Expression, index: int) -> None:
        super().__init__(index)
        self.expression = expression
        self.evaluate = expression.getter  # the expression's getter: one call less

    def value(self, ctx: EvaluationContext) -> Any:
        return self.evaluate(ctx)

    def __repr__(self) -> str:
        return f"Operand({self.expression.text!r})"


class NullOperand(Operand):
    """An operand of a 1.1 condition: a missing value is ``null`` (V11-AMB-30)."""

    __slots__ = ()

    def value(self, ctx: EvaluationContext) -> Any:
        value = self.evaluate(ctx)
        return None if value is MISSING else value

    def __repr__(self) -> str:
        return f"NullOperand({self.expression.text!r})"


class Not(Node):
    __slots__ = ("operand",)

    def __init__(self, operand: Node, index: int) -> None:
        super().__init__(index)
        self.operand = operand

    def value(self, ctx: EvaluationContext) -> Any:
        return not self.operand.test(ctx)

    def test(self, ctx: EvaluationContext) -> bool:
        return not self.operand.test(ctx)

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def __repr__(self) -> str:
        return f"Not({self.operand!r})"


class _Junction(Node):
    """An n-ary ``&&``/``||`` chain (long chains do not nest)."""

    __slots__ = ("operands",)

    def __init__(self, operands: tuple[Node, ...], index: int) -> None:
        super().__init__(index)
        self.operands = operands

    def value(self, ctx: EvaluationContext) -> Any:
        return self.test(ctx)

    def children(self) -> tuple[Node, ...]:
        return self.operands

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.operands))})"


class And(_Junction):
    """``a && b && ...``"""

    __slots__ = ()

    def test(self, ctx: EvaluationContext) -> bool:
        for operand in self.operands:  # noqa: SIM110 - no generator on the hot path
            if not operand.test(ctx):
                return False
        return True


class Or(_Junction):
    """``a || b || ...``"""

    __slots__ = ()

    def test(self, ctx: EvaluationContext) -> bool:
        for operand in self.operands:  # noqa: SIM110 - no generator on the hot path
            if operand.test(ctx):
                return True
        return False


def _value_function(node: Node) -> Callable[[EvaluationContext], Any]:
    """What gives ``node``'s value: an operand's getter itself (a 1.0 operand's value is its
    expression's value), else the node's ``value``."""
    if type(node) is Operand:
        return node.evaluate
    return node.value


def _compare_test(op: str, left: Node, right: Node) -> Callable[[EvaluationContext], bool]:
    """The test of ``left op right``, made once per condition. Against a literal the right
    side is not evaluated; ``==``/``!=`` against a number literal compare an ``int`` or
    ``float`` value directly (what :func:`loose_equals` gives for them), any other value
    takes the general path. Every variant gives what the general one gives."""
    fn = _OPERATORS[op]
    left_value = _value_function(left)
    if type(right) is not Literal:
        right_value = _value_function(right)

        def general(ctx: EvaluationContext) -> bool:
            found = left_value(ctx)
            if found is MISSING:
                return False
            other = right_value(ctx)
            if other is MISSING:
                return False
            return fn(found, other)

        return general
    literal = right.literal
    if op in ("==", "!=") and type(literal) in (int, float):
        equal = op == "=="

        def against_number(ctx: EvaluationContext) -> bool:
            found = left_value(ctx)
            kind = type(found)
            if kind is int or kind is float:
                return (found == literal) is equal
            if found is MISSING:
                return False
            return fn(found, literal)

        if isinstance(left, Operand) and left.expression.kind == "statusCode" \
                and not left.expression.navigation:

            def status_against_number(ctx: EvaluationContext) -> bool:
                # ``$statusCode == 200``: an int status is compared where it is read
                status = ctx.status_code
                if type(status) is int:
                    return (status == literal) is equal
                return against_number(ctx)  # None, or an exotic value: the path above

            return status_against_number
        return against_number

    def against_literal(ctx: EvaluationContext) -> bool:
        found = left_value(ctx)
        if found is MISSING:
            return False
        return fn(found, literal)

    return against_literal


class Compare(Node):
    # ``test`` is an instance slot, chosen once by :func:`_compare_test`
    __slots__ = ("fn", "left", "left_value", "op", "right", "right_value", "test")

    test: Callable[[EvaluationContext], bool]  # type: ignore[assignment]

    def __init__(self, op: str, left: Node, right: Node, index: int) -> None:
        super().__init__(index)
        self.op, self.left, self.right = op, left, right
        self.fn = _OPERATORS[op]
        self.left_value = left.value
        self.right_value = right.value
        self.test = _compare_test(op, left, right)

    def value(self, ctx: EvaluationContext) -> Any:
        return self.test(ctx)

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def __repr__(self) -> str:
        return f"Compare({self.op!r}, {self.left!r}, {self.right!r})"


# -- lexer --------------------------------------------------------------------------------

_EOF, _LITERAL, _EXPR, _LPAREN, _RPAREN, _NOT, _AND, _OR, _CMP = (
    "end", "literal", "expression", "(", ")", "!", "&&", "||", "comparison")


class _Token:
    __slots__ = ("index", "kind", "value")

    def __init__(self, kind: str, value: Any, index: int) -> None:
        self.kind, self.value, self.index = kind, value, index


def _lex(text: str, start: int, end: int, *, lenient: bool, version: str = "1.0",
         warnings: list[ExpressionWarning]) -> list[_Token]:
    tokens: list[_Token] = []
    pos = start
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end:
            tokens.append(_Token(_EOF, None, pos))
            return tokens
        ch = text[pos]
        if ch == "$":
            expression, new = scan_expression(text, pos, Mode.CONDITION, lenient=lenient,
                                              version=version)
            warnings.extend(expression.warnings)
            tokens.append(_Token(_EXPR, expression, pos))
            pos = new
        elif ch == "{" and pos + 1 < end and text[pos + 1] == "$":
            expression, new = scan_expression(text, pos + 1, Mode.CONDITION, lenient=lenient,
                                              version=version)
            if new >= end or text[new] != "}":
                found = repr(text[new]) if new < end else "the end"
                raise ExpressionSyntaxError(
                    f"expected '}}' to close '{{' at column {pos + 1}, found {found}", text, new)
            warnings.extend(expression.warnings)
            warnings.append(ExpressionWarning(
                "'{$...}' braces are not needed around a runtime expression in a simple "
                "condition", pos))
            tokens.append(_Token(_EXPR, expression, pos))
            pos = new + 1
        elif ch == "'":
            pos = _lex_single(text, pos, end, tokens)
        elif ch == '"':
            pos = _lex_double(text, pos, end, tokens)
            warnings.append(ExpressionWarning(
                "double-quoted strings are not part of the simple condition language; "
                "use single quotes", tokens[-1].index))
        elif ch in _DIGITS or (ch == "-" and pos + 1 < end and text[pos + 1] in _DIGITS):
            match = _NUMBER.match(text, pos, end)
            assert match is not None
            literal = match.group()
            after = match.end()
            if after < end and (text[after] in _WORD_CHARS or text[after] == "."):
                raise ExpressionSyntaxError(f"malformed number {text[pos:after + 1]!r}",
                                            text, after)
            number: int | float = (int(literal) if _is_integer(literal) else float(literal))
            tokens.append(_Token(_LITERAL, number, pos))
            pos = after
        elif ch in _WORD_START:
            match = _WORD.match(text, pos, end)
            assert match is not None
            word = match.group()
            if word in ("true", "false", "null"):
                tokens.append(_Token(_LITERAL, {"true": True, "false": False}.get(word), pos))
            elif word == "contains":
                warnings.append(ExpressionWarning(
                    "'contains' is not part of the simple condition language (non-standard "
                    "extension)", pos))
                tokens.append(_Token(_CMP, "contains", pos))
            else:
                hint = ""
                if word.lower() in ("true", "false", "null"):
                    hint = f"; literals are lowercase: {word.lower()}"
                elif word.lower() in ("and", "or", "not"):
                    hint = "; use &&, || and !"
                raise ExpressionSyntaxError(
                    f"unexpected word {word!r}: strings must be in single quotes{hint}",
                    text, pos)
            pos = match.end()
        elif ch in "=!<>":
            two = text[pos:pos + 2] if pos + 1 < end else ch
            if two in ("==", "!=", "<=", ">="):
                tokens.append(_Token(_CMP, two, pos))
                pos += 2
            elif ch in "<>":
                tokens.append(_Token(_CMP, ch, pos))
                pos += 1
            elif ch == "!":
                tokens.append(_Token(_NOT, "!", pos))
                pos += 1
            else:
                raise ExpressionSyntaxError("'=' is not an operator; use '==' to compare",
                                            text, pos)
        elif ch in "&|":
            if pos + 1 < end and text[pos + 1] == ch:
                tokens.append(_Token(_AND if ch == "&" else _OR, ch * 2, pos))
                pos += 2
            else:
                raise ExpressionSyntaxError(f"{ch!r} is not an operator; use '{ch * 2}'",
                                            text, pos)
        elif ch == "(":
            tokens.append(_Token(_LPAREN, ch, pos))
            pos += 1
        elif ch == ")":
            tokens.append(_Token(_RPAREN, ch, pos))
            pos += 1
        else:
            raise ExpressionSyntaxError(f"unexpected character {ch!r}", text, pos)


def _is_integer(literal: str) -> bool:
    return not any(c in literal for c in ".eE")


def _lex_single(text: str, pos: int, end: int, tokens: list[_Token]) -> int:
    chars: list[str] = []
    i = pos + 1
    while i < end:
        c = text[i]
        if c == "'":
            if i + 1 < end and text[i + 1] == "'":
                chars.append("'")
                i += 2
                continue
            tokens.append(_Token(_LITERAL, "".join(chars), pos))
            return i + 1
        chars.append(c)
        i += 1
    raise ExpressionSyntaxError("unterminated string literal", text, pos)


def _lex_double(text: str, pos: int, end: int, tokens: list[_Token]) -> int:
    i = pos + 1
    while i < end:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            raw = text[pos:i + 1]
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw[1:-1]
            tokens.append(_Token(_LITERAL, value, pos))
            return i + 1
        i += 1
    raise ExpressionSyntaxError("unterminated string literal", text, pos)


# -- parser -------------------------------------------------------------------------------


MAX_NESTING = 100


class _Parser:
    __slots__ = ("depth", "operand", "pos", "text", "tokens")

    def __init__(self, text: str, tokens: list[_Token], operand: type[Operand]) -> None:
        self.text, self.tokens, self.pos, self.depth = text, tokens, 0, 0
        self.operand = operand

    def _error(self, message: str, token: _Token) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.text, token.index)

    def parse(self) -> Node:
        first = self.tokens[0]
        if first.kind == _EOF:
            raise self._error("empty condition", first)
        node = self._or()
        token = self.tokens[self.pos]
        if token.kind != _EOF:
            if token.kind == _RPAREN:
                raise self._error("unbalanced ')'", token)
            raise self._error(f"expected an operator or the end, found {_describe(token)}",
                              token)
        return node

    def _or(self) -> Node:
        first = self._and()
        operands = [first]
        index = -1
        while self.tokens[self.pos].kind == _OR:
            index = self.tokens[self.pos].index if index < 0 else index
            self.pos += 1
            operands.append(self._and())
        return first if len(operands) == 1 else Or(tuple(operands), index)

    def _and(self) -> Node:
        first = self._comparison()
        operands = [first]
        index = -1
        while self.tokens[self.pos].kind == _AND:
            index = self.tokens[self.pos].index if index < 0 else index
            self.pos += 1
            operands.append(self._comparison())
        return first if len(operands) == 1 else And(tuple(operands), index)

    def _comparison(self) -> Node:
        left = self._unary()
        token = self.tokens[self.pos]
        if token.kind != _CMP:
            return left
        self.pos += 1
        node = Compare(token.value, left, self._unary(), token.index)
        following = self.tokens[self.pos]
        if following.kind == _CMP:
            raise self._error("comparisons cannot be chained; combine them with && or ||",
                              following)
        return node

    def _unary(self) -> Node:
        token = self.tokens[self.pos]
        if token.kind == _NOT:
            self.pos += 1
            self._enter(token)
            node = Not(self._unary(), token.index)
            self.depth -= 1
            return node
        return self._primary()

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self._error(f"the condition is nested more than {MAX_NESTING} levels deep",
                              token)

    def _primary(self) -> Node:
        token = self.tokens[self.pos]
        self.pos += 1
        if token.kind == _LITERAL:
            return Literal(token.value, token.index)
        if token.kind == _EXPR:
            return self.operand(token.value, token.index)
        if token.kind == _LPAREN:
            self._enter(token)
            node = self._or()
            self.depth -= 1
            close = self.tokens[self.pos]
            if close.kind != _RPAREN:
                raise self._error(
                    f"expected ')' to close '(' at column {token.index + 1}, "
                    f"found {_describe(close)}", close)
            self.pos += 1
            return node
        self.pos -= 1
        raise self._error(f"expected a value or '(', found {_describe(token)}", token)


def _describe(token: _Token) -> str:
    if token.kind == _EOF:
        return "the end"
    if token.kind == _LITERAL:
        return f"literal {json.dumps(token.value)}"
    if token.kind == _EXPR:
        return f"expression {token.value.text!r}"
    return repr(token.value)


def _unwrap(text: str) -> tuple[int, int] | None:
    """If the whole condition is wrapped in ``{...}`` return the inner bounds."""
    start = 0
    while start < len(text) and text[start] in _WHITESPACE:
        start += 1
    end = len(text)
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    if end - start < 2 or text[start] != "{" or text[end - 1] != "}":
        return None
    depth = 0
    quote = ""
    for i in range(start, end):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return (start + 1, end - 1) if i == end - 1 else None
    return None


# -- public -------------------------------------------------------------------------------


class Condition:
    """A compiled simple condition. ``evaluate`` never raises and returns a ``bool``."""

    __slots__ = ("_expressions", "root", "test", "text", "warnings")

    def __init__(self, text: str, root: Node, warnings: list[ExpressionWarning]) -> None:
        self.text = text
        self.root = root
        self.warnings = warnings
        self.test = root.test
        self._expressions: tuple[Expression, ...] | None = None

    def evaluate(self, ctx: EvaluationContext) -> bool:
        return self.test(ctx)

    def expressions(self) -> Iterator[Expression]:
        """Every runtime expression in the condition, in source order."""
        if self._expressions is None:  # found once: a failing poll explains every attempt
            stack = [self.root]
            found: list[Expression] = []
            while stack:
                node = stack.pop()
                if isinstance(node, Operand):
                    found.append(node.expression)
                stack.extend(node.children())
            found.sort(key=lambda e: e.span[0])
            self._expressions = tuple(found)
        return iter(self._expressions)

    def explain(self, ctx: EvaluationContext) -> str:
        """The values of the expressions involved (for failure reasons)."""
        parts = [e.explain(ctx) for e in self.expressions()]
        return "; ".join(parts) if parts else "the condition has no runtime expression"

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"


SPEC_MINORS = ("1.0", "1.1")


def parse_condition(text: str, *, lenient: bool = True, spec_minor: str = "1.0") -> Condition:
    """Compile a simple condition (CRI-05, V11-CRI-04, V11-CRI-05).

    Raises :class:`~arazzo.ExpressionSyntaxError` with the index of the offending character.
    The tolerated non-conformant forms are recorded in ``Condition.warnings``; with
    ``lenient=False`` the non-standard runtime-expression forms are errors too (double
    quotes, braces and ``contains`` are always accepted with a warning). ``spec_minor`` is the
    Arazzo version of the document the condition is in (``"1.0"`` or ``"1.1"``): in 1.1 a
    missing value is ``null`` (V11-AMB-30), in 1.0 it makes any comparison false.
    """
    if spec_minor not in SPEC_MINORS:
        raise ValueError(f"spec_minor must be '1.0' or '1.1', not {spec_minor!r}")
    warnings: list[ExpressionWarning] = []
    bounds = _unwrap(text)
    if bounds is not None:
        start, end = bounds
        warnings.append(ExpressionWarning(
            "the condition is wrapped in '{...}'; a simple condition is written without "
            "braces", start - 1))
    else:
        start, end = 0, len(text)
    tokens = _lex(text, start, end, lenient=lenient, version=spec_minor, warnings=warnings)
    root = _Parser(text, tokens, NullOperand if spec_minor == "1.1" else Operand).parse()
    return Condition(text, root, warnings)
