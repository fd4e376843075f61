"""Preparing a run: load, validate, check the arguments, build the engine
(:func:`prepare`); and the per-run transport choice (:class:`_Transports`). Shared by the
drivers (``_run``), the previews (``_preview``) and durable runs (``durable``)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from arazzo._diagnostics import Diagnostic
from arazzo._exceptions import InputError, ValidationFailed
from arazzo._options import RunOptions, RunOptionsArgs, resolve_options
from arazzo.criteria import DEFAULT_CRITERIA, CriterionTypes
from arazzo.documents._cache import load_cached
from arazzo.documents._loading import Document, load
from arazzo.documents._validation import validate
from arazzo.engine._auth import Authenticator, parse_auth
from arazzo.engine._machine import Engine
from arazzo.engine._plan import plan_for
from arazzo.engine._providers import (
    DEFAULT_PROVIDERS,
    Provider,
    claimed_sources,
    provider_servers,
    provider_transport,
)
from arazzo.observers._logging import normalize_hooks

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from arazzo.transports._httpx import AnyTransport

__all__ = ["handled_sources", "prepare"]


def _load(spec: Document | str | os.PathLike[str] | bytes) -> Document:
    """The document a run of ``spec`` uses: a path goes through the process-wide cache of
    loaded documents (:mod:`arazzo.documents._cache`: checked against its files' identity on
    every call), text and URLs are loaded each time."""
    if isinstance(spec, Document):
        return spec
    if isinstance(spec, bytes):
        return load(spec)
    return load_cached(spec)


def _validation_errors(doc: Document, criteria: CriterionTypes = DEFAULT_CRITERIA
                       ) -> list[Diagnostic]:
    def errors() -> list[Diagnostic]:
        found = [d for d in doc.diagnostics if d.is_error]
        for diagnostic in validate(doc, criteria=criteria):
            if diagnostic.is_error and diagnostic not in found:
                found.append(diagnostic)
        return found

    found: list[Diagnostic] = doc.bounded_memo("errors", criteria, errors)
    return found


def _pick_workflow(doc: Document, workflow_id: str | None) -> str:
    if workflow_id is not None and doc.spec.workflow(workflow_id) is not None:
        return workflow_id
    ids = [w.workflow_id for w in doc.spec.workflows]
    if workflow_id is None:
        if len(ids) == 1:
            return ids[0]
        raise InputError("the document has several workflows; choose one: " + ", ".join(ids))
    if doc.spec.workflow(workflow_id) is not None:
        return workflow_id
    close = difflib.get_close_matches(workflow_id, ids, n=3, cutoff=0.5)
    lower = [i for i in ids if i.lower() == workflow_id.lower()]
    hint = close or lower
    suggestion = f"; did you mean {' or '.join(repr(c) for c in hint)}?" if hint else ""
    raise InputError(f"no workflow {workflow_id!r} in the document{suggestion} "
                     f"(workflows: {', '.join(ids)})")


def _all_source_names(doc: Document) -> frozenset[str]:
    """The names of the sources of every document reachable from ``doc`` (found once)."""
    return doc.memo("all source names", lambda: frozenset(
        name for document in doc.iter_documents() for name in document.sources))


def prepare(spec: Document | str | os.PathLike[str] | bytes, workflow_id: str | None,
            inputs: Mapping[str, Any] | None = None, *, options: RunOptions | None = None,
            **overrides: Unpack[RunOptionsArgs]) -> tuple[Document, Engine]:
    """Load, validate and check the arguments; returns the engine ready to run.

    ``options``: a :class:`RunOptions`; its fields may also be given as keyword arguments
    (they replace the option's value). Raises :class:`ValidationFailed` for a document with
    errors and :class:`InputError` for bad arguments (:class:`MissingCredentials` when a
    step's security scheme has no credentials), before any request is sent. The drivers'
    options (``timeout``, ``max_response_bytes``) are left to whoever drives the engine.
    """
    return _prepare(spec, workflow_id, inputs, resolve_options("prepare", options, overrides))


def _prepare(spec: Document | str | os.PathLike[str] | bytes, workflow_id: str | None,
             inputs: Mapping[str, Any] | None, options: RunOptions, *,
             check_auth: bool = True, handled: Iterable[str] | None = None,
             environ: Mapping[str, str] | None = None) -> tuple[Document, Engine]:
    """:func:`prepare`; ``check_auth=False`` (dry runs) keeps missing credentials in
    ``engine.auth.missing`` instead of raising. ``handled``: the sources trusted to
    authenticate through their transport when credentials are missing (default: those of
    ``options.transports`` whose transport does not say ``handles_auth = False``)."""
    providers = options.providers
    doc = _load(spec)
    errors = _validation_errors(doc, options.criteria)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationFailed(f"the document has validation errors, nothing was run: "
                               f"{errors[0].format()}{more}", errors)
    if inputs is not None and type(inputs) is not dict and not isinstance(inputs, Mapping):
        raise InputError(f"inputs must be a mapping (a JSON object), not "
                         f"{type(inputs).__name__}")
    chosen = _pick_workflow(doc, workflow_id)
    names = _all_source_names(doc)
    for label, mapping in (("servers", options.servers), ("transports", options.transports)):
        for name in mapping:
            if name not in names:
                hint = difflib.get_close_matches(name, sorted(names), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise InputError(f"{label}: no source description named {name!r}{extra} "
                                 f"(sources: {', '.join(sorted(names))})")
    for name, url in options.servers.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"servers: {name!r} must be an absolute http(s) URL, got {url!r}")
    servers = provider_servers(doc, options.servers or None, providers)
    plan = plan_for(doc, options.criteria, providers)
    workflow = plan.workflow(doc, chosen)
    plan.refuse_unrunnable(workflow)
    given = parse_auth(options.auth, doc.reachable_openapi_sources(), providers) \
        if options.auth else {}
    authenticator = Authenticator(
        given,
        handled=frozenset(handled_sources(options.transports) if handled is None else handled),
        environ=os.environ if environ is None else environ)
    engine = Engine(plan, workflow, inputs, servers=servers, max_steps=options.max_steps,
                    loop_delay=options.loop_delay, hooks=normalize_hooks(options.hooks),
                    record_limit=options.record_limit, auth=authenticator)
    if check_auth:
        authenticator.check()
    return doc, engine


def handled_sources(transports: Mapping[str, Any] | None) -> set[str]:
    """Sources whose caller-supplied transport is trusted to authenticate (when their
    credentials are missing): every one, unless it says ``handles_auth = False``."""
    return {name for name, transport in (transports or {}).items()
            if getattr(transport, "handles_auth", True)}


class _Transports:
    """Per-run transport choice: caller's per source, else the default; a source a provider
    claims gets the provider's transport (SigV4 signing) around ``signed_inner`` (an httpx
    transport: the sync default is not one), or around the default."""

    def __init__(self, doc: Document, given: Mapping[str, AnyTransport] | None,
                 default: Any, *, asynchronous: bool, signed_inner: Any = None,
                 providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> None:
        self.providers = tuple(providers)
        self.given = dict(given or {})
        self.default = default
        self.signed_inner = signed_inner
        self.asynchronous = asynchronous
        self.claimed = claimed_sources(doc, self.providers)
        self.chosen: dict[str, Any] = {}

    def get(self, source: str) -> Any:
        transport = self.given.get(source)
        if transport is not None:
            return transport
        transport = self.chosen.get(source)
        if transport is None:
            transport = self.default
            claimed = self.claimed.get(source)
            if claimed is not None:
                inner = self.signed_inner() if self.signed_inner is not None else self.default
                transport = provider_transport(claimed[1], inner, asynchronous=self.asynchronous,
                                                providers=self.providers)
            self.chosen[source] = transport
        return transport
