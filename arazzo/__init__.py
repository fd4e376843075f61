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
    from arazzo._preview import (
        DryRequest,
        DryRun,
        OperationInfo,
        PlannedAction,
        PlannedCriterion,
        PlannedOperation,
        PlannedStep,
        RunPlan,
        SecuritySchemeInfo,
        SourceInfo,
        UnloadedOperation,
        Unresolved,
        check_run,
        dry_run,
        plan,
        source_transport,
        sources,
    )
    from arazzo._providers import (
        DEFAULT_PROVIDERS,
        LazyProvider,
        Provider,
    )
    from arazzo._reports import (
        REPORT_FORMATS,
        Recorder,
        ReportFormat,
        render_report,
    )
    from arazzo._requests import (
        is_secret_header,
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
    from arazzo.criteria import (
        DEFAULT_CRITERIA,
        CriterionEvaluator,
        CriterionTypes,
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
    "CriterionEvaluator": "arazzo.criteria",
    "CriterionTypes": "arazzo.criteria",
    "DEFAULT_CRITERIA": "arazzo.criteria",
    "DEFAULT_PROVIDERS": "arazzo._providers",
    "Diagnostic": "arazzo._diagnostics",
    "Document": "arazzo._loading",
    "DocumentError": "arazzo._exceptions",
    "DryRequest": "arazzo._preview",
    "DryRun": "arazzo._preview",
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
    "REPORT_FORMATS": "arazzo._reports",
    "Recorder": "arazzo._reports",
    "OperationInfo": "arazzo._preview",
    "PlannedAction": "arazzo._preview",
    "PlannedCriterion": "arazzo._preview",
    "PlannedOperation": "arazzo._preview",
    "PlannedStep": "arazzo._preview",
    "OpenAPISource": "arazzo._loading",
    "OperationRef": "arazzo._loading",
    "Provider": "arazzo._providers",
    "ReferenceError_": "arazzo._exceptions",
    "ReportFormat": "arazzo._reports",
    "RequestSent": "arazzo._events",
    "ResponseReceived": "arazzo._events",
    "RetryScheduled": "arazzo._events",
    "RunFinished": "arazzo._events",
    "RunPlan": "arazzo._preview",
    "RunResult": "arazzo._results",
    "RunStarted": "arazzo._events",
    "SecuritySchemeInfo": "arazzo._preview",
    "Severity": "arazzo._diagnostics",
    "SourceInfo": "arazzo._preview",
    "StepFinished": "arazzo._events",
    "StepRecord": "arazzo._results",
    "StepStarted": "arazzo._events",
    "UnloadedOperation": "arazzo._preview",
    "Unresolved": "arazzo._preview",
    "UnsupportedVersion": "arazzo._exceptions",
    "ValidationFailed": "arazzo._exceptions",
    "WorkflowFailed": "arazzo._exceptions",
    "check_run": "arazzo._preview",
    "dry_run": "arazzo._preview",
    "is_secret_header": "arazzo._requests",
    "load": "arazzo._loading",
    "render_report": "arazzo._reports",
    "plan": "arazzo._preview",
    "run": "arazzo._run",
    "run_async": "arazzo._run",
    "source_transport": "arazzo._preview",
    "sources": "arazzo._preview",
    "validate": "arazzo._validation",
}

__all__ = [
    "DEFAULT_CRITERIA",
    "DEFAULT_PROVIDERS",
    "REPORT_FORMATS",
    "AccessDenied",
    "ActionRecord",
    "ActionTaken",
    "ArazzoError",
    "CriterionError",
    "CriterionEvaluated",
    "CriterionEvaluator",
    "CriterionTypes",
    "Diagnostic",
    "Document",
    "DocumentError",
    "DryRequest",
    "DryRun",
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
    "OperationInfo",
    "OperationRef",
    "PlannedAction",
    "PlannedCriterion",
    "PlannedOperation",
    "PlannedStep",
    "Provider",
    "Recorder",
    "ReferenceError_",
    "ReportFormat",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "RunFinished",
    "RunPlan",
    "RunResult",
    "RunStarted",
    "SecuritySchemeInfo",
    "Severity",
    "SourceInfo",
    "StepFinished",
    "StepRecord",
    "StepStarted",
    "UnloadedOperation",
    "Unresolved",
    "UnsupportedVersion",
    "ValidationFailed",
    "WorkflowFailed",
    "check_run",
    "dry_run",
    "is_secret_header",
    "load",
    "plan",
    "render_report",
    "run",
    "run_async",
    "source_transport",
    "sources",
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
