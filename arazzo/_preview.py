"""What a run would do, without running: the dry run, the plan and the sources.

- :func:`dry_run`: the requests of a workflow's steps built from the inputs alone (nothing is
  sent), secrets masked, with what could not be resolved yet;
- :func:`plan`: the steps a run takes (operation, source, criteria, actions, outputs), read from
  the compiled plan the engine executes;
- :func:`sources`: the source descriptions of a document (and of the Arazzo documents it
  references), with their OpenAPI operations and security schemes;
- :func:`check_run`: every check :func:`~arazzo.run` makes before it sends anything;
- :func:`source_transport`: the httpx transport a run would send a source's requests through.

These are what ``arazzo run --dry-run``, ``arazzo describe`` / ``graph`` and the argument checks
of ``arazzo run`` are built on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# check_run lives with prepare, so that a plain run (which checks before it starts) does not
# import this module; re-exported here
from arazzo._prepare import check_run
from arazzo.documents._loading import AsyncAPISource, Document, MissingSource, OpenAPISource

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Unpack

    from arazzo._options import RunOptions, RunOptionsArgs
    from arazzo.engine._plan import ActionPlan, CriterionPlan, StepPlan
    from arazzo.engine._requests import Masker
    from arazzo.expressions import EvaluationContext

__all__ = [
    "DryRequest",
    "DryRun",
    "OperationInfo",
    "PlannedAction",
    "PlannedAsyncOperation",
    "PlannedCriterion",
    "PlannedOperation",
    "PlannedStep",
    "RunPlan",
    "SecuritySchemeInfo",
    "SourceInfo",
    "UnloadedOperation",
    "Unresolved",
    "check_run",
    "dry_run",
    "plan",
    "source_transport",
    "sources",
]

Spec = Document | str | os.PathLike[str] | bytes


def _document(spec: Spec) -> Document:
    from arazzo._prepare import _load

    return _load(spec)


# ------------------------------------------------------------------------------------------
# dry run


@dataclass(frozen=True)
class Unresolved:
    """An expression of a step's request that has no value before the run: ``where`` it is
    (``query petId``, ``body``, ``body /name``), its text, and why (``needs a response``,
    ``input not given``, ``no value``)."""

    where: str
    expression: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"in": self.where, "expression": self.expression, "reason": self.reason}


@dataclass(frozen=True)
class DryRequest:
    """The request one step would send, secrets masked (``***``).

    A ``workflowId`` step sends nothing itself: ``workflow_id`` names the workflow it runs. A
    request that cannot be built has ``error`` (and its ``method``) instead of a URL.
    ``headers`` are the headers as sent (``User-Agent`` included), ``body`` the body as text
    (JSON indented), ``auth`` notes on the credentials the step uses (or misses), ``signing``
    how the transport signs it (AWS SigV4) when sent.
    """

    step_id: str
    method: str | None = None
    url: str | None = None
    source: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    unresolved: tuple[Unresolved, ...] = ()
    error: str | None = None
    workflow_id: str | None = None
    auth: tuple[str, ...] = ()
    signing: str | None = None


@dataclass(frozen=True)
class DryRun:
    """What :func:`dry_run` found: the workflow, those it depends on (they run first), and the
    request of each of its steps in document order."""

    workflow_id: str
    depends_on: tuple[str, ...]
    requests: tuple[DryRequest, ...]


#: expression kinds whose value only exists once a response came back
_NEEDS_RESPONSE = frozenset({
    "steps", "outputs", "workflows", "statusCode", "url", "method", "request.header",
    "request.query", "request.path", "request.body", "response.header", "response.body"})


def _unresolved(step: StepPlan, ctx: EvaluationContext) -> tuple[Unresolved, ...]:
    """Expressions of the step's parameters and body that have no value in ``ctx``."""
    from arazzo.expressions import MISSING

    found: list[Unresolved] = []
    seen: set[tuple[str, str]] = set()

    def check(where: str, value: Any) -> None:
        for expression in value.expressions():
            if expression.evaluate(ctx) is MISSING and (where, expression.text) not in seen:
                seen.add((where, expression.text))
                reason = "needs a response" if expression.kind in _NEEDS_RESPONSE else (
                    "input not given" if expression.kind == "inputs" else "no value")
                found.append(Unresolved(where, expression.text, reason))

    for param in step.params:
        check(f"{param.location} {param.name}", param.value)
    if step.body is not None:
        if step.body.payload is not None:
            check("body", step.body.payload)
        for rep in step.body.replacements:
            check(f"body {rep.target.text}", rep.value)
    return tuple(found)


def _body_text(content: bytes | None, masker: Masker) -> str | None:
    if not content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(content)} bytes>"
    text = masker.text(text)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _signing(source: OpenAPISource | None) -> str | None:
    from arazzo.engine._providers import describe_source

    return describe_source(source)


def dry_run(spec: Spec, workflow_id: str | None = None,
            inputs: Mapping[str, Any] | None = None, *,
            options: RunOptions | None = None,
            authenticated: Iterable[str] = (),
            headers: Iterable[tuple[str | None, str, str]] = (),
            **overrides: Unpack[RunOptionsArgs]) -> DryRun:
    """The requests the workflow's steps would send, built from the inputs alone: nothing is
    sent. Takes the arguments of :func:`~arazzo.run` (``options=`` and its fields).

    The rule: steps are taken in document order, once each (branches need responses). A value
    that needs an earlier response (``$steps``, ``$response``, ``$statusCode``...) has no
    value yet: it is left out of the request, as the engine leaves out absent values, and is
    listed in :attr:`DryRequest.unresolved`. The first step depends on inputs only, so its
    request is exactly what a run sends first (before transport signing). A path parameter
    without a value means the URL cannot be built: the step has an ``error`` instead.

    Secrets (secret inputs, credentials, secret headers and query parameters) are masked.
    Missing credentials are not an error here: the step's ``auth`` notes say what is missing.
    ``authenticated``: sources whose transport authenticates the requests itself (besides
    those of ``transports``, trusted as :func:`~arazzo.run` trusts them). ``headers``:
    ``(source or None for every source, name, value)`` headers a transport adds to the
    requests (they replace a header of the same name); pass ``***`` as the value of one that
    must not be shown.

    Raises what :func:`~arazzo.run` raises before sending (:class:`~arazzo.ValidationFailed`,
    :class:`~arazzo.InputError`).
    """
    from arazzo._exceptions import ArazzoError
    from arazzo._options import resolve_options
    from arazzo._prepare import _prepare, handled_sources
    from arazzo.engine._auth import apply, describe_choice
    from arazzo.engine._requests import RequestError, build_request
    from arazzo.expressions import EvaluationContext
    from arazzo.transports._httpx import USER_AGENT

    options = resolve_options("dry_run", options, overrides)
    doc, engine = _prepare(spec, workflow_id, inputs, options, check_auth=False,
                           handled=handled_sources(options.transports) | set(authenticated))
    extra = list(headers)
    masker = engine.masker
    root = engine.root
    openapi = doc.reachable_openapi_sources()
    ctx = EvaluationContext(inputs=engine.inputs, outputs={}, steps={}, workflows={},
                            source_descriptions=root.source_descriptions,
                            components=root.components)
    out: list[DryRequest] = []
    for step in root.steps:
        if step.workflow is not None:
            out.append(DryRequest(step.step_id, workflow_id=step.workflow[1]))
            continue
        unresolved = _unresolved(step, ctx)
        try:
            built = build_request(step, ctx, engine.servers)
        except (RequestError, ArazzoError) as exc:
            out.append(DryRequest(step.step_id, method=step.method,
                                  unresolved=unresolved, error=masker.text(str(exc))))
            continue
        masker.add(built.secrets)
        request = built.request
        notes: list[str] = []
        if engine.auth is not None:
            choice = engine.auth.choice(step)
            base = engine.servers.get(step.source or "") or step.server_url
            if choice is not None:
                tokens = {use.name: "<token>" for use, c in choice.schemes if c.kind == "client"}
                request = apply(request, choice, tokens)
                notes = describe_choice(choice, base)
            problem = engine.auth.problems.get(id(step))
            if problem is not None:
                notes.append(f"missing credentials: needs {problem}")
        sent = list(request.headers)
        if not any(k.lower() == "user-agent" for k, _ in sent):
            sent.append(("User-Agent", USER_AGENT))
        for source, name, value in extra:
            if source in (None, step.source):
                sent = [(k, v) for k, v in sent if k.lower() != name.lower()]
                sent.append((name, value))
        out.append(DryRequest(
            step.step_id, method=request.method, url=masker.url(request.url),
            source=step.source, headers=masker.headers(sent),
            body=_body_text(request.content, masker), unresolved=unresolved,
            auth=tuple(notes), signing=_signing(openapi.get(step.source or ""))))
    return DryRun(root.workflow_id, tuple(wf for _, wf in root.depends_on), tuple(out))


# ------------------------------------------------------------------------------------------
# the plan


@dataclass(frozen=True)
class PlannedCriterion:
    """A criterion as written (``text``) and its type (``simple``, ``regex``, ``jsonpath``...)."""

    text: str
    kind: str


@dataclass(frozen=True)
class PlannedAction:
    """An ``onSuccess`` / ``onFailure`` action: ``type`` is ``end``, ``goto`` or ``retry``; a
    ``goto``/``retry`` names the step or workflow it goes to (none: the same step)."""

    name: str
    type: str
    step_id: str | None = None
    workflow_id: str | None = None
    retry_after: float | None = None
    retry_limit: int = 1
    criteria: tuple[PlannedCriterion, ...] = ()


@dataclass(frozen=True)
class PlannedOperation:
    """The OpenAPI operation a step calls: ``METHOD path`` in ``source``, and the server URL
    the document gives it (``servers=`` may replace it)."""

    method: str
    path: str
    source: str
    operation_id: str | None
    server: str | None


@dataclass(frozen=True)
class PlannedAsyncOperation:
    """The AsyncAPI channel an AsyncAPI step (Arazzo 1.1) sends on or receives from:
    ``action`` (``send`` / ``receive``), the source, the channel key and address, and the
    AsyncAPI operation when the step names one. Such steps are described, not run yet."""

    action: str
    source: str
    channel: str
    address: str | None
    operation_id: str | None


@dataclass(frozen=True)
class UnloadedOperation:
    """The target of a step whose source description could not be loaded: as written, the
    source, and why it did not load."""

    target: str
    source: str
    reason: str


@dataclass(frozen=True)
class PlannedStep:
    """One step as the engine runs it (reusable objects resolved, workflow-level actions
    merged in). ``parameters``: ``location:name`` of each operation parameter, or the names
    of the inputs a ``workflowId`` step passes; ``request_body``: its content type."""

    step_id: str
    operation: PlannedOperation | None = None
    unloaded: UnloadedOperation | None = None
    workflow_id: str | None = None
    parameters: tuple[str, ...] = ()
    request_body: str | None = None
    success_criteria: tuple[PlannedCriterion, ...] = ()
    on_success: tuple[PlannedAction, ...] = ()
    on_failure: tuple[PlannedAction, ...] = ()
    outputs: tuple[str, ...] = ()
    #: an AsyncAPI step (Arazzo 1.1): what it sends or receives
    asyncapi: PlannedAsyncOperation | None = None
    #: Arazzo 1.1: the steps it waits for, and its timeout in milliseconds
    depends_on: tuple[str, ...] = ()
    timeout_ms: int | None = None


@dataclass(frozen=True)
class RunPlan:
    """The steps of a workflow, in document order, and the workflows it depends on."""

    workflow_id: str
    depends_on: tuple[str, ...]
    steps: tuple[PlannedStep, ...]


def _criteria(criteria: tuple[CriterionPlan, ...]) -> tuple[PlannedCriterion, ...]:
    return tuple(PlannedCriterion(c.text, c.kind) for c in criteria)


def _action(action: ActionPlan) -> PlannedAction:
    return PlannedAction(action.name, action.type, action.step_id or None,
                         action.workflow_ref or None, action.retry_after, action.retry_limit,
                         _criteria(action.criteria))


def _planned_step(step: StepPlan) -> PlannedStep:
    operation = unloaded = None
    if step.operation is not None:
        op = step.operation
        operation = PlannedOperation(op.method.upper(), op.path, op.source.name,
                                     op.operation_id, step.server_url)
    elif step.unresolved is not None:
        written, problem = step.unresolved
        unloaded = UnloadedOperation(written, problem.source.name,
                                     problem.source.error.message)
    parameters = tuple(f"{p.location}:{p.name}" for p in step.params) or tuple(
        name for name, _ in step.workflow_inputs)
    body = None
    if step.body is not None:
        body = step.body.content_type or "application/json"
    asyncapi = None
    if step.asyncapi is not None:
        target = step.asyncapi
        asyncapi = PlannedAsyncOperation(step.action or "send", target.source.name,
                                         target.channel, target.address, target.operation_id)
    return PlannedStep(
        step.step_id, operation, unloaded,
        step.workflow[1] if step.workflow is not None else None, parameters, body,
        _criteria(step.success_criteria), tuple(_action(a) for a in step.on_success),
        tuple(_action(a) for a in step.on_failure), tuple(name for name, _ in step.outputs),
        asyncapi, step.depends_on, step.timeout_ms)


def plan(spec: Spec, workflow_id: str | None = None) -> RunPlan:
    """The steps a run of the workflow takes, from the plan the engine executes.

    ``workflow_id`` may be left out when the document has one workflow. Raises
    :class:`~arazzo.ArazzoError` when a step's operation or an action target does not
    resolve; a step whose source description could not be loaded is planned as written
    (:attr:`PlannedStep.unloaded`), not an error. The document is not validated first
    (:func:`~arazzo.validate` does that).
    """
    from arazzo._prepare import _pick_workflow
    from arazzo.engine._plan import Plan

    doc = _document(spec)
    chosen = _pick_workflow(doc, workflow_id)
    compiled = Plan(doc, partial=True).workflow(doc, chosen)
    return RunPlan(chosen, tuple(wf for _, wf in compiled.depends_on),
                   tuple(_planned_step(s) for s in compiled.steps))


# ------------------------------------------------------------------------------------------
# sources


@dataclass(frozen=True)
class OperationInfo:
    """An operation of an OpenAPI description: ``METHOD`` (upper case), path, operationId."""

    method: str
    path: str
    operation_id: str | None


@dataclass(frozen=True)
class SecuritySchemeInfo:
    """A security scheme an OpenAPI description declares: its name, its kind (``apiKey``,
    ``basic``, ``bearer``, ``oauth2``, ``openIdConnect``, ``sigv4``, ``mutualTLS``,
    ``http-<scheme>``) and the environment variable a run reads its credential from."""

    name: str
    kind: str
    env_var: str


@dataclass(frozen=True)
class SourceInfo:
    """A source description: ``name``, ``type`` (``openapi`` or ``arazzo``) and ``url`` as
    written, in the Arazzo document ``document`` (its file or URL); ``loaded`` says whether it
    could be loaded (else ``error`` says why). An OpenAPI one lists its operations and
    security schemes."""

    name: str
    type: str
    url: str
    document: str | None
    loaded: bool
    error: str | None = None
    operations: tuple[OperationInfo, ...] = ()
    security_schemes: tuple[SecuritySchemeInfo, ...] = ()


def _source_info(doc: Document, source: Any) -> SourceInfo:
    from arazzo.engine._auth import SchemeUse, _raw_schemes, env_name

    declared = next((s for s in doc.spec.source_descriptions if s.name == source.name), None)
    kind = (declared.type if declared is not None else None) or "openapi"
    if isinstance(source, MissingSource):
        return SourceInfo(source.name, kind, source.url, doc.file, False, source.error.message)
    if isinstance(source, AsyncAPISource):
        channels = source.channels
        return SourceInfo(source.name, "asyncapi", source.url, doc.file, True, operations=tuple(
            OperationInfo(str(raw.get("action", "")).upper(),
                          str(channels.get(source.channel_of(op_id) or "", {}).get(
                              "address") or source.channel_of(op_id) or ""), op_id)
            for op_id, raw in source.operations.items()))
    if not isinstance(source, OpenAPISource):
        return SourceInfo(source.name, "arazzo", source.url, doc.file, True)
    operations = tuple(OperationInfo(op.method.upper(), op.path, op.operation_id)
                       for op in source.operations)
    schemes = tuple(
        SecuritySchemeInfo(str(name), SchemeUse(source.name, str(name), raw).kind,
                           env_name(source.name, str(name)))
        for name, raw in _raw_schemes(source).items() if isinstance(raw, Mapping))
    return SourceInfo(source.name, "openapi", source.url, doc.file, True,
                      operations=operations, security_schemes=schemes)


def sources(spec: Spec) -> list[SourceInfo]:
    """The source descriptions of the document and of every Arazzo document it references
    (each document once, the document itself first), in the order they are written."""
    doc = _document(spec)
    return [_source_info(d, s) for d in doc.iter_documents() for s in d.sources.values()]


def source_transport(spec: Spec, source: str) -> httpx.BaseTransport:
    """The sync httpx transport a run sends ``source``'s requests through when no transport is
    given for it: the process-wide ``httpx.HTTPTransport``, wrapped in a SigV4-signing
    transport when the source's OpenAPI declares AWS SigV4. For a transport that wraps the
    default (adds headers, records) without losing the signing."""
    from arazzo._prepare import _Transports
    from arazzo.transports._httpx import default_transport

    chooser = _Transports(_document(spec), None, default_transport(), asynchronous=False)
    transport: httpx.BaseTransport = chooser.get(source)
    return transport
