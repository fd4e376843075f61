"""Providers: what the engine asks about a source description beyond OpenAPI itself.

A source may need more than its OpenAPI description says how to do: AWS APIs are signed with
SigV4, get their ``{region}`` server from the AWS configuration and are polled at the pace of
botocore's waiters. The core does not know any of that; it asks the run's *providers*
(``arazzo.run(..., providers=...)``, default :data:`DEFAULT_PROVIDERS`), in order:

- :meth:`Provider.security_kind`: is this security scheme yours (the credentials it needs
  are then the provider's business, not ``auth=``'s)?
- :meth:`Provider.claims`: is this source yours? The first provider that claims a source is
  the only one asked the questions below about it.
- :meth:`Provider.servers`: base URLs for claimed sources that ``servers=`` does not name;
- :meth:`Provider.transport` / :meth:`Provider.async_transport`: the transport of a claimed
  source that ``transports=`` does not name, wrapping the engine's default one (signing): an
  httpx transport, or the engine's own client for a provider whose ``wraps_default_client``
  is true (:class:`DefaultInner`);
- :meth:`Provider.pacing`: the default pace of a claimed source's polling step (asked once
  per compiled step).

:data:`DEFAULT_PROVIDERS` names the AWS provider by its module path
(:class:`LazyProvider`): nothing of the AWS package is imported until a source's security
scheme looks like SigV4. ``providers=()`` turns all of it off.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import argparse
    from contextlib import AbstractContextManager

    import httpx

    from arazzo.documents._loading import Document, OpenAPISource, OperationRef
    from arazzo.documents.models import Parameter
    from arazzo.engine._messages import RequestSpec, ResponseData, TransportFailure

__all__ = [
    "DEFAULT_PROVIDERS",
    "CliOptions",
    "DefaultInner",
    "LazyProvider",
    "Provider",
    "check_providers",
    "claimant",
    "claimed_sources",
    "cli_options",
    "provider_servers",
    "provider_transport",
    "security_kind",
]


@dataclass(frozen=True, slots=True)
class LoopPacing:
    """The default pacing of a step's loop, given by the pacing hook (:meth:`Plan.pacing`):
    ``delay`` seconds before re-entering the step, at most ``max_iterations`` runs of it per
    workflow run, and where the numbers come from (``origin``)."""

    delay: float | None
    max_iterations: int | None
    origin: str


@runtime_checkable
class Provider(Protocol):
    """What the core asks a provider about source descriptions (module docstring).

    Methods other than :meth:`claims` and :meth:`security_kind` are only asked about
    sources the provider claims. A provider may also have a ``cli`` attribute: the options
    it adds to ``arazzo run`` (:class:`CliOptions`), and a ``wraps_default_client``
    attribute: when true, ``inner`` is the engine's own client
    (:class:`~arazzo.transports._client.HTTPClient`, or ``AsyncHTTPClient`` for
    ``async_transport``) rather than an httpx transport.
    """

    def claims(self, source: OpenAPISource) -> bool:
        """Whether this provider handles ``source`` (e.g. its OpenAPI declares SigV4)."""
        ...

    def security_kind(self, scheme: Mapping[str, Any]) -> str | None:
        """The kind of a Security Scheme Object this provider satisfies itself (``"sigv4"``),
        else ``None``. Steps requiring it need no credentials from ``auth=``."""
        ...

    def servers(self, sources: Mapping[str, OpenAPISource]) -> Mapping[str, str]:
        """``{source name: base URL}`` for some of ``sources`` (claimed, not named by
        ``servers=``); a source left out keeps its description's server."""
        ...

    def transport(self, source: OpenAPISource,
                  inner: httpx.BaseTransport) -> httpx.BaseTransport:
        """The transport of a sync run for ``source``, sending through ``inner``."""
        ...

    def async_transport(self, source: OpenAPISource,
                        inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """The transport of an async run for ``source``, sending through ``inner``."""
        ...

    def pacing(self, operation: OperationRef,
               parameters: Sequence[Parameter]) -> LoopPacing | None:
        """The default loop pacing of a step calling ``operation`` with ``parameters`` (the
        step's, as written), or ``None`` for the engine's default."""
        ...


class CliOptions(Protocol):
    """What ``arazzo run`` asks of a provider's ``cli`` (its command-line options)."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the provider's options to the ``arazzo run`` parser."""
        ...

    def handled(self, args: argparse.Namespace, document: Document) -> set[str]:
        """The sources the options make the provider authenticate (like a transport)."""
        ...

    def dry_run_servers(self, args: argparse.Namespace, document: Document) -> dict[str, str]:
        """``{source: URL}`` a real run would call, for ``--dry-run``."""
        ...

    def signing_notes(self, args: argparse.Namespace, document: Document) -> dict[str, str]:
        """``{source: note}``: how a source's requests are signed when sent (dry run)."""
        ...

    def overrides(self, args: argparse.Namespace,
                  document: Document) -> AbstractContextManager[Any]:
        """Entered around the run: yields ``servers``, ``transports``, ``loop_delay``."""
        ...


def cli_options(providers: Sequence[Provider] = ()) -> list[CliOptions]:
    """The ``cli`` of each provider that has one (default: :data:`DEFAULT_PROVIDERS`)."""
    found = (getattr(p, "cli", None) for p in (providers or DEFAULT_PROVIDERS))
    return [options for options in found if options is not None]


def _schemes(raw: Mapping[str, Any]) -> Iterable[Any]:
    components = raw.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if isinstance(schemes, Mapping):
        yield from schemes.values()
    definitions = raw.get("securityDefinitions")  # Swagger 2
    if isinstance(definitions, Mapping):
        yield from definitions.values()


class LazyProvider:
    """A provider named by ``"module:attribute"``, imported the first time a source or a
    security scheme may concern it: when a security scheme's text (keys and values,
    lower-cased) contains one of ``words``. Until then it claims nothing."""

    def __init__(self, target: str, *, words: Iterable[str]) -> None:
        self.target = target
        self.words = tuple(word.lower() for word in words)
        self._loaded: Provider | None = None
        # sources whose schemes were read and say nothing of this provider, by identity (a
        # weak map: a dropped document's sources leave it, and their ids cannot be mistaken)
        self._declined: weakref.WeakValueDictionary[int, OpenAPISource] = (
            weakref.WeakValueDictionary())

    def __repr__(self) -> str:
        return f"LazyProvider({self.target!r})"

    def load(self) -> Provider:
        """The provider itself (imported now if it was not)."""
        if self._loaded is None:
            module, _, attribute = self.target.partition(":")
            found = getattr(importlib.import_module(module), attribute)
            self._loaded = found() if isinstance(found, type) else found
        assert self._loaded is not None
        return self._loaded

    def _may_concern(self, scheme: Any) -> bool:
        if not isinstance(scheme, Mapping):
            return False
        text = str(dict(scheme)).lower()
        return any(word in text for word in self.words)

    def claims(self, source: OpenAPISource) -> bool:
        if self._loaded is None:
            if self._declined.get(id(source)) is source:
                return False
            if not any(self._may_concern(s) for s in _schemes(source.raw)):
                self._declined[id(source)] = source  # read its schemes once, not every run
                return False
        return self.load().claims(source)

    def security_kind(self, scheme: Mapping[str, Any]) -> str | None:
        if self._loaded is None and not self._may_concern(scheme):
            return None
        return self.load().security_kind(scheme)

    def servers(self, sources: Mapping[str, OpenAPISource]) -> Mapping[str, str]:
        return self.load().servers(sources)

    def transport(self, source: OpenAPISource,
                  inner: httpx.BaseTransport) -> httpx.BaseTransport:
        return self.load().transport(source, inner)

    def async_transport(self, source: OpenAPISource,
                        inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return self.load().async_transport(source, inner)

    def pacing(self, operation: OperationRef,
               parameters: Sequence[Parameter]) -> LoopPacing | None:
        return self.load().pacing(operation, parameters)

    def describe(self, source: OpenAPISource) -> str | None:
        """The loaded provider's ``describe`` (what a dry run shows), if it has one."""
        describe = getattr(self.load(), "describe", None)
        return describe(source) if describe is not None else None

    def resend_policy(self, request: RequestSpec) -> tuple[str, str]:
        """The loaded provider's ``resend_policy`` (durable runs: what to do with a request
        in doubt after a crash), else HTTP's method semantics."""
        decide = getattr(self.load(), "resend_policy", None)
        if decide is not None:
            kind, reason = decide(request)
            return str(kind), str(reason)
        return http_resend_policy(request)

    def resolve_in_doubt(self, request: RequestSpec, response: ResponseData,
                         send: Callable[[RequestSpec], ResponseData | TransportFailure]
                         ) -> ResponseData | None:
        """The loaded provider's ``resolve_in_doubt`` (an "already exists" answer to a
        request sent again after a crash), if it has one."""
        resolve = getattr(self.load(), "resolve_in_doubt", None)
        return resolve(request, response, send) if resolve is not None else None

    @property
    def cli(self) -> Any:
        """The loaded provider's ``cli`` (its ``arazzo run`` options), if it has one."""
        return getattr(self.load(), "cli", None)

    @property
    def wraps_default_client(self) -> bool:
        """Whether the loaded provider's transports wrap the engine's own client."""
        return bool(getattr(self.load(), "wraps_default_client", False))


#: request headers that make a non-idempotent request safe to send again (the server keeps
#: the first answer for the key)
IDEMPOTENCY_HEADERS = frozenset({"idempotency-key", "x-idempotency-key", "idempotency-token",
                                 "x-amz-client-token", "x-client-token"})
#: the methods RFC 9110 (9.2.2) calls idempotent: safe to send again
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


def http_resend_policy(request: RequestSpec) -> tuple[str, str]:
    """What a durable run does with ``request`` when it is in doubt after a crash, by HTTP's
    method semantics (RFC 9110, 9.2.2) and an idempotency header: ``(kind, reason)``, kind
    ``idempotent``, ``token`` or ``unsafe`` (see ``docs/durable.md``)."""
    method = request.method.upper()
    if method in IDEMPOTENT_METHODS:
        return "idempotent", f"{method} is idempotent (RFC 9110, 9.2.2)"
    for name, _ in request.headers:
        if name.lower() in IDEMPOTENCY_HEADERS or "idempotency" in name.lower():
            return "token", f"the request carries the idempotency header {name}"
    return "unsafe", (f"{method} is not idempotent and the request carries no idempotency "
                      f"key (Idempotency-Key header)")


#: The providers a run asks by default: AWS (SigV4 signing, ``{region}`` servers, botocore
#: waiter pacing; ``docs/aws.md``), imported only for a source whose security scheme
#: mentions SigV4 (the words cover every spelling the AWS provider recognises).
DEFAULT_PROVIDERS: tuple[Provider, ...] = (
    LazyProvider("arazzo.aws._provider:AwsProvider",
                 words=("x-amazon-apigateway-authtype", "sig", "aws4")),
)


def check_providers(providers: Any) -> tuple[Provider, ...]:
    """``providers=`` as a tuple; raises :class:`InputError` for anything else."""
    from arazzo._exceptions import InputError

    if isinstance(providers, (str, bytes, Mapping)) or not isinstance(providers, Iterable):
        raise InputError(f"providers must be a sequence of providers, not "
                         f"{type(providers).__name__}")
    out = tuple(providers)
    for provider in out:
        if not isinstance(provider, Provider):
            raise InputError(f"providers: {provider!r} is not a Provider (it needs claims, "
                             "security_kind, servers, transport, async_transport, pacing)")
    return out


def claimant(source: OpenAPISource | None,
             providers: Sequence[Provider]) -> Provider | None:
    """The first provider that claims ``source``."""
    if source is None:
        return None
    return next((p for p in providers if p.claims(source)), None)


def describe_source(source: OpenAPISource | None,
                    providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> str | None:
    """How the provider that claims ``source`` changes its requests when sent (its optional
    ``describe(source)``: ``AWS SigV4 (sagemaker)``), for dry runs; ``None`` otherwise."""
    provider = claimant(source, providers)
    describe = getattr(provider, "describe", None)
    return describe(source) if describe is not None and source is not None else None


def security_kind(scheme: Mapping[str, Any], providers: Sequence[Provider]) -> str | None:
    """The kind the first provider that satisfies ``scheme`` gives it."""
    for provider in providers:
        kind = provider.security_kind(scheme)
        if kind is not None:
            return kind
    return None


def claimed_sources(doc: Document, providers: Sequence[Provider]
                    ) -> Mapping[str, tuple[Provider, OpenAPISource]]:
    """The reachable sources some provider claims, by name, with their claimant (asked once
    per document and providers: a source's claim depends on its description only). Kept by
    the providers' identities, with the providers (so an identity is never reused), as the
    plan is: a provider need not be hashable."""
    wanted = tuple(providers)

    def build() -> tuple[tuple[Provider, ...], dict[str, tuple[Provider, OpenAPISource]]]:
        out: dict[str, tuple[Provider, OpenAPISource]] = {}
        for name, source in doc.reachable_openapi_sources().items():
            provider = claimant(source, wanted)
            if provider is not None:
                out[name] = (provider, source)
        return wanted, out

    found = doc.bounded_memo("claimed sources", tuple(map(id, wanted)), build,
                         lambda kept: all(a is b for a, b in zip(kept[0], wanted, strict=True)))
    return found[1]


def provider_servers(doc: Document, servers: Mapping[str, str] | None,
                     providers: Sequence[Provider]) -> Mapping[str, str] | None:
    """``servers`` with what the providers add for the claimed sources it does not name."""
    claimed = claimed_sources(doc, providers)
    if not claimed:
        return servers
    given = servers or {}
    by_provider: dict[int, tuple[Provider, dict[str, OpenAPISource]]] = {}
    for name, (provider, source) in claimed.items():
        if name not in given:
            by_provider.setdefault(id(provider), (provider, {}))[1][name] = source
    extra: dict[str, str] = {}
    for provider, sources in by_provider.values():
        extra.update(provider.servers(sources))
    return {**extra, **given} if extra and servers else (extra or servers)


@dataclass(frozen=True, slots=True)
class DefaultInner:
    """The engine's default transport, as a driver offers it to a provider to wrap: its own
    ``client`` (for a provider whose ``wraps_default_client`` is true), or the httpx
    transport ``httpx()`` makes (created only when such a provider asks)."""

    client: Any
    httpx: Callable[[], Any]


def provider_transport(source: OpenAPISource | None, inner: Any, *, asynchronous: bool,
                       providers: Sequence[Provider] = DEFAULT_PROVIDERS) -> Any:
    """``inner``, wrapped by the transport of the provider that claims ``source`` (if any).
    ``inner`` may be a :class:`DefaultInner`: the provider then gets what it wraps."""
    provider = claimant(source, providers)
    if isinstance(inner, DefaultInner):
        wraps_client = provider is not None and getattr(provider, "wraps_default_client", False)
        inner = inner.client if wraps_client or provider is None else inner.httpx()
    if provider is None or source is None:
        return inner
    if asynchronous:
        return provider.async_transport(source, inner)
    return provider.transport(source, inner)
