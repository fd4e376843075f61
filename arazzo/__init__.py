"""arazzo: read, validate and run Arazzo 1.0 workflow descriptions."""

from arazzo._diagnostics import Diagnostic, Severity
from arazzo._exceptions import (
    AccessDenied,
    ArazzoError,
    CriterionError,
    DocumentError,
    ExecutionError,
    ExpressionError,
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    InputError,
    LoadError,
    Location,
    TransportError,
    UnsupportedVersion,
    ValidationFailed,
)
from arazzo._loading import Document, load

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "ArazzoError",
    "CriterionError",
    "Diagnostic",
    "Document",
    "DocumentError",
    "ExecutionError",
    "ExpressionError",
    "ExpressionEvaluationError",
    "ExpressionSyntaxError",
    "InputError",
    "LoadError",
    "Location",
    "Severity",
    "TransportError",
    "UnsupportedVersion",
    "ValidationFailed",
    "load",
]
