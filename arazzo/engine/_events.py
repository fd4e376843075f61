"""Typed, frozen events a run reports to its hooks (observers only).

A hook is any callable taking one event; ``run(..., hooks=fn)`` or ``hooks=[fn1, fn2]``. Hooks
observe: they cannot change the run (mutation belongs in transports). An exception raised by a
hook propagates and aborts the run (a broken observer should not go unnoticed).

Every event carries ``workflow_id`` (and ``step_id`` where it applies). Values are already masked
(secrets shown as ``***``).

With no hooks the engine builds no events at all. When the ``arazzo`` logger has a handler
(the application configured :mod:`logging`), :func:`arazzo.observers._logging.normalize_hooks` adds
:class:`arazzo.observers._logging.LoggingHook`, so runs log without being asked to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "ActionTaken",
    "CriterionEvaluated",
    "Event",
    "Hook",
    "LoopIteration",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "RunFinished",
    "RunResumed",
    "RunStarted",
    "StepFinished",
    "StepStarted",
]


@dataclass(frozen=True, slots=True)
class RunStarted:
    workflow_id: str
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepStarted:
    workflow_id: str
    step_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class RequestSent:
    workflow_id: str
    step_id: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    #: the encoded request body (``None`` without one); secret input values masked in text
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    workflow_id: str
    step_id: str
    status_code: int
    duration: float
    headers: tuple[tuple[str, str], ...] = ()
    #: the raw response body; secret input values masked in text
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class CriterionEvaluated:
    workflow_id: str
    step_id: str
    #: ``successCriteria`` or the name of the action whose criteria these are
    owner: str
    condition: str
    passed: bool
    reason: str | None = None
    #: the condition could not be evaluated (``reason`` says why): it failed with an
    #: evaluation error, not because it is false (V11-CRI-09)
    error: bool = False


@dataclass(frozen=True, slots=True)
class ActionTaken:
    workflow_id: str
    step_id: str
    name: str | None
    type: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    workflow_id: str
    step_id: str
    action: str
    attempt: int
    delay: float


@dataclass(frozen=True, slots=True)
class LoopIteration:
    """A step that already ran in this workflow run is entered again (goto loop or retry)."""

    workflow_id: str
    step_id: str
    iteration: int
    delay: float
    #: the status outputs of the step's latest attempt, e.g. ``trainingJobStatus=InProgress``
    #: (outputs named ``...Status``/``...status``, then ``...Reason``; see ``_timeline``)
    status: str | None = None


@dataclass(frozen=True, slots=True)
class StepFinished:
    workflow_id: str
    step_id: str
    succeeded: bool
    status_code: int | None
    outputs: dict[str, Any] = field(default_factory=dict)
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunFinished:
    workflow_id: str
    succeeded: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    ended_by: str | None = None


@dataclass(frozen=True, slots=True)
class RunResumed:
    """A durable run (``run_id=``) goes on where it stopped: the recorded answers were replayed
    (its events were not reported again) and the next request is live. ``step_id`` is the step
    of the last replayed request, sent ``poll`` times in a row; ``replayed`` counts the answers
    replayed."""

    workflow_id: str
    run_id: str
    step_id: str | None
    poll: int
    replayed: int


Event = Union[  # noqa: UP007 - a runtime alias usable on 3.10
    RunStarted, StepStarted, RequestSent, ResponseReceived, CriterionEvaluated, ActionTaken,
    RetryScheduled, LoopIteration, StepFinished, RunFinished, RunResumed,
]

Hook = Callable[[Any], object]
