"""Semantic validation: what the (corrected) JSON Schema cannot see (inventory section N).

:func:`validate` returns the load diagnostics (schema errors, sources that could not be read)
plus the findings of the checks below, sorted by position. Each finding has a short rule id;
the table lives in ``docs/validation.md``. The checks never raise: a document the loader
accepted always yields a list.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from arazzo._diagnostics import Diagnostic, Severity
from arazzo._exceptions import (
    AccessDenied,
    ArazzoError,
    CriterionError,
    ExpressionSyntaxError,
    LoadError,
    ReferenceError_,
    UnsupportedVersion,
    ValidationFailed,
)
from arazzo.criteria import (
    DEFAULT_CRITERIA,
    JSONPOINTER_NOT_A_CRITERION,
    CriterionTypes,
    compile_criterion,
)
from arazzo.documents._loading import (
    STEP_TARGETS,
    STEP_TARGETS_1_1,
    Document,
    MissingSource,
    OperationRef,
    load,
    step_target_message,
)
from arazzo.documents._operations import (
    Resolved,
    SourceUnavailable,
    _close,
    _did_you_mean,
    execution_order,
    resolve_async,
    resolve_operation,
    resolve_workflow,
    step_kind,
    step_text,
)
from arazzo.documents._yaml import SourceMap
from arazzo.documents.models import (
    Criterion,
    CriterionExpressionType,
    ExpressionType,
    FailureAction,
    Parameter,
    RequestBody,
    ReusableObject,
    Selector,
    Step,
    SuccessAction,
    Workflow,
)
from arazzo.engine._auth import effective_security
from arazzo.engine._responses import media_type
from arazzo.expressions import Expression, compile_selector, compile_value, parse, parse_template
from arazzo.expressions._runtime import Mode, scan_expression
from arazzo.expressions._values import payload_selector_fields

__all__ = ["validate"]

_ID_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
_DEPENDS_ON = re.compile(r"^\$(?:workflows|sourceDescriptions\.(?P<source>[A-Za-z0-9_\-]+))\."
                         r"(?P<wf>[A-Za-z0-9_\-]+)\.steps\.(?P<step>[A-Za-z0-9_\-]+)$")
_KEY_RE = re.compile(r"^[a-zA-Z0-9.\-_]+$")
_HTTP_ONLY = re.compile(r"\$(?:statusCode|response|request|url|method)\b")
_MESSAGE = re.compile(r"\$message\.")
_LOOKS_LIKE = re.compile(
    r"^\$(url|method|statusCode|request|response|inputs|outputs|steps|workflows|"
    r"sourceDescriptions|components)\b")
_COMPONENT_PREFIX = "$components."
_BRACED = re.compile(r"\{\$[^{}]*\}")
_TEMPLATE_VAR = re.compile(r"\{([^{}]+)\}")
#: header parameters OpenAPI 3 says SHALL be ignored (the request body / auth set them)
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_FORM = "application/x-www-form-urlencoded"
_FIELD_OF = {"operationId": "operation_id", "operationPath": "operation_path",
             "channelPath": "channel_path", "workflowId": "workflow_id"}
_LIST_KINDS = {"parameters": "parameters", "successActions": "successActions",
               "failureActions": "failureActions"}

ERROR = Severity.ERROR
WARNING = Severity.WARNING


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# --------------------------------------------------------------------------------------------
# entry point


def validate(source_or_document: Document | str | os.PathLike[str] | bytes, *,
             criteria: CriterionTypes = DEFAULT_CRITERIA,
             **load_kwargs: Any) -> list[Diagnostic]:
    """Validate an Arazzo description: load diagnostics plus semantic checks.

    ``source_or_document`` is a :class:`Document` or anything :func:`arazzo.load` accepts
    (``load_kwargs`` are passed on). A document that cannot be loaded yields its load errors
    as diagnostics instead of raising. Referenced Arazzo documents are validated too; their
    findings carry their own file. The result is sorted by file, line and column.

    ``criteria``: the criterion types the document may use (:class:`CriterionTypes`,
    default :data:`DEFAULT_CRITERIA`); a criterion of another type is an error
    (``criterion-type``), and each condition is checked by its type's ``compile``.
    """
    if isinstance(source_or_document, Document):
        doc = source_or_document
    else:
        try:
            doc = load(source_or_document, **load_kwargs)
        except ValidationFailed as exc:
            return _finish(exc.diagnostics)
        except ArazzoError as exc:
            return [_from_error(exc)]
    found: list[Diagnostic] = []
    for document in doc.iter_documents():
        found.extend(document.diagnostics)
        for source in document.sources.values():
            if isinstance(source, MissingSource) and isinstance(source.error, ValidationFailed):
                found.extend(source.error.diagnostics)
        found.extend(_semantic(document, criteria))
    return _finish(found)


def _from_error(exc: ArazzoError) -> Diagnostic:
    loc = exc.location
    if isinstance(exc, UnsupportedVersion):
        rule = "unsupported-version"
    elif isinstance(exc, AccessDenied):
        rule = "access"
    elif isinstance(exc, LoadError):
        rule = "load"
    else:
        rule = "document"
    return Diagnostic(ERROR, exc.message, loc.file if loc else None, loc.line if loc else None,
                      loc.column if loc else None, (loc.pointer or "") if loc else "", rule)


def _param_id(name: str, location: str | None) -> tuple[str | None, str]:
    """(in, name) identifying a parameter; header names are case-insensitive (PAR-01)."""
    return (location, name.lower() if location == "header" else name)


def _dollars(text: str) -> Iterable[int]:
    """Indexes of the ``$`` characters of ``text`` after the first character."""
    index = text.find("$", 1)
    while index >= 0:
        yield index
        index = text.find("$", index + 1)


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str, str, str]:
    return (d.file or "", d.line or 0, d.column or 0, d.pointer, d.rule, d.message)


def _parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0]


def _last_index(pointer: str) -> int:
    """Length of ``pointer`` up to its last array index segment (0 if it has none)."""
    parts = pointer.split("/")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].isdigit():
            return len("/".join(parts[:i + 1]))
    return 0


def _list_of(pointer: str) -> str:
    """The array holding the item ``pointer`` is in: ``/a/3/b`` -> ``/a``."""
    return _parent(pointer[:_last_index(pointer)])


def _item_of(pointer: str) -> str:
    """The array item ``pointer`` is in: ``/a/3/b`` -> ``/a/3``."""
    return pointer[:_last_index(pointer)]


# A semantic finding says the same as a schema error, better: (semantic rule, the schema
# error's pointer as a function of the finding's pointer, a text of the schema message). The
# schema error is dropped when a finding of that rule maps onto its pointer in the same file.
_SUPERSEDES: tuple[tuple[str, Callable[[str], str], str], ...] = (
    ("key-pattern", _parent, "does not match"),  # propertyNames of components.*
    ("duplicate-id", _list_of, "has non-unique elements"),  # uniqueItems
    ("duplicate-parameter", _list_of, "has non-unique elements"),
    ("duplicate-action", _list_of, "has non-unique elements"),
    ("parameter-in", _item_of, "'in' is a required property"),
    ("parameter-in", _item_of, "'reference' is a required property"),  # 1.1's oneOf
    ("step-target", _item_of, "a step MUST name exactly one of"),
    ("async-field", _parent, "applies to AsyncAPI steps only"),
    ("async-field", _parent, "applies to receive steps only"),
    ("async-action", lambda p: p, "needs 'action: send' or 'action: receive'"),
    # 1.1 action parameters without workflowId (V11-AMB-40): the schema's if/then branches
    ("action-parameters", _parent, "'reference' is a required property"),
    ("action-parameters", _parent, "'workflowId' is a required property"),
)


def _finish(found: Iterable[Diagnostic]) -> list[Diagnostic]:
    unique = list(dict.fromkeys(found))
    covered = {(d.file, rule, at(d.pointer), text)
               for d in unique for rule, at, text in _SUPERSEDES if d.rule == rule}
    if covered:
        unique = [d for d in unique if d.rule != "schema" or not any(
            (d.file, rule, d.pointer, text) in covered and text in d.message
            for rule, _at, text in _SUPERSEDES)]
    return sorted(unique, key=_sort_key)


def _semantic(doc: Document, criteria: CriterionTypes = DEFAULT_CRITERIA) -> list[Diagnostic]:
    # once per document and criterion types value (Document.memo)
    found: list[Diagnostic] = doc.memo(("semantic", criteria),
                                       lambda: _Checker(doc, criteria).run())
    return found


# --------------------------------------------------------------------------------------------
# positions


def _expression_position(smap: SourceMap, pointer: str, index: int) -> tuple[int | None,
                                                                              int | None]:
    """Line and column of character ``index`` of the string scalar at ``pointer``."""
    node, _key, rest = smap.node_at(pointer)
    if node is None:
        loc = smap.locate(pointer)
        return loc.line, loc.column
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if rest or not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
        return line, column
    if node.end_mark.line != node.start_mark.line:
        return line, column
    return line, column + index + (1 if node.style in ('"', "'") else 0)


def _caret(text: str, index: int) -> str:
    """The line of ``text`` holding ``index``, with a caret under that character."""
    index = max(0, min(index, len(text)))
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    line = text[start:] if end < 0 else text[start:end]
    return f"\n    {line}\n    {' ' * (index - start)}^"


# --------------------------------------------------------------------------------------------
# the checker


@dataclass
class _Scope:
    """Where an expression is read: the workflow, and the step position for forward refs."""

    workflow: Workflow | None = None
    step_index: int | None = None  # None: workflow level, no forward-reference check
    request: bool = False  # parameters / request body: the step's own outputs do not exist yet


class _Checker:
    def __init__(self, doc: Document, criteria: CriterionTypes = DEFAULT_CRITERIA) -> None:
        self.doc = doc
        self.criteria = criteria
        self.version = doc.spec.spec_minor  # the expression rules (V11-VER-01)
        self.v11 = self.version == "1.1"
        #: step index -> position in the run's order, for the workflow being checked
        self.positions: dict[int, int] = {}
        self.smap = doc.source_map
        self.out: list[Diagnostic] = []
        comps = doc.spec.components
        self.components: dict[str, Mapping[str, Any]] = {
            "parameters": (comps.parameters or {}) if comps else {},
            "successActions": (comps.success_actions or {}) if comps else {},
            "failureActions": (comps.failure_actions or {}) if comps else {},
            "inputs": (comps.inputs or {}) if comps else {},
        }

    # -- output ------------------------------------------------------------------------------

    def emit(self, severity: Severity, rule: str, pointer: str, message: str, *,
             key: bool = False) -> None:
        loc = self.smap.locate(pointer, key=key)
        self.out.append(Diagnostic(severity, message, loc.file, loc.line, loc.column, pointer,
                                   rule))

    def emit_at(self, severity: Severity, rule: str, pointer: str, index: int,
                message: str) -> None:
        line, column = _expression_position(self.smap, pointer, index)
        self.out.append(Diagnostic(severity, message, self.smap.file, line, column, pointer,
                                   rule))

    def run(self) -> list[Diagnostic]:
        spec = self.doc.spec
        self.check_ids()
        self.check_components()
        for wi, workflow in enumerate(spec.workflows):
            self.check_workflow(workflow, f"/workflows/{wi}")
        self.check_cycles()
        return self.out

    # -- SEM-01 / SEM-02: ids and keys ---------------------------------------------------------

    def check_ids(self) -> None:
        spec = self.doc.spec
        self._unique([(s.name, f"/sourceDescriptions/{i}/name")
                      for i, s in enumerate(spec.source_descriptions)],
                     "source description name", "SRC-01")
        self._unique([(w.workflow_id, f"/workflows/{i}/workflowId")
                      for i, w in enumerate(spec.workflows)], "workflowId", "WF-01")
        for i, source in enumerate(spec.source_descriptions):
            self._pattern(source.name, f"/sourceDescriptions/{i}/name",
                          "source description name", "SRC-01")
        for wi, workflow in enumerate(spec.workflows):
            base = f"/workflows/{wi}"
            self._pattern(workflow.workflow_id, f"{base}/workflowId", "workflowId", "WF-01")
            self._unique([(s.step_id, f"{base}/steps/{si}/stepId")
                          for si, s in enumerate(workflow.steps)],
                         f"stepId in workflow {workflow.workflow_id!r}", "STP-01")
            for si, step in enumerate(workflow.steps):
                self._pattern(step.step_id, f"{base}/steps/{si}/stepId", "stepId", "STP-01")
            self._keys(workflow.outputs, f"{base}/outputs", "workflow outputs", "WF-08")
            for si, step in enumerate(workflow.steps):
                self._keys(step.outputs, f"{base}/steps/{si}/outputs", "step outputs", "STP-11")

    def _unique(self, items: list[tuple[str, str]], what: str, ref: str) -> None:
        first: dict[str, str] = {}
        for value, pointer in items:
            if value in first:
                self.emit(ERROR, "duplicate-id", pointer,
                          f"duplicate {what} {value!r} (first at {first[value]}); it MUST be "
                          f"unique - rename one of them (SEM-01, {ref})")
            else:
                first[value] = pointer

    def _pattern(self, value: str, pointer: str, what: str, ref: str) -> None:
        if not _ID_RE.match(value):
            self.emit(WARNING, "id-pattern", pointer,
                      f"{what} {value!r} SHOULD match [A-Za-z0-9_-]+ (it cannot be used in "
                      f"runtime expressions otherwise); rename it (SEM-02, {ref})")

    def _keys(self, mapping: Mapping[str, Any] | None, pointer: str, what: str,
              ref: str) -> None:
        for key in mapping or {}:
            if not _KEY_RE.match(key):
                self.emit(ERROR, "key-pattern", f"{pointer}/{_escape(key)}",
                          f"key {key!r} of {what} MUST match ^[a-zA-Z0-9.\\-_]+$; rename it "
                          f"(SEM-02, {ref})", key=True)

    # -- components --------------------------------------------------------------------------

    def check_components(self) -> None:
        comps = self.doc.spec.components
        if comps is None:
            return
        for kind in ("inputs", "parameters", "successActions", "failureActions"):
            self._keys(self.components[kind], f"/components/{kind}", f"components.{kind}",
                       "CMP-02")
        scope = _Scope()
        for key, param in (comps.parameters or {}).items():
            base = f"/components/parameters/{_escape(key)}"
            self.check_value(param.value, f"{base}/value", scope)
        for kind, actions in (("successActions", comps.success_actions),
                              ("failureActions", comps.failure_actions)):
            for key, action in (actions or {}).items():
                self.check_action(action, f"/components/{kind}/{_escape(key)}", scope)

    # -- workflows ---------------------------------------------------------------------------

    def check_workflow(self, workflow: Workflow, base: str) -> None:
        wscope = _Scope(workflow)
        if workflow.inputs is not None:
            self.check_inputs(workflow.inputs, f"{base}/inputs")
            self.check_inputs_refs(base)
        for i, ref in enumerate(workflow.depends_on or []):
            self.check_workflow_ref(ref, f"{base}/dependsOn/{i}", "dependsOn", "WF-04")
        self.check_parameters(workflow.parameters, f"{base}/parameters", wscope, target=None)
        self.check_actions(workflow.success_actions, f"{base}/successActions",
                           "successActions", wscope)
        self.check_actions(workflow.failure_actions, f"{base}/failureActions",
                           "failureActions", wscope)
        self.positions = {}
        if self.v11:  # the order a run takes (V11-STP-14); a cycle has none
            try:
                order = execution_order(workflow)
                self.positions = {index: position for position, index in enumerate(order)}
            except ReferenceError_ as exc:
                self.emit(ERROR, "depends-on", f"{base}/steps", exc.message, key=True)
                self.positions = dict.fromkeys(range(len(workflow.steps)), 0)  # no order
        for si, step in enumerate(workflow.steps):
            self.check_step(workflow, si, step, f"{base}/steps/{si}")
        if self.v11:
            self.check_unreferenceable_ids(workflow, base)
        for key, value in (workflow.outputs or {}).items():
            self.check_output(value, f"{base}/outputs/{_escape(key)}", wscope)

    def check_unreferenceable_ids(self, workflow: Workflow, base: str) -> None:
        """V11-RTE-11, V11-AMB-38: a step id outside ``[A-Za-z0-9_-]`` cannot appear in an
        expression; each place that tries (``$steps.<that id>.``) is an error."""
        odd = [s.step_id for s in workflow.steps if not _ID_RE.match(s.step_id)]
        if not odd:
            return
        raw = self.doc.raw["workflows"][int(base.rsplit("/", 1)[1])]

        def walk(node: Any, pointer: str) -> None:
            if isinstance(node, str):
                for step_id in odd:
                    if f"$steps.{step_id}." in node:
                        self.emit(ERROR, "step-output-ref", pointer,
                                  f"step id {step_id!r} is not an identifier "
                                  "([A-Za-z0-9_-]), so '$steps.' cannot name it: rename the "
                                  "step (V11-RTE-11, V11-AMB-38)")
            elif isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{pointer}/{_escape(str(key))}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, f"{pointer}/{index}")

        walk(raw, base)

    def check_inputs_refs(self, base: str) -> None:
        """WF-03, V11-VER-09: every ``$ref`` of the inputs schema resolves within the document,
        by JSON Pointer or by plain name (``#name``, a ``$anchor``); a run could not check its
        inputs otherwise."""
        from arazzo.documents._loading import ref_loops, unresolved_refs, with_pointer_refs

        root = self.doc.memo(("pointer-refs",), lambda: with_pointer_refs(self.doc.raw))
        schema = root["workflows"][int(base.rsplit("/", 1)[1])].get("inputs")
        for where, ref in unresolved_refs(schema, root):
            self.emit(ERROR, "inputs-ref", f"{base}/inputs{where}",
                      f"$ref {ref!r} of the workflow's inputs schema does not resolve within "
                      "this document: point at a schema here, '#/components/inputs/<name>' or "
                      "a '$anchor' name (WF-03, V11-VER-09)")
        for where, ref in ref_loops(schema, root, f"{base}/inputs"):
            self.emit(ERROR, "inputs-ref-loop", where,
                      f"$ref {ref!r} leads the workflow's inputs schema back to itself for the "
                      "same value (through $ref, allOf, anyOf, oneOf, not or if/then/else, "
                      "never into a property or an item), so checking any inputs never ends: "
                      "remove the reference or move it under 'properties' or 'items' (WF-03)")

    def check_inputs(self, schema: Mapping[str, Any], pointer: str) -> None:
        """WF-03: inputs are a map of names (``$inputs.<name>``), so their schema describes an
        object. An explicit ``type`` without ``object`` (also behind a local ``$ref``, e.g. to
        ``components.inputs``) can accept no inputs at all; a schema without ``type`` is fine."""
        where, via = f"{pointer}/type", ""
        if isinstance(schema.get("$ref"), str):
            from arazzo.documents._loading import deref_local as _deref

            where, via = f"{pointer}/$ref", f" ({schema['$ref']!r} resolves to it)"
            schema = _deref(schema, self.doc.raw)
            if not isinstance(schema, Mapping):
                return
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else kind
        if not isinstance(kinds, list) or "object" in kinds:
            return
        shown = kind if isinstance(kind, str) else ", ".join(map(str, kinds))
        self.emit(ERROR, "inputs-type", where,
                  f"the workflow's inputs schema has type {shown!r}{via}, but inputs are a map "
                  "of names read as $inputs.<name>, so no call could satisfy it; describe an "
                  "object: 'type: object' with 'properties' (WF-03)")

    def check_step(self, workflow: Workflow, index: int, step: Step, base: str) -> None:
        request = _Scope(workflow, index, request=True)
        scope = _Scope(workflow, index)
        targets = STEP_TARGETS_1_1 if self.v11 else STEP_TARGETS
        named = [n for n in targets if getattr(step, _FIELD_OF[n]) is not None]
        target: str | None = step.target_kind
        if len(named) != 1:  # STP-02; what it calls (and so its parameters) is unknown
            target = None
            self.emit(ERROR, "step-target", f"{base}/{named[1]}" if named else base,
                      step_target_message(named, v11=self.v11), key=bool(named))
        resolved: Resolved | None = None
        kind = step_kind(self.doc, step) if target is not None else None
        if self.v11:
            self.check_v11_step(workflow, step, base, kind)
        if target == "workflowId" and step.workflow_id is not None:
            self.check_workflow_ref(step.workflow_id, f"{base}/workflowId", "step workflowId",
                                    "STP-05")
        elif kind == "asyncapi":
            target = "channelPath"
        elif target in ("operationId", "operationPath"):
            resolved = self.check_operation(workflow, step, base)
        self.check_parameters(step.parameters, f"{base}/parameters", request, target=target)
        if target in ("operationId", "operationPath"):
            self.check_querystring(workflow, step, base, resolved)
        body = step.request_body
        if body is not None:
            if body.has_payload:
                self.check_value(body.payload, f"{base}/requestBody/payload", request)
            for ri, replacement in enumerate(body.replacements or []):
                self.check_value(replacement.value,
                                 f"{base}/requestBody/replacements/{ri}/value", request)
            if body.replacements:
                self.check_replacements(body, resolved, f"{base}/requestBody")
        for ci, criterion in enumerate(step.success_criteria or []):
            self.check_criterion(criterion, f"{base}/successCriteria/{ci}", scope)
        self.check_actions(step.on_success, f"{base}/onSuccess", "successActions", scope)
        self.check_actions(step.on_failure, f"{base}/onFailure", "failureActions", scope)
        for key, value in (step.outputs or {}).items():
            self.check_output(value, f"{base}/outputs/{_escape(key)}", scope)

    # -- Arazzo 1.1 step fields (V11-STP-*, V11-AMB-06..19) -----------------------------------

    def check_v11_step(self, workflow: Workflow, step: Step, base: str, kind: str | None
                       ) -> None:
        if step.timeout is not None and step.timeout <= 0:
            self.emit(ERROR, "step-timeout", f"{base}/timeout",
                      f"timeout {step.timeout} is not a duration: give the milliseconds the "
                      "step may take, greater than 0 (V11-STP-07, V11-AMB-12)")
        for i, ref in enumerate(step.depends_on or []):
            self.check_depends_on(workflow, step, ref, f"{base}/dependsOn/{i}")
        if kind == "workflow" and step.timeout is not None and step.timeout > 0:
            self.emit(WARNING, "step-timeout", f"{base}/timeout",
                      "this engine bounds a step's HTTP request by its timeout; a step that "
                      "calls a workflow is not bounded as a whole, so this timeout has no "
                      "effect (give the called workflow's steps their own, V11-STP-07, "
                      "V11-AMB-12)", key=True)
        if kind == "workflow" and step.request_body is not None:
            self.emit(WARNING, "workflow-body", f"{base}/requestBody",
                      "a step that calls a workflow sends no request: its 'requestBody' is "
                      "ignored; pass values as parameters (STP-07, V11-AMB-43)", key=True)
        if kind is None or kind == "unknown":
            return
        self.check_message_expressions(step, base, kind)
        if kind != "asyncapi":
            what = {"workflow": "a workflow step", "openapi": "an OpenAPI step"}[kind]
            for field, name in (("action", "action"), ("correlation_id", "correlationId")):
                if getattr(step, field) is not None:
                    self.emit(ERROR, "async-field", f"{base}/{name}",
                              f"{name!r} applies to AsyncAPI steps only (an operationId or "
                              f"channelPath into an 'asyncapi' source); this is {what}: "
                              "remove it (V11-STP-05, V11-STP-06, V11-AMB-06)", key=True)
            return
        pointer = f"{base}/{'channelPath' if step.channel_path is not None else 'operationId'}"
        try:
            found = resolve_async(self.doc, step)
        except SourceUnavailable:
            found = None
        except ReferenceError_ as exc:
            self.emit(ERROR, "unresolved-operation", pointer, exc.message)
            found = None
        for warning in found.warnings if found else ():
            self.emit(WARNING, "async-target", pointer, warning)
        if step.action is None:
            self.emit(ERROR, "async-action", base,
                      f"step {step.step_id!r} calls an AsyncAPI operation but has no 'action': "
                      "say whether it sends or receives, 'action: send' or 'action: receive' "
                      "(V11-STP-05, V11-AMB-06)")
        if step.correlation_id is not None:
            if step.action == "send":
                self.emit(ERROR, "async-field", f"{base}/correlationId",
                          "'correlationId' applies to receive steps only; this step sends "
                          "(V11-STP-06)", key=True)
            if isinstance(step.correlation_id, (dict, list)):
                self.emit(ERROR, "async-correlation", f"{base}/correlationId",
                          "correlationId is a string (a literal or a runtime expression), not "
                          "an object or array (V11-STP-06, V11-AMB-10)")
            elif not isinstance(step.correlation_id, str):
                self.emit(WARNING, "async-correlation", f"{base}/correlationId",
                          f"correlationId {step.correlation_id!r} is not a string; it is "
                          "compared by its string form (V11-STP-06, V11-AMB-10)")
        if step.action == "receive" and step.timeout is None:
            self.emit(WARNING, "async-timeout", base,
                      f"receive step {step.step_id!r} has no 'timeout': it would wait for a "
                      "message as long as the run may last; give the milliseconds to wait "
                      "(V11-STP-07, V11-AMB-12)")
        if step.action == "receive" and step.request_body is not None:
            self.emit(ERROR, "async-body", f"{base}/requestBody",
                      "a receive step sends nothing: remove 'requestBody' (its payload is "
                      "only for send steps, V11-AMB-15)", key=True)
        for i, item in enumerate(step.parameters or []):
            if isinstance(item, Parameter) and item.in_ is None:
                self.emit(ERROR, "parameter-in", f"{base}/parameters/{i}",
                          f"parameter {item.name!r} has no 'in': parameters of an AsyncAPI "
                          "step are message headers, 'in: header' (V11-PAR-05, V11-AMB-15)")
            elif isinstance(item, Parameter) and item.in_ != "header":
                self.emit(ERROR, "parameter-in", f"{base}/parameters/{i}/in",
                          f"parameter {item.name!r}: 'in: {item.in_}' has no meaning on an "
                          "AsyncAPI step; its parameters are message headers, 'in: header' "
                          "(V11-AMB-15)")

    def check_message_expressions(self, step: Step, base: str, kind: str) -> None:
        """V11-AMB-14: HTTP expressions (``$statusCode``, ``$response``, ``$request``, ``$url``,
        ``$method``) mean nothing in an AsyncAPI step, and ``$message`` nothing elsewhere."""
        text = step_text(step)
        if kind == "asyncapi":
            found = sorted(set(_HTTP_ONLY.findall(text)))
            if found:
                self.emit(ERROR, "async-expression", base,
                          f"step {step.step_id!r} sends or receives a message, so "
                          f"{', '.join(found)} has no value there (only HTTP steps have one); "
                          "read the message with '$message.header.<name>' or "
                          "'$message.payload#/...' (V11-AMB-14)")
        elif _MESSAGE.search(text):
            self.emit(ERROR, "async-expression", base,
                      f"step {step.step_id!r} is not an AsyncAPI step, so it has no message: "
                      "'$message' is read on send and receive steps only (V11-AMB-14)")

    def check_depends_on(self, workflow: Workflow, step: Step, ref: str, pointer: str) -> None:
        """V11-STP-09: a stepId of this workflow, ``$workflows.<wf>.steps.<step>`` or
        ``$sourceDescriptions.<name>.<wf>.steps.<step>``."""
        if not ref.startswith("$"):
            if ref == step.step_id:
                self.emit(ERROR, "depends-on", pointer,
                          f"step {ref!r} cannot depend on itself (V11-STP-08)")
            elif workflow.step(ref) is None:
                self.emit(ERROR, "depends-on", pointer,
                          f"dependsOn {ref!r}: workflow {workflow.workflow_id!r} has no such "
                          f"step{_did_you_mean(ref, [s.step_id for s in workflow.steps])}; a "
                          "step of another workflow is '$workflows.<workflowId>.steps.<stepId>' "
                          "(V11-STP-09)")
            return
        match = _DEPENDS_ON.match(ref)
        if match is None:
            self.emit(ERROR, "depends-on", pointer,
                      f"dependsOn {ref!r} is none of the three forms: a stepId of this "
                      "workflow, '$workflows.<workflowId>.steps.<stepId>' or "
                      "'$sourceDescriptions.<name>.<workflowId>.steps.<stepId>' (V11-STP-09)")
            return
        source_name, wf_id, step_id = match.group("source"), match.group("wf"), match.group(
            "step")
        ref_wf = f"$sourceDescriptions.{source_name}.{wf_id}" if source_name else wf_id
        try:
            _owner, target_wf = resolve_workflow(self.doc, ref_wf, location=None)
        except SourceUnavailable:
            return
        except ReferenceError_ as exc:
            self.emit(ERROR, "depends-on", pointer, f"dependsOn {ref!r}: {exc.message}")
            return
        if target_wf.step(step_id) is None:
            self.emit(ERROR, "depends-on", pointer,
                      f"dependsOn {ref!r}: workflow {wf_id!r} has no step {step_id!r}"
                      f"{_did_you_mean(step_id, [s.step_id for s in target_wf.steps])} "
                      "(V11-STP-09)")

    # -- targets -----------------------------------------------------------------------------

    def check_operation(self, workflow: Workflow, step: Step, base: str) -> Resolved | None:
        field = "operationId" if step.operation_id is not None else "operationPath"
        pointer = f"{base}/{field}"
        if step.operation_path is not None and "{$" in step.operation_path:
            try:
                parse_template(step.operation_path, version=self.version)
            except ExpressionSyntaxError as exc:
                self.syntax_error(exc, pointer, "operationPath")
                return None
        try:
            resolved = resolve_operation(self.doc, step)
        except SourceUnavailable:
            return None  # the loader already reported the source (error, or a warning for remote)
        except ReferenceError_ as exc:
            self.emit(ERROR, "unresolved-operation", pointer, f"{exc.message} (SEM-04)")
            return None
        for warning in resolved.warnings:
            self.emit(WARNING, "lenient-reference", pointer, f"{warning} (S-23)")
        self.check_required(workflow, step, base, pointer, resolved.operation)
        return resolved

    def check_required(self, workflow: Workflow, step: Step, base: str, pointer: str,
                       op: OperationRef) -> None:
        """PAR-06: every ``{name}`` of the operation's path gets a value (error: the URL
        cannot be built), and every required query / header / cookie parameter (warning).
        Supplied are the step's parameters and the workflow's with an ``in`` (WF-09,
        STP-06); what the operation's security schemes send is not asked of the step."""
        try:
            declared = op.parameters()
            security = effective_security(op)
        except ArazzoError:
            return  # an OpenAPI operation the models cannot hold: not this rule's business
        supplied = [*self._supplied(workflow.parameters, f"{base.rsplit('/steps/', 1)[0]}"
                                    "/parameters"),
                    *self._supplied(step.parameters, f"{base}/parameters")]
        given = {_param_id(param.name, param.in_) for param, _ in supplied}
        by_auth = {use.sets() for requirement in security for use in requirement}
        where = f"{op.method.upper()} {op.path}"
        path = op.path.split("#", 1)[0]  # APIs.guru '/#X-Amz-Target=...' keys
        template = list(dict.fromkeys(_TEMPLATE_VAR.findall(path)))
        # a supplied parameter that names one of the operation's is no misspelling of another
        known = {_param_id(p.name, p.in_) for p in declared} | {("path", n) for n in template}
        supplied_free = [(p, at) for p, at in supplied
                         if _param_id(p.name, p.in_) not in known]
        for name in template:
            if ("path", name) in given:
                continue
            near = self._near(name, "path", supplied_free)
            if near is not None:
                param, at = near
                self.emit(ERROR, "required-parameter", at,
                          f"step parameter {param.name!r} (in: path) does not supply path "
                          f"parameter {name!r} of {where}, so the URL cannot be built (names "
                          "are case-sensitive and must match the path template); did you "
                          f"mean {name!r}? (PAR-06, PAR-02)")
            else:
                self.emit(ERROR, "required-parameter", pointer,
                          f"path parameter {name!r} of {where} gets no value: add a parameter "
                          f"with name {name!r} and in: path to the step (or its workflow); "
                          "the URL cannot be built without it (PAR-06)")
        querystring = any(p.in_ == "querystring" for p, _ in supplied)
        for spec in declared:
            if not spec.required or spec.in_ not in ("query", "header", "cookie",
                                                     "querystring"):
                continue
            if spec.in_ in ("query", "querystring") and querystring:
                continue  # the step's querystring is the whole query; its name: check_querystring
            if spec.in_ == "querystring" and self.doc.spec.spec_minor == "1.0":
                continue  # a 1.0 step cannot give one (V11-PAR-01): 1.0 is unchanged
            if spec.in_ == "header" and spec.name.lower() in _IGNORED_HEADERS:
                continue  # OpenAPI 3: these header parameters SHALL be ignored
            if _param_id(spec.name, spec.in_) in given:
                continue
            if (spec.in_, spec.name.lower()) in by_auth:
                continue  # an apiKey security scheme sends it
            near = self._near(spec.name, spec.in_, supplied_free)
            hint = (f"; step parameter {near[0].name!r} (in: {near[0].in_}) does not match: "
                    f"did you mean {spec.name!r}?" if near is not None else "")
            self.emit(WARNING, "required-parameter", near[1] if near else pointer,
                      f"required {spec.in_} parameter {spec.name!r} of {where} is not "
                      f"supplied by the step or its workflow, so the request is sent without "
                      f"it; add a parameter with name {spec.name!r} and in: {spec.in_}"
                      f"{hint} (PAR-06)")

    def _supplied(self, items: list[Parameter | ReusableObject] | None, base: str
                  ) -> list[tuple[Parameter, str]]:
        """The parameters of a list that have an ``in``, Reusable Objects resolved (a bad
        reference is reported by ``check_parameters``), with the pointer of their name."""
        out = []
        table = self.components["parameters"]
        for i, item in enumerate(items or []):
            if isinstance(item, ReusableObject):
                key = item.reference.removeprefix(f"{_COMPONENT_PREFIX}parameters.")
                param = table.get(key) if key != item.reference else None
                at = f"{base}/{i}/reference"
            else:
                param, at = item, f"{base}/{i}/name"
            if isinstance(param, Parameter) and param.in_ is not None:
                out.append((param, at))
        return out

    @staticmethod
    def _near(name: str, location: str, supplied: list[tuple[Parameter, str]]
              ) -> tuple[Parameter, str] | None:
        """A supplied parameter of ``location`` whose name is close to ``name``."""
        for param, at in supplied:
            if param.in_ == location and param.name != name and name in _close(
                    param.name, [name]):
                return param, at
        return None

    # -- replacements (RB-03, PR-01) ---------------------------------------------------------

    def check_replacements(self, body: RequestBody, resolved: Resolved | None,
                           base: str) -> None:
        """What the run would refuse: an XPath target (valid Arazzo for XML bodies, not
        supported here: a warning), or a JSON Pointer into a string payload other than a
        form-urlencoded one, whose fields the engine splits out (an error); a string payload
        that is a whole runtime expression is only known at run time."""
        content_type = body.content_type
        if content_type is None and resolved is not None and (
                resolved.operation.operation.request_body is not None):
            from arazzo.engine._plan import _concrete_media_type  # lazy: rare, and _plan is heavy

            content_type = _concrete_media_type(
                resolved.operation.operation.request_body.content)
        payload = body.payload if body.has_payload else None
        if self.v11:
            self.check_replacements_v11(body, content_type, resolved, base)
            return
        string = isinstance(payload, str) and not _is_expression(payload, self.version)
        media = media_type(content_type) if content_type else None
        for ri, replacement in enumerate(body.replacements or []):
            target, pointer = replacement.target, f"{base}/replacements/{ri}/target"
            if target in ("", "/"):
                continue
            if not target.startswith("/") or (string and media is not None
                                               and media.endswith("xml")):
                self.emit(WARNING, "replacement-target", pointer,
                          f"replacement target {target!r} is an XPath expression (an XML "
                          "body); that is valid Arazzo, but this engine supports only JSON "
                          "Pointer targets, so the run refuses the step - build the payload "
                          "string with {$...} parts instead (PR-01, RB-03)")
            elif string and media != _FORM and (content_type is not None or resolved
                                                 is not None):
                shown = f"a string ({media})" if media else "a string"
                self.emit(ERROR, "replacement-target", pointer,
                          f"replacement target {target!r} points into the payload, but the "
                          f"payload is {shown}, which a JSON Pointer cannot address (only a "
                          "form-urlencoded string is split into its fields); write the payload "
                          "as an object, or put the value into the string with {$...} "
                          "(PR-01, RB-03)")

    def check_replacements_v11(self, body: RequestBody, content_type: str | None,
                               resolved: Resolved | None, base: str) -> None:
        """Arazzo 1.1 targets (V11-RBD-02..04, V11-AMB-41): each is read by its
        ``targetSelectorType``, else by the payload's media type (XPath for XML, JSON Pointer
        otherwise), and compiled as the run compiles it; a syntax error, a JSON Pointer or
        JSONPath target into a string payload (other than a form-urlencoded one, whose fields
        the engine splits out) and an XPath target into an object or array are errors."""
        from arazzo.engine._targets import (  # lazy, as _plan above
            TargetError,
            compile_target,
            target_kind,
            xml_namespaces,
        )

        payload = body.payload if body.has_payload else None
        string = isinstance(payload, str) and not _is_expression(payload)
        namespaces = xml_namespaces(payload) if isinstance(payload, str) else {}
        media = media_type(content_type) if content_type else None
        for ri, rep in enumerate(body.replacements or []):
            at = f"{base}/replacements/{ri}"
            selector = rep.target_selector_type
            try:
                if isinstance(selector, ExpressionType):
                    kind, version = target_kind(selector.type, selector.version, content_type)
                else:
                    kind, version = target_kind(selector, None, content_type)
            except TargetError as exc:
                self.emit(ERROR, "replacement-target", f"{at}/targetSelectorType", exc.message)
                continue
            why = (f"targetSelectorType {kind!r}" if selector is not None else
                   f"read as {kind} by the media type {media or '(none)'} (V11-RBD-04)")
            try:
                compile_target(rep.target, kind, version, namespaces)
            except TargetError as exc:
                self.emit_at(ERROR, "replacement-target", f"{at}/target", exc.index,
                             f"invalid replacement target ({why}): {exc.message}"
                             f"{_caret(rep.target, exc.index)}")
                continue
            if kind in ("jsonpointer", "jsonpath") and string and media != _FORM and (
                    kind == "jsonpath" or rep.target not in ("", "/")):
                shown = f"a string ({media})" if media else "a string"
                self.emit(ERROR, "replacement-target", f"{at}/target",
                          f"replacement target {rep.target!r} ({why}) points into the "
                          f"payload, but the payload is {shown}, which a {kind} target cannot "
                          "address (only a form-urlencoded string is split into its fields); "
                          "write the payload as an object, or for an XML payload set "
                          "contentType to an XML media type or targetSelectorType: xpath "
                          "(V11-RBD-04, V11-AMB-41)")
            elif kind == "xpath" and isinstance(payload, (dict, list)):
                self.emit(ERROR, "replacement-target", f"{at}/target",
                          f"replacement target {rep.target!r} ({why}) is an XPath expression, "
                          "but the payload is an object or array, not an XML document; use a "
                          "JSON Pointer or JSONPath target (targetSelectorType: jsonpointer or "
                          "jsonpath) (V11-RBD-04)")

    def check_workflow_ref(self, ref: str, pointer: str, what: str, inventory: str) -> None:
        try:
            resolve_workflow(self.doc, ref)
        except SourceUnavailable:
            return
        except ReferenceError_ as exc:
            self.emit(ERROR, "unknown-workflow", pointer,
                      f"{what}: {exc.message} (SEM-04, {inventory})")

    # -- parameters (SEM-03, SEM-06, REU-01..04) ---------------------------------------------

    def check_parameters(self, params: list[Parameter | ReusableObject] | None, base: str,
                         scope: _Scope, *, target: str | None) -> None:
        seen: dict[tuple[str, str | None], str] = {}
        for i, item in enumerate(params or []):
            pointer = f"{base}/{i}"
            if isinstance(item, ReusableObject):
                param = self.check_reusable(item, pointer, "parameters", scope)
                if item.has_value:
                    self.check_value(item.value, f"{pointer}/value", scope)
                where = f"{pointer}/reference"
            else:
                param = item
                self.check_value(item.value, f"{pointer}/value", scope)
                where = pointer
            if not isinstance(param, Parameter):
                continue
            if target in ("operationId", "operationPath") and param.in_ is None:
                self.emit(ERROR, "parameter-in", where,
                          f"parameter {param.name!r} has no 'in': parameters of an operation "
                          "step MUST say where they go (path, query, header or cookie) "
                          "(SEM-06, PAR-03)")
            elif target == "action" and param.in_ is not None:
                self.emit(ERROR, "parameter-in", where,
                          f"action parameter {param.name!r} has 'in: {param.in_}': the "
                          "parameters of an action are the inputs of its workflow, and 'in' "
                          "MUST NOT be used on them; remove 'in' (V11-ACT-05, V11-PAR-05)")
            elif target == "workflowId" and param.in_ is not None:
                self.emit(WARNING, "parameter-in", where,
                          f"parameter {param.name!r} has 'in: {param.in_}', which is not used "
                          "when the step calls a workflow (its parameters become the "
                          "workflow's inputs); remove 'in' (SEM-06, PAR-03)")
            ident = (param.name, param.in_)
            if ident in seen:
                shown = f"{param.name!r}" + (f" in {param.in_}" if param.in_ else "")
                refs = "V11-ACT-04" if target == "action" else "SEM-03, REU-04"
                self.emit(ERROR, "duplicate-parameter", where,
                          f"duplicate parameter {shown} (first at {seen[ident]}); a list MUST "
                          "NOT hold two parameters with the same name and location - remove "
                          f"one ({refs})")
            else:
                seen[ident] = pointer

    # -- querystring (V11-PAR-01..04) --------------------------------------------------------

    def _located(self, items: list[Parameter | ReusableObject] | None, base: str
                 ) -> Iterable[tuple[Parameter, str, str]]:
        """(parameter, pointer of its name or reference, pointer of its value) for each
        parameter of a list, Reusable Objects resolved (bad ones: ``check_parameters``)."""
        table = self.components["parameters"]
        for i, item in enumerate(items or []):
            pointer = f"{base}/{i}"
            if not isinstance(item, ReusableObject):
                yield item, f"{pointer}/name", f"{pointer}/value"
                continue
            key = item.reference.removeprefix(f"{_COMPONENT_PREFIX}parameters.")
            param = table.get(key) if key != item.reference else None
            if not isinstance(param, Parameter):
                continue
            if item.has_value:
                yield (param.model_copy(update={"value": item.value}), f"{pointer}/reference",
                       f"{pointer}/value")
            else:
                yield (param, f"{pointer}/reference",
                       f"/components/parameters/{_escape(key)}/value")

    def check_querystring(self, workflow: Workflow, step: Step, base: str,
                          resolved: Resolved | None) -> None:
        """An operation step's ``in: querystring`` parameter (the step's and its workflow's,
        the step's winning): its value must be a string (V11-PAR-03); it is the whole query,
        so it stands alone (V11-PAR-04); the operation's own querystring parameter, if it
        declares one (OpenAPI 3.2), should be the one named (warning, V11-PAR-02)."""
        wbase = f"{base.rsplit('/steps/', 1)[0]}/parameters"
        merged: dict[tuple[str | None, str], tuple[Parameter, str, str]] = {}
        for found in (*self._located(workflow.parameters, wbase),
                      *self._located(step.parameters, f"{base}/parameters")):
            merged[_param_id(found[0].name, found[0].in_)] = found
        effective = list(merged.values())
        strings = [f for f in effective if f[0].in_ == "querystring"]
        if not strings:
            return
        for param, _at, value_at in strings:
            value = param.value
            if not isinstance(value, (str, Selector)):
                shown = "null" if value is None else type(value).__name__
                if isinstance(value, bool):
                    shown = "boolean"
                elif isinstance(value, (int, float)):
                    shown = "number"
                elif isinstance(value, (dict, list)):
                    shown = "object" if isinstance(value, dict) else "array"
                self.emit(ERROR, "querystring", value_at,
                          f"querystring parameter {param.name!r} has a {shown} value, but its "
                          "value MUST be a string holding the whole query string, e.g. "
                          "'status=active&limit=10' (V11-PAR-03)")
        first, first_at, _ = strings[0]
        for param, at, _ in strings[1:]:
            self.emit(ERROR, "querystring", at,
                      f"querystring parameter {param.name!r} is the second of this step (the "
                      f"first is {first.name!r} at {_parent(first_at)}); a querystring "
                      "parameter is the whole query string, so there can be only one - merge "
                      "them into one value (V11-PAR-04)")
        for param, at, _ in effective:
            if param.in_ == "query":
                self.emit(ERROR, "querystring", at,
                          f"query parameter {param.name!r} cannot be combined with the "
                          f"querystring parameter {first.name!r} (at {_parent(first_at)}): "
                          "that one is the whole query string; put "
                          f"'{param.name}=...' into its value instead (V11-PAR-04)")
        if resolved is None:
            return
        try:
            declared = [p for p in resolved.operation.parameters() if p.in_ == "querystring"]
        except ArazzoError:
            return
        if declared and declared[0].name != first.name:
            where = f"{resolved.operation.method.upper()} {resolved.operation.path}"
            self.emit(WARNING, "querystring", first_at,
                      f"querystring parameter {first.name!r} does not name the querystring "
                      f"parameter of {where}, which is {declared[0].name!r}; the value is sent "
                      f"as the query string all the same - rename it to {declared[0].name!r} "
                      "(V11-PAR-02)")

    # -- action parameters (V11-ACT-01..05, V11-AMB-40) --------------------------------------

    def check_action_parameters(self, action: SuccessAction | FailureAction, pointer: str,
                                scope: _Scope) -> None:
        """Arazzo 1.1 action parameters are the inputs of the action's ``workflowId``
        workflow: without one they are an error (V11-AMB-40); ``in`` is an error
        (V11-ACT-05), so are duplicates (V11-ACT-04) and references outside
        ``components.parameters`` (V11-ACT-03); values are read in the step's context."""
        if action.parameters is None:
            return
        if action.workflow_id is None:
            if action.type == "end":
                why = "an 'end' action runs no workflow"
            elif action.step_id is not None:
                why = f"this {action.type} names stepId {action.step_id!r}, not a workflow"
            else:
                why = f"this {action.type} names no workflow"
            self.emit(ERROR, "action-parameters", f"{pointer}/parameters",
                      f"action {action.name!r} has parameters but no workflowId: action "
                      "parameters are the inputs of the workflow its 'workflowId' names, and "
                      f"{why}; add a workflowId or remove 'parameters' (V11-AMB-40, "
                      "V11-ACT-01, V11-ACT-02)", key=True)
        self.check_parameters(action.parameters, f"{pointer}/parameters", scope,
                              target="action")

    # -- reusable objects (REU-01..03) -------------------------------------------------------

    def check_reusable(self, item: ReusableObject, pointer: str, kind: str,
                       scope: _Scope) -> Any:
        """Check a Reusable Object in a list of ``kind``; return the referenced object."""
        ref = item.reference
        ref_pointer = f"{pointer}/reference"
        for extra in sorted(item.model_extra or {}):
            self.emit(WARNING, "reusable-extra", f"{pointer}/{_escape(extra)}",
                      f"field {extra!r} of a Reusable Object is ignored (it cannot be "
                      "extended); remove it (REU-03)", key=True)
        if item.has_value and kind != "parameters":
            self.emit(WARNING, "reusable-value", f"{pointer}/value",
                      "'value' only applies to references to parameters; it is ignored for "
                      f"{kind} (REU-02)", key=True)
        expected = f"{_COMPONENT_PREFIX}{kind}."
        if not ref.startswith(_COMPONENT_PREFIX):
            try:
                parse(ref, version=self.version)
            except ExpressionSyntaxError as exc:
                self.syntax_error(exc, ref_pointer, "reference")
                return None
            self.emit(ERROR, "reusable-kind", ref_pointer,
                      f"reference {ref!r} must point into the components of this document: "
                      f"write '{expected}<key>' (REU-01)")
            return None
        try:
            expression = parse(ref, version=self.version)
        except ExpressionSyntaxError as exc:
            self.syntax_error(exc, ref_pointer, "reference")
            return None
        component = expression.component or ""
        key = expression.name or ""
        if component != kind:
            self.emit(ERROR, "reusable-kind", ref_pointer,
                      f"reference {ref!r} points into components.{component}, but a list of "
                      f"{kind} may only reference '{expected}<key>' (REU-01)")
            return None
        table = self.components.get(kind, {})
        if key not in table:
            known = ", ".join(repr(k) for k in table) or "(none)"
            self.emit(ERROR, "reusable-missing", ref_pointer,
                      f"reference {ref!r}: components.{kind} has no key {key!r}; it has "
                      f"{known} (REU-01, SEM-05)")
            return None
        return table[key]

    # -- actions (ACT-01/02, ACT-08, SEM-04) -------------------------------------------------

    def check_actions(self, items: list[Any] | None, base: str, kind: str,
                      scope: _Scope) -> None:
        names: dict[str, str] = {}
        refs: dict[str, str] = {}
        for i, item in enumerate(items or []):
            pointer = f"{base}/{i}"
            if isinstance(item, ReusableObject):
                if item.reference in refs:
                    self.emit(ERROR, "duplicate-action", f"{pointer}/reference",
                              f"{item.reference!r} is listed twice (first at "
                              f"{refs[item.reference]}); an action list MUST NOT contain "
                              "duplicates (ACT-08)")
                    continue
                refs[item.reference] = pointer
                action = self.check_reusable(item, pointer, kind, scope)
                if isinstance(action, (SuccessAction, FailureAction)):
                    self.check_action_use(action, f"{pointer}/reference", scope,
                                          via=item.reference)
                where = f"{pointer}/reference"
            else:
                action = item
                self.check_action(action, pointer, scope)
                where = f"{pointer}/name"
            if not isinstance(action, (SuccessAction, FailureAction)):
                continue
            if action.name in names:
                self.emit(ERROR, "duplicate-action", where,
                          f"action name {action.name!r} is used twice in this list (first at "
                          f"{names[action.name]}); an action list MUST NOT contain duplicates "
                          "- rename or remove one (ACT-08)")
            else:
                names[action.name] = pointer

    def check_action(self, action: SuccessAction | FailureAction, pointer: str,
                     scope: _Scope) -> None:
        """An action defined inline (or in components, with no workflow scope)."""
        both = action.step_id is not None and action.workflow_id is not None
        if action.type == "retry" and both:
            self.emit(ERROR, "action-target", f"{pointer}/stepId",
                      "a retry action names either a stepId or a workflowId to run before "
                      "retrying, not both; remove one (ACT-02)", key=True)
        elif action.type == "end" and (action.step_id is not None
                                       or action.workflow_id is not None):
            field = "stepId" if action.step_id is not None else "workflowId"
            self.emit(WARNING, "action-target", f"{pointer}/{field}",
                      f"'{field}' is ignored by an 'end' action; remove it or use 'goto' "
                      "(ACT-01)", key=True)
        for ci, criterion in enumerate(action.criteria or []):
            self.check_criterion(criterion, f"{pointer}/criteria/{ci}", scope)
        self.check_action_parameters(action, pointer, scope)
        if action.type == "end":
            return
        if action.workflow_id is not None:
            self.check_workflow_ref(action.workflow_id, f"{pointer}/workflowId",
                                    f"{action.type} action {action.name!r}", "ACT-04")
        if action.step_id is not None and scope.workflow is not None:
            self._check_step_target(action, f"{pointer}/stepId", scope.workflow, via=None)

    def check_action_use(self, action: SuccessAction | FailureAction, pointer: str,
                         scope: _Scope, *, via: str) -> None:
        """A component action used from a workflow: its stepId must exist there."""
        if action.type != "end" and action.step_id is not None and scope.workflow is not None:
            self._check_step_target(action, pointer, scope.workflow, via=via)

    def _check_step_target(self, action: SuccessAction | FailureAction, pointer: str,
                           workflow: Workflow, *, via: str | None) -> None:
        step_id = action.step_id
        if step_id is None or workflow.step(step_id) is not None:
            return
        ids = [s.step_id for s in workflow.steps]
        origin = f" (through {via})" if via else ""
        self.emit(ERROR, "unknown-step", pointer,
                  f"{action.type} action {action.name!r}{origin} targets stepId {step_id!r}, "
                  f"which is not a step of workflow {workflow.workflow_id!r}"
                  f"{_did_you_mean(step_id, ids)}; a {action.type} can only reach steps of "
                  "the current workflow (SEM-04, ACT-04)")

    # -- criteria (CRI-04, S-20, SEM-07) -----------------------------------------------------

    def check_criterion(self, criterion: Criterion, pointer: str, scope: _Scope) -> None:
        type_name = criterion.type_name
        spec_minor = self.doc.spec.spec_minor
        if type_name == "jsonpointer" and spec_minor != "1.0":  # V11-AMB-27
            where = f"{pointer}/type/type" if isinstance(
                criterion.type, CriterionExpressionType) else f"{pointer}/type"
            self.emit(ERROR, "criterion-type", where, JSONPOINTER_NOT_A_CRITERION)
            return
        if type_name not in self.criteria:
            where = f"{pointer}/type/type" if isinstance(
                criterion.type, CriterionExpressionType) else f"{pointer}/type"
            self.emit(ERROR, "criterion-type", where,
                      f"unknown criterion type {type_name!r} (known types: "
                      f"{', '.join(self.criteria.names())}); a custom type is known only when "
                      "its evaluator is passed in, criteria=DEFAULT_CRITERIA.with_type(name, "
                      "evaluator) (CRI-03)")
            if criterion.context is not None:
                self.check_expression(criterion.context, f"{pointer}/context", scope,
                                      "context")
            return
        if criterion.type is not None and criterion.context is None:
            if type_name == "simple":
                self.emit(WARNING, "criterion-context", f"{pointer}/type",
                          "'type: simple' is given without 'context'; the spec requires a "
                          "context whenever type is specified - add one or drop 'type' "
                          "(CRI-04)", key=True)
            else:
                self.emit(ERROR, "criterion-context", f"{pointer}/type",
                          f"a {type_name} criterion MUST have a 'context' (the value the "
                          "condition is applied to), e.g. context: $response.body (CRI-04)",
                          key=True)
        if spec_minor == "1.0" and isinstance(criterion.type, CriterionExpressionType) \
                and criterion.type.version in ("rfc9535", "xpath-31"):
            self.emit(WARNING, "expression-type-version", f"{pointer}/type/version",
                      f"version {criterion.type.version!r} can only be named from Arazzo 1.1 "
                      "on; in 1.0 it is the default - drop the type object and write "
                      f"'type: {criterion.type.type}' (S-20, CRI-09)")
        if criterion.context is not None:
            self.check_expression(criterion.context, f"{pointer}/context", scope, "context")
        self.check_condition(criterion, f"{pointer}/condition", scope)

    def check_condition(self, criterion: Criterion, pointer: str, scope: _Scope) -> None:
        try:
            compiled = _compile_criterion(criterion, self.criteria, self.doc.spec.spec_minor)
        except ExpressionSyntaxError as exc:
            self.syntax_error(exc, pointer, "condition")
            return
        except CriterionError as exc:
            self.emit(ERROR, "expression-syntax", pointer,
                      f"invalid {criterion.type_name} condition: {exc.message} (SEM-07)")
            return
        self.warn_all(getattr(compiled, "warnings", ()), pointer, criterion.condition)
        for message, index in getattr(compiled, "negations", ()):
            self.emit_at(WARNING, "jsonpath-negation", pointer, index,
                         f"{message}{_caret(criterion.condition, index)}")
        context = getattr(compiled, "context", None)
        self.check_refs([e for e in _expressions_of(compiled) if e is not context], pointer,
                        scope)

    # -- expressions (SEM-05, SEM-07) ---------------------------------------------------------

    def syntax_error(self, exc: ExpressionSyntaxError, pointer: str, what: str) -> None:
        self.emit_at(ERROR, "expression-syntax", pointer, exc.index,
                     f"invalid {what}: {exc.message} (SEM-07){_caret(exc.text, exc.index)}")

    def warn_all(self, warnings: Iterable[Any], pointer: str, text: str) -> None:
        for warning in warnings:
            message, index = _warning_parts(warning)
            self.emit_at(WARNING, "non-conformant", pointer, index,
                         f"{message} (S-23){_caret(text, index)}")

    def check_expression(self, text: str, pointer: str, scope: _Scope, what: str) -> None:
        """A field that MUST be a runtime expression (criterion context)."""
        try:
            expression = parse(text, lenient=True, version=self.version)
        except ExpressionSyntaxError as exc:
            self.syntax_error(exc, pointer, what)
            return
        self.warn_all(expression.warnings, pointer, text)
        self.check_refs([expression], pointer, scope)

    def check_output(self, value: str | Selector, pointer: str, scope: _Scope) -> None:
        if isinstance(value, Selector):
            self.check_selector(value, pointer, scope)
            return
        if value.startswith("$"):
            self.check_expression(value, pointer, scope, "output expression")
        elif "{$" in value:
            self.check_string(value, pointer, scope)
        else:
            self.emit(WARNING, "output-constant", pointer,
                      f"output value {value!r} is not a runtime expression, so it is a "
                      "constant; outputs are normally '$response.body#/...' or "
                      "'$steps.<id>.outputs.<name>' (WF-08, STP-11)")

    def check_selector(self, selector: Selector, pointer: str, scope: _Scope) -> None:
        """V11-SEL-01..04: the context is one whole runtime expression."""
        version = selector.type.version if isinstance(selector.type, CriterionExpressionType) \
            else None
        self.check_selector_fields(selector.context, selector.selector, selector.type_name,
                                   version, pointer, scope)

    def check_selector_fields(self, context: str, selector: str, kind: str,
                              version: str | None, pointer: str, scope: _Scope) -> None:
        """A Selector Object (a model, or one found in a payload): the context is one whole
        runtime expression (V11-SEL-02, V11-AMB-35), the selector valid syntax of its type
        and version (V11-SEL-04, V11-SEL-08, V11-SEL-09)."""
        self.check_expression(context, f"{pointer}/context", scope, "selector context")
        try:
            compile_selector("$response.body", selector, kind, version)  # the context: above
        except ExpressionSyntaxError as exc:
            self.emit_at(ERROR, "selector-syntax", f"{pointer}/selector", exc.index,
                         f"invalid {kind} selector: {exc.message} (V11-SEL-04)"
                         f"{_caret(exc.text, exc.index)}")
        except ArazzoError as exc:  # an unknown type or version
            self.emit(ERROR, "selector-type", f"{pointer}/type", exc.message)

    def check_value(self, value: Any, pointer: str, scope: _Scope) -> None:
        """A parameter value, payload or replacement value: walk it, check every string (and
        in 1.1 every Selector Object, V11-PAR-06, V11-RBD-01, V11-AMB-22)."""
        if isinstance(value, str):
            self.check_string(value, pointer, scope)
            self.check_unbraced(value, pointer)
        elif isinstance(value, Selector):
            self.check_selector(value, pointer, scope)
        elif self.version != "1.0" and (fields := payload_selector_fields(value)) is not None:
            self.check_selector_fields(*fields, pointer, scope)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self.check_value(item, f"{pointer}/{_escape(str(key))}", scope)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.check_value(item, f"{pointer}/{i}", scope)

    def check_string(self, text: str, pointer: str, scope: _Scope) -> None:
        """RTE-15: a string that is a complete runtime expression is evaluated, one with valid
        ``{$...}`` parts is a template, anything else is sent literally. A string that looks
        like an expression but is not one is most likely a mistake: warn (it is still sent
        as written, never refused)."""
        if _LOOKS_LIKE.match(text):
            try:
                expression = parse(text, lenient=True, version=self.version)
            except ExpressionSyntaxError as exc:
                self.literal_warning(exc, pointer)
                return
            self.warn_all(expression.warnings, pointer, text)
            self.check_refs([expression], pointer, scope)
            return
        if "{$" not in text:
            if text.startswith("$"):  # e.g. a misspelt root such as '$input.x'
                self.warn_all(compile_value(text, version=self.version).warnings, pointer,
                              text)
            return
        try:
            template = parse_template(text, version=self.version)
        except ExpressionSyntaxError as exc:
            compiled = compile_value(text, version=self.version)
            if compiled.is_constant:  # not even the lenient forms make sense of it
                self.literal_warning(exc, pointer)
                return
            self.warn_all(compiled.warnings, pointer, text)
            self.check_refs(list(compiled.expressions()), pointer, scope)
            return
        self.warn_all(template.warnings, pointer, text)
        self.check_refs(list(template.expressions()), pointer, scope)

    def check_unbraced(self, text: str, pointer: str) -> None:
        """RTE-15: ``Bearer $steps.a.outputs.t`` is sent as written, only a whole-string
        expression or a ``{$...}`` part is evaluated. A ``$`` inside a longer string that
        starts a valid runtime expression is almost certainly a missing pair of braces."""
        if "$" not in text[1:] or _LOOKS_LIKE.match(text):
            return  # no inner '$', or a whole expression (check_string judges those)
        braced = [m.span() for m in _BRACED.finditer(text)]
        for index in _dollars(text):
            if text[index - 1] in "{\\" or any(a <= index < b for a, b in braced):
                continue
            try:
                _expression, end = scan_expression(text, index, Mode.CONDITION,
                                                   version=self.version)
            except ExpressionSyntaxError:
                continue  # '$.x', '$100', 'pa$$word': not a runtime expression
            found = text[index:end].rstrip(".")  # a sentence's full stop is not part of it
            self.emit_at(WARNING, "unbraced-expression", pointer, index,
                         f"{found!r} inside a longer string is not evaluated: only a "
                         "whole-string expression or an embedded '{$...}' part is, so it is "
                         f"sent literally (RTE-15); write '{{{found}}}' to embed it"
                         f"{_caret(text, index)}")

    def literal_warning(self, exc: ExpressionSyntaxError, pointer: str) -> None:
        self.emit_at(WARNING, "literal-expression", pointer, exc.index,
                     f"not a valid runtime expression ({exc.message}), so it is sent literally "
                     f"(RTE-15); fix it if you meant an expression{_caret(exc.text, exc.index)}")

    def check_refs(self, expressions: Iterable[Expression], pointer: str,
                   scope: _Scope) -> None:
        for expression in expressions:
            kind = expression.kind
            if kind == "steps" and scope.workflow is not None:
                self._check_step_ref(expression, pointer, scope)
            elif kind == "sourceDescriptions":
                name = expression.source_name or ""
                if name not in self.doc.sources:
                                self.emit(ERROR, "unknown-source", pointer,
                              f"{expression.text!r}: no source description named {name!r}"
                              f"{_did_you_mean(name, list(self.doc.sources))} (SEM-04, "
                              "RTE-10)")
            elif kind == "workflows":
                self._check_workflow_ref_expr(expression, pointer)

    def _check_step_ref(self, expression: Expression, pointer: str, scope: _Scope) -> None:
        workflow = scope.workflow
        assert workflow is not None
        step_id = expression.step_id or ""
        ids = [s.step_id for s in workflow.steps]
        if step_id not in ids:
            self.emit(ERROR, "step-output-ref", pointer,
                      f"{expression.text!r}: workflow {workflow.workflow_id!r} has no step "
                      f"{step_id!r}{_did_you_mean(step_id, ids)}; $steps can only read steps "
                      "of the current workflow (SEM-05, RTE-08)")
            return
        target_index = ids.index(step_id)
        target = workflow.steps[target_index]
        name = expression.name or ""
        declared = list(target.outputs or {})
        if not any(name == d or name.startswith(d + ".") for d in declared):
            shown = ", ".join(repr(d) for d in declared) or "none"
            if self._sub_workflow_declares(target, name):
                self.emit(WARNING, "step-output-ref", pointer,
                          f"{expression.text!r}: step {step_id!r} does not declare output "
                          f"{name!r}; the workflow it calls does, but only the step's own "
                          f"outputs are readable - add '{name}: $outputs.{name}' to that "
                          "step's outputs (SEM-05, RTE-07)")
                return
            self.emit(ERROR, "step-output-ref", pointer,
                      f"{expression.text!r}: step {step_id!r} declares no output {name!r} "
                      f"(its outputs: {shown}); add it to that step's outputs (SEM-05, "
                      "RTE-08)")
            return
        if scope.step_index is None:
            return
        if self.v11 and target_index != scope.step_index:
            ordered = any(s.depends_on for s in workflow.steps)
            here = self.positions.get(scope.step_index, scope.step_index)
            there = self.positions.get(target_index, target_index)
            if there > here:
                self.emit(ERROR, "step-output-ref", pointer,
                          f"{expression.text!r} reads step {step_id!r}, which comes later in "
                          "the steps (forward reference): move the step before this one, or "
                          "declare the order with 'dependsOn' (V11-STP-15)" if not ordered else
                          f"{expression.text!r} reads step {step_id!r}, which runs after this "
                          "step (V11-STP-14)")
            return
        if target_index > scope.step_index or (target_index == scope.step_index
                                               and scope.request):
            self.emit(WARNING, "step-output-ref", pointer,
                      f"{expression.text!r} reads step {step_id!r}, which has not run yet at "
                      "this point (forward reference); it is only available after a goto "
                      "loop (SEM-05, RTE-08)")

    def _sub_workflow_declares(self, step: Step, name: str) -> bool:
        if step.workflow_id is None:
            return False
        try:
            _doc, workflow = resolve_workflow(self.doc, step.workflow_id)
        except ReferenceError_:
            return False
        return any(name == d or name.startswith(d + ".") for d in workflow.outputs or {})

    def _check_workflow_ref_expr(self, expression: Expression, pointer: str) -> None:
        wf_id = expression.workflow_id or ""
        workflow = self.doc.spec.workflow(wf_id)
        if workflow is None:
            ids = [w.workflow_id for w in self.doc.spec.workflows]
            self.emit(ERROR, "unknown-workflow", pointer,
                      f"{expression.text!r}: no workflow {wf_id!r} in this document"
                      f"{_did_you_mean(wf_id, ids)} (SEM-04, RTE-09)")
            return
        name = expression.name or ""
        if expression.section == "outputs":
            declared = list(workflow.outputs or {})
            if not any(name == d or name.startswith(d + ".") for d in declared):
                shown = ", ".join(repr(d) for d in declared) or "none"
                self.emit(ERROR, "unknown-workflow", pointer,
                          f"{expression.text!r}: workflow {wf_id!r} declares no output "
                          f"{name!r} (its outputs: {shown}) (SEM-05, RTE-09)")

    # -- dependsOn cycles (SEM-08) -----------------------------------------------------------

    def check_cycles(self) -> None:
        nodes_here = {w.workflow_id: i for i, w in enumerate(self.doc.spec.workflows)}
        reported: set[frozenset[tuple[int, str]]] = set()
        for wi, workflow in enumerate(self.doc.spec.workflows):
            start = (id(self.doc), workflow.workflow_id)
            cycle = _find_cycle(self.doc, workflow, start)
            if cycle is None:
                continue
            members = frozenset(node for node, _ in cycle)
            if members in reported:
                continue
            reported.add(members)
            # report on the first workflow of this document that is part of the cycle
            here = [n for n in members if n[0] == id(self.doc)]
            first = min(here, key=lambda n: nodes_here.get(n[1], 0))
            if first != start:
                continue
            chain = " -> ".join([workflow.workflow_id,
                                 *(node[1] for node, _ in cycle[1:]), workflow.workflow_id])
            self.emit(ERROR, "depends-on-cycle", f"/workflows/{wi}/dependsOn/{cycle[0][1]}",
                      f"dependsOn cycle: {chain}; a workflow cannot (indirectly) depend on "
                      "itself - remove one of these dependencies (SEM-08, WF-04)")


def _dependencies(doc: Document, workflow: Workflow) -> list[tuple[int, Document, Workflow]]:
    out = []
    for i, ref in enumerate(workflow.depends_on or []):
        try:
            target_doc, target = resolve_workflow(doc, ref)
        except ReferenceError_:
            continue
        out.append((i, target_doc, target))
    return out


def _find_cycle(doc: Document, workflow: Workflow, start: tuple[int, str]
                ) -> list[tuple[tuple[int, str], int]] | None:
    """A path [(node, dependsOn index used to leave it)] from ``start`` back to it, if any."""
    visited: set[tuple[int, str]] = set()

    def walk(d: Document, w: Workflow, path: list[tuple[tuple[int, str], int]]
             ) -> list[tuple[tuple[int, str], int]] | None:
        node = (id(d), w.workflow_id)
        for index, target_doc, target in _dependencies(d, w):
            step = [*path, (node, index)]
            target_node = (id(target_doc), target.workflow_id)
            if target_node == start:
                return step
            if target_node in visited:
                continue
            visited.add(target_node)
            found = walk(target_doc, target, step)
            if found is not None:
                return found
        return None

    return walk(doc, workflow, [])


# --------------------------------------------------------------------------------------------
# adapters to the expressions / criteria modules


def _is_expression(text: str, version: str = "1.0") -> bool:
    """Whether ``text`` is a complete runtime expression (evaluated, so its type is only known
    at run time)."""
    try:
        parse(text, lenient=True, version=version)
    except ExpressionSyntaxError:
        return False
    return True


def _warning_parts(warning: Any) -> tuple[str, int]:
    if isinstance(warning, tuple) and len(warning) == 2:
        return str(warning[0]), int(warning[1])
    return str(getattr(warning, "message", warning)), int(getattr(warning, "index", 0))


def _expressions_of(compiled: Any) -> list[Expression]:
    method = getattr(compiled, "expressions", None)
    if method is None:
        return []
    return [e for e in method() if isinstance(e, Expression)]


def _compile_criterion(criterion: Criterion, criteria: CriterionTypes, spec_minor: str) -> Any:
    """Compile a condition with :mod:`arazzo.criteria`.

    The context is checked on its own (``check_criterion``), so a stand-in is compiled here:
    this reports only what concerns the condition.
    """
    ctype: str | dict[str, str] | None
    if isinstance(criterion.type, CriterionExpressionType):
        ctype = {"type": criterion.type.type, "version": criterion.type.version}
    else:
        ctype = criterion.type
    return compile_criterion(criterion.condition, ctype, _STAND_IN_CONTEXT, registry=criteria,
                             spec_minor=spec_minor)


_STAND_IN_CONTEXT = "$response.body"
