"""Every error this library raises.

The hierarchy::

    ArazzoError                      root; carries an optional Location
    ├── DocumentError                a document cannot be read, parsed or modelled
    │   ├── LoadError                missing file, unreadable YAML/JSON, size or alias limits
    │   ├── AccessDenied             a reference leaves the directories/hosts the caller allowed
    │   ├── UnsupportedVersion       the ``arazzo`` field names a version we do not run
    │   └── ValidationFailed         the document has validation errors (holds the diagnostics)
    ├── ReferenceError_              a ``$ref``/operation/step/workflow reference does not resolve
    ├── ExpressionError
    │   └── ExpressionSyntaxError    text + index of the offending character
    │       └── CriterionSyntaxError (also a CriterionError; ``arazzo.criteria``)
    ├── CriterionError               unknown criterion type, bad regex/jsonpath/xpath
    ├── InputError                   bad arguments to run(): unknown workflow, invalid inputs
    │   └── MissingCredentials       a step's security scheme has no credentials (docs/auth.md)
    └── WorkflowFailed               RunResult.raise_for_failure() on a failed run

A run that fails is a result, not an exception: what went wrong in a step (a criterion, a
status, the transport, a timeout...) is a :class:`~arazzo.Failure` on the result;
``raise_for_failure()`` turns it into :class:`WorkflowFailed` for callers that want one.

The callee says *what* went wrong; the caller adds *where* (``with_location``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arazzo._diagnostics import Diagnostic

__all__ = [
    "AccessDenied",
    "ArazzoError",
    "CriterionError",
    "DocumentError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "InputError",
    "LoadError",
    "Location",
    "MissingCredentials",
    "ReferenceError_",
    "UnsupportedFeature",
    "UnsupportedVersion",
    "ValidationFailed",
]


@dataclass(frozen=True)
class Location:
    """Where something is: a file (path or URL), a 1-based line/column and a JSON pointer."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<string>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        if self.pointer:
            text += f" (#{self.pointer})"
        return text


class ArazzoError(Exception):
    """Root of every error raised by this library."""

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    @property
    def file(self) -> str | None:
        return self.location.file if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def pointer(self) -> str | None:
        return self.location.pointer if self.location else None

    def with_location(self, location: Location) -> ArazzoError:
        """Attach a location if none is set yet (the caller knows where)."""
        if self.location is None:
            self.location = location
        return self

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


class DocumentError(ArazzoError):
    """A document cannot be read, parsed or modelled."""


class LoadError(DocumentError):
    """A file is missing or unreadable, or breaks a size/alias limit."""


class AccessDenied(DocumentError):
    """A reference points outside the directories or hosts the caller allowed."""


class UnsupportedVersion(DocumentError):
    """The document declares an Arazzo version this library does not run."""


class ValidationFailed(DocumentError):
    """The document has validation errors; ``diagnostics`` lists all of them."""

    def __init__(self, message: str, diagnostics: list[Diagnostic], *,
                 location: Location | None = None) -> None:
        super().__init__(message, location=location)
        self.diagnostics = diagnostics


class ReferenceError_(ArazzoError):  # trailing underscore: the builtin ReferenceError exists
    """A reference (``$ref``, operation, step, workflow, component) does not resolve."""


class ExpressionError(ArazzoError):
    """A runtime expression or condition is malformed or cannot be evaluated."""


class ExpressionSyntaxError(ExpressionError):
    """Syntax error in an expression: ``text`` is the source, ``index`` the 0-based offset."""

    def __init__(self, message: str, text: str, index: int, *,
                 location: Location | None = None) -> None:
        super().__init__(message, location=location)
        self.text = text
        self.index = index

    def caret(self) -> str:
        """The expression with a caret under the offending character."""
        return f"{self.text}\n{' ' * self.index}^"

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (at column {self.index + 1} of the expression)\n{self.caret()}"


class CriterionError(ArazzoError):
    """Unknown criterion type or a condition its evaluator rejects."""


class UnsupportedFeature(ArazzoError):
    """The workflow uses something the engine cannot run yet (an AsyncAPI step); raised
    before any request. ``step_id`` and ``workflow_id`` name the step."""

    def __init__(self, message: str, *, step_id: str | None = None,
                 workflow_id: str | None = None, location: Location | None = None) -> None:
        super().__init__(message, location=location)
        self.step_id = step_id
        self.workflow_id = workflow_id


class InputError(ArazzoError):
    """Bad arguments to a run: unknown workflow id, inputs not matching the schema."""


class MissingCredentials(InputError):
    """A step needs credentials for a security scheme that neither ``auth=``, the
    environment nor ``--auth`` supplied; raised before any request. ``missing`` lists
    ``(source, scheme, environment variable)``."""

    def __init__(self, message: str, missing: list[tuple[str, str, str]]) -> None:
        super().__init__(message)
        self.missing = missing
