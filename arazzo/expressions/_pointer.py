"""JSON Pointer (RFC 6901): parsing with exact error indexes, resolution, explanations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.expressions._common import MISSING, type_name

__all__ = ["JsonPointer"]


def _is_index(token: str) -> bool:
    return token.isascii() and token.isdigit() and (token == "0" or token[0] != "0")


class JsonPointer:
    """A parsed JSON Pointer; ``tokens`` are the unescaped reference tokens."""

    __slots__ = ("text", "tokens")

    def __init__(self, tokens: Sequence[str], text: str | None = None) -> None:
        self.tokens: tuple[str, ...] = tuple(tokens)
        if text is None:
            text = "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in self.tokens)
        self.text = text

    @classmethod
    def parse(cls, text: str, *, source: str | None = None, offset: int = 0) -> JsonPointer:
        """Parse the string form (``""`` or ``/a/b~1c``).

        Errors are reported against ``source`` (default ``text``), at ``offset + i``.
        """
        full = text if source is None else source
        if text and text[0] != "/":
            raise ExpressionSyntaxError(
                "a JSON pointer must be empty or start with '/'", full, offset)
        for i, ch in enumerate(text):
            if ch == "~" and (i + 1 >= len(text) or text[i + 1] not in "01"):
                raise ExpressionSyntaxError(
                    "'~' in a JSON pointer must be followed by '0' or '1' (RFC 6901)",
                    full, offset + i)
        if not text:
            return cls((), "")
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/")]
        return cls(tokens, text)

    @classmethod
    def from_fragment(cls, fragment: str) -> JsonPointer:
        """Parse a URI fragment representation (RFC 6901 §6): percent-decoded first.

        ``fragment`` is the part after ``#`` (``/paths/~1pets/get``, ``/a%20b``).
        """
        return cls.parse(unquote(fragment), source=fragment)

    def __repr__(self) -> str:
        return f"JsonPointer({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonPointer) and other.tokens == self.tokens

    def __hash__(self) -> int:
        return hash(self.tokens)

    def resolve(self, value: Any) -> Any:
        """The referenced value, or :data:`MISSING` (never raises)."""
        for token in self.tokens:
            # ``type(...) is dict`` first: parsed JSON skips the ABC check
            if type(value) is dict or isinstance(value, Mapping):
                value = value.get(token, MISSING)
                if value is MISSING:
                    return MISSING
            elif isinstance(value, (list, tuple)):
                if not _is_index(token):
                    return MISSING
                index = int(token)
                if index >= len(value):
                    return MISSING
                value = value[index]
            else:
                return MISSING
        return value

    def explain(self, value: Any) -> str | None:
        """Why :meth:`resolve` gives ``MISSING`` for ``value`` (``None`` if it does not)."""
        where = ""
        for token in self.tokens:
            here = where or "the root"
            if isinstance(value, Mapping):
                if token not in value:
                    keys = ", ".join(sorted(str(k) for k in value)[:10])
                    return f"no member {token!r} at {here} (members: {keys or 'none'})"
                value = value[token]
            elif isinstance(value, (list, tuple)):
                if not _is_index(token):
                    return f"{token!r} is not an array index at {here}"
                if int(token) >= len(value):
                    return f"index {token} is out of range at {here} (length {len(value)})"
                value = value[int(token)]
            else:
                return f"cannot descend into a {type_name(value)} at {here} (token {token!r})"
            where += "/" + token.replace("~", "~0").replace("/", "~1")
        return None
