"""What a run returns: :class:`RunResult` with one :class:`StepRecord` per executed attempt,
and :class:`Failure`, why a run or a step attempt failed, as data.

Values are the caller's: outputs and URLs hold what the run really produced, secrets included
(masking is for what is shown, not for data handed back). Messages (``error``, ``failures``,
``error_message``, every :attr:`Failure.message`) are text written to be shown and are
masked. :meth:`RunResult.masked` gives the copy to display, log or upload; the reports and
the command line show only that copy.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from arazzo._exceptions import ArazzoError
from arazzo.engine._makers import maker

if TYPE_CHECKING:
    from collections.abc import Callable

    from arazzo.engine._requests import Masker

__all__ = ["FAILURE_KINDS", "ActionRecord", "Failure", "FailureKind", "RunResult", "StepRecord",
           "WorkflowFailed", "jsonable", "make_run_result", "make_step_record"]

#: what kind of thing went wrong (see :class:`Failure`)
FailureKind = Literal["criteria", "status", "expression", "request", "auth", "transport",
                      "timeout", "response", "input", "workflow", "dependency", "goto", "limit"]
FAILURE_KINDS: frozenset[str] = frozenset(get_args(FailureKind))


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
class Failure:
    """Why a step attempt or a run failed, as data: a :attr:`RunResult.failure` or one of a
    :attr:`StepRecord.reasons`.

    ``kind`` is one of:

    - ``criteria``: a success criterion is false (``criterion``, ``criterion_index``)
    - ``status``: a step without ``successCriteria`` got a non-2xx status (``status_code``)
    - ``expression``: a criterion could not be evaluated (``criterion``), or a value of the
      request could not be computed
    - ``request``: the request cannot be built (a path parameter without value, no server URL,
      a replacement target that does not exist, a header with a line break...)
    - ``auth``: the step's credentials could not be obtained (an OAuth2 token endpoint)
    - ``transport``: no response (cannot connect, the response is too large...; ``code``)
    - ``timeout``: a request timed out (``code`` is ``"timeout"``), or the run's ``timeout=``
      passed (``code`` is ``None``)
    - ``response``: the response body does not match its content type
    - ``input``: a called workflow's inputs are invalid (a ``workflowId`` step, a retry target)
    - ``workflow``: the workflow a ``workflowId`` step called failed (``cause``)
    - ``dependency``: a ``dependsOn`` workflow failed (``cause``)
    - ``goto``: the workflow a ``goto`` names cannot start (its inputs)
    - ``limit``: ``max_steps``, a step's loop limit, or the nesting depth was reached

    ``step_id``/``workflow_id`` say where (``step_id`` is ``None`` for a workflow-level failure,
    e.g. a dependency); ``status_code`` is the response's status whenever there was one;
    ``cause`` is the failure of the called or depended-on workflow. ``message`` is the text to
    show (masked: secret values are ``***``).
    """

    kind: FailureKind
    message: str
    step_id: str | None = None
    workflow_id: str | None = None
    criterion: str | None = None
    #: 0-based position of ``criterion`` in the step's ``successCriteria`` (or the action's
    #: ``criteria``)
    criterion_index: int | None = None
    status_code: int | None = None
    #: the transport's failure code (``connect``, ``timeout``, ``too-large``, ``transport``)
    code: str | None = None
    cause: Failure | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "stepId": self.step_id,
            "workflowId": self.workflow_id,
            "criterion": self.criterion,
            "criterionIndex": self.criterion_index,
            "statusCode": self.status_code,
            "code": self.code,
            "cause": self.cause.to_dict() if self.cause is not None else None,
        }

    def _masked(self, text: Callable[[str], str]) -> Failure:
        """This failure with ``text`` applied to its message and its causes' messages."""
        cause = self.cause._masked(text) if self.cause is not None else None
        return dataclasses.replace(self, message=text(self.message), cause=cause)

    def __str__(self) -> str:
        return self.message


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
    that never got a response. ``reasons`` lists why the attempt failed, as :class:`Failure`
    values; ``failures`` is their messages. ``error_code``/``error_message`` are what the
    response or transport said (e.g. an AWS ``__type`` and ``message``). ``outputs`` and
    ``url`` are real values; ``failures``, ``reasons`` and ``error_message`` are masked text.
    The repr shows neither values nor URL.
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
    #: why the attempt failed, as data (``failures`` holds their messages)
    reasons: tuple[Failure, ...] = ()

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
            "reasons": [f.to_dict() for f in self.reasons],
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
    - ``failure``: why the run failed, as a :class:`Failure` (``None`` on success)
    - ``error``: its message (``None`` on success)
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
    failure: Failure | None = None
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

    def raise_for_failure(self) -> RunResult:
        """The result itself when the run succeeded; else raise :class:`~arazzo.WorkflowFailed`
        (its text is the masked :attr:`error`; ``.result`` and ``.failure`` hold the data)."""
        if self.succeeded:
            return self
        raise WorkflowFailed(self)

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
            "failure": self.failure.to_dict() if self.failure is not None else None,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __repr__(self) -> str:
        state = "succeeded" if self.succeeded else f"failed: {self.error}"
        return (f"<RunResult {self.workflow_id} {state}, {len(self.steps)} step records, "
                f"outputs={sorted(self.outputs)}>")


class WorkflowFailed(ArazzoError):
    """A run failed and the caller asked for an exception (:meth:`RunResult.raise_for_failure`).

    The text is the failure's message, masked (an exception is shown); ``result`` is the
    :class:`~arazzo.RunResult` with its real values and ``failure`` its
    :class:`~arazzo.Failure`.
    """

    def __init__(self, result: RunResult) -> None:
        super().__init__(result.error or f"workflow {result.workflow_id!r} failed")
        self.result = result
        self.failure: Failure | None = result.failure


#: ``StepRecord(*values)`` / ``RunResult(*values)`` with every field given, in order (what
#: the engine builds for every attempt and run; see :func:`maker`)
make_step_record = maker(StepRecord)
make_run_result = maker(RunResult)
