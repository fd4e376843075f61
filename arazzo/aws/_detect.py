"""When should the engine sign a source description's requests with SigV4?

The rule (documented in ``docs/aws.md``): an OpenAPI (3.x ``components.securitySchemes``
or Swagger 2 ``securityDefinitions``) scheme that

1. carries ``x-amazon-apigateway-authtype: awsSigv4`` (any ``type``; case-insensitive), or
2. follows the APIs.guru convention: ``type: apiKey``, ``in: header``,
   ``name: Authorization`` and a ``description`` mentioning Signature Version 4
   (``Amazon Signature authorization v4``, ``AWS Signature Version 4``, ``SigV4``),

**and** is required by the root ``security`` or by at least one operation's ``security``.
A declared but unused scheme does not trigger signing.

The signing name comes from ``x-aws-signingName`` (root, then ``info``), otherwise from
the first server URL whose host is an AWS endpoint (server variables replaced by their
defaults).  The region is reported only when that server's host names it literally (no
``{region}`` variable): a variable's default is just a default, and the request's actual
host (the engine may be pointed at another region, or at an emulator) is what the
transport should sign for.  Use ``hint.region`` as a *fallback* (``default_region=``),
never to force ``region=``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from arazzo.aws._scope import infer_scope

__all__ = ["SigV4Hint", "detect_sigv4"]

_SIGV4_TEXT = re.compile(
    r"sig(?:nature)?\s*(?:authorization\s*)?v(?:ersion)?\s*4|sigv4|aws4-hmac-sha256", re.I
)
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class SigV4Hint:
    """What :func:`detect_sigv4` found: the scheme's name, how it was recognised, the
    signing name (``service``) when the description tells it, and ``region`` when a server
    host names one literally (a fallback for hosts that do not, never an override)."""

    scheme: str
    rule: Literal["x-amazon-apigateway-authtype", "apis-guru-hmac"]
    service: str | None
    region: str | None


def _schemes(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    components = doc.get("components")
    if isinstance(components, Mapping):
        schemes = components.get("securitySchemes")
        if isinstance(schemes, Mapping):
            return schemes
    definitions = doc.get("securityDefinitions")
    if isinstance(definitions, Mapping):
        return definitions
    return {}


def _rule(scheme: Mapping[str, Any]) -> Literal["x-amazon-apigateway-authtype",
                                                "apis-guru-hmac"] | None:
    authtype = scheme.get("x-amazon-apigateway-authtype")
    if isinstance(authtype, str) and authtype.lower() == "awssigv4":
        return "x-amazon-apigateway-authtype"
    if (
        scheme.get("type") == "apiKey"
        and str(scheme.get("in", "")).lower() == "header"
        and str(scheme.get("name", "")).lower() == "authorization"
        and _SIGV4_TEXT.search(str(scheme.get("description", "")))
    ):
        return "apis-guru-hmac"
    return None


def _requirements(doc: Mapping[str, Any]) -> Iterator[Any]:
    yield doc.get("security")
    paths = doc.get("paths")
    if not isinstance(paths, Mapping):
        return
    for item in paths.values():
        if not isinstance(item, Mapping):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield operation.get("security")


def _used_schemes(doc: Mapping[str, Any]) -> set[str]:
    used: set[str] = set()
    for requirement_list in _requirements(doc):
        if not isinstance(requirement_list, list):
            continue
        for requirement in requirement_list:
            if isinstance(requirement, Mapping):
                used.update(str(name) for name in requirement)
    return used


def _server_urls(doc: Mapping[str, Any]) -> Iterator[tuple[str, bool]]:
    """(URL with variables replaced by their defaults, whether the host was literal)."""
    servers = doc.get("servers")
    if isinstance(servers, list):
        for server in servers:
            if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
                continue
            url: str = server["url"]
            literal = "{" not in _host_part(url)
            variables = server.get("variables")
            if isinstance(variables, Mapping):
                for name, spec in variables.items():
                    if isinstance(spec, Mapping) and spec.get("default") is not None:
                        url = url.replace("{" + str(name) + "}", str(spec["default"]))
            yield url, literal
    host = doc.get("host")  # Swagger 2
    if isinstance(host, str):
        yield f"https://{host}", "{" not in host


def _host_part(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


def detect_sigv4(openapi: Mapping[str, Any]) -> SigV4Hint | None:
    """Return a :class:`SigV4Hint` when the description asks for SigV4 (see the module
    docstring for the exact rule), else ``None``."""
    used = _used_schemes(openapi)
    for name, scheme in _schemes(openapi).items():
        if not isinstance(scheme, Mapping) or str(name) not in used:
            continue
        rule = _rule(scheme)
        if rule is None:
            continue
        service: str | None = None
        region: str | None = None
        info = openapi.get("info")
        for holder in (openapi, info if isinstance(info, Mapping) else {}):
            value = holder.get("x-aws-signingName")
            if isinstance(value, str) and value:
                service = value
                break
        for url, literal in _server_urls(openapi):
            if "{" in _host_part(url):
                continue  # a variable without a default
            scope = infer_scope(url)
            if scope.service is None and scope.region is None:
                continue
            service = service or scope.service
            region = scope.region if literal else None
            break
        return SigV4Hint(str(name), rule, service, region)
    return None
