"""Observers of a run's events: logging, terminal progress, reports and OpenTelemetry tracing."""
