"""The AWS provider: what ``arazzo.run`` asks about a source whose OpenAPI declares SigV4.

``arazzo.DEFAULT_PROVIDERS`` names it by module path, so it (and botocore) is imported only
for such a source. For each source it claims (:func:`~arazzo.aws.detect_sigv4` finds a
SigV4 scheme in use):

- ``servers``: the ``{region}`` server for botocore's configured region
  (``AWS_DEFAULT_REGION``, the profile's ``region``; :mod:`arazzo.aws._region`);
- ``transport`` / ``async_transport``: a :class:`~arazzo.aws.SigV4Transport` (or its async
  twin) around the engine's own client (``wraps_default_client``), for the signing name the
  description gives;
- ``pacing``: the botocore waiter whose operation is the step's (``delay`` and
  ``maxAttempts``; :mod:`arazzo.aws._pacing`);
- ``security_kind``: ``"sigv4"`` for the scheme (it needs no ``auth=`` credentials: the
  transport signs);
- ``resend_policy`` / ``resolve_in_doubt``: for durable runs, whether a request left in doubt
  by a crash may be sent again, and what an "already exists" answer to the re-sent
  ``Create*`` means (:mod:`arazzo.aws._in_doubt`).

``cli`` holds the ``arazzo run`` options (``--aws-region``, ``--sigv4``, ``--emulator``...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from arazzo.aws._detect import SigV4Hint, _rule, detect_sigv4

if TYPE_CHECKING:
    import httpx

    from arazzo import LoopPacing, OpenAPISource, OperationRef
    from arazzo.aws._cli import AwsCliOptions
    from arazzo.documents.models import Parameter
    from arazzo.engine._messages import RequestSpec, ResponseData, TransportFailure
    from arazzo.transports._aclient import AsyncHTTPClient
    from arazzo.transports._client import HTTPClient

__all__ = ["AwsProvider"]

_FACTS_ATTR = "_arazzo_aws_facts"
_TARGET_HEADER = "x-amz-target"


def _facts(source: OpenAPISource) -> tuple[SigV4Hint | None, tuple[str, ...] | None]:
    """(SigV4 hint, waiter services or None if not looked up yet), cached on the source."""
    cached: tuple[Any, SigV4Hint | None, tuple[str, ...] | None] | None = getattr(
        source, _FACTS_ATTR, None)
    if cached is None or cached[0] is not source.raw:
        cached = (source.raw, detect_sigv4(source.raw), None)
        setattr(source, _FACTS_ATTR, cached)
    return cached[1], cached[2]


def _remember(source: OpenAPISource, services: tuple[str, ...]) -> None:
    setattr(source, _FACTS_ATTR, (source.raw, _facts(source)[0], services))


class AwsProvider:
    """SigV4 signing, ``{region}`` servers and waiter pacing for AWS sources (module
    docstring). Stateless apart from a per-source cache of the SigV4 detection."""

    #: ``transport`` / ``async_transport`` get the engine's own client as ``inner``: signed
    #: requests go over it as unsigned ones do (no httpx on the way)
    wraps_default_client = True

    def __repr__(self) -> str:
        return "AwsProvider()"

    @staticmethod
    def hint(source: OpenAPISource) -> SigV4Hint | None:
        """The source's SigV4 hint (:func:`detect_sigv4` of its OpenAPI), computed once."""
        return _facts(source)[0]

    def describe(self, source: OpenAPISource) -> str | None:
        """How a claimed source's requests are signed, as a dry run shows it."""
        hint = self.hint(source)
        if hint is None:
            return None
        return f"AWS SigV4 ({hint.service or 'service from the host'})"

    def claims(self, source: OpenAPISource) -> bool:
        return self.hint(source) is not None

    def security_kind(self, scheme: Mapping[str, Any]) -> str | None:
        return "sigv4" if _rule(scheme) is not None else None

    def servers(self, sources: Mapping[str, OpenAPISource]) -> Mapping[str, str]:
        from arazzo.aws._region import configured_region, regional_server_url

        region = configured_region()
        if region is None:
            return {}
        out: dict[str, str] = {}
        for name, source in sources.items():
            url = regional_server_url(source.raw, region)
            if url is not None:
                out[name] = url
        return out

    def transport(self, source: OpenAPISource,
                  inner: httpx.BaseTransport | HTTPClient) -> httpx.BaseTransport:
        from arazzo.aws._transport import SigV4Transport

        hint = self.hint(source)
        # The hint names a region only when a server host spells it; the transport otherwise
        # reads the region from the host actually called ({region} variable, --server, ...).
        return SigV4Transport(inner, service=hint.service if hint else None,
                              default_region=hint.region if hint else None)

    def async_transport(self, source: OpenAPISource,
                        inner: httpx.AsyncBaseTransport | AsyncHTTPClient,
                        ) -> httpx.AsyncBaseTransport:
        from arazzo.aws._transport import AsyncSigV4Transport

        hint = self.hint(source)
        return AsyncSigV4Transport(inner, service=hint.service if hint else None,
                                   default_region=hint.region if hint else None)

    def pacing(self, operation: OperationRef,
               parameters: Sequence[Parameter]) -> LoopPacing | None:
        from arazzo import LoopPacing
        from arazzo.aws._pacing import signing_services, step_operation_name, step_waiter

        services = _facts(operation.source)[1]
        if services is None:
            services = signing_services(operation.source.raw)
            _remember(operation.source, services)
        if not services:
            return None
        target_schema = next((p.schema_ for p in operation.parameters()
                              if p.in_ == "header" and p.name.lower() == _TARGET_HEADER), None)
        target_value = next((p.value for p in parameters if p.in_ == "header"
                             and p.name.lower() == _TARGET_HEADER), None)
        name = step_operation_name(target_schema=target_schema, target_value=target_value,
                                   path=operation.path, operation_id=operation.operation_id)
        waiter = step_waiter(services, name)
        if waiter is None:
            return None
        return LoopPacing(waiter.delay, waiter.max_attempts, waiter.origin)

    def resend_policy(self, request: RequestSpec) -> tuple[str, str]:
        """``(kind, reason)``: may ``request``, in doubt after a crash, be sent again
        (``idempotent``, ``token``, ``resolve``) or not (``unsafe``)? The reason names the
        action and fields only (:func:`arazzo.aws._in_doubt.resend_policy`)."""
        from arazzo.aws._in_doubt import resend_policy

        return resend_policy(request)

    def resolve_in_doubt(
        self,
        request: RequestSpec,
        response: ResponseData,
        send: Callable[[RequestSpec], ResponseData | TransportFailure],
    ) -> ResponseData | None:
        """The ``Create*`` answer of a re-sent ``resolve`` request that got "already
        exists", read with ``Describe*`` through ``send``; ``None`` when ``response``
        stands (:func:`arazzo.aws._in_doubt.resolve_in_doubt`)."""
        from arazzo.aws._in_doubt import resolve_in_doubt

        return resolve_in_doubt(request, response, send)

    @property
    def cli(self) -> AwsCliOptions:
        """The ``arazzo run`` options of AWS (:mod:`arazzo.aws._cli`)."""
        from arazzo.aws._cli import AwsCliOptions

        return AwsCliOptions()
