"""OpenTelemetry tracing for runs (``pip install 'arazzo[otel]'``); see
:mod:`arazzo.observers._tracing`."""

from arazzo.observers._tracing import (
    OpenTelemetryHooks,
)

__all__ = [
    "OpenTelemetryHooks",
]
