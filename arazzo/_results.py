"""What a run returns: :class:`RunResult` with one :class:`StepRecord` per executed attempt.

Values are the caller's: outputs and URLs hold what the run really produced, secrets included
(masking is for what is shown, not for data handed back). Messages (``error``, ``failures``,
``error_message``) are text written to be shown and are masked. :meth:`RunResult.masked` gives
the copy to display, log or upload; the reports and the command line show only that copy.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo._requests import Masker

__all__ = ["ActionRecord", "RunResult", "StepRecord", "jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` with bytes made JSON-friendly (base64 under ``{"$base64": ...}``)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """The success/failure action a step attempt took (``name`` is None for the defaults)."""

    name: str | None
    type: str
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "target": self.target}


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One executed attempt of a step (a retry or a loop iteration is a new record).

    ``method``/``url``/``status_code`` are ``None`` for ``workflowId`` steps and for requests
    that never got a response. ``failures`` lists why the step failed (criteria, transport or
    parse errors). ``error_code``/``error_message`` are what the response or transport said
    (e.g. an AWS ``__type`` and ``message``). ``outputs`` and ``url`` are real values;
    ``failures`` and ``error_message`` are masked text. The repr shows neither values nor URL.
    """

    step_id: str
    workflow_id: str
    attempt: int
    succeeded: bool
    method: str | None = None
    url: str | None = None
    status_code: int | None = None
    duration: float = 0.0
    outputs: dict[str, Any] = field(default_factory=dict)
    action: ActionRecord | None = None
    failures: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    #: 1-based position of this attempt among all the run's attempts (records in a gap of a
    #: bounded record list are dropped, so numbers can jump)
    number: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "stepId": self.step_id,
            "workflowId": self.workflow_id,
            "attempt": self.attempt,
            "succeeded": self.succeeded,
            "method": self.method,
            "url": self.url,
            "statusCode": self.status_code,
            "duration": round(self.duration, 6),
            "outputs": jsonable(self.outputs),
            "action": self.action.to_dict() if self.action else None,
            "failures": list(self.failures),
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
        }

    def __repr__(self) -> str:
        state = "succeeded" if self.succeeded else "failed"
        status = f" {self.status_code}" if self.status_code is not None else ""
        action = f", action={self.action.type}" if self.action else ""
        return (f"<StepRecord #{self.number} {self.workflow_id}/{self.step_id} attempt "
                f"{self.attempt} {state}{status}, outputs={sorted(self.outputs)}{action}>")


@dataclass(frozen=True)
class RunResult:
    """The outcome of :func:`arazzo.run`. A failed workflow is a result, never an exception.

    - ``succeeded``: the workflow ended successfully (ACT-03, ACT-09)
    - ``outputs``: the workflow outputs that have a value (an output whose expression has no
      value is left out)
    - ``steps``: one :class:`StepRecord` per executed attempt, in order (capped by
      ``record_limit``: the oldest are dropped and ``dropped_records`` counts them)
    - ``error``: why the run failed (``None`` on success)
    - ``ended_by``: the name of the ``end`` action that ended the run, if one did
    - ``workflows``: ``{workflowId: outputs}`` of every workflow that ran (dependencies,
      sub-workflows, goto targets)

    Outputs, ``workflows`` and the records' outputs and URLs are the real values, secrets
    included; ``error`` and the records' messages are masked text. Show, log or upload
    :meth:`masked` (``result.masked().to_json()``), never the result itself.
    """

    workflow_id: str
    succeeded: bool
    outputs: dict[str, Any]
    steps: list[StepRecord]
    error: str | None = None
    ended_by: str | None = None
    duration: float = 0.0
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    dropped_records: int = 0
    #: the run's secrets (inputs marked secret, credentials, secret header values), for
    #: :meth:`masked`; None once masked (or for a result built by hand)
    _masker: Masker | None = field(default=None, repr=False, compare=False)

    def masked(self) -> RunResult:
        """A copy for display: secret values replaced by ``***`` in outputs, ``workflows``,
        and the records' outputs and URLs (secret-named query parameters too). Idempotent."""
        masker = self._masker
        if masker is None:
            return self
        if not masker.values and not masker.names and not any(
                "?" in (r.url or "") for r in self.steps):
            return dataclasses.replace(self, _masker=None)
        steps = [dataclasses.replace(r, outputs=masker.value(r.outputs),
                                     url=masker.url(r.url) if r.url else None)
                 for r in self.steps]
        return dataclasses.replace(
            self, outputs=masker.value(self.outputs), steps=steps,
            workflows={k: masker.value(v) for k, v in self.workflows.items()}, _masker=None)

    def step(self, step_id: str) -> StepRecord | None:
        """The last record of ``step_id``."""
        for record in reversed(self.steps):
            if record.step_id == step_id:
                return record
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflowId": self.workflow_id,
            "succeeded": self.succeeded,
            "outputs": jsonable(self.outputs),
            "error": self.error,
            "endedBy": self.ended_by,
            "duration": round(self.duration, 6),
            "steps": [r.to_dict() for r in self.steps],
            "droppedRecords": self.dropped_records,
            "workflows": jsonable(self.workflows),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __repr__(self) -> str:
        state = "succeeded" if self.succeeded else f"failed: {self.error}"
        return (f"<RunResult {self.workflow_id} {state}, {len(self.steps)} step records, "
                f"outputs={sorted(self.outputs)}>")
