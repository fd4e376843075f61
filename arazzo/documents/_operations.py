"""Resolving a step's target: ``operationId`` / ``operationPath`` to an OpenAPI operation,
``workflowId`` to a workflow (STP-03, STP-04, STP-05, S-21, RTE-10), and, in Arazzo 1.1,
``operationId`` / ``channelPath`` to an AsyncAPI operation or channel (V11-STP-01..04).

Both resolvers work against the sources of the document that *contains* the step (a step of a
referenced Arazzo document sees that document's sources, CMP-03) and raise
:class:`~arazzo.ReferenceError_` with a message that says what to fix. Non-conformant forms
seen in real documents (Redocly's ``<name>.<operationId>``, an ``operationPath`` without the
braces, or naming the source bare) are accepted and reported in ``Resolved.warnings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from arazzo._diagnostics import close_matches
from arazzo._exceptions import AccessDenied, Location, ReferenceError_
from arazzo.documents._loading import (
    ArazzoSource,
    AsyncAPISource,
    Document,
    MissingSource,
    OpenAPISource,
    OperationRef,
    Source,
)
from arazzo.documents.models import Step, Workflow

__all__ = [
    "AsyncTarget",
    "Resolved",
    "SourceUnavailable",
    "document_of",
    "execution_order",
    "parse_operation_path",
    "resolve_async",
    "resolve_operation",
    "resolve_workflow",
    "step_kind",
    "step_text",
]

_PREFIX = "$sourceDescriptions."
_STRICT_PATH = re.compile(r"^\{\$sourceDescriptions\.(?P<name>.+)\.url\}#(?P<ptr>.*)$", re.S)
_NOBRACE_PATH = re.compile(r"^\$sourceDescriptions\.(?P<name>.+)\.url#(?P<ptr>.*)$", re.S)
_BARE_PATH = re.compile(r"^(?P<name>[^#{}$]+)#(?P<ptr>.*)$", re.S)


@dataclass(frozen=True)
class Resolved:
    """An operation a step targets, plus warnings about tolerated non-conformant forms."""

    operation: OperationRef
    warnings: tuple[str, ...] = ()


class SourceUnavailable(ReferenceError_):
    """The reference names (or may live in) a source description that could not be loaded."""

    def __init__(self, message: str, source: MissingSource, *,
                 location: Location | None = None) -> None:
        super().__init__(message, location=location)
        self.source = source

    @property
    def remote_denied(self) -> bool:
        """True when the source is a remote URL we were not allowed to fetch (a limit of the
        run, already reported as a warning by the loader), not a mistake in the document."""
        error = self.source.error
        return isinstance(error, AccessDenied) and (
            self.source.url.startswith(("http://", "https://"))
            or error.message.startswith("refusing to fetch"))


def document_of(doc: Document, model: Any) -> Document:
    """The document (``doc`` or one reachable through its Arazzo sources) holding ``model``."""
    smap = getattr(model, "_source_map", None)
    if smap is None or smap is doc.source_map:
        return doc
    for candidate in doc.iter_documents():
        if candidate.source_map is smap:
            return candidate
    return doc


def _unavailable(source: MissingSource, what: str, location: Location | None
                 ) -> SourceUnavailable:
    return SourceUnavailable(
        f"{what}: source description {source.name!r} could not be loaded "
        f"({source.error.message})", source, location=location)


def _close(word: str, candidates: list[str]) -> list[str]:
    """Case-only variants first, then difflib's close matches (at most three)."""
    lower = word.lower()
    out = [c for c in candidates if c.lower() == lower and c != word]
    for match in close_matches(word, candidates, n=3, cutoff=0.6):
        if match not in out:
            out.append(match)
    return out[:3]


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = _close(word, candidates)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def _split_qualified(rest: str, sources: dict[str, Source]) -> tuple[str, str] | None:
    """Split ``<name>.<id>`` using the declared source names (names may contain dots)."""
    best: str | None = None
    for name in sources:
        if rest.startswith(name + ".") and (best is None or len(name) > len(best)):
            best = name
    if best is None:
        return None
    return best, rest[len(best) + 1:]


def _lookup_in(source: OpenAPISource, op_id: str, where: str,
               location: Location | None) -> OperationRef:
    matches = source.by_id.get(op_id, [])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        places = ", ".join(f"{m.method.upper()} {m.path}" for m in matches)
        raise ReferenceError_(
            f"{where}: operationId {op_id!r} is declared {len(matches)} times in source "
            f"{source.name!r} ({places}); operationIds must be unique in an OpenAPI description "
            "- use operationPath to pick one (STP-03)", location=location)
    hint = _did_you_mean(op_id, list(source.by_id))
    raise ReferenceError_(
        f"{where}: source {source.name!r} has no operation with operationId {op_id!r} "
        f"(operationIds are case-sensitive, STP-03){hint}", location=location)


def _resolve_operation_id(doc: Document, op_id: str, location: Location | None) -> Resolved:
    where = f"operationId {op_id!r}"
    sources = doc.sources
    warnings: list[str] = []
    if op_id.startswith(_PREFIX):
        split = _split_qualified(op_id[len(_PREFIX):], sources)
        if split is None:
            name = op_id[len(_PREFIX):].split(".", 1)[0]
            hint = _did_you_mean(name, list(sources))
            raise ReferenceError_(
                f"{where}: no source description named {name!r}; declared sources: "
                f"{', '.join(sources) or '(none)'}{hint} (RTE-10)", location=location)
        name, bare = split
        source = sources[name]
        declared = doc.spec.source(name)
        if isinstance(source, MissingSource) and not (declared and declared.type == "arazzo"):
            raise _unavailable(source, where, location)
        if isinstance(source, AsyncAPISource):
            raise ReferenceError_(
                f"{where}: source {name!r} is an AsyncAPI description: this step is an "
                "AsyncAPI step, not an HTTP request (V11-STP-01)", location=location)
        if not isinstance(source, OpenAPISource):
            raise ReferenceError_(
                f"{where}: source {name!r} is an Arazzo document, which has no operations; "
                "to call one of its workflows use workflowId "
                f"'$sourceDescriptions.{name}.<workflowId>' (STP-05)", location=location)
        return Resolved(_lookup_in(source, bare, where, location))
    if op_id.startswith("{" + _PREFIX) and op_id.endswith("}"):
        inner = _resolve_operation_id(doc, op_id[1:-1], location)
        return Resolved(inner.operation, (
            f"{where}: write the qualified operationId without braces: {op_id[1:-1]!r} "
            "(STP-03)", *inner.warnings))

    openapi = [s for s in sources.values() if isinstance(s, OpenAPISource)]
    missing = [s for s in sources.values() if isinstance(s, MissingSource)]
    found = [(s, ref) for s in openapi for ref in s.by_id.get(op_id, [])]
    # AsyncAPI sources are non-arazzo sources too (V11-SRC-02)
    asyncapi = [s for s in sources.values() if isinstance(s, AsyncAPISource)]
    also_async = [s.name for s in asyncapi if op_id in s.operations]
    if found and also_async:
        names = sorted({s.name for s, _ in found} | set(also_async))
        options = " or ".join(f"'$sourceDescriptions.{n}.{op_id}'" for n in names)
        raise ReferenceError_(
            f"{where} is ambiguous: it exists in sources {', '.join(map(repr, names))}; "
            f"qualify it as {options} (V11-SRC-02)", location=location)
    if len(found) == 1:
        if len(openapi) + len(asyncapi) + len(missing) > 1:
            warnings.append(
                f"{where} is not qualified although the document has several source "
                f"descriptions; write '$sourceDescriptions.{found[0][0].name}.{op_id}' (STP-03)")
        return Resolved(found[0][1], tuple(warnings))
    if len(found) > 1:
        names = sorted({s.name for s, _ in found})
        if len(names) == 1:
            return Resolved(_lookup_in(found[0][0], op_id, where, location))
        options = " or ".join(f"'$sourceDescriptions.{n}.{op_id}'" for n in names)
        raise ReferenceError_(
            f"{where} is ambiguous: it exists in sources {', '.join(map(repr, names))}; "
            f"qualify it as {options} (STP-03, S-21)", location=location)
    # Redocly's lenient "<name>.<operationId>" form
    split = _split_qualified(op_id, sources)
    if split is not None:
        name, bare = split
        source = sources[name]
        if isinstance(source, OpenAPISource) and len(source.by_id.get(bare, [])) == 1:
            return Resolved(source.by_id[bare][0], (
                f"{where}: '<source>.<operationId>' is not Arazzo syntax; write "
                f"'$sourceDescriptions.{name}.{bare}' (STP-03)",))
        if isinstance(source, MissingSource):
            raise _unavailable(source, where, location)
    if missing:
        raise _unavailable(missing[0], f"{where} was not found in the loaded sources and may be "
                           "in another one", location)
    if not openapi:
        raise ReferenceError_(
            f"{where}: the document has no OpenAPI source description to look it up in "
            "(STP-03)", location=location)
    all_ids = [i for s in openapi for i in s.by_id]
    hint = _did_you_mean(op_id, all_ids)
    searched = ", ".join(repr(s.name) for s in openapi)
    raise ReferenceError_(
        f"{where} not found in source(s) {searched} (operationIds are case-sensitive, "
        f"STP-03){hint}", location=location)


def parse_operation_path(text: str) -> tuple[str, str, str | None] | None:
    """Split an operationPath into (source name, decoded JSON pointer, warning or None).

    Returns ``None`` when the text follows none of the accepted forms.
    """
    match = _STRICT_PATH.match(text)
    warning: str | None = None
    if match is None:
        match = _NOBRACE_PATH.match(text)
        if match is not None:
            warning = (f"operationPath {text!r}: wrap the source expression in braces: "
                       f"'{{$sourceDescriptions.{match.group('name')}.url}}#...' (STP-04)")
    if match is None:
        match = _BARE_PATH.match(text)
        if match is not None:
            warning = (f"operationPath {text!r}: name the source with a runtime expression: "
                       f"'{{$sourceDescriptions.{match.group('name')}.url}}#...' (STP-04)")
    if match is None:
        return None
    return match.group("name"), unquote(match.group("ptr")), warning


def _operation_at(source: OpenAPISource, path: str, method: str) -> OperationRef | None:
    return source.by_path.get((path, method))


def _resolve_operation_path(doc: Document, text: str, location: Location | None) -> Resolved:
    where = f"operationPath {text!r}"
    parsed = parse_operation_path(text)
    if parsed is None:
        raise ReferenceError_(
            f"{where} is not a source reference plus JSON pointer; write it as "
            "'{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>', e.g. "
            "'{$sourceDescriptions.petstore.url}#/paths/~1pets~1{petId}/get' (STP-04)",
            location=location)
    name, pointer, warning = parsed
    warnings = (warning,) if warning else ()
    source = doc.sources.get(name)
    if source is None:
        by_url = [s.name for s in doc.spec.source_descriptions if s.url == name]
        if by_url:
            source = doc.sources.get(by_url[0])
            warnings = (*warnings[:0], f"{where}: refer to the source by name: "
                        f"'{{$sourceDescriptions.{by_url[0]}.url}}#...' (STP-04)")
    if source is None:
        hint = _did_you_mean(name, list(doc.sources))
        raise ReferenceError_(
            f"{where}: no source description named {name!r}; declared sources: "
            f"{', '.join(doc.sources) or '(none)'}{hint} (STP-04)", location=location)
    if isinstance(source, MissingSource):
        raise _unavailable(source, where, location)
    if isinstance(source, ArazzoSource):
        raise ReferenceError_(
            f"{where}: source {name!r} is an Arazzo document, which has no operations "
            "(STP-04)", location=location)
    if isinstance(source, AsyncAPISource):
        raise ReferenceError_(
            f"{where}: source {name!r} is an AsyncAPI description; an operationPath points "
            "into an OpenAPI source - use channelPath or operationId (V11-AMB-07)",
            location=location)
    if not pointer.startswith("/"):
        raise ReferenceError_(
            f"{where}: the fragment must be a JSON pointer starting with '/', such as "
            "'#/paths/~1pets/get' (STP-04)", location=location)
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
    if len(tokens) != 3 or tokens[0] != "paths":
        raise ReferenceError_(
            f"{where}: the pointer must reach an operation, '/paths/<escaped path>/<method>' "
            "(escape '/' in the path as '~1'), e.g. '#/paths/~1pets~1{petId}/get' (STP-04)",
            location=location)
    path, method = tokens[1], tokens[2]
    ref = _operation_at(source, path, method)
    if ref is None and method.lower() != method:
        ref = _operation_at(source, path, method.lower())
        if ref is not None:
            warnings = (*warnings, f"{where}: HTTP methods are lowercase in OpenAPI: write "
                        f"'{method.lower()}' (STP-04)")
    if ref is not None:
        return Resolved(ref, warnings)
    paths = sorted({r.path for r in source.operations})
    if path in paths:
        methods = sorted(r.method for r in source.operations if r.path == path)
        raise ReferenceError_(
            f"{where}: path {path!r} of source {name!r} has no {method!r} operation; it has "
            f"{', '.join(methods)} (STP-04)", location=location)
    hint = _did_you_mean(path, paths)
    raise ReferenceError_(
        f"{where}: source {name!r} has no path {path!r}{hint} (STP-04)", location=location)


def resolve_operation(doc: Document, step: Step) -> Resolved:
    """The OpenAPI operation ``step`` targets through ``operationId`` or ``operationPath``.

    ``doc`` may be the entry document; the step is resolved against the sources of the
    document that contains it. Raises :class:`~arazzo.ReferenceError_` (its subclass
    :class:`SourceUnavailable` when the source could not be loaded).
    """
    owner = document_of(doc, step)
    if step.operation_id is not None:
        return _resolve_operation_id(owner, step.operation_id,
                                     step.location_of("operationId"))
    if step.operation_path is not None:
        return _resolve_operation_path(owner, step.operation_path,
                                       step.location_of("operationPath"))
    raise ReferenceError_(
        f"step {step.step_id!r} targets workflowId {step.workflow_id!r}, not an operation; "
        "use resolve_workflow", location=step.location)


def resolve_workflow(doc: Document, ref: str, *, location: Location | None = None
                     ) -> tuple[Document, Workflow]:
    """The workflow ``ref`` names, seen from ``doc``: a local ``workflowId`` or
    ``$sourceDescriptions.<name>.<workflowId>`` into an Arazzo source (STP-05, WF-04, ACT-04).

    Returns the document that holds the workflow (its components and sources apply to it).
    """
    where = f"workflowId {ref!r}"
    if ref.startswith(_PREFIX):
        split = _split_qualified(ref[len(_PREFIX):], doc.sources)
        if split is None:
            name = ref[len(_PREFIX):].split(".", 1)[0]
            hint = _did_you_mean(name, list(doc.sources))
            raise ReferenceError_(
                f"{where}: no source description named {name!r}; declared sources: "
                f"{', '.join(doc.sources) or '(none)'}{hint} (RTE-10)", location=location)
        name, wf_id = split
        source = doc.sources[name]
        declared = doc.spec.source(name)
        if isinstance(source, MissingSource) and not (declared and declared.type == "openapi"):
            raise _unavailable(source, where, location)
        if not isinstance(source, ArazzoSource):
            raise ReferenceError_(
                f"{where}: source {name!r} is an OpenAPI description, which has no workflows; "
                "workflowIds of other documents need a source of type 'arazzo' (STP-05)",
                location=location)
        target = source.document
        workflow = target.spec.workflow(wf_id)
        if workflow is None:
            ids = [w.workflow_id for w in target.spec.workflows]
            raise ReferenceError_(
                f"{where}: Arazzo source {name!r} has no workflow {wf_id!r}; it has "
                f"{', '.join(map(repr, ids))}{_did_you_mean(wf_id, ids)} (STP-05)",
                location=location)
        return target, workflow
    workflow = doc.spec.workflow(ref)
    if workflow is not None:
        return doc, workflow
    for source in doc.arazzo_sources:
        if source.document.spec.workflow(ref) is not None:
            raise ReferenceError_(
                f"{where} is not a workflow of this document; it is defined in Arazzo source "
                f"{source.name!r}: write '$sourceDescriptions.{source.name}.{ref}' (STP-05)",
                location=location)
    ids = [w.workflow_id for w in doc.spec.workflows]
    raise ReferenceError_(
        f"{where}: no such workflow in this document{_did_you_mean(ref, ids)} (STP-05, SEM-04)",
        location=location)


# -- AsyncAPI (Arazzo 1.1) ---------------------------------------------------------------------


@dataclass(frozen=True)
class AsyncTarget:
    """The AsyncAPI channel (and operation, when one is named) an AsyncAPI step targets."""

    source: AsyncAPISource
    channel: str
    operation_id: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def pointer(self) -> str:
        """``/channels/<key>``, or ``/operations/<id>`` when an operation is named."""
        if self.operation_id is not None:
            return f"/operations/{_escape(self.operation_id)}"
        return f"/channels/{_escape(self.channel)}"

    @property
    def address(self) -> str | None:
        address = self.source.channels.get(self.channel, {}).get("address")
        return address if isinstance(address, str) else None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def step_kind(doc: Document, step: Step) -> str:
    """``"openapi"``, ``"asyncapi"`` or ``"workflow"``: what kind of operation ``step`` calls
    (V11-STP-01); ``"unknown"`` when a bare operationId is in none of the loaded sources and
    the sources that were not loaded are of both kinds. An ``operationId`` is an AsyncAPI
    step when it names an AsyncAPI source (``$sourceDescriptions.<name>.<id>``), or, bare, when
    only AsyncAPI sources declare it.
    """
    if step.workflow_id is not None:
        return "workflow"
    if step.channel_path is not None:
        return "asyncapi"
    if step.operation_id is None:
        return "openapi"
    owner = document_of(doc, step)
    op_id = step.operation_id
    if op_id.startswith(_PREFIX):
        split = _split_qualified(op_id[len(_PREFIX):], owner.sources)
        if split is None:
            return "openapi"
        declared = owner.spec.source(split[0])
        source = owner.sources[split[0]]
        is_async = isinstance(source, AsyncAPISource) or (
            isinstance(source, MissingSource) and declared is not None
            and declared.type == "asyncapi")
        return "asyncapi" if is_async else "openapi"
    in_openapi = any(isinstance(s, OpenAPISource) and op_id in s.by_id
                     for s in owner.sources.values())
    in_async = any(isinstance(s, AsyncAPISource) and op_id in s.operations
                   for s in owner.sources.values())
    if in_openapi or in_async:
        return "asyncapi" if in_async and not in_openapi else "openapi"
    # not found in what was loaded: the declared types of the sources that could hold it
    kinds = {s.kind if not isinstance(s, MissingSource) else
             ((owner.spec.source(s.name) or _NO_TYPE).type or "unknown")
             for s in owner.sources.values() if not isinstance(s, ArazzoSource)}
    kinds.discard("arazzo")
    if kinds == {"asyncapi"}:
        return "asyncapi"
    return "openapi" if kinds <= {"openapi"} else "unknown"


class _NoType:
    type = None


_NO_TYPE = _NoType()


_CHANNEL_PATH = re.compile(r"^\{\$sourceDescriptions\.(?P<name>[^.{}]+)\.url\}#(?P<ptr>.*)$",
                           re.S)


def resolve_async(doc: Document, step: Step) -> AsyncTarget:
    """The AsyncAPI channel and operation an AsyncAPI step targets (V11-STP-02, V11-AMB-05,
    V11-AMB-08). Raises :class:`~arazzo.ReferenceError_` saying what to fix."""
    owner = document_of(doc, step)
    if step.channel_path is not None:
        return _resolve_channel_path(owner, step.channel_path,
                                     step.location_of("channelPath"))
    op_id = step.operation_id or ""
    location = step.location_of("operationId")
    where = f"operationId {op_id!r}"
    candidates: list[AsyncAPISource]
    bare = op_id
    if op_id.startswith(_PREFIX):
        split = _split_qualified(op_id[len(_PREFIX):], owner.sources)
        if split is None:
            raise ReferenceError_(f"{where}: no source description named that way (RTE-10)",
                                  location=location)
        source = owner.sources[split[0]]
        if isinstance(source, MissingSource):
            raise _unavailable(source, where, location)
        if not isinstance(source, AsyncAPISource):
            raise ReferenceError_(f"{where}: source {split[0]!r} is not an AsyncAPI "
                                  "description", location=location)
        candidates, bare = [source], split[1]
    else:
        candidates = [s for s in owner.sources.values() if isinstance(s, AsyncAPISource)]
    found = [s for s in candidates if bare in s.operations]
    missing = [s for s in owner.sources.values() if isinstance(s, MissingSource)]
    if not found and missing and not op_id.startswith(_PREFIX):
        raise _unavailable(missing[0], f"{where} was not found in the loaded sources and may "
                           "be in another one", location)
    if len(found) > 1:
        names = " or ".join(f"'$sourceDescriptions.{s.name}.{bare}'" for s in found)
        raise ReferenceError_(f"{where} is ambiguous: qualify it as {names} (V11-SRC-02)",
                              location=location)
    if not found:
        ids = [i for s in candidates for i in s.operations]
        searched = ", ".join(repr(s.name) for s in candidates) or "(none)"
        raise ReferenceError_(
            f"{where} not found in AsyncAPI source(s) {searched} (its 'operations'; ids are "
            f"case-sensitive){_did_you_mean(bare, ids)} (V11-STP-01, V11-AMB-05)",
            location=location)
    source = found[0]
    warnings: tuple[str, ...] = ()
    if not op_id.startswith(_PREFIX) and sum(
            not isinstance(s, ArazzoSource) for s in owner.sources.values()) > 1:
        warnings = (f"{where} is not qualified although the document has several source "
                    f"descriptions; write '$sourceDescriptions.{source.name}.{bare}' "
                    "(V11-SRC-02)",)
    channel = source.channel_of(bare)
    if channel is None or channel not in source.channels:
        raise ReferenceError_(
            f"{where}: AsyncAPI operation {bare!r} of source {source.name!r} has no channel "
            "'$ref' to one of its '#/channels/...' (AsyncAPI 3 operations name their channel)",
            location=location)
    return AsyncTarget(source, channel, bare, warnings)


def _resolve_channel_path(doc: Document, text: str, location: Location | None) -> AsyncTarget:
    where = f"channelPath {text!r}"
    match = _CHANNEL_PATH.match(text)
    if match is None:
        raise ReferenceError_(
            f"{where} is not a source reference plus JSON pointer; write it as "
            "'{$sourceDescriptions.<name>.url}#/channels/<channel key>' (V11-STP-02, "
            "V11-AMB-08)", location=location)
    name, pointer = match.group("name"), unquote(match.group("ptr"))
    source = doc.sources.get(name)
    if source is None:
        hint = _did_you_mean(name, list(doc.sources))
        raise ReferenceError_(
            f"{where}: no source description named {name!r}; declared sources: "
            f"{', '.join(doc.sources) or '(none)'}{hint} (V11-STP-02)", location=location)
    if isinstance(source, MissingSource):
        raise _unavailable(source, where, location)
    if not isinstance(source, AsyncAPISource):
        raise ReferenceError_(
            f"{where}: source {name!r} is not an AsyncAPI description; a channelPath points "
            "into an 'asyncapi' source (use operationPath for OpenAPI, V11-AMB-07)",
            location=location)
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]
    if not pointer.startswith("/") or len(tokens) != 2 or tokens[0] != "channels":
        raise ReferenceError_(
            f"{where}: the pointer must reach a channel, '#/channels/<channel key>' "
            "(V11-AMB-08)", location=location)
    if tokens[1] not in source.channels:
        hint = _did_you_mean(tokens[1], list(source.channels))
        raise ReferenceError_(
            f"{where}: source {name!r} has no channel {tokens[1]!r}{hint} (V11-STP-02)",
            location=location)
    warnings: tuple[str, ...] = ()
    on_channel = source.operations_on(tokens[1])
    if on_channel:
        warnings = (f"{where}: the channel's operation has an id; prefer operationId "
                    f"'$sourceDescriptions.{name}.{on_channel[0]}' (V11-STP-04)",)
    return AsyncTarget(source, tokens[1], None, warnings)


# -- step order (Arazzo 1.1 dependsOn) ---------------------------------------------------------

_STEP_OUTPUT_REF = re.compile(r"\$steps\.([A-Za-z0-9_\-]+)\.outputs")


def step_text(step: Step) -> str:
    """Every value of ``step`` as one JSON text, to search for expression references."""
    import json

    return json.dumps(step.model_dump(by_alias=True, mode="json", exclude_none=True))


def step_dependencies(workflow: Workflow) -> list[set[int]]:
    """For each step, the steps of the same workflow it must follow: its ``dependsOn``
    stepIds (V11-STP-08) and every step whose outputs it reads (``$steps.<id>.outputs``
    anywhere in the step, V11-STP-13)."""
    index = {s.step_id: i for i, s in enumerate(workflow.steps)}
    out = []
    for i, step in enumerate(workflow.steps):
        found = {index[r] for r in step.depends_on or () if r in index}
        found |= {index[m] for m in _STEP_OUTPUT_REF.findall(step_text(step)) if m in index}
        found.discard(i)
        out.append(found)
    return out


def execution_order(workflow: Workflow) -> list[int]:
    """The order a sequential run takes the steps in (V11-STP-12..14, V11-AMB-18): the array
    order when no step has ``dependsOn``; otherwise a stable topological order of the explicit
    and implicit dependencies, the array order breaking ties. A cycle raises
    :class:`~arazzo.ReferenceError_` naming it."""
    count = len(workflow.steps)
    if not any(s.depends_on for s in workflow.steps):
        return list(range(count))
    deps = step_dependencies(workflow)
    order: list[int] = []
    done: set[int] = set()
    while len(order) < count:
        ready = next((i for i in range(count) if i not in done and deps[i] <= done), None)
        if ready is None:
            stuck = [workflow.steps[i].step_id for i in range(count) if i not in done]
            raise ReferenceError_(
                f"workflow {workflow.workflow_id!r}: steps {', '.join(map(repr, stuck))} "
                "depend on each other (dependsOn and $steps.<id>.outputs references form a "
                "cycle), so no order runs them (V11-STP-14, V11-AMB-18)",
                location=workflow.location_of("steps"))
        order.append(ready)
        done.add(ready)
    return order
