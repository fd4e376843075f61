"""arazzo: read, validate and run Arazzo 1.0 workflow descriptions.

Names are imported on first use (PEP 562), so ``import arazzo`` and the CLI start fast; the
public API is exactly ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo._diagnostics import (
        Diagnostic,
        Severity,
    )
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
        ExpressionError,
        ExpressionSyntaxError,
        InputError,
        LoadError,
        Location,
        MissingCredentials,
        ReferenceError_,
        UnsupportedVersion,
        ValidationFailed,
        WorkflowFailed,
    )
    from arazzo._loading import (
        Document,
        OpenAPISource,
        OperationRef,
        load,
    )
    from arazzo._plan import (
        LoopPacing,
    )
    from arazzo._providers import (
        DEFAULT_PROVIDERS,
        LazyProvider,
        Provider,
    )
    from arazzo._results import (
        ActionRecord,
        Failure,
        FailureKind,
        RunResult,
        StepRecord,
    )
    from arazzo._run import (
        run,
        run_async,
    )
    from arazzo._validation import (
        validate,
    )

__version__ = "0.1.0"

#: public name -> the private module that defines it
_LAZY: dict[str, str] = {
    "AccessDenied": "arazzo._exceptions",
    "ActionRecord": "arazzo._results",
    "ActionTaken": "arazzo._events",
    "ArazzoError": "arazzo._exceptions",
    "CriterionError": "arazzo._exceptions",
    "CriterionEvaluated": "arazzo._events",
    "DEFAULT_PROVIDERS": "arazzo._providers",
    "Diagnostic": "arazzo._diagnostics",
    "Document": "arazzo._loading",
    "DocumentError": "arazzo._exceptions",
    "ExpressionError": "arazzo._exceptions",
    "ExpressionSyntaxError": "arazzo._exceptions",
    "Failure": "arazzo._results",
    "FailureKind": "arazzo._results",
    "InputError": "arazzo._exceptions",
    "LazyProvider": "arazzo._providers",
    "LoadError": "arazzo._exceptions",
    "Location": "arazzo._exceptions",
    "LoopIteration": "arazzo._events",
    "LoopPacing": "arazzo._plan",
    "MissingCredentials": "arazzo._exceptions",
    "OpenAPISource": "arazzo._loading",
    "OperationRef": "arazzo._loading",
    "Provider": "arazzo._providers",
    "ReferenceError_": "arazzo._exceptions",
    "RequestSent": "arazzo._events",
    "ResponseReceived": "arazzo._events",
    "RetryScheduled": "arazzo._events",
    "RunFinished": "arazzo._events",
    "RunResult": "arazzo._results",
    "RunStarted": "arazzo._events",
    "Severity": "arazzo._diagnostics",
    "StepFinished": "arazzo._events",
    "StepRecord": "arazzo._results",
    "StepStarted": "arazzo._events",
    "UnsupportedVersion": "arazzo._exceptions",
    "ValidationFailed": "arazzo._exceptions",
    "WorkflowFailed": "arazzo._exceptions",
    "load": "arazzo._loading",
    "run": "arazzo._run",
    "run_async": "arazzo._run",
    "validate": "arazzo._validation",
}

# plain sorted() order, pinned by tests/api (ruff's isort-style order puts constants first)
__all__ = [  # noqa: RUF022
    "AccessDenied",
    "ActionRecord",
    "ActionTaken",
    "ArazzoError",
    "CriterionError",
    "CriterionEvaluated",
    "DEFAULT_PROVIDERS",
    "Diagnostic",
    "Document",
    "DocumentError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "Failure",
    "FailureKind",
    "InputError",
    "LazyProvider",
    "LoadError",
    "Location",
    "LoopIteration",
    "LoopPacing",
    "MissingCredentials",
    "OpenAPISource",
    "OperationRef",
    "Provider",
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
    "UnsupportedVersion",
    "ValidationFailed",
    "WorkflowFailed",
    "load",
    "run",
    "run_async",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arazzo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
