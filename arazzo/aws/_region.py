"""The ``{region}`` of an AWS source description's server, from the AWS configuration.

The generated OpenAPI descriptions (and APIs.guru's) name their server
``https://api.sagemaker.{region}.amazonaws.com`` with a ``region`` variable whose default
(``us-east-1``) is only an example. When a run does not choose the server itself
(``servers=`` / ``--server``), the region comes from, in order:

1. an explicit region (``arazzo run --aws-region``, ``regional_servers(region=...)``);
2. botocore's configured region: ``AWS_DEFAULT_REGION``, then the ``region`` of the profile
   (``--aws-profile``, ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE``) in ``~/.aws/config``;
   botocore ignores ``AWS_REGION``, and so does this;
3. the variable's default in the description.

``cn-*`` regions pick the ``.amazonaws.com.cn`` server when the description has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from arazzo.aws._exceptions import AwsConfigurationError

if TYPE_CHECKING:
    from arazzo import Document

__all__ = ["configured_region", "regional_server_url", "regional_servers", "sigv4_sources"]


def configured_region(profile: str | None = None) -> str | None:
    """botocore's configured region (``AWS_DEFAULT_REGION``, then the profile's ``region``),
    or ``None``. An unknown ``profile`` raises :class:`AwsConfigurationError`."""
    import botocore.exceptions
    import botocore.session

    try:
        session = botocore.session.Session(profile=profile)
        if profile is not None and profile not in session.available_profiles:
            raise botocore.exceptions.ProfileNotFound(profile=profile)
        region = session.get_config_variable("region")
    except botocore.exceptions.ProfileNotFound as exc:
        raise AwsConfigurationError(
            f"AWS profile {exc.kwargs.get('profile', profile)!r} not found in the AWS config "
            "files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, ~/.aws); run 'aws configure "
            "--profile NAME' or choose another profile"
        ) from None
    return region if isinstance(region, str) and region else None


def _partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws"


def regional_server_url(openapi: Mapping[str, Any], region: str) -> str | None:
    """The first root server URL with a ``{region}`` variable, for ``region``'s partition,
    with ``region`` filled in and the other variables at their defaults; ``None`` when no
    server has a ``region`` variable."""
    servers = openapi.get("servers")
    if not isinstance(servers, list):
        return None
    candidates: list[tuple[str, Mapping[str, Any]]] = []
    for server in servers:
        if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
            continue
        variables = server.get("variables")
        if "{region}" in server["url"] and isinstance(variables, Mapping) and isinstance(
                variables.get("region"), Mapping):
            candidates.append((server["url"], variables))
    if not candidates:
        return None
    wanted = _partition(region)

    def fits(variables: Mapping[str, Any]) -> bool:
        spec = variables["region"]
        enum = spec.get("enum")
        if isinstance(enum, list) and enum:
            return region in enum
        default = spec.get("default")
        return isinstance(default, str) and _partition(default) == wanted

    url, variables = next(((u, v) for u, v in candidates if fits(v)), candidates[0])
    for name, spec in variables.items():
        value = region if name == "region" else (
            spec.get("default") if isinstance(spec, Mapping) else None)
        if value is not None:
            url = url.replace("{" + str(name) + "}", str(value))
    return url


def sigv4_sources(document: Document, service: str | None = None) -> dict[str, Mapping[str, Any]]:
    """``{source name: OpenAPI dict}`` of every source (of ``document`` and the Arazzo documents
    it references) whose OpenAPI declares SigV4, optionally only for signing name ``service``
    (a description whose service cannot be told is included)."""
    from arazzo import OpenAPISource
    from arazzo.aws._detect import detect_sigv4

    found: dict[str, Mapping[str, Any]] = {}
    for doc in document.iter_documents():
        for name, source in doc.sources.items():
            if name in found or not isinstance(source, OpenAPISource):
                continue
            hint = detect_sigv4(source.raw)
            if hint is not None and (service is None or hint.service in (service, None)):
                found[name] = source.raw
    return found


def regional_servers(document: Document, *, region: str | None = None,
                     profile: str | None = None, exclude: Iterable[str] = (),
                     sources: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, str]:
    """``{source name: server URL}`` for the SigV4 sources whose server has a ``{region}``
    variable, filled with ``region`` or botocore's configured region (module docstring).

    Sources named in ``exclude`` (the caller's own ``servers=``) are left out; so is
    everything when no region is given or configured (the description's default applies).
    ``arazzo.run`` applies this itself; the CLI adds ``--aws-region``/``--aws-profile``.
    """
    skip = set(exclude)
    chosen = {name: raw for name, raw in (sources if sources is not None
                                          else sigv4_sources(document)).items()
              if name not in skip}
    if not chosen:
        return {}
    if region is None:
        region = configured_region(profile)
    if region is None:
        return {}
    out: dict[str, str] = {}
    for name, raw in chosen.items():
        url = regional_server_url(raw, region)
        if url is not None:
            out[name] = url
    return out
