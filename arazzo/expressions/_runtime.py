"""Runtime expressions (inventory section L): scanner, ``Expression`` objects, evaluation.

Grammar (the Arazzo 1.1 ABNF's identifier rules, which fix the 1.0.1 defects RTE-16/RTE-17)::

    expression = "$url" / "$method" / "$statusCode"
               / "$request." ( "header." token / "query." name / "path." name / "body" [ptr] )
               / "$response." ( "header." token / "body" [ptr] )
               / "$inputs." name [ptr] / "$outputs." name [ptr]
               / "$steps." id ".outputs." name [ptr]
               / "$workflows." id "." ( "inputs" / "outputs" ) "." name [ptr]
               / "$sourceDescriptions." id "." name
               / "$components." ( "parameters" / "successActions" / "failureActions" / "inputs" )
                 "." name
               ; Arazzo 1.1 only (version="1.1"):
               / "$message." ( "header." token / "payload" [ptr] )    ; V11-RTE-09, V11-AMB-14
               / "$self"                                               ; V11-RTE-10
               ; and "$components.inputs." is no expression in 1.1 (V11-RTE-08)
    id    = 1*( ALPHA / DIGIT / "-" / "_" )
    name  = 1*( ALPHA / DIGIT / "." / "-" / "_" )
    token = 1*tchar                                   ; RFC 9110
    ptr   = "#" json-pointer                          ; RFC 6901 string form, no "{" "}"

The scanner works at an offset inside a larger text (a ``{$...}`` template or a simple
condition), so every error index is an index into the text the caller parsed.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.expressions._common import (
    MISSING,
    ExpressionWarning,
    is_v11,
    short_repr,
    type_name,
)
from arazzo.expressions._context import EvaluationContext, lookup_header
from arazzo.expressions._pointer import JsonPointer

__all__ = ["Expression", "Mode", "parse", "scan_expression"]

_ALNUM = frozenset(string.ascii_letters + string.digits)
_ID_CHARS = _ALNUM | frozenset("-_")
_NAME_CHARS = _ID_CHARS | frozenset(".")
_MEMBER_CHARS = _ID_CHARS | frozenset("$@")
_TCHAR = _ALNUM | frozenset("!#$%&'*+-.^_`|~")
_TCHAR_CONDITION = _TCHAR - frozenset("!&|'")
_POINTER_STOP_CONDITION = frozenset(" \t\r\n()<>=!&|{}")

_ROOTS = (
    "url", "method", "statusCode", "request", "response", "inputs", "outputs", "steps",
    "workflows", "sourceDescriptions", "components",
)
#: the roots Arazzo 1.1 adds (V11-RTE-09, V11-RTE-10)
_ROOTS_11 = ("message", "self")
_COMPONENT_KINDS = ("parameters", "successActions", "failureActions", "inputs")
_COMPONENT_KINDS_11 = ("parameters", "successActions", "failureActions")
_ROOT_LIST = ("$url, $method, $statusCode, $request., $response., $inputs., $outputs., "
              "$steps., $workflows., $sourceDescriptions. or $components.")
_ROOT_LIST_11 = ("$url, $method, $statusCode, $request., $response., $message., $inputs., "
                 "$outputs., $steps., $workflows., $sourceDescriptions., $components. or "
                 "$self")
#: why a 1.1 root is an error in a 1.0 document
_ONLY_11 = {
    "message": "'$message' (an AsyncAPI message's header or payload, V11-RTE-09)",
    "self": "'$self' (the document's canonical URI, V11-RTE-10)",
}

Getter = Callable[[EvaluationContext], Any]
Segment = str | int


class Mode(enum.Enum):
    """Where an expression is being read; decides where it ends."""

    WHOLE = "whole"          # the whole string is the expression
    TEMPLATE = "template"    # inside ``{...}``: ends at "}"
    CONDITION = "condition"  # inside a simple condition: ends at whitespace / operators


class Expression:
    """A compiled runtime expression. ``evaluate`` never raises; absent data gives ``MISSING``.

    Structured parts for validators (``None`` where they do not apply):

    - ``kind``: ``url``, ``method``, ``statusCode``, ``request.header``, ``request.query``,
      ``request.path``, ``request.body``, ``response.header``, ``response.body``, ``inputs``,
      ``outputs``, ``steps``, ``workflows``, ``sourceDescriptions``, ``components``; in
      Arazzo 1.1 also ``message.header``, ``message.payload`` and ``self``
    - ``name``: header/query/path/input/output name (a ``$message`` header name too); for
      ``sourceDescriptions`` the part after the source name (a field or an operation/workflow
      id); for ``components`` the key
    - ``step_id`` (``steps``), ``workflow_id`` and ``section`` (``workflows``: ``inputs`` or
      ``outputs``), ``source_name`` (``sourceDescriptions``), ``component`` (``components``:
      ``parameters`` ...), ``pointer`` (a :class:`JsonPointer`), ``navigation`` (``.member`` /
      ``[n]`` steps after the expression: simple conditions and lenient forms)
    - ``span``: ``(start, end)`` of the expression inside the text it was read from
    - ``warnings``: tolerated non-conformant forms, as ``(message, index)`` pairs
    """

    __slots__ = (
        "_get", "component", "kind", "name", "navigation", "pointer", "section",
        "source_name", "span", "step_id", "text", "warnings", "workflow_id",
    )

    def __init__(
        self,
        text: str,
        kind: str,
        *,
        name: str | None = None,
        step_id: str | None = None,
        workflow_id: str | None = None,
        section: str | None = None,
        source_name: str | None = None,
        component: str | None = None,
        pointer: JsonPointer | None = None,
        navigation: tuple[Segment, ...] = (),
        span: tuple[int, int] | None = None,
        warnings: list[ExpressionWarning] | None = None,
    ) -> None:
        self.text = text
        self.kind = kind
        self.name = name
        self.step_id = step_id
        self.workflow_id = workflow_id
        self.section = section
        self.source_name = source_name
        self.component = component
        self.pointer = pointer
        self.navigation = navigation
        self.span = span if span is not None else (0, len(text))
        self.warnings: list[ExpressionWarning] = warnings if warnings is not None else []
        self._get: Getter = (
            _body_pointer_getter(kind == "response.body", pointer)
            if kind in ("request.body", "response.body") and pointer is not None
            and pointer.tokens and not navigation
            else _compose(self._base_getter(), pointer, navigation))

    # -- public ---------------------------------------------------------------------------

    @property
    def key(self) -> str | None:
        """The component key (``components`` expressions), else ``None``."""
        return self.name if self.kind == "components" else None

    @property
    def remainder(self) -> str | None:
        """For ``$sourceDescriptions.<source>.<remainder>``: the field or id part."""
        return self.name if self.kind == "sourceDescriptions" else None

    def evaluate(self, ctx: EvaluationContext) -> Any:
        """The referenced value (type preserved, RTE-12), or ``MISSING``."""
        return self._get(ctx)

    @property
    def getter(self) -> Getter:
        """The function :meth:`evaluate` calls (``ctx -> value``, never raises), made once
        when the expression is compiled: hot paths (condition operands, compiled values)
        call it directly, one call less per evaluation."""
        return self._get

    def expressions(self) -> Iterator[Expression]:
        yield self

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def explain(self, ctx: EvaluationContext) -> str:
        """A human explanation of the value, or of why there is none (computed on demand)."""
        value = self.evaluate(ctx)
        if value is not MISSING:
            return f"{self.text} = {short_repr(value)}"
        return f"{self.text} has no value: {self._why_missing(ctx)}"

    def missing_reason(self, ctx: EvaluationContext) -> str:
        """Why the expression has no value in ``ctx`` (call it when it evaluates to MISSING)."""
        return self._why_missing(ctx)

    # -- evaluation -----------------------------------------------------------------------

    def _base_getter(self) -> Getter:
        kind = self.kind
        name = self.name or ""
        if kind == "url":
            return _get_url
        if kind == "method":
            return _get_method
        if kind == "statusCode":
            return _get_status
        if kind.startswith(("request.", "response.")):
            return _message_getter(kind, name)
        if kind.startswith("message."):
            return _async_getter(kind, name)
        if kind == "self":
            return _get_self
        if kind in ("inputs", "outputs"):
            if "." not in name:  # the common case: one lookup, no helper call
                if kind == "inputs":
                    return lambda ctx: ctx.inputs.get(name, MISSING)
                return lambda ctx: ctx.outputs.get(name, MISSING)
            lookup = _name_lookup(name)
            if kind == "inputs":
                return lambda ctx: lookup(ctx.inputs)
            return lambda ctx: lookup(ctx.outputs)
        if kind == "steps":
            lookup = _name_lookup(name)
            step_id = self.step_id or ""
            if "." not in name:

                def get_step_output(ctx: EvaluationContext) -> Any:
                    outputs = ctx.steps.get(step_id)
                    return MISSING if outputs is None else outputs.get(name, MISSING)

                return get_step_output

            def get_step(ctx: EvaluationContext) -> Any:
                outputs = ctx.steps.get(step_id)
                return MISSING if outputs is None else lookup(outputs)

            return get_step
        if kind == "workflows":
            lookup = _name_lookup(name)
            workflow_id = self.workflow_id or ""
            section = self.section or ""

            def get_workflow(ctx: EvaluationContext) -> Any:
                workflow = ctx.workflows.get(workflow_id)
                values = None if workflow is None else workflow.get(section)
                return MISSING if values is None else lookup(values)

            return get_workflow
        if kind == "sourceDescriptions":
            source = self.source_name or ""

            def get_source(ctx: EvaluationContext) -> Any:
                fields = ctx.source_descriptions.get(source)
                return MISSING if fields is None else fields.get(name, MISSING)

            return get_source
        component = self.component or ""

        def get_component(ctx: EvaluationContext) -> Any:
            table = ctx.components.get(component)
            return MISSING if table is None else table.get(name, MISSING)

        return get_component

    def _why_missing(self, ctx: EvaluationContext) -> str:
        kind = self.kind
        name = self.name or ""
        base: Any
        if kind in ("url", "method"):
            return "no request has been made in this context"
        if kind == "statusCode":
            return "there is no response in this context"
        if kind == "self":
            return "the document's URI is not known in this context"
        if kind.startswith("message."):
            current = ctx.message
            if current is None:
                return NO_MESSAGE
            if kind == "message.header":
                base = lookup_header(current.headers, name, name.lower())
                if base is MISSING:
                    return f"the message has no header {name!r} ({_keys(current.headers)})"
            else:
                base = current.payload
                if base is MISSING:
                    return "the message has no payload"
        elif kind.startswith(("request.", "response.")):
            side, part = kind.split(".")
            message = ctx.request if side == "request" else ctx.response
            if message is None:
                return f"there is no current {side} in this context"
            if part == "header":
                base = lookup_header(message.headers, name, name.lower())
                if base is MISSING:
                    return f"the {side} has no header {name!r} ({_keys(message.headers)})"
            elif part in ("query", "path"):
                values: Mapping[str, Any] = getattr(message, part)
                base = values.get(name, MISSING)
                if base is MISSING:
                    return f"the {side} has no {part} parameter {name!r} ({_keys(values)})"
            else:
                base = message.body
                if base is MISSING:
                    return f"the {side} has no body"
        elif kind in ("inputs", "outputs"):
            mapping: Mapping[str, Any] = ctx.inputs if kind == "inputs" else ctx.outputs
            base = _name_lookup(name)(mapping)
            if base is MISSING:
                return f"no {kind[:-1]} named {name!r} ({_keys(mapping)})"
        elif kind == "steps":
            outputs = ctx.steps.get(self.step_id or "")
            if outputs is None:
                return (f"step {self.step_id!r} has not run or produced no outputs "
                        f"(steps with outputs: {', '.join(map(str, ctx.steps)) or 'none'})")
            base = _name_lookup(name)(outputs)
            if base is MISSING:
                return f"step {self.step_id!r} has no output {name!r} ({_keys(outputs)})"
        elif kind == "workflows":
            workflow = ctx.workflows.get(self.workflow_id or "")
            if workflow is None:
                return (f"workflow {self.workflow_id!r} has not run "
                        f"(known: {', '.join(map(str, ctx.workflows)) or 'none'})")
            section = workflow.get(self.section or "") or {}
            base = _name_lookup(name)(section)
            if base is MISSING:
                noun = (self.section or "s")[:-1]
                return (f"workflow {self.workflow_id!r} has no {noun} named {name!r} "
                        f"({_keys(section)})")
        elif kind == "sourceDescriptions":
            fields = ctx.source_descriptions.get(self.source_name or "")
            if fields is None:
                return (f"no source description named {self.source_name!r} "
                        f"(known: {', '.join(map(str, ctx.source_descriptions)) or 'none'})")
            return f"source description {self.source_name!r} has no field {name!r}"
        else:
            table = ctx.components.get(self.component or "")
            if table is None:
                return f"the document has no components.{self.component}"
            return f"components.{self.component} has no key {name!r} ({_keys(table)})"
        if self.pointer is not None:
            why = self.pointer.explain(base)
            if why is not None:
                return f"JSON pointer {self.pointer.text!r}: {why}"
            base = self.pointer.resolve(base)
        if self.navigation:
            return _explain_navigation(base, self.navigation) or "value not found"
        return "value not found"


def _keys(mapping: Mapping[str, Any]) -> str:
    names = sorted(str(k) for k in mapping)
    if not names:
        return "there are none"
    shown = ", ".join(names[:10])
    return f"available: {shown}{', ...' if len(names) > 10 else ''}"


def _get_url(ctx: EvaluationContext) -> Any:
    return MISSING if ctx.url is None else ctx.url


def _get_method(ctx: EvaluationContext) -> Any:
    return MISSING if ctx.method is None else ctx.method


def _get_status(ctx: EvaluationContext) -> Any:
    return MISSING if ctx.status_code is None else ctx.status_code


def _get_self(ctx: EvaluationContext) -> Any:
    return MISSING if ctx.self_uri is None else ctx.self_uri


#: why ``$message`` has no value outside an AsyncAPI step
NO_MESSAGE = ("there is no current message in this context: $message is defined only in an "
              "AsyncAPI send or receive step (V11-AMB-14), and this engine does not run "
              "AsyncAPI steps yet")


def _async_getter(kind: str, name: str) -> Getter:
    if kind == "message.header":
        lower = name.lower()

        def get_header(ctx: EvaluationContext) -> Any:
            message = ctx.message
            return MISSING if message is None else lookup_header(message.headers, name, lower)

        return get_header

    def get_payload(ctx: EvaluationContext) -> Any:
        message = ctx.message
        return MISSING if message is None else message.payload

    return get_payload


def _message_getter(kind: str, name: str) -> Getter:
    side, part = kind.split(".")
    response = side == "response"
    if part == "header":
        lower = name.lower()

        def get_header(ctx: EvaluationContext) -> Any:
            message = ctx.response if response else ctx.request
            return MISSING if message is None else lookup_header(message.headers, name, lower)

        return get_header
    if part == "body":

        def get_body(ctx: EvaluationContext) -> Any:
            message = ctx.response if response else ctx.request
            return MISSING if message is None else message.body

        return get_body
    query = part == "query"

    def get_param(ctx: EvaluationContext) -> Any:
        message = ctx.response if response else ctx.request
        if message is None:
            return MISSING
        return (message.query if query else message.path).get(name, MISSING)

    return get_param


def _body_pointer_getter(response: bool, pointer: JsonPointer) -> Getter:
    """``$response.body#/ptr`` / ``$request.body#/ptr`` in one call: what the body getter
    composed with the pointer gives (see :func:`_compose`)."""
    resolve = pointer.resolve
    if response and len(pointer.tokens) == 1:
        token = pointer.tokens[0]

        def response_body_member(ctx: EvaluationContext) -> Any:
            # ``$response.body#/name`` on a parsed JSON object: the member, no resolve call
            message = ctx.response
            if message is None:
                return MISSING
            body = message.body
            if type(body) is dict:
                return body.get(token, MISSING)
            return MISSING if body is MISSING else resolve(body)

        return response_body_member
    if response:

        def response_body_at(ctx: EvaluationContext) -> Any:
            message = ctx.response
            if message is None:
                return MISSING
            body = message.body
            return MISSING if body is MISSING else resolve(body)

        return response_body_at

    def request_body_at(ctx: EvaluationContext) -> Any:
        message = ctx.request
        if message is None:
            return MISSING
        body = message.body
        return MISSING if body is MISSING else resolve(body)

    return request_body_at


def _dotted(value: Any, name: str) -> Any:
    """RTE-06 lenient fallback: ``a.b.c`` as nested keys (longest matching key first)."""
    if isinstance(value, Mapping):
        if name in value:
            return value[name]
        cut = name.rfind(".")
        while cut > 0:
            head = name[:cut]
            if head in value:
                found = _dotted(value[head], name[cut + 1:])
                if found is not MISSING:
                    return found
            cut = name.rfind(".", 0, cut)
        return MISSING
    if isinstance(value, (list, tuple)):
        head, _, rest = name.partition(".")
        if head.isdigit() and int(head) < len(value):
            return value[int(head)] if not rest else _dotted(value[int(head)], rest)
    return MISSING


def _name_lookup(name: str) -> Callable[[Mapping[str, Any]], Any]:
    if "." not in name:
        return lambda mapping: mapping.get(name, MISSING)
    return lambda mapping: _dotted(mapping, name)


def navigate(value: Any, navigation: tuple[Segment, ...]) -> Any:
    """Follow ``.member`` / ``[n]`` steps; ``MISSING`` when a step does not apply."""
    for segment in navigation:
        if isinstance(segment, int):
            if isinstance(value, (list, tuple)) and 0 <= segment < len(value):
                value = value[segment]
            else:
                return MISSING
        elif isinstance(value, Mapping):
            value = value.get(segment, MISSING)
            if value is MISSING:
                return MISSING
        else:
            return MISSING
    return value


def _explain_navigation(value: Any, navigation: tuple[Segment, ...]) -> str | None:
    path = ""
    for segment in navigation:
        step = f"[{segment}]" if isinstance(segment, int) else f".{segment}"
        found = navigate(value, (segment,))
        if found is MISSING:
            if value is MISSING:
                return "value not found"
            return f"{step} does not apply at '{path or '(value)'}' (a {type_name(value)})"
        value = found
        path += step
    return None


def _compose(base: Getter, pointer: JsonPointer | None,
             navigation: tuple[Segment, ...]) -> Getter:
    if pointer is not None and pointer.tokens:
        resolve = pointer.resolve

        def with_pointer(ctx: EvaluationContext) -> Any:
            value = base(ctx)
            return MISSING if value is MISSING else resolve(value)

        got: Getter = with_pointer
    else:
        got = base
    if not navigation:
        return got

    def with_navigation(ctx: EvaluationContext) -> Any:
        return navigate(got(ctx), navigation)

    return with_navigation


# -- scanner ------------------------------------------------------------------------------


def _fail(message: str, text: str, index: int) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(message, text, index)


def _common_prefix(text: str, pos: int, word: str) -> int:
    n = 0
    while n < len(word) and pos + n < len(text) and text[pos + n] == word[n]:
        n += 1
    return n


def _expect_word(text: str, pos: int, choices: tuple[str, ...], what: str) -> tuple[str, int]:
    """Match one of ``choices`` at ``pos`` followed by a non-letter; error at the first mismatch."""
    end = pos
    while end < len(text) and text[end].isascii() and text[end].isalpha():
        end += 1
    word = text[pos:end]
    if word in choices:
        return word, end
    best = max(_common_prefix(text, pos, c) for c in choices)
    found = f"{word!r}" if word else "nothing"
    if len(choices) > 1:
        what = f"{what} ({', '.join(repr(c) for c in choices)})"
    raise _fail(f"expected {what}, found {found}", text, pos + best)


def _expect_char(text: str, pos: int, char: str, after: str) -> int:
    if pos < len(text) and text[pos] == char:
        return pos + 1
    found = repr(text[pos]) if pos < len(text) else "the end"
    raise _fail(f"expected {char!r} after {after}, found {found}", text, pos)


def _take(text: str, pos: int, chars: frozenset[str], what: str) -> tuple[str, int]:
    end = pos
    while end < len(text) and text[end] in chars:
        end += 1
    if end == pos:
        found = repr(text[pos]) if pos < len(text) else "the end"
        raise _fail(f"expected {what}, found {found}", text, pos)
    return text[pos:end], end


def _take_pointer(text: str, pos: int, mode: Mode) -> tuple[JsonPointer | None, int]:
    if pos >= len(text) or text[pos] != "#":
        return None, pos
    start = pos + 1
    end = start
    if mode is Mode.CONDITION:
        while end < len(text) and text[end] not in _POINTER_STOP_CONDITION:
            end += 1
    elif mode is Mode.TEMPLATE:
        while end < len(text) and text[end] not in "{}":
            end += 1
    else:
        end = len(text)
    for i in range(start, end):
        if text[i] in "{}":
            raise _fail("'{' and '}' are not allowed in a JSON pointer", text, i)
    return JsonPointer.parse(text[start:end], source=text, offset=start), end


def _take_navigation(text: str, pos: int) -> tuple[tuple[Segment, ...], int]:
    """``.member`` / ``[n]`` / ``['key']`` steps (used in conditions and lenient forms)."""
    segments: list[Segment] = []
    while pos < len(text):
        ch = text[pos]
        if ch == "." and pos + 1 < len(text) and text[pos + 1] in _MEMBER_CHARS:
            member, pos = _take(text, pos + 1, _MEMBER_CHARS, "a member name")
            segments.append(member)
        elif ch == "[":
            close = text.find("]", pos)
            if close < 0:
                raise _fail("'[' is not closed with ']'", text, pos)
            inner = text[pos + 1:close]
            if inner.isascii() and inner.isdigit():
                segments.append(int(inner))
            elif len(inner) >= 2 and inner[0] == inner[-1] == "'" and "'" not in inner[1:-1]:
                segments.append(inner[1:-1])
            else:
                raise _fail("expected an array index or a quoted member name inside '[...]'",
                            text, pos + 1)
            pos = close + 1
        else:
            break
    return tuple(segments), pos


def scan_expression(text: str, pos: int, mode: Mode, *, lenient: bool = False,
                    version: str = "1.0") -> tuple[Expression, int]:
    """Read one runtime expression starting at ``text[pos] == "$"``; return it and its end.

    In ``CONDITION`` mode trailing ``.member`` / ``[n]`` navigation is part of the operand.
    With ``lenient`` the non-standard forms seen in real documents are accepted with a
    warning: ``$response.headers.X``, ``$steps.<id>.<name>`` (the 1.0.0 example-table form,
    read as ``$steps.<id>.outputs.<name>``), navigation after a complete expression and, in
    1.1, ``$message.payload.x`` (read as ``$message.payload#/x``, V11-AMB-39).

    ``version`` is the document's Arazzo ``major.minor`` (``"1.0"`` or ``"1.1"``): 1.1 adds
    ``$message`` and ``$self`` and drops ``$components.inputs`` (V11-RTE-08..10).
    """
    v11 = is_v11(version)
    start = pos
    if pos >= len(text) or text[pos] != "$":
        raise _fail("a runtime expression starts with '$'", text, pos)
    warnings: list[ExpressionWarning] = []
    root_start = pos + 1
    end = root_start
    while end < len(text) and text[end].isascii() and text[end].isalpha():
        end += 1
    root = text[root_start:end]
    if root in _ROOTS_11 and not v11:
        raise _fail(f"{_ONLY_11[root]} is Arazzo 1.1; this document declares Arazzo 1.0 (its "
                    "'arazzo' field), which does not have it: declare 'arazzo: 1.1.0' to use "
                    "it (V11-VER-01)", text, root_start)
    if root not in _ROOTS and root not in _ROOTS_11:
        roots = (*_ROOTS, *_ROOTS_11) if v11 else _ROOTS
        best = max(_common_prefix(text, root_start, r) for r in roots)
        shown = f"'${root}'" if root else "'$'"
        raise _fail(
            f"unknown runtime expression {shown}: expected "
            f"{_ROOT_LIST_11 if v11 else _ROOT_LIST}", text, root_start + best)
    pos = end
    fields: dict[str, Any] = {}
    kind = root
    if root in ("url", "method", "statusCode", "self"):
        pass
    elif root == "message":  # V11-RTE-09; only header and payload (V11-AMB-14)
        pos = _expect_char(text, pos, ".", "'$message'")
        part, pos = _expect_word(text, pos, ("header", "payload"), "a part of $message")
        kind = f"message.{part}"
        if part == "header":
            pos = _expect_char(text, pos, ".", "'$message.header'")
            chars = _TCHAR_CONDITION if mode is Mode.CONDITION else _TCHAR
            fields["name"], pos = _take(text, pos, chars, "a header name")
        else:
            fields["pointer"], pos = _take_pointer(text, pos, mode)
    elif root in ("request", "response"):
        pos = _expect_char(text, pos, ".", f"'${root}'")
        part_pos = pos
        choices = ("header", "query", "path", "body")
        if lenient and text.startswith("headers.", pos):
            warnings.append(ExpressionWarning(
                f"'${root}.headers' is not standard; use '${root}.header'", pos))
            part, pos = "header", pos + len("headers")
        else:
            part, pos = _expect_word(text, pos, choices, f"a part of ${root}")
        if root == "response" and part in ("query", "path"):
            raise _fail(f"'$response.{part}' has no meaning: only $response.header and "
                        "$response.body are defined (RTE-05)", text, part_pos)
        kind = f"{root}.{part}"
        if part == "header":
            pos = _expect_char(text, pos, ".", f"'${root}.header'")
            chars = _TCHAR_CONDITION if mode is Mode.CONDITION else _TCHAR
            fields["name"], pos = _take(text, pos, chars, "a header name")
        elif part in ("query", "path"):
            pos = _expect_char(text, pos, ".", f"'${root}.{part}'")
            fields["name"], pos = _take(text, pos, _NAME_CHARS, f"a {part} parameter name")
        else:
            fields["pointer"], pos = _take_pointer(text, pos, mode)
    elif root in ("inputs", "outputs"):
        pos = _expect_char(text, pos, ".", f"'${root}'")
        fields["name"], pos = _take(text, pos, _NAME_CHARS, f"an {root[:-1]} name")
        fields["pointer"], pos = _take_pointer(text, pos, mode)
    elif root == "steps":
        pos = _expect_char(text, pos, ".", "'$steps'")
        fields["step_id"], pos = _take(text, pos, _ID_CHARS, "a step id")
        pos = _expect_char(text, pos, ".", f"'$steps.{fields['step_id']}'")
        # the 1.0.0 example table's form; 1.1 states that '.outputs.' is required
        # (V11-RTE-04), so a 1.1 document gets the syntax error
        if lenient and not v11 and not text.startswith("outputs.", pos) and pos < len(text) \
                and text[pos] in _NAME_CHARS:
            warnings.append(ExpressionWarning(
                f"'$steps.{fields['step_id']}.<name>' (1.0.0 example form) is not standard; "
                f"use '$steps.{fields['step_id']}.outputs.<name>'", pos))
        else:
            if v11 and not text.startswith("outputs", pos):
                raise _fail(f"'$steps.{fields['step_id']}.' must be followed by 'outputs.' in "
                            f"Arazzo 1.1: write '$steps.{fields['step_id']}.outputs.<name>' "
                            "(V11-RTE-04)", text, pos)
            _, pos = _expect_word(text, pos, ("outputs",), "'outputs'")
            pos = _expect_char(text, pos, ".", "'outputs'")
        fields["name"], pos = _take(text, pos, _NAME_CHARS, "an output name")
        fields["pointer"], pos = _take_pointer(text, pos, mode)
    elif root == "workflows":
        pos = _expect_char(text, pos, ".", "'$workflows'")
        fields["workflow_id"], pos = _take(text, pos, _ID_CHARS, "a workflow id")
        pos = _expect_char(text, pos, ".", f"'$workflows.{fields['workflow_id']}'")
        fields["section"], pos = _expect_word(text, pos, ("inputs", "outputs"), "a section")
        pos = _expect_char(text, pos, ".", f"'{fields['section']}'")
        fields["name"], pos = _take(text, pos, _NAME_CHARS, "a name")
        fields["pointer"], pos = _take_pointer(text, pos, mode)
    elif root == "sourceDescriptions":
        pos = _expect_char(text, pos, ".", "'$sourceDescriptions'")
        fields["source_name"], pos = _take(text, pos, _ID_CHARS, "a source description name")
        pos = _expect_char(text, pos, ".", f"'$sourceDescriptions.{fields['source_name']}'")
        fields["name"], pos = _take(text, pos, _NAME_CHARS, "a field, operationId or workflowId")
    else:  # components
        pos = _expect_char(text, pos, ".", "'$components'")
        if v11 and text.startswith("inputs", pos) and not (
                text[pos + 6:pos + 7].isascii() and text[pos + 6:pos + 7].isalpha()):
            raise _fail("'$components.inputs' is not a runtime expression in Arazzo 1.1: "
                        "components references are $components.parameters, "
                        "$components.successActions and $components.failureActions "
                        "(V11-RTE-08); reference an input schema with "
                        "$ref: '#/components/inputs/<name>'", text, pos)
        kinds = _COMPONENT_KINDS_11 if v11 else _COMPONENT_KINDS
        fields["component"], pos = _expect_word(text, pos, kinds, "a component kind")
        pos = _expect_char(text, pos, ".", f"'$components.{fields['component']}'")
        fields["name"], pos = _take(text, pos, _NAME_CHARS, "a component key")

    navigation: tuple[Segment, ...] = ()
    if pos < len(text) and text[pos] in ".[":
        if mode is Mode.CONDITION or lenient:
            nav_start = pos
            navigation, pos = _take_navigation(text, pos)
            if navigation and mode is not Mode.CONDITION:
                hint = ""
                if kind.endswith(("body", "payload")) and fields.get("pointer") is None:
                    hint = f"; use a JSON pointer: {text[start:nav_start]}#/" + "/".join(
                        str(s) for s in navigation)
                warnings.append(ExpressionWarning(
                    f"navigation {text[nav_start:pos]!r} after a runtime expression is not "
                    f"standard{hint}", nav_start))
        else:
            hint = ""
            if kind.endswith("body"):
                hint = "; navigate a body with a JSON pointer, e.g. $response.body#/field"
            elif kind == "message.payload":
                hint = ("; navigate a payload with a JSON pointer, e.g. "
                        "$message.payload#/field (V11-RTE-09)")
            raise _fail(f"unexpected {text[pos]!r} after '{text[start:pos]}'{hint}", text, pos)
    if mode is Mode.WHOLE and pos < len(text):
        raise _fail(f"unexpected {text[pos]!r} after the runtime expression "
                    f"'{text[start:pos]}'", text, pos)
    expression = Expression(text[start:pos], kind, navigation=navigation, span=(start, pos),
                            warnings=warnings, **fields)
    return expression, pos


def parse(text: str, *, lenient: bool = False, version: str = "1.0") -> Expression:
    """Parse a whole runtime expression (strict 1.1 identifier rules).

    Raises :class:`~arazzo.ExpressionSyntaxError` with the index of the offending character.
    ``lenient=True`` also accepts ``$response.headers.X``, ``$steps.<id>.<name>`` and
    ``.member``/``[n]`` navigation after an expression (e.g. ``$response.body.id``,
    ``$message.payload.id``), each recorded in ``.warnings``.

    ``version`` selects the document's expression set: ``"1.0"`` (the default) or ``"1.1"``,
    which adds ``$message.header.<token>``, ``$message.payload[#ptr]`` and ``$self`` and no
    longer has ``$components.inputs.<name>`` (V11-RTE-08..10).
    """
    expression, _ = scan_expression(text, 0, Mode.WHOLE, lenient=lenient, version=version)
    return expression
