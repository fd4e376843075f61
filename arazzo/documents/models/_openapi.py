"""The parts of OpenAPI 3.0.x / 3.1.x an Arazzo engine needs (SRC-04).

Objects here are lenient (unknown fields are kept, never errors): OpenAPI descriptions are inputs
we read, not documents we lint. ``$ref``s to parameters, request bodies, responses and path items
are resolved by the loader before these models are built; JSON Schemas are kept as plain data
(they are evaluated by ``jsonschema`` with a registry that can follow their ``$ref``s).
"""

# No ``from __future__ import annotations`` in the model modules: pydantic would then evaluate
# every field annotation from its string (a compile() each), which made importing the models
# ~20 ms slower on the CLI's cold start (tests/cli/test_cold_start.py checks).

from typing import Any, Literal

from pydantic import Field

from arazzo.documents.models._base import LenientModel

__all__ = [
    "HTTP_METHODS",
    "MediaType",
    "OpenAPIComponents",
    "OpenAPIDocument",
    "OpenAPIParameter",
    "Operation",
    "PathItem",
    "RequestBodySpec",
    "Response",
    "SecurityScheme",
    "Server",
    "ServerVariable",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class ServerVariable(LenientModel):
    default: str
    enum: list[str] | None = None
    description: str | None = None


class Server(LenientModel):
    url: str
    description: str | None = None
    variables: dict[str, ServerVariable] | None = None

    def expand(self, overrides: dict[str, str] | None = None) -> str:
        """The URL with ``{variables}`` replaced by overrides or their defaults."""
        url = self.url
        for name, variable in (self.variables or {}).items():
            value = (overrides or {}).get(name, variable.default)
            url = url.replace("{" + name + "}", str(value))
        return url


class MediaType(LenientModel):
    schema_: dict[str, Any] | bool | None = Field(default=None, alias="schema")
    example: Any = None
    examples: dict[str, Any] | None = None
    encoding: dict[str, Any] | None = None


class OpenAPIParameter(LenientModel):
    name: str
    in_: Literal["path", "query", "header", "cookie", "querystring"] = Field(alias="in")
    description: str | None = None
    required: bool = False
    deprecated: bool = False
    allow_empty_value: bool = False
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False
    schema_: dict[str, Any] | bool | None = Field(default=None, alias="schema")
    content: dict[str, MediaType] | None = None

    @property
    def effective_style(self) -> str:
        """OpenAPI's default style for the location."""
        if self.style:
            return self.style
        return {"query": "form", "cookie": "form"}.get(self.in_, "simple")

    @property
    def effective_explode(self) -> bool:
        if self.explode is not None:
            return self.explode
        return self.effective_style == "form"


class RequestBodySpec(LenientModel):
    description: str | None = None
    content: dict[str, MediaType] = Field(default_factory=dict)
    required: bool = False


class Response(LenientModel):
    description: str | None = None
    headers: dict[str, Any] | None = None
    content: dict[str, MediaType] | None = None


class Operation(LenientModel):
    operation_id: str | None = None
    summary: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    parameters: list[OpenAPIParameter] | None = None
    request_body: RequestBodySpec | None = None
    responses: dict[str, Response] | None = None
    servers: list[Server] | None = None
    security: list[dict[str, list[str]]] | None = None
    deprecated: bool = False


class PathItem(LenientModel):
    summary: str | None = None
    description: str | None = None
    servers: list[Server] | None = None
    parameters: list[OpenAPIParameter] | None = None
    get: Operation | None = None
    put: Operation | None = None
    post: Operation | None = None
    delete: Operation | None = None
    options: Operation | None = None
    head: Operation | None = None
    patch: Operation | None = None
    trace: Operation | None = None

    def operations(self) -> list[tuple[str, Operation]]:
        out = []
        for method in HTTP_METHODS:
            op = getattr(self, method)
            if op is not None:
                out.append((method, op))
        return out


class SecurityScheme(LenientModel):
    type: str
    description: str | None = None
    name: str | None = None
    in_: str | None = Field(default=None, alias="in")
    scheme: str | None = None
    bearer_format: str | None = None
    flows: dict[str, Any] | None = None
    open_id_connect_url: str | None = None


class OpenAPIComponents(LenientModel):
    schemas: dict[str, Any] | None = None
    responses: dict[str, Response] | None = None
    parameters: dict[str, OpenAPIParameter] | None = None
    request_bodies: dict[str, RequestBodySpec] | None = None
    security_schemes: dict[str, SecurityScheme] | None = None


class OpenAPIDocument(LenientModel):
    openapi: str
    info: dict[str, Any] = Field(default_factory=dict)
    servers: list[Server] | None = None
    paths: dict[str, PathItem] | None = None
    components: OpenAPIComponents | None = None
    security: list[dict[str, list[str]]] | None = None
