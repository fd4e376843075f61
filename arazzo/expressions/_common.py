"""Small shared pieces: the ``MISSING`` sentinel, warnings and value stringification."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, Final, Literal

__all__ = ["MISSING", "VERSIONS", "ExpressionWarning", "Missing", "is_v11", "stringify",
           "type_name"]


class _MissingType(enum.Enum):
    """Type of :data:`MISSING`; an enum so that it is a true singleton (also across pickling)."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return False


#: "No value": the referenced input, output, header, member ... does not exist.
#: Distinct from ``None`` (JSON ``null``), which is a value. Falsy; ``repr`` is ``MISSING``.
MISSING: Final = _MissingType.MISSING

#: The type of :data:`MISSING`, for annotations (``Any | Missing``).
Missing = Literal[_MissingType.MISSING]


#: the Arazzo ``major.minor`` versions whose expression rules are known (the ``version``
#: keyword of the parse and compile functions; ``ArazzoSpecification.spec_minor``)
VERSIONS: Final = ("1.0", "1.1")


def is_v11(version: str) -> bool:
    """Whether ``version`` (``"1.0"`` or ``"1.1"``) reads expressions by the 1.1 rules."""
    if version == "1.0":
        return False
    if version == "1.1":
        return True
    raise ValueError(f"unknown Arazzo version {version!r}: expressions know "
                     f"{' and '.join(VERSIONS)} (pass a document's spec_minor)")


@dataclass(frozen=True, slots=True)
class ExpressionWarning:
    """A non-fatal finding made while compiling (a tolerated non-conformant form).

    ``message`` says what and ``index`` is the 0-based offset of the offending character in
    the compiled text (condition, expression or template). Unpacks as ``(message, index)``.
    """

    message: str
    index: int

    def __iter__(self) -> Iterator[Any]:
        yield self.message
        yield self.index

    def __str__(self) -> str:
        return f"{self.message} (at index {self.index})"


def stringify(value: Any) -> str:
    """String form of a value, used for ``{$...}`` templates and regex criteria (RTE-14).

    Strings stay verbatim, ``bytes`` are decoded as UTF-8 (invalid bytes replaced),
    ``true``/``false``/``null`` use their JSON spelling, numbers use ``str()``, objects and
    arrays are serialised as compact JSON (RFC 8259). ``MISSING`` becomes ``""``.
    """
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if value is MISSING:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # circular structures and the like
        return str(value)


def type_name(value: Any) -> str:
    """JSON-ish name of a value's type, for messages."""
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (bytes, bytearray)):
        return "bytes"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


#: ``json.dumps(text, ensure_ascii=False)`` for a str, without the encoder's set-up
_quote: Callable[[str], str] = encode_basestring


def short_repr(value: Any, limit: int = 80) -> str:
    """A bounded rendering for failure reasons (cost bounded by ``limit``, not the value)."""
    if value is MISSING:
        return "MISSING"
    parts: list[str] = []
    _render(value, parts, limit + 1)
    text = "".join(parts)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _render(value: Any, out: list[str], budget: int) -> int:
    """Append a JSON-like rendering of ``value`` to ``out``; stop once ``budget`` is spent."""
    if budget <= 0:
        return 0
    if isinstance(value, dict):
        out.append("{")
        budget -= 1
        for i, (key, item) in enumerate(value.items()):
            if budget <= 0:
                break
            piece = ("," if i else "") + json.dumps(str(key)[:budget], ensure_ascii=False) + ":"
            out.append(piece)
            budget = _render(item, out, budget - len(piece))
        out.append("}")
        return budget - 1
    if isinstance(value, (list, tuple)):
        out.append("[")
        budget -= 1
        for i, item in enumerate(value):
            if budget <= 0:
                break
            if i:
                out.append(",")
                budget -= 1
            budget = _render(item, out, budget)
        out.append("]")
        return budget - 1
    if isinstance(value, str):
        piece = _quote(value[:budget])
    elif isinstance(value, (bytes, bytearray)):
        piece = json.dumps(bytes(value[:budget]).decode("utf-8", "replace"))
    else:
        piece = stringify(value)[:budget]
    out.append(piece)
    return budget - len(piece)
