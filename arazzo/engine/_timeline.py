"""Text formatting of a run for people: one line per step record, and how the run ended.

The rule for what a polled step shows: its **status outputs**, the step outputs whose name
ends in ``Status`` or ``status`` (``trainingJobStatus``, ``endpointStatus``, ``status``), and
after them its **reason outputs**, names ending in ``Reason`` or ``reason``
(``failureReason``), when they have a value. So a poll loop reads::

    3  train-then-deploy/pollTrainingJob #2  POST https://...  200  0.021s  InProgress
       -> goto pollTrainingJob (stillTraining)          (one line)

and a run that an ``end`` action finished says which action, at which step, with which
status::

    ended by trainingFailed at pollTrainingJob: trainingJobStatus=Failed,
        failureReason=AlgorithmError: ...               (one line)

Used by ``arazzo run``'s text output (:func:`timeline_lines`) and by the engine for the
``status`` of :class:`~arazzo.engine._events.LoopIteration` events (:func:`status_text`), which the
``arazzo`` logger prints. What it prints is :meth:`RunResult.masked` (records hold real values).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from arazzo.engine._results import RunResult, StepRecord

__all__ = [
    "end_record",
    "ended_line",
    "format_record",
    "status_outputs",
    "status_text",
    "timeline_lines",
]

#: longest value shown in a timeline line (longer ones are cut with "...")
VALUE_LIMIT = 160


def _is_status(name: str) -> bool:
    return name.endswith(("Status", "status"))


def _is_reason(name: str) -> bool:
    return name.endswith(("Reason", "reason"))


def _show(value: Any, limit: int = VALUE_LIMIT) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
    elif isinstance(value, (bytes, bytearray)):
        text = f"<{len(value)} bytes>"
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def status_outputs(outputs: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """The status outputs, then the reason outputs, of a step (in output order)."""
    if not outputs:
        return []
    statuses = [(k, v) for k, v in outputs.items() if _is_status(k) and v is not None]
    reasons = [(k, v) for k, v in outputs.items() if _is_reason(k) and v is not None]
    return statuses + reasons


def status_text(outputs: Mapping[str, Any] | None) -> str | None:
    """``trainingJobStatus=Failed, failureReason=...`` or ``None`` when there is none."""
    pairs = status_outputs(outputs)
    if not pairs:
        return None
    return ", ".join(f"{k}={_show(v)}" for k, v in pairs)


def _short_status(outputs: Mapping[str, Any] | None) -> str | None:
    """For a timeline line: a lone status is shown as its value, reasons in parentheses."""
    if not outputs:
        return None
    statuses = [(k, v) for k, v in outputs.items() if _is_status(k) and v is not None]
    reasons = [(k, v) for k, v in outputs.items() if _is_reason(k) and v is not None]
    if not statuses and not reasons:
        return None
    if len(statuses) == 1:
        text = _show(statuses[0][1])
    else:
        text = ", ".join(f"{k}={_show(v)}" for k, v in statuses)
    if reasons:
        detail = ", ".join(f"{k}: {_show(v)}" for k, v in reasons)
        text = f"{text} ({detail})" if text else detail
    return text


def format_record(record: StepRecord, number: int | None = None) -> str:
    """One timeline line: number, workflow/step (#attempt), request, HTTP status, duration,
    the polled status (see the module docstring) and the action taken."""
    attempt = f" #{record.attempt}" if record.attempt > 1 else ""
    if record.method and record.url:
        request = f"{record.method} {record.url}"
    else:
        request = "(workflow)" if record.method is None else f"{record.method} (not sent)"
    status = str(record.status_code) if record.status_code is not None else "-"
    polled = _short_status(record.outputs)
    action = ""
    if record.action is not None:
        label = record.action.type
        if record.action.target:
            label += f" {record.action.target}"
        if record.action.name:
            label += f" ({record.action.name})"
        action = f" -> {label}"
    prefix = f"{number:>4}  " if number is not None else ""
    return (f"{prefix}{record.workflow_id}/{record.step_id}{attempt}  {request}  {status}  "
            f"{record.duration:.3f}s{'  ' + polled if polled else ''}{action}")


def end_record(result: RunResult) -> StepRecord | None:
    """The record of the step whose ``end`` action ended the run (``None`` otherwise)."""
    if result.ended_by is None:
        return None
    for record in reversed(result.steps):
        action = record.action
        if action is not None and action.type == "end" and action.name == result.ended_by:
            return record
    return None


def ended_line(result: RunResult) -> str | None:
    """``ended by NAME at STEP: status outputs`` when an ``end`` action ended the run."""
    if result.ended_by is None:
        return None
    record = end_record(result.masked())
    if record is None:
        return f"ended by {result.ended_by}"
    text = status_text(record.outputs)
    return f"ended by {result.ended_by} at {record.step_id}" + (f": {text}" if text else "")


def timeline_lines(result: RunResult) -> list[str]:
    """The timeline ``arazzo run`` prints before the outputs: one :func:`format_record` line
    per step record (numbered from 1, dropped records counted) and its failure reasons as
    ``! ...`` lines. (The CLI adds :func:`ended_line` to its final line.)"""
    lines = []
    expected = 1
    for record in result.masked().steps:
        number = record.number or expected
        if number > expected:
            lines.append(f"      ... {number - expected} records not kept (record_limit) ...")
        lines.append(format_record(record, number))
        lines.extend(f"        ! {failure}" for failure in record.failures)
        expected = number + 1
    return lines
