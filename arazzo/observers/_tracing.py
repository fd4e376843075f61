"""OpenTelemetry tracing for runs (optional extra: ``pip install 'arazzo[otel]'``).

Pass :class:`OpenTelemetryHooks` in ``hooks=``::

    from arazzo.tracing import OpenTelemetryHooks

    result = arazzo.run(doc, "flow", inputs, hooks=OpenTelemetryHooks(document=doc))

Spans (all ``INTERNAL`` except the HTTP ones, which are ``CLIENT``):

- ``arazzo.run <workflowId>`` — the run; a child of whatever span is current when the run
  starts. Attributes ``arazzo.workflow_id``, ``arazzo.succeeded``, ``arazzo.ended_by``.
- ``arazzo.step <stepId>`` — one per step attempt (a poll iteration or retry is a new span),
  child of the run span, or of the ``workflowId`` step that called its workflow. Attributes
  ``arazzo.workflow_id``, ``arazzo.step_id``, ``arazzo.attempt``, ``arazzo.operation_id``
  (or ``arazzo.operation_path`` / ``arazzo.called_workflow_id``, when ``document=`` is
  given), ``http.response.status_code``; status ``ERROR`` with the failure reasons when the
  step failed.
- ``<METHOD>`` — one per HTTP attempt, child of its step span: ``http.request.method``,
  ``url.full`` (masked), ``server.address``, ``server.port``, ``http.response.status_code``;
  ``ERROR`` for a status >= 400 or a transport failure (``error.type``).

Actions taken (``arazzo.action``), loop iterations (``arazzo.loop_iteration``) and retries
(``arazzo.retry_scheduled``) are span events on the enclosing span: the run span, or the
``workflowId`` step whose workflow is running (they follow the step's span, which has ended).
Values are the engine's masked values. One instance serves sequential runs; give concurrent
runs an instance each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError("arazzo.tracing needs OpenTelemetry: pip install 'arazzo[otel]' "
                      "(or opentelemetry-api)") from exc

from arazzo.engine._events import (
    ActionTaken,
    LoopIteration,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)

if TYPE_CHECKING:
    from arazzo.documents._loading import Document

__all__ = ["OpenTelemetryHooks"]

_TRACER_NAME = "arazzo"


class OpenTelemetryHooks:
    """A hook that turns a run's events into OpenTelemetry spans.

    ``tracer_provider``: defaults to the global one. ``document``: the run's
    :class:`~arazzo.Document`, used to add the operation each step calls as an attribute.
    """

    def __init__(self, *, tracer_provider: Any = None, document: Document | None = None
                 ) -> None:
        from arazzo._version import __version__

        self.tracer = trace.get_tracer(_TRACER_NAME, __version__,
                                       tracer_provider=tracer_provider)
        self._operations = _operations(document) if document is not None else {}
        self._run: Any = None
        self._steps: list[tuple[str, str, Any]] = []
        self._http: Any = None

    def __call__(self, event: Any) -> None:
        if isinstance(event, StepStarted):
            self._step_started(event)
        elif isinstance(event, RequestSent):
            self._request(event)
        elif isinstance(event, ResponseReceived):
            self._response(event)
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, (LoopIteration, RetryScheduled, ActionTaken)):
            self._step_event(event)
        elif isinstance(event, RunStarted):
            self._run_started(event)
        elif isinstance(event, RunFinished):
            self._run_finished(event)

    # -- run -------------------------------------------------------------------------------

    def _run_started(self, event: RunStarted) -> None:
        self._end_all()
        self._run = self.tracer.start_span(
            f"arazzo.run {event.workflow_id}", context=otel_context.get_current(),
            kind=trace.SpanKind.INTERNAL, attributes={"arazzo.workflow_id": event.workflow_id})

    def _run_finished(self, event: RunFinished) -> None:
        self._end_http("the run ended")
        while self._steps:
            _, _, span = self._steps.pop()
            span.end()
        span = self._run
        if span is None:
            return
        span.set_attribute("arazzo.succeeded", event.succeeded)
        if event.ended_by:
            span.set_attribute("arazzo.ended_by", event.ended_by)
        if event.succeeded:
            span.set_status(trace.Status(trace.StatusCode.OK))
        else:
            span.set_status(trace.Status(trace.StatusCode.ERROR, event.error or "failed"))
        span.end()
        self._run = None

    # -- steps -----------------------------------------------------------------------------

    def _parent(self) -> Any:
        if self._steps:
            return self._steps[-1][2]
        return self._run

    def _step_started(self, event: StepStarted) -> None:
        parent = self._parent()
        ctx = trace.set_span_in_context(parent) if parent is not None else None
        attributes: dict[str, Any] = {"arazzo.workflow_id": event.workflow_id,
                                      "arazzo.step_id": event.step_id,
                                      "arazzo.attempt": event.attempt}
        found = self._operations.get((event.workflow_id, event.step_id))
        if found is not None:
            attributes[found[0]] = found[1]
        span = self.tracer.start_span(f"arazzo.step {event.step_id}", context=ctx,
                                      kind=trace.SpanKind.INTERNAL, attributes=attributes)
        self._steps.append((event.workflow_id, event.step_id, span))

    def _find_step(self, workflow_id: str, step_id: str) -> int | None:
        for index in range(len(self._steps) - 1, -1, -1):
            wf, step, _ = self._steps[index]
            if wf == workflow_id and step == step_id:
                return index
        return None

    def _step_finished(self, event: StepFinished) -> None:
        reason = "; ".join(event.failures) or "the step failed"
        self._end_http(None if event.succeeded else reason)
        index = self._find_step(event.workflow_id, event.step_id)
        if index is None:
            return
        while len(self._steps) > index + 1:  # sub-workflow steps left open
            self._steps.pop()[2].end()
        _, _, span = self._steps.pop()
        if event.status_code is not None:
            span.set_attribute("http.response.status_code", event.status_code)
        span.set_attribute("arazzo.succeeded", event.succeeded)
        if event.succeeded:
            span.set_status(trace.Status(trace.StatusCode.OK))
        else:
            span.set_status(trace.Status(trace.StatusCode.ERROR, reason))
        span.end()

    def _step_event(self, event: LoopIteration | RetryScheduled | ActionTaken) -> None:
        # these follow StepFinished, so they belong to the enclosing span (the run, or the
        # workflowId step whose workflow is running)
        target = self._steps[-1][2] if self._steps else self._run
        if target is None:
            return
        if isinstance(event, LoopIteration):
            target.add_event("arazzo.loop_iteration", {
                "arazzo.step_id": event.step_id, "arazzo.iteration": event.iteration,
                "arazzo.delay": event.delay})
        elif isinstance(event, RetryScheduled):
            target.add_event("arazzo.retry_scheduled", {
                "arazzo.step_id": event.step_id, "arazzo.action": event.action,
                "arazzo.attempt": event.attempt, "arazzo.delay": event.delay})
        else:
            attributes: dict[str, Any] = {"arazzo.step_id": event.step_id,
                                          "arazzo.action.type": event.type}
            if event.name:
                attributes["arazzo.action.name"] = event.name
            if event.target:
                attributes["arazzo.action.target"] = event.target
            target.add_event("arazzo.action", attributes)

    # -- HTTP ------------------------------------------------------------------------------

    def _request(self, event: RequestSent) -> None:
        self._end_http("no response")
        parent = self._parent()
        ctx = trace.set_span_in_context(parent) if parent is not None else None
        parts = urlsplit(event.url)
        attributes: dict[str, Any] = {
            "http.request.method": event.method, "url.full": event.url,
            "arazzo.workflow_id": event.workflow_id, "arazzo.step_id": event.step_id}
        if parts.hostname:
            attributes["server.address"] = parts.hostname
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        if port:
            attributes["server.port"] = port
        self._http = self.tracer.start_span(event.method, context=ctx,
                                            kind=trace.SpanKind.CLIENT, attributes=attributes)

    def _response(self, event: ResponseReceived) -> None:
        span = self._http
        if span is None:
            return
        span.set_attribute("http.response.status_code", event.status_code)
        if event.status_code >= 400:
            span.set_attribute("error.type", str(event.status_code))
            span.set_status(trace.Status(trace.StatusCode.ERROR))
        span.end()
        self._http = None

    def _end_http(self, error: str | None) -> None:
        span = self._http
        if span is None:
            return
        if error is not None:
            span.set_attribute("error.type", "transport")
            span.set_status(trace.Status(trace.StatusCode.ERROR, error))
        span.end()
        self._http = None

    def _end_all(self) -> None:
        self._end_http("the run ended")
        while self._steps:
            self._steps.pop()[2].end()
        if self._run is not None:
            self._run.end()
            self._run = None


def _operations(document: Document) -> dict[tuple[str, str], tuple[str, str]]:
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for doc in document.iter_documents():
        for workflow in doc.spec.workflows:
            for step in workflow.steps:
                if step.operation_id is not None:
                    found = ("arazzo.operation_id", step.operation_id)
                elif step.operation_path is not None:
                    found = ("arazzo.operation_path", step.operation_path)
                elif step.workflow_id is not None:
                    found = ("arazzo.called_workflow_id", step.workflow_id)
                else:  # pragma: no cover - the model requires one of the three
                    continue
                out.setdefault((workflow.workflow_id, step.step_id), found)
    return out
