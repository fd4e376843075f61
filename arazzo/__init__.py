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
        UnsupportedFeature,
        UnsupportedVersion,
        ValidationFailed,
    )
    from arazzo._options import (
        RunOptions,
    )
    from arazzo._prepare import (
        check_run,
    )
    from arazzo._preview import (
        DryRequest,
        DryRun,
        OperationInfo,
        PlannedAction,
        PlannedAsyncOperation,
        PlannedCriterion,
        PlannedOperation,
        PlannedStep,
        RunPlan,
        SecuritySchemeInfo,
        SourceInfo,
        UnloadedOperation,
        Unresolved,
        dry_run,
        plan,
        source_transport,
        sources,
    )
    from arazzo._run import (
        run,
        run_async,
    )
    from arazzo.criteria import (
        DEFAULT_CRITERIA,
        CriterionEvaluator,
        CriterionTypes,
    )
    from arazzo.documents._cache import (
        clear_cache,
    )
    from arazzo.documents._loading import (
        AsyncAPISource,
        Document,
        OpenAPISource,
        OperationRef,
        load,
    )
    from arazzo.documents._validation import (
        validate,
    )
    from arazzo.engine._events import (
        ActionTaken,
        CriterionEvaluated,
        LoopIteration,
        RequestSent,
        ResponseReceived,
        RetryScheduled,
        RunFinished,
        RunResumed,
        RunStarted,
        StepFinished,
        StepStarted,
    )
    from arazzo.engine._providers import (
        DEFAULT_PROVIDERS,
        LazyProvider,
        LoopPacing,
        Provider,
    )
    from arazzo.engine._requests import (
        is_secret_header,
    )
    from arazzo.engine._results import (
        ActionRecord,
        Failure,
        FailureKind,
        RunResult,
        StepRecord,
        WorkflowFailed,
    )
    from arazzo.observers._reports import (
        REPORT_FORMATS,
        Recorder,
        ReportFormat,
        render_report,
    )

from arazzo._version import __version__ as __version__

#: public name -> the private module that defines it
_LAZY: dict[str, str] = {
    "AccessDenied": "arazzo._exceptions",
    "ActionRecord": "arazzo.engine._results",
    "ActionTaken": "arazzo.engine._events",
    "ArazzoError": "arazzo._exceptions",
    "CriterionError": "arazzo._exceptions",
    "CriterionEvaluated": "arazzo.engine._events",
    "CriterionEvaluator": "arazzo.criteria",
    "CriterionTypes": "arazzo.criteria",
    "DEFAULT_CRITERIA": "arazzo.criteria",
    "DEFAULT_PROVIDERS": "arazzo.engine._providers",
    "Diagnostic": "arazzo._diagnostics",
    "Document": "arazzo.documents._loading",
    "DocumentError": "arazzo._exceptions",
    "DryRequest": "arazzo._preview",
    "DryRun": "arazzo._preview",
    "ExpressionError": "arazzo._exceptions",
    "ExpressionSyntaxError": "arazzo._exceptions",
    "Failure": "arazzo.engine._results",
    "FailureKind": "arazzo.engine._results",
    "InputError": "arazzo._exceptions",
    "LazyProvider": "arazzo.engine._providers",
    "LoadError": "arazzo._exceptions",
    "Location": "arazzo._exceptions",
    "LoopIteration": "arazzo.engine._events",
    "LoopPacing": "arazzo.engine._providers",
    "MissingCredentials": "arazzo._exceptions",
    "REPORT_FORMATS": "arazzo.observers._reports",
    "Recorder": "arazzo.observers._reports",
    "OperationInfo": "arazzo._preview",
    "PlannedAction": "arazzo._preview",
    "PlannedCriterion": "arazzo._preview",
    "PlannedOperation": "arazzo._preview",
    "PlannedAsyncOperation": "arazzo._preview",
    "PlannedStep": "arazzo._preview",
    "OpenAPISource": "arazzo.documents._loading",
    "AsyncAPISource": "arazzo.documents._loading",
    "OperationRef": "arazzo.documents._loading",
    "Provider": "arazzo.engine._providers",
    "ReferenceError_": "arazzo._exceptions",
    "RunOptions": "arazzo._options",
    "ReportFormat": "arazzo.observers._reports",
    "RequestSent": "arazzo.engine._events",
    "ResponseReceived": "arazzo.engine._events",
    "RetryScheduled": "arazzo.engine._events",
    "RunFinished": "arazzo.engine._events",
    "RunPlan": "arazzo._preview",
    "RunResult": "arazzo.engine._results",
    "RunResumed": "arazzo.engine._events",
    "RunStarted": "arazzo.engine._events",
    "SecuritySchemeInfo": "arazzo._preview",
    "Severity": "arazzo._diagnostics",
    "SourceInfo": "arazzo._preview",
    "StepFinished": "arazzo.engine._events",
    "StepRecord": "arazzo.engine._results",
    "StepStarted": "arazzo.engine._events",
    "UnloadedOperation": "arazzo._preview",
    "Unresolved": "arazzo._preview",
    "UnsupportedFeature": "arazzo._exceptions",
    "UnsupportedVersion": "arazzo._exceptions",
    "ValidationFailed": "arazzo._exceptions",
    "WorkflowFailed": "arazzo.engine._results",
    "check_run": "arazzo._prepare",
    "clear_cache": "arazzo.documents._cache",
    "dry_run": "arazzo._preview",
    "is_secret_header": "arazzo.engine._requests",
    "load": "arazzo.documents._loading",
    "render_report": "arazzo.observers._reports",
    "plan": "arazzo._preview",
    "run": "arazzo._run",
    "run_async": "arazzo._run",
    "source_transport": "arazzo._preview",
    "sources": "arazzo._preview",
    "validate": "arazzo.documents._validation",
}

__all__ = [
    "DEFAULT_CRITERIA",
    "DEFAULT_PROVIDERS",
    "REPORT_FORMATS",
    "AccessDenied",
    "ActionRecord",
    "ActionTaken",
    "ArazzoError",
    "AsyncAPISource",
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
    "PlannedAsyncOperation",
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
    "RunOptions",
    "RunPlan",
    "RunResult",
    "RunResumed",
    "RunStarted",
    "SecuritySchemeInfo",
    "Severity",
    "SourceInfo",
    "StepFinished",
    "StepRecord",
    "StepStarted",
    "UnloadedOperation",
    "Unresolved",
    "UnsupportedFeature",
    "UnsupportedVersion",
    "ValidationFailed",
    "WorkflowFailed",
    "check_run",
    "clear_cache",
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
    if name == "runs":  # the durable runs' module (arazzo.runs.list(), ...)
        return importlib.import_module("arazzo.runs")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arazzo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
