"""Preparing a run: load, validate, check the arguments, build the engine
(:func:`prepare`); and the per-run transport choice (:class:`_Transports`). Shared by the
drivers (``_run``), the previews (``_preview``) and durable runs (``durable``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from arazzo._diagnostics import Diagnostic, close_matches
from arazzo._exceptions import InputError, ValidationFailed
from arazzo._options import RunOptions, RunOptionsArgs, resolve_options
from arazzo.criteria import DEFAULT_CRITERIA, CriterionTypes
from arazzo.documents._cache import load_cached
from arazzo.documents._loading import Document, load
from arazzo.documents._validation import validate
from arazzo.engine._auth import Authenticator, parse_auth
from arazzo.engine._machine import Engine
from arazzo.engine._plan import Plan, WorkflowPlan, plan_for
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

__all__ = ["check_run", "handled_sources", "prepare"]


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
    close = close_matches(workflow_id, ids, n=3, cutoff=0.5)
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


def check_run(spec: Document | str | os.PathLike[str] | bytes,
              workflow_id: str | None = None,
              inputs: Mapping[str, Any] | None = None, *,
              options: RunOptions | None = None,
              authenticated: Iterable[str] = (),
              **overrides: Unpack[RunOptionsArgs]) -> None:
    """Make every check :func:`~arazzo.run` makes before it sends anything, and send nothing:
    raises :class:`~arazzo.ValidationFailed` (document errors), :class:`~arazzo.InputError`
    (arguments, inputs) or :class:`~arazzo.MissingCredentials`. ``authenticated``: sources
    whose transport authenticates the requests itself (their missing credentials are fine;
    :func:`~arazzo.run` trusts the transports it is given so, and so does this).
    ``options=`` and its fields as keyword arguments: as for :func:`~arazzo.run`."""
    options = resolve_options("check_run", options, overrides)
    _prepare(spec, workflow_id, inputs, options, check_auth=True,
             handled=handled_sources(options.transports) | set(authenticated))


def _prepare(spec: Document | str | os.PathLike[str] | bytes, workflow_id: str | None,
             inputs: Mapping[str, Any] | None, options: RunOptions, *,
             check_auth: bool = True, handled: Iterable[str] | None = None,
             environ: Mapping[str, str] | None = None) -> tuple[Document, Engine]:
    """:func:`prepare`; ``check_auth=False`` (dry runs) keeps missing credentials in
    ``engine.auth.missing`` instead of raising (``engine.auth`` is None when no step the run
    can reach has security requirements and no ``auth=`` was given). ``handled``: the
    sources trusted to authenticate through their transport when credentials are missing
    (default: those of ``options.transports`` whose transport does not say
    ``handles_auth = False``)."""
    doc = _load(spec)
    setup = _setup(doc, workflow_id, options)
    if inputs is not None and type(inputs) is not dict and not isinstance(inputs, Mapping):
        raise InputError(f"inputs must be a mapping (a JSON object), not "
                         f"{type(inputs).__name__}")
    plan, workflow = setup.plan, setup.workflow
    authenticator: Authenticator | None = None
    if setup.secured or options.auth:
        given = parse_auth(options.auth, doc.reachable_openapi_sources(), options.providers) \
            if options.auth else {}
        authenticator = Authenticator(
            given,
            handled=frozenset(handled_sources(options.transports) if handled is None
                              else handled),
            environ=os.environ if environ is None else environ)
    # the servers the providers add for the sources they claim can depend on the environment
    # (an AWS region read from AWS_REGION or a profile): asked on every run
    servers = setup.servers if not setup.claimed else provider_servers(
        doc, setup.servers, plan.providers)
    engine = Engine(plan, workflow, inputs, servers=servers, max_steps=options.max_steps,
                    loop_delay=options.loop_delay, hooks=normalize_hooks(options.hooks),
                    record_limit=options.record_limit, auth=authenticator)
    if check_auth and authenticator is not None:
        authenticator.check()
    return doc, engine


class _Setup:
    """What a run of one workflow of a document needs that its inputs do not change, for
    given options (see :func:`_setup`): the servers given (a copy), whether some provider
    claims a source (then it may add servers), the plan and the workflow's plan, and whether
    any step the run can reach has security requirements."""

    __slots__ = ("claimed", "plan", "secured", "servers", "workflow")

    def __init__(self, servers: Mapping[str, str] | None, claimed: bool, plan: Plan,
                 workflow: WorkflowPlan, secured: bool) -> None:
        self.servers = servers
        self.claimed = claimed
        self.plan = plan
        self.workflow = workflow
        self.secured = secured


def _setup(doc: Document, workflow_id: str | None, options: RunOptions) -> _Setup:
    """The document validated, the workflow chosen and the options' source names checked,
    found once per document and (workflow, criterion types, providers, servers, names of the
    transports): what the arguments of a repeated run cannot change (the servers providers
    add are not kept: they may come from the environment). Only a setup that passed
    every check is kept (a failing one raises each time); at most ``MEMO_BOUND`` per
    document, the least recently used going first. Providers are kept by identity: a kept
    setup holds its providers (its plan does), so while it is kept no other object can have
    their ids."""
    providers = tuple(options.providers)
    servers = options.servers
    key = (workflow_id, options.criteria, tuple(map(id, providers)),
           tuple(servers.items()) if servers else (), tuple(options.transports))
    return doc.bounded_memo("run setups", key,
                            lambda: _make_setup(doc, workflow_id, options, providers))


def _make_setup(doc: Document, workflow_id: str | None, options: RunOptions,
                providers: tuple[Provider, ...]) -> _Setup:
    errors = _validation_errors(doc, options.criteria)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationFailed(f"the document has validation errors, nothing was run: "
                               f"{errors[0].format()}{more}", errors)
    chosen = _pick_workflow(doc, workflow_id)
    names = _all_source_names(doc)
    for label, mapping in (("servers", options.servers), ("transports", options.transports)):
        for name in mapping:
            if name not in names:
                hint = close_matches(name, sorted(names), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise InputError(f"{label}: no source description named {name!r}{extra} "
                                 f"(sources: {', '.join(sorted(names))})")
    for name, url in options.servers.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"servers: {name!r} must be an absolute http(s) URL, got {url!r}")
    plan = plan_for(doc, options.criteria, providers)
    workflow = plan.workflow(doc, chosen)
    plan.refuse_unrunnable(workflow)
    secured = any(step.security for wp in plan.closure(workflow).plans.values()
                  for step in wp.steps if step.operation is not None)
    # a copy: the caller may change its mapping after the call (the key holds its items)
    return _Setup(dict(options.servers) or None, bool(claimed_sources(doc, providers)), plan,
                  workflow, secured)


def handled_sources(transports: Mapping[str, Any] | None) -> set[str]:
    """Sources whose caller-supplied transport is trusted to authenticate (when their
    credentials are missing): every one, unless it says ``handles_auth = False``."""
    return {name for name, transport in (transports or {}).items()
            if getattr(transport, "handles_auth", True)}


class _Transports:
    """Per-run transport choice: caller's per source, else the default; a source a provider
    claims gets the provider's transport (SigV4 signing) around ``signed_inner()`` (a
    :class:`~arazzo.engine._providers.DefaultInner`: the default client, and an httpx
    transport for a provider that wraps those), or around the default."""

    def __init__(self, doc: Document, given: Mapping[str, AnyTransport] | None,
                 default: Any, *, asynchronous: bool, signed_inner: Any = None,
                 providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> None:
        self.providers = tuple(providers)
        self.given = dict(given or {})
        self.default = default
        self.signed_inner = signed_inner
        self.asynchronous = asynchronous
        self.doc = doc
        self.chosen: dict[str, Any] = {}

    def get(self, source: str) -> Any:
        transport = self.given.get(source)
        if transport is not None:
            return transport
        transport = self.chosen.get(source)
        if transport is None:
            transport = self.default
            # asked on the first source without a given transport (a run whose sources all
            # have one never needs it)
            claimed = claimed_sources(self.doc, self.providers).get(source)
            if claimed is not None:
                inner = self.signed_inner() if self.signed_inner is not None else self.default
                transport = provider_transport(claimed[1], inner, asynchronous=self.asynchronous,
                                                providers=self.providers)
            self.chosen[source] = transport
        return transport
