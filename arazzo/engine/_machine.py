"""The sans-I/O execution core.

:class:`Engine.run` is a generator: it yields effects and receives their results::

    Send(request)  ->  ResponseData | TransportFailure
    Sleep(seconds) ->  None

and finally returns a :class:`~arazzo.RunResult`. The drivers in ``_run`` (sync and async)
perform the effects; the engine itself never touches the network or the clock's sleep, so it
runs identically under both. Drivers may throw :class:`RunAborted` into the generator (overall
timeout): the run then ends as failed with that message.

Control flow is a loop over the steps of a frame, never recursion per iteration: a ``goto`` to
a step moves the index, a ``retry`` stays on it, a ``goto`` to a workflow is a tail call handled
by a loop in :meth:`Engine._call`. Only ``workflowId`` steps, retry targets and ``dependsOn``
nest (bounded by the document's structure and :data:`MAX_DEPTH`). Per step only the latest
outputs are kept, so a 10 000-iteration poll runs in constant memory (records aside: see
``record_limit``).
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from arazzo._exceptions import ArazzoError, ExpressionError, InputError
from arazzo.engine._auth import Authenticator, TokenError, apply
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
from arazzo.engine._makers import maker
from arazzo.engine._messages import (
    Effect,
    Headers,
    ResponseData,
    Send,
    Sleep,
    TransportFailure,
)
from arazzo.engine._plan import (
    MAX_ITERATIONS_EXTENSION,
    ActionPlan,
    CriterionPlan,
    Plan,
    StepPlan,
    WorkflowPlan,
)
from arazzo.engine._requests import (
    Masker,
    RequestError,
    RequestSpec,
    build_request,
)
from arazzo.engine._responses import (
    BodyError,
    error_details,
    parse_body,
    parse_retry_after,
)
from arazzo.engine._results import (
    ActionRecord,
    Failure,
    FailureKind,
    RunResult,
    StepRecord,
    jsonable,
    make_run_result,
    make_step_record,
)
from arazzo.engine._timeline import status_text
from arazzo.expressions import MISSING, EvaluationContext, HttpMessage

__all__ = [
    "DEFAULT_LOOP_DELAY",
    "DEFAULT_MAX_STEPS",
    "MAX_DEPTH",
    "Effect",
    "Engine",
    "RunAborted",
    "Send",
    "Sleep",
]

DEFAULT_MAX_STEPS = 10_000
#: seconds before re-entering a step that already ran in the same workflow run
DEFAULT_LOOP_DELAY = 1.0
#: step records a run keeps by default: the first tenth, then a window of the latest ones
DEFAULT_RECORD_LIMIT = 1000
#: nesting of workflowId steps / dependsOn / retry targets
MAX_DEPTH = 32




class RunAborted(Exception):
    """Thrown into the engine by a driver (e.g. the overall timeout); the run fails with a
    :class:`~arazzo.Failure` of ``kind``."""

    def __init__(self, message: str, kind: FailureKind = "timeout") -> None:
        super().__init__(message)
        self.message = message
        self.kind: FailureKind = kind


class _Stop(Exception):
    def __init__(self, message: str, kind: FailureKind = "limit") -> None:
        super().__init__(message)
        self.message = message
        self.kind: FailureKind = kind


@dataclass(slots=True)
class _Frame:
    plan: WorkflowPlan
    inputs: dict[str, Any]
    depth: int
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: int = 0
    ran: set[int] = field(default_factory=set)
    retries: dict[tuple[int, str], int] = field(default_factory=dict)
    iterations: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Outcome:
    succeeded: bool
    outputs: dict[str, Any]
    failure: Failure | None = None
    ended_by: str | None = None
    tail: WorkflowPlan | None = None
    #: the inputs a goto's parameters give the ``tail`` workflow (V11-ACT-01/02); None: none
    tail_inputs: dict[str, Any] | None = None

    @property
    def error(self) -> str | None:
        return self.failure.message if self.failure is not None else None


@dataclass(slots=True)
class _Attempt:
    succeeded: bool
    ctx: EvaluationContext
    failures: list[Failure]
    outputs: dict[str, Any]
    method: str | None = None
    url: str | None = None
    status_code: int | None = None
    duration: float = 0.0
    retry_after: float | None = None
    error_code: str | None = None
    error_message: str | None = None


_EMPTY: dict[str, Any] = {}
#: the records of the default actions (immutable: shared by every record)
_NEXT = ActionRecord(None, "next")
_END = ActionRecord(None, "end")
_FAIL = ActionRecord(None, "fail")
#: ``Send(*fields)`` without the frozen ``__init__``'s setattr calls (every step sends one)
_make_send = maker(Send)
#: a response's query and path parameters: there are none (shared, read-only)
_NO_PARAMS: Mapping[str, Any] = MappingProxyType({})


def _reason(frame: _Frame, step: StepPlan, kind: FailureKind, message: str,
            **details: Any) -> Failure:
    """Why an attempt of ``step`` failed (``details``: the other :class:`Failure` fields)."""
    return Failure(kind, message, step_id=step.step_id, workflow_id=frame.plan.workflow_id,
                   **details)


def _masked_bytes(masker: Masker, content: bytes | None) -> bytes | None:
    """``content`` for an event: secret values masked when it is UTF-8 text."""
    if not content or not masker.values:
        return content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    return masker.text(text).encode("utf-8")


class Engine:
    """One run of one workflow. Create, then drive :meth:`run` (see ``_run``)."""

    def __init__(self, plan: Plan, workflow: WorkflowPlan, inputs: Mapping[str, Any] | None,
                 *, servers: Mapping[str, str] | None = None,
                 max_steps: int | None = None, loop_delay: float | None = None,
                 hooks: Iterable[Hook] = (),
                 record_limit: int | None = DEFAULT_RECORD_LIMIT,
                 auth: Authenticator | None = None) -> None:
        self.plan = plan
        self.root = workflow
        self.servers = dict(servers or {})
        self.max_steps = DEFAULT_MAX_STEPS if max_steps is None else max_steps
        #: the run-level loop delay as given (None: steps use their pacing default, then 1 s)
        self.run_loop_delay = loop_delay
        self.loop_delay = DEFAULT_LOOP_DELAY if loop_delay is None else loop_delay
        if self.max_steps < 1:
            raise InputError("max_steps must be at least 1")
        if self.loop_delay < 0:
            raise InputError("loop_delay must be >= 0 seconds")
        if record_limit is not None and record_limit < 0:
            raise InputError("record_limit must be >= 0")
        self.hooks = tuple(hooks)
        # Records stay bounded on long polls: the first tenth of the limit is kept (how the run
        # started), then a rolling window of the latest; ``dropped`` counts the gap between.
        self.head_limit = None if record_limit is None else record_limit // 10
        self.head: list[StepRecord] = []
        self.records: deque[StepRecord] = deque(
            maxlen=None if record_limit is None or self.head_limit is None
            else record_limit - self.head_limit)
        self.recorded = 0
        self.dropped = 0
        self.executed = 0
        #: (workflow plan key, stepId) of every step that completed successfully in this run,
        #: what a step's ``dependsOn`` waits for (V11-STP-08, V11-AMB-17)
        self.completed: set[tuple[tuple[int, str], str]] = set()
        self.workflows: dict[str, dict[str, Any]] = {}
        self.frames: list[_Frame] = []
        self.finished = False
        closure = plan.closure(workflow)  # every reachable workflow, compiled (once per plan)
        self._closure: Mapping[tuple[int, str], WorkflowPlan] = closure.plans
        self.secret_names = closure.secret_inputs
        self.inputs = workflow.prepare_inputs(inputs)
        self.masker = Masker(str(v) for k, v in self.inputs.items()
                             if k in self.secret_names and v is not None) \
            if self.secret_names else Masker()
        #: OpenAPI security: the credentials chosen per step (``_auth``); None: no auth
        self.auth = auth
        if auth is not None:
            auth.bind(self._closure.values(), self.masker)
        self._dep_inputs: dict[tuple[int, str], dict[str, Any]] = {}
        if workflow.depends_on:
            self._prepare_dependencies(workflow, set())
        self._deps_done: dict[tuple[int, str], _Outcome] = {}
        self._current: tuple[str, str] | None = None
        self._last_http: EvaluationContext | None = None
        self._root_frame: _Frame | None = None

    def step_plan(self, workflow_id: str, step_id: str) -> StepPlan | None:
        """The plan of step ``step_id`` of a workflow this run can reach (for drivers)."""
        for wp in self._closure.values():
            if wp.workflow_id == workflow_id:
                step = wp.by_id.get(step_id)
                if step is not None:
                    return step
        return None

    # -- set-up ----------------------------------------------------------------------------

    def _prepare_dependencies(self, wp: WorkflowPlan, seen: set[tuple[int, str]]) -> None:
        """WF-04: each dependency runs with the caller's inputs its schema declares."""
        if wp.key in seen:
            raise InputError(f"workflow {wp.workflow_id!r}: dependsOn forms a cycle (SEM-08)")
        seen = seen | {wp.key}
        for doc, wf_id in wp.depends_on:
            dep = self.plan.workflow(doc, wf_id)
            if dep.key not in self._dep_inputs:
                declared = dep.declared_inputs
                chosen = {k: v for k, v in self.inputs.items() if k in declared}
                try:
                    self._dep_inputs[dep.key] = dep.prepare_inputs(chosen)
                except InputError as exc:
                    raise InputError(f"dependency of {wp.workflow_id!r}: {exc.message}"
                                     ) from None
            self._prepare_dependencies(dep, seen)

    # -- helpers ---------------------------------------------------------------------------

    def _emit(self, event: Any) -> None:
        for hook in self.hooks:
            hook(event)

    def _outputs(self, frame: _Frame) -> dict[str, Any]:
        wp = frame.plan
        # the frame's context, positional in EvaluationContext's field order: inputs,
        # outputs, steps, workflows, source_descriptions, components, url, method,
        # status_code, request, response, message, self_uri
        ctx = EvaluationContext(frame.inputs, _EMPTY, frame.steps, self.workflows,
                                wp.source_descriptions, wp.components, None, None, None,
                                None, None, None, wp.self_uri)
        out: dict[str, Any] = {}
        for name, value in frame.plan.outputs:
            try:
                result = value.evaluate(ctx)
            except ExpressionError:  # a 1.1 selector that selects nothing: left out, as a
                continue  # missing pointer is (RTE-13)
            if result is not MISSING:
                out[name] = result
        entry = self.workflows.setdefault(frame.plan.workflow_id, {})
        entry["outputs"] = out
        return out

    def step_loop_delay(self, step: StepPlan) -> float:
        """Seconds before re-entering ``step``: its ``x-arazzo-loop-delay`` > the run's
        ``loop_delay`` > the pacing hook's default (a botocore waiter's delay) > 1 s."""
        if step.loop_delay is not None:
            return step.loop_delay
        if self.run_loop_delay is not None:
            return self.run_loop_delay
        if step.pacing is not None and step.pacing.delay is not None:
            return step.pacing.delay
        return DEFAULT_LOOP_DELAY

    def _last_status(self, frame: _Frame, step: StepPlan) -> str | None:
        """The status outputs of the step's latest attempt (``_timeline.status_text``)."""
        last = frame.steps.get(step.step_id)
        return status_text(self.masker.value(last) if last and self.masker.values else last)

    def _record(self, record: StepRecord) -> None:
        self.recorded += 1
        if self.head_limit is None or len(self.head) < self.head_limit:
            self.head.append(record)
        elif self.records.maxlen == 0:
            self.dropped += 1
        else:
            if len(self.records) == self.records.maxlen:
                self.dropped += 1
            self.records.append(record)

    def snapshot(self) -> dict[str, Any]:
        """The run state as plain JSON data (secret inputs masked)."""
        frames = []
        for frame in self.frames:
            steps = frame.plan.steps
            frames.append({
                "workflowId": frame.plan.workflow_id,
                "document": frame.plan.document.file,
                "inputs": jsonable(self.masker.mapping(frame.inputs, self.secret_names)),
                "steps": jsonable(self.masker.value(frame.steps)),
                "stepId": steps[frame.index].step_id if frame.index < len(steps) else None,
                "ran": sorted(steps[i].step_id for i in frame.ran),
                "retries": [{"stepId": steps[i].step_id, "action": name, "count": n}
                            for (i, name), n in frame.retries.items()],
            })
        return {
            "workflowId": self.root.workflow_id,
            "finished": self.finished,
            "executed": self.executed,
            "records": self.recorded,
            "frames": frames,
            "workflows": jsonable(self.masker.value(self.workflows)),
        }

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> Generator[Effect, Any, RunResult]:
        started = time.perf_counter()
        root = self.root
        if self.hooks:
            self._emit(RunStarted(root.workflow_id,
                                  self.masker.mapping(self.inputs, self.secret_names)))
        try:
            outcome = yield from self._call(root, self.inputs, 0)
        except (RunAborted, _Stop) as exc:
            where = f" (in step {self._current[1]!r} of {self._current[0]!r})" \
                if self._current else ""
            outputs = self._outputs(self._root_frame) if self._root_frame else {}
            current = self._current
            outcome = _Outcome(False, outputs, Failure(
                exc.kind, exc.message + where, step_id=current[1] if current else None,
                workflow_id=current[0] if current else None))
        self.finished = True
        # The result holds the real values (they are the caller's data); only its messages
        # are masked. Observers get masked values: events are what logs, spans and reports show.
        failure = outcome.failure
        if failure is not None and self.masker.values:
            failure = failure._masked(self.masker.text)
        error = failure.message if failure is not None else None
        workflows: dict[str, dict[str, Any]] = {}
        for wf_id, entry in self.workflows.items():  # a loop: no comprehension's call
            workflows[wf_id] = dict(entry.get("outputs", _EMPTY))
        # RunResult's fields in order: workflow_id, succeeded, outputs, steps, error, ended_by,
        # duration, workflows, dropped_records, failure, _masker
        result = make_run_result(
            root.workflow_id, outcome.succeeded, outcome.outputs,
            [*self.head, *self.records] if self.records else self.head, error,
            outcome.ended_by, time.perf_counter() - started,
            workflows,
            self.dropped, failure, self.masker)
        if self.hooks:
            self._emit(RunFinished(root.workflow_id, result.succeeded,
                                   self.masker.value(result.outputs), result.error,
                                   result.ended_by))
        return result

    def _call(self, wp: WorkflowPlan, inputs: dict[str, Any], depth: int
              ) -> Generator[Effect, Any, _Outcome]:
        """Run ``wp`` (its dependencies first, WF-04), then the workflows its ``goto``
        actions pass the run to: a loop, not recursion (ACT-04). The outcome has the first
        workflow's outputs and the last one's success and failure. One generator for all of
        it (a run's steps are driven through as few nested generators as possible)."""
        if depth > MAX_DEPTH:
            return _Outcome(False, {}, Failure(
                "limit", f"workflow {wp.workflow_id!r}: workflows nest deeper than "
                         f"{MAX_DEPTH} levels (recursive workflowId steps?)",
                workflow_id=wp.workflow_id))
        first: _Outcome | None = None
        while True:
            outcome: _Outcome | None = None
            for doc, wf_id in wp.depends_on:  # WF-04: dependencies first, once per run
                dep = self.plan.workflow(doc, wf_id)
                done = self._deps_done.get(dep.key)
                if done is None:
                    done = yield from self._call(dep, self._dep_inputs[dep.key], depth + 1)
                    self._deps_done[dep.key] = done
                if not done.succeeded:
                    outcome = _Outcome(False, {}, Failure(
                        "dependency", f"workflow {wp.workflow_id!r}: dependency "
                                      f"{dep.workflow_id!r} failed: {done.error}",
                        workflow_id=wp.workflow_id, cause=done.failure))
                    break
            if outcome is None:
                frame = _Frame(wp, inputs, depth)
                if self._root_frame is None:
                    self._root_frame = frame
                self.workflows[wp.workflow_id] = {"inputs": inputs, "outputs": {}}
                self.frames.append(frame)
                try:
                    outcome = yield from self._steps(frame)
                finally:
                    self.frames.pop()
            if first is None:
                if outcome.tail is None:  # no goto to a workflow: the outcome as it is
                    return outcome
                first = outcome
            target = outcome.tail
            if target is None:
                break
            given = outcome.tail_inputs
            try:
                inputs = self._prepared_inputs(target, given)
            except InputError as exc:
                why = " (a goto without parameters passes no inputs)" if given is None else ""
                outcome = _Outcome(False, {}, Failure(
                    "goto", f"goto workflow {target.workflow_id!r}: {exc.message}{why}",
                    workflow_id=target.workflow_id))
                break
            wp = target
        return _Outcome(outcome.succeeded, first.outputs, outcome.failure, outcome.ended_by)

    def _steps(self, frame: _Frame) -> Generator[Effect, Any, _Outcome]:
        steps = frame.plan.steps
        wf_id = frame.plan.workflow_id
        count = len(steps)
        index = 0
        retry_delay: float | None = None
        while True:
            if index >= count:
                return _Outcome(True, self._outputs(frame))
            step = steps[index]
            frame.index = index
            if index in frame.ran:  # a loop: goto back or retry
                delay = retry_delay if retry_delay is not None else self.step_loop_delay(step)
                iteration = frame.iterations.get(index, 1) + 1
                if step.max_iterations is not None and iteration > step.max_iterations:
                    return _Outcome(False, self._outputs(frame), Failure(
                        "limit", self._limit_message(frame, step), step_id=step.step_id,
                        workflow_id=wf_id))
                frame.iterations[index] = iteration
                if self.hooks:
                    self._emit(LoopIteration(wf_id, step.step_id, iteration, delay,
                                             self._last_status(frame, step)))
                if delay > 0:
                    yield Sleep(delay)
            else:
                frame.ran.add(index)
            retry_delay = None
            attempt = yield from self._attempt(frame, step)
            # The attempt's outputs are published before its actions are chosen, so criteria
            # that read this step's own outputs see the response that just came back.
            frame.steps[step.step_id] = attempt.outputs
            action = self._select(frame, step, attempt) if (
                step.on_success if attempt.succeeded else step.on_failure) else None
            if attempt.succeeded:
                frame.retries = {k: v for k, v in frame.retries.items() if k[0] != index} \
                    if frame.retries else frame.retries
                if action is None:
                    record_action = _NEXT if index + 1 < count else _END
                else:
                    record_action = ActionRecord(action.name, action.type, action.target)
            elif action is None:
                record_action = _FAIL
            else:
                record_action = ActionRecord(action.name, action.type, action.target)
            self._finish_step(frame, step, attempt, record_action)
            if action is None:
                if attempt.succeeded:
                    index += 1
                    continue
                reasons = "; ".join(f.message for f in attempt.failures) or "the step failed"
                return _Outcome(False, self._outputs(frame), self._step_failure(
                    attempt, f"step {step.step_id!r} failed: {reasons}"
                             f"{self._error_detail(attempt)}"))
            if self.hooks:
                self._emit(ActionTaken(wf_id, step.step_id, action.name, action.type,
                                       action.target))
            if action.type == "end":  # ACT-03
                return _Outcome(attempt.succeeded, self._outputs(frame),
                                None if attempt.succeeded else self._step_failure(
                                    attempt, f"step {step.step_id!r} failed and action "
                                             f"{action.name!r} ended the workflow: "
                                             f"{'; '.join(f.message for f in attempt.failures)}"),
                                ended_by=action.name)
            if action.type == "goto":  # ACT-04
                if frame.retries:
                    frame.retries = {k: v for k, v in frame.retries.items() if k[0] != index}
                if action.step_index is not None:
                    index = action.step_index
                    continue
                assert action.workflow is not None
                target = self.plan.workflow(*action.workflow)
                return _Outcome(True, self._outputs(frame), tail=target,
                                tail_inputs=self._action_inputs(action, attempt.ctx))
            # retry (ACT-05)
            key = (index, action.name)
            done = frame.retries.get(key, 0) + 1
            frame.retries[key] = done
            if attempt.retry_after is not None:
                retry_delay = attempt.retry_after
            elif action.retry_after is not None:
                retry_delay = action.retry_after
            if self.hooks:
                self._emit(RetryScheduled(wf_id, step.step_id, action.name, done,
                                          retry_delay if retry_delay is not None else
                                          self.step_loop_delay(step)))
            if action.step_index is not None:
                target_step = steps[action.step_index]
                sub = yield from self._attempt(frame, target_step)
                self._finish_step(frame, target_step, sub, ActionRecord(
                    None, "return", step.step_id))
            elif action.workflow is not None:
                target_wf = self.plan.workflow(*action.workflow)
                try:
                    target_inputs = self._prepared_inputs(
                        target_wf, self._action_inputs(action, attempt.ctx))
                except InputError as exc:
                    return _Outcome(False, self._outputs(frame), Failure(
                        "input", f"retry target {target_wf.workflow_id!r}: {exc.message}",
                        step_id=step.step_id, workflow_id=wf_id))
                yield from self._call(target_wf, target_inputs, frame.depth + 1)

    @staticmethod
    def _action_inputs(action: ActionPlan, ctx: EvaluationContext) -> dict[str, Any] | None:
        """The inputs an action's parameters give its workflow, evaluated in the context of
        the step that triggered it, its response included (V11-ACT-01/02, V11-PAR-05): an
        absent value is left out (as for workflowId steps, STP-05, the inputs schema then
        judges); None without parameters (Arazzo 1.0, or none given)."""
        if not action.inputs:
            return None
        inputs: dict[str, Any] = {}
        for name, value in action.inputs:
            result = value.evaluate(ctx)
            if result is not MISSING:
                inputs[name] = result
        return inputs

    def _prepared_inputs(self, target: WorkflowPlan, given: dict[str, Any] | None
                         ) -> dict[str, Any]:
        """``given`` validated against ``target``'s inputs schema, defaults applied (WF-03;
        raises :class:`InputError`), its secret inputs registered with the masker."""
        prepared = target.prepare_inputs(given or {})
        if given:
            self.masker.add(str(v) for k, v in prepared.items()
                            if k in target.secret_inputs and v is not None)
        return prepared

    def _auth_failure(self, exc: TokenError, ctx: EvaluationContext, frame: _Frame,
                      step: StepPlan) -> _Attempt:
        """The failed attempt of a step whose OAuth2 token could not be obtained."""
        message = self.masker.text(str(exc))
        return _Attempt(False, ctx, [_reason(frame, step, "auth", message)], {},
                        method=step.method, error_code="auth", error_message=message)

    @staticmethod
    def _step_failure(attempt: _Attempt, message: str) -> Failure:
        """The run's failure for a failed attempt: its first reason, with the run's message
        (every reason is on the step's record)."""
        if attempt.failures:
            return dataclasses.replace(attempt.failures[0], message=message)
        return Failure("criteria", message, status_code=attempt.status_code)

    def _error_detail(self, attempt: _Attempt) -> str:
        """``; the response said CODE: message`` for an error response with a code."""
        if attempt.error_code is None or attempt.status_code is None:
            return ""
        message = f": {attempt.error_message}" if attempt.error_message else ""
        return self.masker.text(f"; the response said {attempt.error_code}{message}")

    def _limit_message(self, frame: _Frame, step: StepPlan) -> str:
        limit = step.max_iterations
        why = step.max_iterations_origin or MAX_ITERATIONS_EXTENSION
        status = self._last_status(frame, step)
        return (f"step {step.step_id!r} ran {limit} times, its loop limit ({why}), without "
                f"leaving the loop" + (f"; last {status}" if status else ""))

    def _finish_step(self, frame: _Frame, step: StepPlan, attempt: _Attempt,
                     action: ActionRecord) -> None:
        frame.steps[step.step_id] = attempt.outputs
        if attempt.succeeded:
            self.completed.add((frame.plan.key, step.step_id))
        masker = self.masker
        if not attempt.failures:
            reasons: tuple[Failure, ...] = ()
            failures: tuple[str, ...] = ()
        else:
            reasons = tuple(f._masked(masker.text) for f in attempt.failures) \
                if masker.values else tuple(attempt.failures)
            failures = tuple(f.message for f in reasons)
        # a record keeps the real outputs and URL (RunResult.masked() masks them for display);
        # the fields in StepRecord's order: step_id, workflow_id, attempt, succeeded, method,
        # url, status_code, duration, outputs, action, failures, error_code, error_message,
        # number, reasons
        record = make_step_record(
            step.step_id, frame.plan.workflow_id, frame.iterations.get(step.index, 1),
            attempt.succeeded, attempt.method, attempt.url, attempt.status_code,
            attempt.duration, attempt.outputs, action, failures, attempt.error_code,
            masker.text(attempt.error_message) if attempt.error_message else None,
            self.recorded + 1, reasons)
        if self.head_limit is None or len(self.head) < self.head_limit:  # _record's first case
            self.recorded += 1
            self.head.append(record)
        else:
            self._record(record)
        if self.hooks:
            outputs = masker.value(attempt.outputs) if masker.values else attempt.outputs
            self._emit(StepFinished(frame.plan.workflow_id, step.step_id, attempt.succeeded,
                                    attempt.status_code, outputs, failures))

    def _check(self, criteria: tuple[CriterionPlan, ...], ctx: EvaluationContext,
               frame: _Frame, step: StepPlan, owner: str) -> list[Failure]:
        failures = []
        hooks = self.hooks
        for index, criterion in enumerate(criteria):
            compiled = criterion.compiled
            passes = compiled.passes
            if passes is not None and not hooks:  # a simple condition: its test, no result
                try:
                    if passes(ctx):
                        continue
                except Exception:  # evaluate() below fails with the error as the reason
                    pass
            result = compiled.evaluate(ctx)  # (a simple condition's test is pure)
            passed = result.passed
            reason = None if passed else result.reason or f"{criterion.text!r} is false"
            if hooks:
                shown = self.masker.text(reason) if reason and self.masker.values else reason
                self._emit(CriterionEvaluated(frame.plan.workflow_id, step.step_id, owner,
                                              criterion.text, passed, shown, result.error))
            if reason is not None:
                failures.append(Failure(
                    "expression" if result.error else "criteria", reason,
                    step_id=step.step_id, workflow_id=frame.plan.workflow_id,
                    criterion=criterion.text, criterion_index=index,
                    status_code=ctx.status_code))
        return failures

    def _select(self, frame: _Frame, step: StepPlan, attempt: _Attempt) -> ActionPlan | None:
        """ACT-06: the first action whose criteria all pass (CRI-12: in the step's context);
        retry actions whose retryLimit is used up are skipped (ACT-05)."""
        actions = step.on_success if attempt.succeeded else step.on_failure
        for action in actions:
            if action.type == "retry" and frame.retries.get(
                    (step.index, action.name), 0) >= action.retry_limit:
                continue
            if not action.criteria or not self._check(action.criteria, attempt.ctx, frame,
                                                      step, action.name):
                return action
        return None

    # -- one attempt of one step -----------------------------------------------------------

    def _attempt(self, frame: _Frame, step: StepPlan) -> Generator[Effect, Any, _Attempt]:
        self.executed += 1
        wf_id = frame.plan.workflow_id
        self._current = (wf_id, step.step_id)
        if self.executed > self.max_steps:
            raise _Stop(f"max_steps ({self.max_steps}) reached: the run executed more step "
                        "attempts than allowed (a goto/retry loop that does not end?); pass a "
                        "larger max_steps if this is expected")
        if self.hooks:
            self._emit(StepStarted(wf_id, step.step_id, frame.iterations.get(step.index, 1)))
        wp = frame.plan
        # the frame's context (as in _outputs); the attempt adds its request and response
        ctx = EvaluationContext(frame.inputs, _EMPTY, frame.steps, self.workflows,
                                wp.source_descriptions, wp.components, None, None, None,
                                None, None, None, wp.self_uri)
        unmet = [text for key, step_id, text in step.requires
                 if (key, step_id) not in self.completed] if step.requires else None
        if unmet:
            return _Attempt(False, ctx, [_reason(
                frame, step, "dependency",
                f"step {step.step_id!r} depends on {', '.join(map(repr, unmet))}, which has not "
                "completed successfully in this run (V11-STP-08, V11-AMB-17)")], {},
                method=step.method)
        if step.workflow is not None:
            return (yield from self._workflow_attempt(frame, step, ctx))
        try:
            built = build_request(step, ctx, self.servers)
        except RequestError as exc:
            return _Attempt(False, ctx, [_reason(frame, step, "request",
                                                 f"cannot build the request: {exc}")], {},
                            method=step.method)
        except ArazzoError as exc:
            kind: FailureKind = "expression" if isinstance(exc, ExpressionError) else "request"
            return _Attempt(False, ctx, [_reason(frame, step, kind, "cannot build the request: "
                                                 f"{exc.message}")], {}, method=step.method)
        request = built.request
        if built.secrets:
            self.masker.add(built.secrets)
        sent = request
        refreshable = False
        choice = self.auth.choice(step) if self.auth is not None else None
        if choice is not None and choice.schemes:  # none: a provider's transport signs
            try:
                sent, refreshable = yield from self._authorize(step, request, wf_id)
            except TokenError as exc:
                return self._auth_failure(exc, ctx, frame, step)
        if self.hooks:
            self._request_sent(wf_id, step, sent)
        # Send's fields: request, workflow_id, step_id, timeout, token
        result = yield _make_send(sent, wf_id, step.step_id, step.timeout, False)
        if refreshable and isinstance(result, ResponseData) and result.status_code == 401:
            # a cached OAuth2 token was refused: fetch a new one and send once more
            if self.hooks:
                self._emit(ResponseReceived(wf_id, step.step_id, result.status_code,
                                            result.elapsed,
                                            self.masker.headers(result.headers.multi_items()),
                                            _masked_bytes(self.masker, result.content) or b""))
            try:
                sent, _ = yield from self._authorize(step, request, wf_id, refresh=True)
            except TokenError as exc:
                return self._auth_failure(exc, ctx, frame, step)
            self._request_sent(wf_id, step, sent)
            result = yield Send(sent, wf_id, step.step_id, step.timeout)
        ctx.url = request.url
        ctx.method = request.method
        ctx.request = HttpMessage(dict(request.headers), request.query_params,
                                  request.path_params, request.body)
        if isinstance(result, TransportFailure):
            why = result.message
            if result.code == "timeout" and step.timeout_ms is not None:
                why = (f"the step's timeout ({step.timeout_ms} ms) passed before the "
                       f"response arrived (V11-STP-07): {why}")
            reason = _reason(frame, step, "timeout" if result.code == "timeout" else "transport",
                             why, code=result.code)
            attempt = _Attempt(False, ctx, [reason], {}, method=request.method,
                               url=sent.url, duration=result.elapsed,
                               error_code=result.code, error_message=result.message)
            attempt.outputs = self._step_outputs(frame, step, ctx, attempt.failures)
            return attempt
        assert isinstance(result, ResponseData)
        failures: list[Failure] = []
        try:
            headers = result.headers  # a Headers' lower-cased fields read directly
            body = parse_body(result.content, headers._joined.get("content-type")
                              if type(headers) is Headers else headers.get("content-type"))
        except BodyError as exc:
            body = MISSING
            failures.append(_reason(frame, step, "response", str(exc),
                                    status_code=result.status_code))
        ctx.status_code = result.status_code
        status = result.status_code
        ctx.response = HttpMessage(result.headers, _NO_PARAMS, _NO_PARAMS, body)
        self._last_http = ctx
        if self.hooks:
            self._emit(ResponseReceived(wf_id, step.step_id, result.status_code, result.elapsed,
                                        self.masker.headers(result.headers.multi_items()),
                                        _masked_bytes(self.masker, result.content) or b""))
        if not failures:
            if step.success_criteria:
                failures = self._check(step.success_criteria, ctx, frame, step,
                                       "successCriteria")
            elif not 200 <= result.status_code < 300:  # STP-08
                failures = [_reason(frame, step, "status", f"HTTP {result.status_code} (no "
                                    "successCriteria: success means a 2xx status)",
                                    status_code=result.status_code)]
        outputs = self._step_outputs(frame, step, ctx, failures)
        code, message = error_details(status, result.headers, body) if status >= 400 \
            else (None, None)
        retry_after = parse_retry_after(result.headers) if failures else None
        return _Attempt(not failures, ctx, failures, outputs, request.method, sent.url,
                        status, result.elapsed, retry_after, code, message)

    def _request_sent(self, wf_id: str, step: StepPlan, request: RequestSpec) -> None:
        if self.hooks:
            self._emit(RequestSent(wf_id, step.step_id, request.method,
                                   self.masker.url(request.url),
                                   self.masker.headers(request.headers),
                                   _masked_bytes(self.masker, request.content)))

    def _authorize(self, step: StepPlan, request: RequestSpec, wf_id: str, *,
                   refresh: bool = False) -> Generator[Effect, Any, tuple[RequestSpec, bool]]:
        """``request`` with the step's credentials (``_auth``), and whether it carries a
        cached OAuth2 token (worth renewing once after a 401). OAuth2 client-credentials
        tokens are fetched here through the step's source transport (a ``Send``); a token
        endpoint that gives none raises :class:`TokenError` (the attempt fails)."""
        auth = self.auth
        assert auth is not None
        choice = auth.choice(step)
        assert choice is not None
        tokens: dict[str, str] = {}
        cached = False
        base = self.servers.get(step.source or "") or step.server_url
        for use, credential in choice.schemes:
            if credential.kind != "client":
                continue
            url = auth.token_url(use, base)
            if refresh:
                auth.forget_token(use, credential, url)
            token = auth.cached_token(use, credential, url)
            if token is not None:
                cached = True
            else:
                result = yield Send(auth.token_request(use, credential, url, request.source),
                                    wf_id, step.step_id, token=True)
                token = auth.store_token(use, credential, url, result)
            tokens[use.name] = token
        return apply(request, choice, tokens), cached

    def _workflow_attempt(self, frame: _Frame, step: StepPlan, ctx: EvaluationContext
                          ) -> Generator[Effect, Any, _Attempt]:
        """STP-05: parameters become the called workflow's inputs."""
        assert step.workflow is not None
        target = self.plan.workflow(*step.workflow)
        inputs = {}
        for name, value in step.workflow_inputs:
            try:
                result = value.evaluate(ctx)
            except ExpressionError as exc:  # a 1.1 selector that selects nothing
                return _Attempt(False, ctx, [_reason(frame, step, "expression",
                                                     f"input {name!r}: {exc.message}")], {})
            if result is not MISSING:
                inputs[name] = result
        try:
            prepared = target.prepare_inputs(inputs)
        except InputError as exc:
            return _Attempt(False, ctx, [_reason(frame, step, "input", exc.message)], {})
        self.masker.add(str(v) for k, v in prepared.items()
                        if k in target.secret_inputs and v is not None)
        started = time.perf_counter()
        self._last_http = None
        outcome = yield from self._call(target, prepared, frame.depth + 1)
        self._current = (frame.plan.workflow_id, step.step_id)
        ctx.outputs = outcome.outputs
        last = self._last_http
        if last is not None:  # $statusCode/$response of a workflow step: its last call
            ctx.url, ctx.method, ctx.status_code = last.url, last.method, last.status_code
            ctx.request, ctx.response = last.request, last.response
        failures: list[Failure] = []
        if not outcome.succeeded:
            failures.append(_reason(frame, step, "workflow",
                                    f"workflow {target.workflow_id!r} failed: {outcome.error}",
                                    status_code=ctx.status_code, cause=outcome.failure))
        elif step.success_criteria:
            failures = self._check(step.success_criteria, ctx, frame, step, "successCriteria")
        outputs = self._step_outputs(frame, step, ctx, failures)
        return _Attempt(not failures, ctx, failures, outputs,
                        duration=time.perf_counter() - started)

    def _step_outputs(self, frame: _Frame, step: StepPlan, ctx: EvaluationContext,
                      failures: list[Failure]) -> dict[str, Any]:
        """The step's outputs; an output that cannot be evaluated (a 1.1 selector that
        selects nothing, V11-AMB-20) adds an ``expression`` failure to ``failures``."""
        out: dict[str, Any] = {}
        for name, value in step.outputs:
            try:
                result = value.evaluate(ctx)
            except ExpressionError as exc:
                failures.append(_reason(frame, step, "expression",
                                        f"output {name!r}: {exc.message}"))
                continue
            if result is not MISSING:
                out[name] = result
        return out
