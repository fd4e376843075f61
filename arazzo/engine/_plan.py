"""Compile-once execution plans.

A :class:`Plan` belongs to one entry :class:`~arazzo.Document` (cached on it) and compiles each
workflow the first time a run needs it: operations resolved (``_operations``), reusable objects
resolved (REU-01..04), workflow-level parameters and actions merged with the step's (ACT-07,
STP-06), every value, output and criterion compiled. Evaluation never re-parses.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from arazzo._exceptions import ArazzoError, InputError, ReferenceError_, UnsupportedFeature
from arazzo.criteria import DEFAULT_CRITERIA, CompiledCriterion, CriterionTypes, compile_criterion
from arazzo.documents._loading import MEMO_BOUND, Document, OperationRef, with_pointer_refs
from arazzo.documents._loading import deref_local as _deref
from arazzo.documents._operations import (
    AsyncTarget,
    SourceUnavailable,
    document_of,
    execution_order,
    resolve_async,
    resolve_operation,
    resolve_workflow,
    step_kind,
)
from arazzo.documents._schemacheck import DOCUMENT_URI, InputsCheck
from arazzo.documents.models import (
    Criterion,
    CriterionExpressionType,
    ExpressionType,
    FailureAction,
    OpenAPIParameter,
    Parameter,
    RequestBody,
    ReusableObject,
    Step,
    SuccessAction,
    Workflow,
)
from arazzo.engine._auth import Requirement, effective_security
from arazzo.engine._providers import DEFAULT_PROVIDERS, LoopPacing, Provider, claimant
from arazzo.engine._responses import media_type
from arazzo.engine._targets import (
    ReplacementTarget,
    TargetError,
    compile_target,
    target_kind,
    xml_namespaces,
)
from arazzo.expressions import (
    CompiledValue,
    EvaluationContext,
    JsonPointer,
    compile_value,
)

if TYPE_CHECKING:
    import jsonschema

__all__ = [
    "LOOP_DELAY_EXTENSION",
    "MAX_ITERATIONS_EXTENSION",
    "MAX_PLANS",
    "ActionPlan",
    "BodyPlan",
    "Closure",
    "CriterionPlan",
    "InputsPlan",
    "ParamPlan",
    "Plan",
    "ReplacementPlan",
    "StepPlan",
    "WorkflowPlan",
    "compile_selectable",
    "plan_for",
]

LOOP_DELAY_EXTENSION = "x-arazzo-loop-delay"
#: step extension: the most times the step may run in one workflow run (a loop bound)
MAX_ITERATIONS_EXTENSION = "x-arazzo-max-iterations"


@dataclass(slots=True)
class CriterionPlan:
    """A compiled criterion: ``check(ctx) -> (passed, reason)``."""

    text: str
    compiled: CompiledCriterion
    kind: str

    def check(self, ctx: EvaluationContext) -> tuple[bool, str | None]:
        result = self.compiled.evaluate(ctx)
        if result.passed:
            return True, None
        return False, result.reason or f"{self.text!r} is false"


def _compile_criterion(criterion: Criterion, criteria: CriterionTypes, doc: Document
                       ) -> CriterionPlan:
    kind = criterion.type
    type_arg: str | dict[str, str] | None
    if isinstance(kind, CriterionExpressionType):
        type_arg = {"type": kind.type, "version": kind.version}
    else:
        type_arg = kind
    compiled = compile_criterion(criterion.condition, type_arg, criterion.context,
                                 registry=criteria, spec_minor=doc.spec.spec_minor)
    return CriterionPlan(criterion.condition, compiled, criterion.type_name)


@dataclass(slots=True)
class ParamPlan:
    name: str
    location: str
    value: CompiledValue
    style: str
    explode: bool
    allow_reserved: bool = False
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class ReplacementPlan:
    """A payload replacement (RB-03, PR-01/02): the compiled target (JSON Pointer, or from
    1.1 on JSONPath / XPath, V11-RBD-02..04) and the compiled value."""

    target: ReplacementTarget
    value: CompiledValue


@dataclass(slots=True)
class BodyPlan:
    content_type: str | None
    payload: CompiledValue | None
    replacements: tuple[ReplacementPlan, ...] = ()
    form_string: bool = False  # a form-urlencoded string: split into fields for replacements


@dataclass(slots=True)
class ActionPlan:
    name: str
    type: str  # end | goto | retry
    step_id: str | None = None
    step_index: int | None = None
    workflow: tuple[Document, str] | None = None
    workflow_ref: str | None = None
    retry_after: float | None = None
    retry_limit: int = 1
    criteria: tuple[CriterionPlan, ...] = ()
    #: Arazzo 1.1 action parameters: the inputs of the ``workflowId`` workflow, evaluated in
    #: the context of the step that triggered the action (V11-ACT-01/02, V11-PAR-05)
    inputs: tuple[tuple[str, CompiledValue], ...] = ()

    @property
    def target(self) -> str | None:
        return self.step_id or self.workflow_ref


@dataclass(slots=True)
class StepPlan:
    step_id: str
    index: int
    operation: OperationRef | None = None
    source: str | None = None
    method: str = "GET"
    path: str = ""
    server_url: str | None = None
    server_problem: str | None = None
    params: tuple[ParamPlan, ...] = ()
    body: BodyPlan | None = None
    workflow: tuple[Document, str] | None = None
    workflow_inputs: tuple[tuple[str, CompiledValue], ...] = ()
    success_criteria: tuple[CriterionPlan, ...] = ()
    on_success: tuple[ActionPlan, ...] = ()
    on_failure: tuple[ActionPlan, ...] = ()
    outputs: tuple[tuple[str, CompiledValue], ...] = ()
    loop_delay: float | None = None
    has_content_type_param: bool = False
    #: the pacing hook's default (used when neither the step nor the run sets a delay)
    pacing: LoopPacing | None = None
    #: x-arazzo-max-iterations, else the pacing hook's bound; None: only max_steps applies
    max_iterations: int | None = None
    max_iterations_origin: str | None = None
    #: the operation's effective security requirements (alternatives; ``()``: none)
    security: tuple[Requirement, ...] = ()
    #: partial plans only (``Plan(doc, partial=True)``, what list/describe/graph show): the
    #: step's target as written, when the source it needs could not be loaded, and why
    unresolved: tuple[str, SourceUnavailable] | None = None
    #: an AsyncAPI step (Arazzo 1.1): its channel and operation, and ``send`` / ``receive``
    asyncapi: AsyncTarget | None = None
    action: str | None = None
    #: Arazzo 1.1 step ``timeout``, in milliseconds (V11-STP-07), and in seconds
    timeout_ms: int | None = None
    timeout: float | None = None
    #: Arazzo 1.1 step ``dependsOn``, as written (V11-STP-08), and resolved: (the workflow
    #: plan key, stepId, as written) of each step that must have completed successfully
    depends_on: tuple[str, ...] = ()
    requires: tuple[tuple[tuple[int, str], str, str], ...] = ()

    @property
    def kind(self) -> str:
        """``"openapi"``, ``"asyncapi"`` or ``"workflow"``."""
        if self.workflow is not None:
            return "workflow"
        return "asyncapi" if self.asyncapi is not None or self.action is not None else "openapi"


@dataclass(eq=False)
class WorkflowPlan:
    workflow_id: str
    document: Document
    workflow: Workflow
    steps: list[StepPlan]
    by_id: dict[str, StepPlan]
    outputs: tuple[tuple[str, CompiledValue], ...]
    depends_on: tuple[tuple[Document, str], ...]
    source_descriptions: dict[str, dict[str, Any]]
    components: dict[str, Any]
    inputs_schema: dict[str, Any] | None
    secret_inputs: frozenset[str] = frozenset()
    #: ``$self`` (Arazzo 1.1, V11-RTE-10): the document's canonical URI
    self_uri: str | None = None
    #: the document as the inputs schema is read in: plain-name ``$ref``s to ``$anchor``s
    #: written as pointers (V11-VER-09); the document itself when it has no anchor
    schema_root: Mapping[str, Any] | None = None
    #: what checks and completes the inputs (one per document and workflow, shared by
    #: every plan of the document); made on first use when not given
    inputs_plan: InputsPlan | None = None

    @property
    def _root(self) -> Mapping[str, Any]:
        return self.schema_root if self.schema_root is not None else self.document.raw

    @functools.cached_property
    def key(self) -> tuple[int, str]:
        """``(id(document), workflowId)``: the plan's identity within a run (found once)."""
        return (id(self.document), self.workflow_id)

    @functools.cached_property
    def declared_inputs(self) -> frozenset[str]:
        """The input names the inputs schema declares (``properties``, also behind a local
        ``$ref`` and in ``allOf`` members): what a caller passes on to this workflow as a
        dependency (WF-04). Found once per plan."""
        names: set[str] = set()
        pending: list[Any] = [self.inputs_schema]
        seen = 0
        while pending and seen < 64:
            schema = _deref(pending.pop(), self._root)
            seen += 1
            if not isinstance(schema, dict):
                continue
            props = schema.get("properties")
            if isinstance(props, dict):
                names.update(k for k in props if isinstance(k, str))
            members = schema.get("allOf")
            if isinstance(members, list):
                pending.extend(members)
        return frozenset(names)

    @property
    def label(self) -> str:
        return self.workflow_id

    # -- inputs (WF-03) --------------------------------------------------------------------

    @functools.cached_property
    def _index(self) -> int:
        """This workflow's position in the document (found once per plan, not per run)."""
        return next(i for i, w in enumerate(self.document.spec.workflows)
                    if w.workflow_id == self.workflow_id)

    @property
    def _inputs(self) -> InputsPlan:
        found = self.inputs_plan
        if found is None:
            found = self.inputs_plan = InputsPlan(
                self.workflow_id, self.inputs_schema, self._root,
                self._index if self.inputs_schema is not None else 0, self.secret_inputs)
        return found

    def validator(self) -> jsonschema.protocols.Validator | None:
        return self._inputs.validator()

    def prepare_inputs(self, inputs: Mapping[str, Any] | None) -> dict[str, Any]:
        """Inputs with schema defaults applied, validated; raises :class:`InputError`
        (:meth:`InputsPlan.prepare`)."""
        return self._inputs.prepare(inputs)


@dataclass(frozen=True, slots=True)
class Closure:
    """What :meth:`Plan.closure` finds for a workflow (read-only: shared by its runs)."""

    #: by workflow plan key, the root first
    plans: Mapping[tuple[int, str], WorkflowPlan]
    secret_inputs: frozenset[str]


#: values an inputs copy shares with the caller's mapping: they cannot be changed in place
_ATOMIC = frozenset({str, int, float, bool, type(None)})


class InputsPlan:
    """A workflow's inputs schema, made ready once per document and workflow: the fast check
    (:class:`~arazzo.documents._schemacheck.InputsCheck`, compiled on first use), the
    ``default``s to fill (:class:`_Defaults`, the schema walked once) and, on first need, the
    jsonschema validator (built once: it makes the messages of invalid inputs)."""

    def __init__(self, workflow_id: str, schema: dict[str, Any] | None,
                 root: Mapping[str, Any], index: int, secret_inputs: frozenset[str]) -> None:
        self.workflow_id = workflow_id
        self.schema = schema
        self.root = root
        self.index = index
        self.secret_inputs = secret_inputs
        self._validator: Any = None
        self.check = InputsCheck(root, index) if schema is not None else None
        self.defaults = _Defaults.of(schema, root) if schema is not None else None

    def validator(self) -> jsonschema.protocols.Validator | None:
        if self.schema is None:
            return None
        if self._validator is None:
            import jsonschema  # local: valid inputs never need it (see prepare)
            import referencing
            import referencing.jsonschema

            resource = referencing.Resource.from_contents(
                self.root, default_specification=referencing.jsonschema.DRAFT202012)
            registry: referencing.Registry[Any] = referencing.Registry().with_resource(
                DOCUMENT_URI, resource)
            schema = {"$ref": f"{DOCUMENT_URI}#/workflows/{self.index}/inputs"}
            self._validator = jsonschema.Draft202012Validator(schema, registry=registry)
        return self._validator  # type: ignore[no-any-return]

    def prepare(self, inputs: Mapping[str, Any] | None) -> dict[str, Any]:
        """Inputs with schema defaults applied, validated; raises :class:`InputError`.

        The result is the run's own: a copy of ``inputs`` (a value that could be changed in
        place, a list or an object, is deep-copied; strings, numbers, booleans and null are
        shared). Inputs that the fast check (:mod:`arazzo.documents._schemacheck`) finds
        certainly valid are not given to jsonschema; any others are, and its errors make
        the message."""
        data: dict[str, Any] = dict(inputs or {})
        for name, value in data.items():
            if type(value) not in _ATOMIC:
                data[name] = copy.deepcopy(value)
        if self.schema is None:
            return data
        if self.defaults is not None:
            self.defaults.apply(data, 0)
        assert self.check is not None
        if self.check(data):
            return data
        validator = self.validator()
        assert validator is not None
        try:
            errors = list(validator.iter_errors(data))
        except RecursionError:  # a $ref loop (validation's inputs-ref-loop finds them first)
            raise InputError(
                f"workflow {self.workflow_id!r}: its inputs schema cannot be checked: it "
                "refers back to itself for the same value, so the check never ends (WF-03)"
            ) from None
        except Exception as exc:
            if not type(exc).__module__.startswith("referencing"):
                raise
            ref = getattr(exc, "ref", None)
            raise InputError(
                f"workflow {self.workflow_id!r}: its inputs schema cannot be checked: the "
                f"$ref {ref!r} does not resolve within the document (WF-03, V11-VER-09)"
            ) from None
        if not errors:
            return data
        missing: list[str] = []
        others: list[str] = []
        for error in errors:
            if error.validator == "required" and not list(error.absolute_path):
                missing.extend(n for n in _missing_names(error) if n not in missing)
            else:
                where = "/".join(str(p) for p in error.absolute_path) or "(inputs)"
                message = error.message
                if any(n in self.secret_inputs for n in error.absolute_path if isinstance(n, str)):
                    message = "invalid value (secret, not shown)"
                others.append(f"{where}: {message}")
        parts = []
        if missing:
            parts.append("missing required inputs: " + ", ".join(missing))
        parts.extend(others)
        raise InputError(f"workflow {self.workflow_id!r}: " + "; ".join(parts))


def _missing_names(error: jsonschema.ValidationError) -> list[str]:
    required = error.validator_value if isinstance(error.validator_value, list) else []
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [str(n) for n in required if n not in instance]


class _Defaults:
    """The ``default``s of an inputs schema's object properties, found once (through
    ``$ref`` and ``allOf``, as :meth:`apply` fills them): per schema object, its ``allOf``
    parts and its properties with their default and their own schema. Parts that cannot
    lead to a default are left out, so :meth:`apply` walks only where one can be filled."""

    __slots__ = ("all_of", "properties")

    def __init__(self) -> None:
        #: the ``allOf`` parts; once :meth:`of` is done, all it reaches, flattened
        self.all_of: tuple[_Defaults, ...] = ()
        #: (name, has a default, the default, the property's own defaults or None)
        self.properties: tuple[tuple[str, bool, Any, _Defaults | None], ...] = ()

    @classmethod
    def of(cls, schema: Any, raw: Mapping[str, Any]) -> _Defaults | None:
        """The defaults of ``schema`` (``$ref``s into ``raw``); None when it has none."""
        made: dict[int, _Defaults | None] = {}
        keep: list[Any] = []  # the schemas ``made`` is keyed by (ids stay theirs)
        root = cls._build(schema, raw, made, keep)
        if root is None:
            return None
        useful = cls._useful(list(made.values()))
        for node in made.values():
            if node is not None:
                node.all_of = tuple(n for n in node.all_of if n in useful)
                node.properties = tuple(
                    (name, has, default, child if child in useful else None)
                    for name, has, default, child in node.properties
                    if has or child in useful)
        for node in made.values():
            if node is not None:
                node.all_of = cls._flatten(node)
        return root if root in useful else None

    @staticmethod
    def _flatten(node: _Defaults) -> tuple[_Defaults, ...]:
        """Every node ``node``'s ``allOf`` reaches (through the parts' own ``allOf``), each
        once and never ``node`` itself, deepest first (the order nested :meth:`apply` calls
        filled them in). A part reached twice, or an ``allOf`` that refers back to its own
        schema, is applied once: walking such a graph part by part takes exponential time."""
        out: list[_Defaults] = []
        seen = {node}
        stack: list[tuple[_Defaults, int]] = [(node, 0)]
        while stack:  # post-order, without recursion (a chain of parts can be long)
            current, index = stack.pop()
            if index < len(current.all_of):
                stack.append((current, index + 1))
                part = current.all_of[index]
                if part not in seen:
                    seen.add(part)
                    stack.append((part, 0))
            elif current is not node:
                out.append(current)
        return tuple(out)

    @classmethod
    def _build(cls, schema: Any, raw: Mapping[str, Any], made: dict[int, _Defaults | None],
               keep: list[Any]) -> _Defaults | None:
        schema = _deref(schema, raw)
        if not isinstance(schema, dict):
            return None
        if id(schema) in made:  # a $ref cycle: the same node
            return made[id(schema)]
        keep.append(schema)
        node = made[id(schema)] = cls()
        parts = []
        for sub in schema.get("allOf", []) or []:
            part = cls._build(sub, raw, made, keep)
            if part is not None:
                parts.append(part)
        node.all_of = tuple(parts)
        properties = schema.get("properties")
        found = []
        if isinstance(properties, dict):
            for name, raw_prop in properties.items():
                prop = _deref(raw_prop, raw)
                if not isinstance(prop, dict):
                    continue
                found.append((name, "default" in prop, prop.get("default"),
                              cls._build(prop, raw, made, keep)))
        node.properties = tuple(found)
        return node

    @staticmethod
    def _useful(nodes: list[_Defaults | None]) -> set[_Defaults]:
        """The nodes from which a default can be reached."""
        useful: set[_Defaults] = set()
        changed = True
        while changed:
            changed = False
            for node in nodes:
                if node is None or node in useful:
                    continue
                if any(part in useful for part in node.all_of) or any(
                        has or child in useful for _, has, _, child in node.properties):
                    useful.add(node)
                    changed = True
        return useful

    def apply(self, value: Any, depth: int) -> Any:
        """Fill the missing defaults into ``value`` (in place, recursively; a default is
        copied), as deep as 32 schema levels."""
        if depth > 32 or not isinstance(value, dict):
            return value
        for part in self.all_of:  # flattened by :meth:`of`: its properties only
            part._fill(value, depth)
        self._fill(value, depth)
        return value

    def _fill(self, value: dict[str, Any], depth: int) -> None:
        for name, has_default, default, child in self.properties:
            if has_default and name not in value:
                value[name] = default if type(default) in _ATOMIC else copy.deepcopy(default)
            if child is not None and name in value:
                child.apply(value[name], depth + 1)


#: where a schema's parts that apply to the same value are (a value is secret, or has a
#: property, when any of them says so)
_SAME_VALUE = ("allOf", "anyOf", "oneOf")


def _same_value_schemas(schema: Any, raw: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """``schema`` and every schema that applies to the same value through ``$ref`` (the
    keywords beside a ``$ref`` apply too, as in 2020-12), ``allOf``, ``anyOf`` and
    ``oneOf``, each once, at most 64."""
    pending: list[Any] = [schema]
    seen: set[int] = set()
    keep: list[Any] = []  # the schemas ``seen`` holds the ids of
    while pending and len(seen) < 64:
        node = pending.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        keep.append(node)
        yield node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            # one reference at a time: the keywords beside the next one count too; one that
            # does not resolve is left (validation says so: inputs-ref)
            with contextlib.suppress(Exception):
                pending.append(JsonPointer.from_fragment(ref[1:]).resolve(raw))
        for key in _SAME_VALUE:
            members = node.get(key)
            if isinstance(members, list):
                pending.extend(reversed(members))


def _secret_inputs(schema: Any, raw: Mapping[str, Any]) -> frozenset[str]:
    """The secret inputs (SEC-04): the properties of the inputs schema that are
    ``format: password`` or ``writeOnly: true``. The properties are looked for, and each
    property's schema is read, through ``$ref`` (with the keywords beside it), ``allOf``,
    ``anyOf`` and ``oneOf``: a property that any alternative calls secret is masked."""
    out: set[str] = set()
    for node in _same_value_schemas(schema, raw):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        for name, prop in properties.items():
            if name not in out and any(
                    part.get("format") == "password" or part.get("writeOnly") is True
                    for part in _same_value_schemas(prop, raw)):
                out.add(name)
    return frozenset(out)


# ------------------------------------------------------------------------------------------


def _resolve_reusable(doc: Document, item: Any, section: str) -> Any:
    if not isinstance(item, ReusableObject):
        return item
    ref = item.reference
    prefix = f"$components.{section}."
    components = doc.spec.components
    table = getattr(components, {"parameters": "parameters",
                                 "successActions": "success_actions",
                                 "failureActions": "failure_actions"}[section], None) \
        if components is not None else None
    if not ref.startswith(prefix) or not table or ref[len(prefix):] not in table:
        raise ReferenceError_(f"reusable object {ref!r} does not resolve to "
                              f"components.{section} of this document (REU-01)",
                              location=item.location)
    target = table[ref[len(prefix):]]
    if section == "parameters" and item.has_value:
        target = target.model_copy(update={"value": item.value})
    return target


def _param_key(param: Parameter) -> tuple[str, str | None]:
    if param.in_ == "header":
        return (param.name.lower(), param.in_)
    return (param.name, param.in_)


def _merged_parameters(doc: Document, workflow: Workflow, step: Step) -> list[Parameter]:
    merged: dict[tuple[str, str | None], Parameter] = {}
    for item in (workflow.parameters or []):
        param = _resolve_reusable(doc, item, "parameters")
        merged[_param_key(param)] = param
    for item in (step.parameters or []):
        param = _resolve_reusable(doc, item, "parameters")
        merged.pop(_param_key(param), None)
        merged[_param_key(param)] = param
    return list(merged.values())


def _merged_actions(doc: Document, step_actions: list[Any] | None,
                    workflow_actions: list[Any] | None, section: str
                    ) -> list[SuccessAction | FailureAction]:
    """ACT-07: the step's actions in order, then workflow actions not redefined by name."""
    out: list[SuccessAction | FailureAction] = []
    names: set[str] = set()
    for item in step_actions or []:
        action = _resolve_reusable(doc, item, section)
        out.append(action)
        names.add(action.name)
    for item in workflow_actions or []:
        action = _resolve_reusable(doc, item, section)
        if action.name not in names:
            out.append(action)
    return out


def _concrete_media_type(content: dict[str, Any]) -> str | None:
    """RB-01: the operation's first media type that can label a request (``*/*`` or
    ``application/*`` cannot: then the payload decides, JSON or text)."""
    for media in content:
        if "*" not in media:
            return media
    return None


def _find_openapi_param(op: OperationRef, name: str, location: str) -> OpenAPIParameter | None:
    for param in op.parameters():
        if param.in_ != location:
            continue
        if param.name == name or (location == "header" and param.name.lower() == name.lower()):
            return param
    return None


def _server(op: OperationRef) -> tuple[str | None, str | None]:
    server = op.servers()[0]
    url = server.expand()
    if url.startswith(("http://", "https://")):
        return url, None
    base = op.source.file
    if base.startswith(("http://", "https://")):
        return urljoin(base, url), None
    return None, (f"the server URL {url!r} of source {op.source.name!r} is relative and its "
                  f"OpenAPI document is a local file; pass servers={{{op.source.name!r}: "
                  "'https://...'}} (--server NAME=URL)")


def compile_selectable(value: Any, version: str) -> CompiledValue:
    """Compile a value that Arazzo 1.1 lets be a Selector Object: a parameter value
    (V11-PAR-06), a replacement value (V11-RBD-05) or an action parameter's value, by the
    rules of the document's ``version`` (a Selector in a 1.1 document, a literal in 1.0)."""
    return compile_value(value, version=version)


def _replacement_kind(rep_type: Any, content_type: str | None) -> tuple[str, str | None]:
    if isinstance(rep_type, ExpressionType):
        return target_kind(rep_type.type, rep_type.version, content_type)
    return target_kind(rep_type, None, content_type)


def compile_replacements(doc: Document, step: Step, body: RequestBody,
                         content_type: str | None) -> tuple[ReplacementPlan, ...]:
    """The replacements of ``step``'s request body, compiled once. A 1.0 document's targets
    are JSON Pointers (PR-01, as ever: an XPath target is refused); a 1.1 document's are read
    by ``targetSelectorType``, else by the payload's media type (V11-RBD-02..04,
    V11-AMB-41). An XPath target may use the namespace prefixes a literal payload declares."""
    v11 = doc.spec.spec_minor == "1.1"
    namespaces = xml_namespaces(body.payload) if v11 and isinstance(body.payload, str) else {}
    out = []
    for rep in body.replacements or []:
        where = f"step {step.step_id!r}: replacement target {rep.target!r}"
        if v11:
            try:
                kind, version = _replacement_kind(rep.target_selector_type, content_type)
                target = compile_target(rep.target, kind, version, namespaces)
            except TargetError as exc:
                raise ArazzoError(f"{where}: {exc.message}", location=rep.location) from None
        else:
            if rep.target not in ("", "/") and not rep.target.startswith("/"):
                raise ArazzoError(f"{where} is not a JSON pointer (XPath targets are not "
                                  "supported in Arazzo 1.0 documents; from Arazzo 1.1 on they "
                                  "are, V11-RBD-04)", location=rep.location)
            try:
                target = compile_target(rep.target, "jsonpointer")
            except TargetError as exc:
                raise ArazzoError(f"{where}: {exc.message}", location=rep.location) from None
        out.append(ReplacementPlan(target, compile_selectable(rep.value,
                                                              doc.spec.spec_minor)))
    return tuple(out)


def _check_querystring(step: Step, params: tuple[ParamPlan, ...]) -> None:
    """V11-PAR-04: one ``querystring`` parameter, and no ``query`` parameter beside it (the
    validator reports these first; a plan never builds such a request)."""
    locations = [p.location for p in params]
    if "querystring" not in locations:
        return
    if locations.count("querystring") > 1 or "query" in locations:
        names = ", ".join(f"{p.name!r} (in: {p.location})" for p in params
                          if p.location in ("query", "querystring"))
        raise ArazzoError(f"step {step.step_id!r}: a querystring parameter is the whole query "
                          f"string, so it cannot be combined with other query or querystring "
                          f"parameters ({names}) (V11-PAR-04)", location=step.location)


def _action_inputs(doc: Document, action: SuccessAction | FailureAction
                   ) -> tuple[tuple[str, CompiledValue], ...]:
    """V11-ACT-01..03: action parameters (Reusable Objects resolved) as the inputs of the
    action's workflow."""
    out = []
    for item in action.parameters or []:
        param = _resolve_reusable(doc, item, "parameters")
        out.append((param.name, compile_selectable(param.value, doc.spec.spec_minor)))
    return tuple(out)


def _loop_delay(step: Step) -> float | None:
    value = step.extensions.get(LOOP_DELAY_EXTENSION)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
            isinstance(value, float) and math.isnan(value)):
        raise ArazzoError(f"step {step.step_id!r}: {LOOP_DELAY_EXTENSION} must be a number of "
                          "seconds >= 0", location=step.location)
    return float(value)


def _max_iterations(step: Step) -> int | None:
    value = step.extensions.get(MAX_ITERATIONS_EXTENSION)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArazzoError(f"step {step.step_id!r}: {MAX_ITERATIONS_EXTENSION} must be an "
                          "integer >= 1", location=step.location)
    return value


_UNDECIDED: Any = object()


class Plan:
    """Compiled workflows of one entry document (and the Arazzo documents it references)."""

    def __init__(self, document: Document, *, partial: bool = False,
                 criteria: CriterionTypes = DEFAULT_CRITERIA,
                 providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> None:
        """``partial``: a step whose source could not be loaded compiles without its
        operation (``StepPlan.unresolved``) instead of raising; never run such a plan.
        ``criteria``: the criterion types the criteria are compiled with.
        ``providers``: asked for pacing and security scheme kinds (:class:`Provider`)."""
        self.document = document
        self.partial = partial
        self.criteria = criteria
        self.providers = tuple(providers)
        self._workflows: dict[tuple[int, str], WorkflowPlan] = {}
        self._unrunnable: dict[tuple[int, str], Any] = {}
        self._closures: dict[tuple[int, str], Closure] = {}
        #: one compilation at a time (runs of one document in several threads, as a durable
        #: worker's are, share the plan): a workflow is compiled once, so the closure found
        #: for a key holds the very plans the runs execute (re-entrant: compiling a workflow
        #: compiles the ones it reaches)
        self._lock = threading.RLock()

    def pacing(self, op: OperationRef, params: list[Parameter]) -> LoopPacing | None:
        """The pacing hook: a default loop pacing for an operation step, asked once per
        compiled step (never per iteration), of the provider that claims the step's source
        (:meth:`Provider.pacing <arazzo.Provider.pacing>`; for AWS sources the botocore
        waiter of the step's operation, ``docs/flagship.md``). Other sources get ``None``
        (the engine default applies).
        """
        provider = claimant(op.source, self.providers)
        return provider.pacing(op, params) if provider is not None else None

    def workflow(self, doc: Document, workflow_id: str) -> WorkflowPlan:
        key = (id(doc), workflow_id)
        found = self._workflows.get(key)
        if found is None:
            with self._lock:
                found = self._workflows.get(key)  # another thread may have compiled it
                if found is None:
                    workflow = doc.spec.workflow(workflow_id)
                    if workflow is None:
                        raise ReferenceError_(f"no workflow {workflow_id!r}")
                    found = self._compile(doc, workflow)
                    self._workflows[key] = found
        return found

    def closure(self, root: WorkflowPlan) -> Closure:
        """Every workflow a run of ``root`` can reach (steps, actions, ``dependsOn``), each
        compiled (errors surface before any request), and their secret inputs; found once
        per workflow plan."""
        found = self._closures.get(root.key)
        if found is None:
            with self._lock:
                found = self._closures.get(root.key)
                if found is None:
                    found = self._closures[root.key] = self._closure(root)
        if found.plans.get(root.key) is not root:  # a plan not made by this Plan's workflow()
            return self._closure(root)
        return found

    def _closure(self, root: WorkflowPlan) -> Closure:
        plans: dict[tuple[int, str], WorkflowPlan] = {}
        stack = [root]
        while stack:
            current = stack.pop()
            if current.key in plans:
                continue
            plans[current.key] = current
            refs = list(current.depends_on)
            for step in current.steps:
                if step.workflow is not None:
                    refs.append(step.workflow)
                refs.extend(a.workflow for a in (*step.on_success, *step.on_failure)
                            if a.workflow is not None)
            for doc, wf_id in refs:
                stack.append(self.workflow(doc, wf_id))
        return Closure(plans, frozenset().union(*(wp.secret_inputs for wp in plans.values())))

    def resolve(self, doc: Document, ref: str) -> tuple[Document, str]:
        target_doc, workflow = resolve_workflow(doc, ref)
        return target_doc, workflow.workflow_id

    # -- compilation -----------------------------------------------------------------------

    def _compile(self, doc: Document, workflow: Workflow) -> WorkflowPlan:
        doc = document_of(doc, workflow)
        steps: list[StepPlan] = []
        by_id: dict[str, StepPlan] = {}
        for index, step in enumerate(workflow.steps):
            plan = self._compile_step(doc, workflow, step, index)
            steps.append(plan)
            by_id.setdefault(step.step_id, plan)
        order = execution_order(workflow)
        if order != list(range(len(steps))):  # dependsOn reorders (V11-STP-14)
            steps = [steps[i] for i in order]
            for position, plan in enumerate(steps):
                plan.index = position
        for plan in steps:
            plan.requires = tuple(self._requirement(doc, workflow, ref)
                                  for ref in plan.depends_on)
        for plan in steps:
            for action in (*plan.on_success, *plan.on_failure):
                if action.step_id is not None:
                    target = by_id.get(action.step_id)
                    if target is None:
                        raise ReferenceError_(
                            f"step {plan.step_id!r}: action {action.name!r} targets step "
                            f"{action.step_id!r}, which is not in workflow "
                            f"{workflow.workflow_id!r} (ACT-04)")
                    action.step_index = target.index
        depends = tuple(self.resolve(doc, ref) for ref in (workflow.depends_on or []))
        sources = {s.name: {"name": s.name, "url": s.url, **({"type": s.type} if s.type else {})}
                   for s in doc.spec.source_descriptions}
        components = doc.raw.get("components") if isinstance(doc.raw.get("components"),
                                                               dict) else {}
        root = doc.memo(("pointer-refs",), lambda: with_pointer_refs(doc.raw))
        schema = workflow.inputs
        index = next(i for i, w in enumerate(doc.spec.workflows) if w is workflow)
        if root is not doc.raw and schema is not None:
            schema = root["workflows"][index]["inputs"]
        secret = _secret_inputs(schema, root) if schema else frozenset()
        # the inputs' checks depend on the document alone: every plan of it shares them
        inputs_plan = doc.memo(("inputs", index), lambda: InputsPlan(
            workflow.workflow_id, schema, root, index, secret))
        return WorkflowPlan(
            workflow_id=workflow.workflow_id, document=doc, workflow=workflow, steps=steps,
            by_id=by_id,
            outputs=tuple((k, compile_value(v, version=doc.spec.spec_minor))
                          for k, v in (workflow.outputs or {}).items()),
            depends_on=depends, source_descriptions=sources, components=components or {},
            inputs_schema=schema, secret_inputs=secret, self_uri=doc.identity,
            schema_root=root, inputs_plan=inputs_plan,
        )

    def _requirement(self, doc: Document, workflow: Workflow, ref: str
                     ) -> tuple[tuple[int, str], str, str]:
        """A ``dependsOn`` entry as (workflow plan key, stepId, as written) (V11-STP-09)."""
        if not ref.startswith("$"):
            return (id(doc), workflow.workflow_id), ref, ref
        head, _, step_id = ref.rpartition(".steps.")
        if head.startswith("$workflows."):
            target_doc, wf_id = self.resolve(doc, head[len("$workflows."):])
        else:
            target_doc, wf_id = self.resolve(doc, head)
        return (id(target_doc), wf_id), step_id, ref

    def _compile_actions(self, doc: Document, actions: list[SuccessAction | FailureAction]
                         ) -> tuple[ActionPlan, ...]:
        out = []
        for action in actions:
            workflow = None
            if action.workflow_id is not None:
                workflow = self.resolve(doc, action.workflow_id)
            retry_after = getattr(action, "retry_after", None)
            retry_limit = getattr(action, "retry_limit", None)
            out.append(ActionPlan(
                name=action.name, type=action.type, step_id=action.step_id,
                workflow=workflow, workflow_ref=action.workflow_id,
                retry_after=retry_after, retry_limit=1 if retry_limit is None else retry_limit,
                criteria=tuple(_compile_criterion(c, self.criteria, doc)
                               for c in action.criteria or []),
                inputs=_action_inputs(doc, action) if workflow is not None else ()))
        return tuple(out)

    def _compile_async(self, doc: Document, step: Step, plan: StepPlan,
                       params: list[Parameter]) -> None:
        """An AsyncAPI step (V11-STP-01): its channel, action and message headers and
        payload, compiled to be listed and described; it is not run (V11-ASY-01)."""
        plan.action = step.action or "send"
        try:
            plan.asyncapi = resolve_async(doc, step)
            plan.source = plan.asyncapi.source.name
        except SourceUnavailable as exc:
            if not self.partial:
                raise
            plan.source = exc.source.name
            plan.unresolved = (step.operation_id or step.channel_path or "", exc)
        version = doc.spec.spec_minor
        plan.params = tuple(ParamPlan(name=p.name, location=p.in_ or "header",
                                      value=compile_value(p.value, version=version),
                                      style="simple", explode=False)
                            for p in params if p.in_ is not None)
        body = step.request_body
        if body is not None and body.has_payload:
            plan.body = BodyPlan(content_type=body.content_type,
                                 payload=compile_value(body.payload, version=version),
                                 replacements=(), form_string=False)

    def refuse_unrunnable(self, root: WorkflowPlan) -> None:
        """Raise :class:`~arazzo.UnsupportedFeature` before any request when ``root`` or a
        workflow it can reach (steps, actions, dependsOn) has an AsyncAPI step: messages
        cannot be sent or received yet (V11-ASY-01). Decided once per workflow plan."""
        found = self._unrunnable.get(root.key, _UNDECIDED)
        if found is _UNDECIDED:
            found = self._unrunnable[root.key] = self._first_unrunnable(root)
        if isinstance(found, UnsupportedFeature):  # a fresh one each run: no traceback grows
            raise UnsupportedFeature(found.message, step_id=found.step_id,
                                     workflow_id=found.workflow_id)

    def _first_unrunnable(self, root: WorkflowPlan) -> UnsupportedFeature | None:
        seen: set[tuple[int, str]] = set()
        todo = [root]
        while todo:
            wp = todo.pop()
            if wp.key in seen:
                continue
            seen.add(wp.key)
            for step in wp.steps:
                if step.kind == "asyncapi":
                    where = (f" on channel {step.asyncapi.address or step.asyncapi.channel!r} "
                             f"of source {step.asyncapi.source.name!r}"
                             if step.asyncapi is not None else "")
                    return UnsupportedFeature(
                        f"step {step.step_id!r} of workflow {wp.workflow_id!r} is an AsyncAPI "
                        f"step ({step.action}{where}); running AsyncAPI steps is not "
                        "available yet, so nothing was sent (V11-ASY-01). The document can "
                        "be validated, listed and described.",
                        step_id=step.step_id, workflow_id=wp.workflow_id)
                targets = [step.workflow] + [a.workflow for a in (*step.on_success,
                                                                  *step.on_failure)]
                todo.extend(self.workflow(d, w) for d, w in
                            (t for t in targets if t is not None))
            todo.extend(self.workflow(d, w) for d, w in wp.depends_on)
        return None

    def _compile_step(self, doc: Document, workflow: Workflow, step: Step, index: int
                      ) -> StepPlan:
        plan = StepPlan(step_id=step.step_id, index=index, timeout_ms=step.timeout,
                        timeout=step.timeout / 1000 if step.timeout else None,
                        depends_on=tuple(step.depends_on or ()))
        params = _merged_parameters(doc, workflow, step)
        version = doc.spec.spec_minor  # the expression rules (V11-VER-01)
        if step.workflow_id is not None:
            plan.workflow = self.resolve(doc, step.workflow_id)
            plan.workflow_inputs = tuple((p.name, compile_value(p.value, version=version))
                                         for p in params)
        elif step_kind(doc, step) == "asyncapi":
            self._compile_async(doc, step, plan, params)
        else:
            op: OperationRef | None
            try:
                op = resolve_operation(doc, step).operation
            except SourceUnavailable as exc:
                if not self.partial:
                    raise
                op = None
                plan.source = exc.source.name
                plan.unresolved = (step.operation_id or step.operation_path or "", exc)
            if op is not None:
                plan.operation = op
                plan.source = op.source.name
                plan.method = op.method.upper()
                plan.path = op.path.split("#", 1)[0]  # APIs.guru '/#X-Amz-Target=...' keys
                plan.server_url, plan.server_problem = _server(op)
                plan.pacing = self.pacing(op, params)
                plan.security = effective_security(op, self.providers)
            compiled = []
            for param in params:
                if param.in_ is None:
                    continue  # a workflow-level parameter meant for workflowId steps (WF-09)
                spec = _find_openapi_param(op, param.name, param.in_) if op else None
                default_style = "form" if param.in_ in ("query", "cookie") else "simple"
                content_type = None
                if spec is not None and spec.content and param.in_ != "querystring":
                    content_type = next(iter(spec.content))  # a querystring is sent as given
                compiled.append(ParamPlan(
                    name=spec.name if spec is not None and param.in_ == "header" else param.name,
                    location=param.in_, value=compile_value(param.value, version=version),
                    style=spec.effective_style if spec else default_style,
                    explode=spec.effective_explode if spec else default_style == "form",
                    allow_reserved=bool(spec.allow_reserved) if spec else False,
                    content_type=content_type))
                if param.in_ == "header" and param.name.lower() == "content-type":
                    plan.has_content_type_param = True
            plan.params = tuple(compiled)
            _check_querystring(step, plan.params)
            body = step.request_body
            if body is not None:
                content_type = body.content_type
                if (content_type is None and op is not None
                        and op.operation.request_body is not None):
                    content_type = _concrete_media_type(op.operation.request_body.content)
                replacements = compile_replacements(doc, step, body, content_type)
                plan.body = BodyPlan(
                    content_type=content_type,
                    payload=compile_value(body.payload, version=version)
                    if body.has_payload else None,
                    replacements=replacements,
                    form_string=bool(replacements) and isinstance(body.payload, str)
                    and media_type(content_type or "") == "application/x-www-form-urlencoded")
        plan.success_criteria = tuple(_compile_criterion(c, self.criteria, doc)
                                      for c in step.success_criteria or [])
        plan.on_success = self._compile_actions(
            doc, _merged_actions(doc, step.on_success, workflow.success_actions,
                                 "successActions"))
        plan.on_failure = self._compile_actions(
            doc, _merged_actions(doc, step.on_failure, workflow.failure_actions,
                                 "failureActions"))
        plan.outputs = tuple((k, compile_value(v, version=version))
                             for k, v in (step.outputs or {}).items())
        plan.loop_delay = _loop_delay(step)
        plan.max_iterations = _max_iterations(step)
        if plan.max_iterations is not None:
            plan.max_iterations_origin = MAX_ITERATIONS_EXTENSION
        elif plan.pacing is not None and plan.pacing.max_iterations is not None:
            plan.max_iterations = plan.pacing.max_iterations
            plan.max_iterations_origin = f"maxAttempts of the {plan.pacing.origin}"
        return plan




#: plans kept per document (one per criterion types and providers); the oldest goes first
MAX_PLANS = MEMO_BOUND


def plan_for(document: Document, criteria: CriterionTypes = DEFAULT_CRITERIA,
             providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> Plan:
    """The plan of ``document`` for ``criteria`` and ``providers``, compiled once and kept in
    the document's cache (:meth:`Document.bounded_memo`): one plan per criterion types value and
    providers (by identity, checked on use), at most :data:`MAX_PLANS` per document."""
    wanted = tuple(providers)
    return document.bounded_memo(
        "plans", (criteria, tuple(map(id, wanted))),
        lambda: Plan(document, criteria=criteria, providers=wanted),
        lambda plan: all(a is b for a, b in zip(plan.providers, wanted, strict=True)))
