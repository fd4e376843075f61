"""arazzo: read, validate and run Arazzo 1.0 workflow descriptions."""

from arazzo._diagnostics import Diagnostic, Severity
from arazzo._events import (
    ActionTaken,
    CriterionEvaluated,
    LoopIteration,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
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
    ReferenceError_,
    TransportError,
    UnsupportedVersion,
    ValidationFailed,
)
from arazzo._loading import Document, load
from arazzo._results import ActionRecord, RunResult, StepRecord
from arazzo._run import run, run_async
from arazzo._validation import validate

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "ActionRecord",
    "ActionTaken",
    "ArazzoError",
    "CriterionError",
    "CriterionEvaluated",
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
    "LoopIteration",
    "ReferenceError_",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "Severity",
    "StepFinished",
    "StepRecord",
    "StepStarted",
    "TransportError",
    "UnsupportedVersion",
    "ValidationFailed",
    "load",
    "run",
    "run_async",
    "validate",
]
