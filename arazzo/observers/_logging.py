"""Standard :mod:`logging` for runs: the ``arazzo`` logger, fed by the engine's events.

Levels:

- ``INFO``: a run starts and finishes, a step starts and finishes, a loop iteration begins
- ``WARNING``: a step failed, a retry is scheduled, the run failed, a criterion could not be
  evaluated (V11-CRI-09: an action's criteria fail silently otherwise)
- ``DEBUG``: each request (method, URL, headers) and response (status, time) — secrets masked,
  since events carry masked values only

The hook is attached automatically by :func:`normalize_hooks` when the
``arazzo`` logger has a handler somewhere up its hierarchy and is enabled for ``WARNING`` —
that is, when the application configured logging (``logging.basicConfig(...)``). A library
that never configures logging pays nothing: the engine builds no events without hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from arazzo.engine._events import (
    ActionTaken,
    CriterionEvaluated,
    Hook,
    LoopIteration,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)

__all__ = ["LOGGER_NAME", "LoggingHook", "logging_hooks", "normalize_hooks"]

LOGGER_NAME = "arazzo"
logger = logging.getLogger(LOGGER_NAME)


class LoggingHook:
    """A hook that writes the run's events to a :class:`logging.Logger` (default ``arazzo``)."""

    def __init__(self, log: logging.Logger | None = None) -> None:
        self.log = log or logger

    def __call__(self, event: Any) -> None:
        log = self.log
        if isinstance(event, StepStarted):
            if log.isEnabledFor(logging.INFO):
                attempt = f" (attempt {event.attempt})" if event.attempt > 1 else ""
                log.info("step %s/%s started%s", event.workflow_id, event.step_id, attempt)
        elif isinstance(event, StepFinished):
            if event.succeeded:
                log.info("step %s/%s succeeded (status %s)", event.workflow_id, event.step_id,
                         event.status_code if event.status_code is not None else "-")
            else:
                log.warning("step %s/%s failed: %s", event.workflow_id, event.step_id,
                            "; ".join(event.failures) or "the step failed")
        elif isinstance(event, RequestSent):
            if log.isEnabledFor(logging.DEBUG):
                headers = ", ".join(f"{k}: {v}" for k, v in event.headers)
                size = len(event.body) if event.body else 0
                log.debug("%s/%s request %s %s [%s] body %d bytes", event.workflow_id,
                          event.step_id, event.method, event.url, headers, size)
        elif isinstance(event, ResponseReceived):
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s/%s response %d in %.3fs, %d bytes", event.workflow_id,
                          event.step_id, event.status_code, event.duration, len(event.body))
        elif isinstance(event, CriterionEvaluated):
            if event.error:
                log.warning("step %s/%s: a criterion of %s could not be evaluated: %s",
                            event.workflow_id, event.step_id, event.owner, event.reason)
        elif isinstance(event, RetryScheduled):
            log.warning("step %s/%s: retry %d by action %r in %gs", event.workflow_id,
                        event.step_id, event.attempt, event.action, event.delay)
        elif isinstance(event, LoopIteration):
            log.info("step %s/%s: iteration %d (after %gs)%s", event.workflow_id, event.step_id,
                     event.iteration, event.delay,
                     f", last {event.status}" if event.status else "")
        elif isinstance(event, ActionTaken):
            if log.isEnabledFor(logging.DEBUG):
                target = f" -> {event.target}" if event.target else ""
                log.debug("step %s/%s: action %s %s%s", event.workflow_id, event.step_id,
                          event.name or "(default)", event.type, target)
        elif isinstance(event, RunStarted):
            log.info("run %s started", event.workflow_id)
        elif isinstance(event, RunFinished):
            if event.succeeded:
                ended = f" (ended by {event.ended_by})" if event.ended_by else ""
                log.info("run %s succeeded%s", event.workflow_id, ended)
            else:
                log.warning("run %s failed: %s", event.workflow_id, event.error)


_HOOK = LoggingHook()


def logging_hooks() -> tuple[LoggingHook, ...]:
    """``(LoggingHook(),)`` when the application listens to the ``arazzo`` logger, else ``()``."""
    if logger.isEnabledFor(logging.WARNING) and logger.hasHandlers():
        return (_HOOK,)
    return ()


def normalize_hooks(hooks: Hook | Iterable[Hook] | None) -> tuple[Hook, ...]:
    """``None``, one callable, or an iterable of callables -> a tuple of callables, with the
    logging hook appended when the ``arazzo`` logger would emit records
    (:func:`logging_hooks`)."""
    if hooks is None:
        return logging_hooks()
    if callable(hooks):
        return (hooks, *logging_hooks())
    out = tuple(hooks)
    for hook in out:
        if not callable(hook):
            from arazzo._exceptions import InputError

            raise InputError(f"hooks must be callables, got {type(hook).__name__}")
    return out + logging_hooks()
