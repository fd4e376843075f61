"""Generate an OpenAPI 3.1 description of an AWS JSON-protocol service from botocore's model.

::

    python -m arazzo.aws.openapi sagemaker \\
        --operations CreateTrainingJob,DescribeTrainingJob -o sagemaker.yml
    python -m arazzo.aws.openapi dynamodb --all -o dynamodb.yml

The model is botocore's own ``service-2`` (``botocore.loaders.Loader().load_service_model``),
so the output matches the installed botocore exactly.  Only the AWS JSON protocol
(``json``, versions 1.0 and 1.1, dispatched by ``X-Amz-Target``) is supported.

Shape of the output:

- one path per operation, ``/#X-Amz-Target=<targetPrefix>.<Operation>`` with ``post``: the
  part after ``#`` is a URL fragment, so every operation POSTs to ``/``; ``operationId`` is
  the operation name; a required header parameter ``X-Amz-Target`` with ``const``;
- request and response bodies ``application/x-amz-json-<jsonVersion>`` with JSON Schemas
  (draft 2020-12, under ``components/schemas``) built from the shapes: structures
  (``required``), lists, maps, enums, ``min``/``max`` (lengths, sizes or bounds), patterns
  (``\\p{...}`` classes Python's ``re`` rejects are translated when ASCII-only, otherwise
  dropped and kept as ``x-aws-pattern``), timestamps as ``number`` (epoch seconds), blobs
  as base64 strings, documents as any JSON;
- error responses ``400`` and ``5XX`` with ``{__type, message | Message}``; the modeled
  error shapes are listed in ``x-aws-errors``;
- ``servers`` ``https://<endpointPrefix>.{region}.amazonaws.com`` (and ``.com.cn``) with a
  ``region`` variable;
- a ``sigv4`` security scheme with ``x-amazon-apigateway-authtype: awsSigv4`` (what
  :func:`arazzo.aws.detect_sigv4` recognises) required at the root, and a root
  ``x-aws-signingName``.
"""

from __future__ import annotations

import argparse
import html
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from arazzo._diagnostics import close_matches
from arazzo.aws._exceptions import AwsConfigurationError

__all__ = ["generate_openapi", "main", "render_openapi"]

_SCHEMA_PREFIX = "#/components/schemas/"
_ERROR_SCHEMA = "AwsJsonError"
# Java-style ASCII POSIX classes botocore patterns use; values are class *contents*.
_POSIX = {
    "Alnum": "A-Za-z0-9",
    "Alpha": "A-Za-z",
    "Digit": "0-9",
    "Upper": "A-Z",
    "Lower": "a-z",
    "XDigit": "0-9A-Fa-f",
    "Space": " \\t\\n\\x0B\\f\\r",
    "Punct": "!-/:-@\\[-`{-~",
    "ASCII": "\\x00-\\x7F",
}
_P_CLASS = re.compile(r"\\p\{(\w+)\}")


def _translate_pattern(pattern: str) -> str | None:
    """``pattern`` if Python's ``re`` accepts it; else with ASCII ``\\p{Class}`` rewritten;
    ``None`` when it still cannot be compiled (e.g. Unicode categories ``\\p{L}``)."""
    try:
        re.compile(pattern)
        return pattern
    except re.error:
        pass
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            match = _P_CLASS.match(pattern, index)
            if match:
                body = _POSIX.get(match.group(1))
                if body is None:
                    return None
                out.append(body if in_class else f"[{body}]")
                index = match.end()
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    translated = "".join(out)
    try:
        re.compile(translated)
    except re.error:
        return None
    return translated


def _plain_text(documentation: str | None, *, limit: int | None = None) -> str | None:
    if not documentation:
        return None
    text = re.sub(r"<[^>]+>", " ", documentation)
    text = html.unescape(re.sub(r"\s+", " ", text)).strip()
    if limit is not None and len(text) > limit:
        cut = text[:limit]
        stop = cut.rfind(". ")
        text = cut[: stop + 1] if stop > limit // 3 else cut.rstrip() + "..."
    return text or None


def _first_paragraph(documentation: str | None) -> str | None:
    if not documentation:
        return None
    match = re.search(r"<p>(.*?)</p>", documentation, re.S)
    return _plain_text(match.group(1) if match else documentation, limit=600)


def _summary(documentation: str | None) -> str | None:
    text = _first_paragraph(documentation)
    if not text:
        return None
    stop = text.find(". ")
    sentence = text[: stop + 1] if stop != -1 else text
    return sentence if len(sentence) <= 200 else sentence[:197].rstrip() + "..."


class _SchemaBuilder:
    """Walks botocore shapes into ``components/schemas`` entries."""

    def __init__(self, shapes: Mapping[str, Any], *, member_docs: bool) -> None:
        self._shapes = shapes
        self._member_docs = member_docs
        self.schemas: dict[str, Any] = {}

    def ref(self, name: str) -> dict[str, Any]:
        """A ``$ref`` to shape ``name`` (scalars without constraints are inlined)."""
        shape = self._shapes[name]
        kind = shape["type"]
        if kind in ("string", "integer", "long", "boolean", "float", "double", "blob") and not (
            shape.get("enum") or shape.get("pattern") or "min" in shape or "max" in shape
        ):
            return self._scalar(shape)
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: recursion-safe
            self.schemas[name] = self._build(shape)
        return {"$ref": _SCHEMA_PREFIX + name}

    def _scalar(self, shape: Mapping[str, Any]) -> dict[str, Any]:
        kind = shape["type"]
        schema: dict[str, Any]
        if kind in ("string", "enum"):
            schema = {"type": "string"}
            if shape.get("enum"):
                schema["enum"] = list(shape["enum"])
            if "min" in shape:
                schema["minLength"] = int(shape["min"])
            if "max" in shape:
                schema["maxLength"] = int(shape["max"])
            if shape.get("pattern"):
                pattern = _translate_pattern(shape["pattern"])
                if pattern is not None:
                    schema["pattern"] = pattern
                else:
                    schema["x-aws-pattern"] = shape["pattern"]
            return schema
        if kind in ("integer", "long", "intEnum"):
            schema = {"type": "integer", "format": "int64" if kind == "long" else "int32"}
        elif kind in ("float", "double"):
            schema = {"type": "number", "format": kind}
        elif kind == "boolean":
            return {"type": "boolean"}
        elif kind == "blob":
            return {"type": "string", "contentEncoding": "base64"}
        elif kind == "timestamp":
            return {
                "type": "number",
                "description": "Epoch seconds (AWS JSON timestamp).",
            }
        else:  # pragma: no cover - new botocore shape types
            return {}
        if "min" in shape:
            schema["minimum"] = shape["min"]
        if "max" in shape:
            schema["maximum"] = shape["max"]
        return schema

    def _build(self, shape: Mapping[str, Any]) -> dict[str, Any]:
        kind = shape["type"]
        if kind == "structure":
            if shape.get("document"):
                return {"description": "Any JSON value (document type)."}
            properties: dict[str, Any] = {}
            for member_name, member in shape.get("members", {}).items():
                schema = dict(self.ref(member["shape"]))
                if member.get("deprecated"):
                    schema["deprecated"] = True
                if self._member_docs:
                    text = _plain_text(member.get("documentation"), limit=300)
                    if text:
                        schema["description"] = text
                properties[member_name] = schema
            result: dict[str, Any] = {"type": "object", "properties": properties}
            if shape.get("required"):
                result["required"] = list(shape["required"])
            if shape.get("union"):
                result["minProperties"] = 1
                result["maxProperties"] = 1
            return result
        if kind == "list":
            result = {"type": "array", "items": self.ref(shape["member"]["shape"])}
            if "min" in shape:
                result["minItems"] = int(shape["min"])
            if "max" in shape:
                result["maxItems"] = int(shape["max"])
            return result
        if kind == "map":
            result = {
                "type": "object",
                "additionalProperties": self.ref(shape["value"]["shape"]),
            }
            key = self.ref(shape["key"]["shape"])
            if key != {"type": "string"}:
                result["propertyNames"] = key
            if "min" in shape:
                result["minProperties"] = int(shape["min"])
            if "max" in shape:
                result["maxProperties"] = int(shape["max"])
            return result
        return self._scalar(shape)


def _load_model(service: str, api_version: str | None) -> tuple[dict[str, Any], str]:
    import botocore
    from botocore.exceptions import DataNotFoundError, UnknownServiceError
    from botocore.loaders import Loader

    loader = Loader()
    try:
        model = loader.load_service_model(service, "service-2", api_version)
    except (UnknownServiceError, DataNotFoundError) as exc:
        known = loader.list_available_services("service-2")
        close = close_matches(service, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise AwsConfigurationError(
            f"botocore {botocore.__version__} has no model for service {service!r}"
            f"{' version ' + api_version if api_version else ''}.{hint}"
        ) from exc
    return dict(model), str(botocore.__version__)


def generate_openapi(
    service: str,
    operations: Sequence[str] | None = None,
    *,
    api_version: str | None = None,
    member_docs: bool = False,
    model: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document (a plain dict) for ``operations`` of ``service``
    (all operations when ``None``).  ``model`` may be a pre-loaded ``service-2`` dict."""
    botocore_version = None
    if model is None:
        model, botocore_version = _load_model(service, api_version)
    metadata = model["metadata"]
    protocols = list(metadata.get("protocols") or [metadata.get("protocol")])
    if "json" not in protocols:
        raise AwsConfigurationError(
            f"{service} uses the {', '.join(str(p) for p in protocols)} protocol; only AWS "
            "JSON services (json 1.0/1.1, X-Amz-Target) are supported"
        )
    all_operations: Mapping[str, Any] = model["operations"]
    if operations is None:
        selected = sorted(all_operations)
    else:
        selected = list(dict.fromkeys(operations))
        unknown = [name for name in selected if name not in all_operations]
        if unknown:
            hints = []
            for name in unknown:
                close = close_matches(name, list(all_operations), n=3)
                hints.append(name + (f" (did you mean {', '.join(close)}?)" if close else ""))
            raise AwsConfigurationError(
                f"{service} has no operation(s): {'; '.join(hints)}"
            )
    target_prefix = metadata["targetPrefix"]
    json_version = metadata.get("jsonVersion", "1.0")
    media_type = f"application/x-amz-json-{json_version}"
    signing_name = metadata.get("signingName") or metadata["endpointPrefix"]
    endpoint_prefix = metadata["endpointPrefix"]
    builder = _SchemaBuilder(model["shapes"], member_docs=member_docs)
    error_ref = {"$ref": _SCHEMA_PREFIX + _ERROR_SCHEMA}

    paths: dict[str, Any] = {}
    for name in selected:
        operation = all_operations[name]
        target = f"{target_prefix}.{name}"
        input_schema = (
            builder.ref(operation["input"]["shape"]) if "input" in operation
            else {"type": "object"}
        )
        output_schema = (
            builder.ref(operation["output"]["shape"]) if "output" in operation
            else {"type": "object"}
        )
        errors = [error["shape"] for error in operation.get("errors", [])]
        op: dict[str, Any] = {"operationId": name}
        summary = _summary(operation.get("documentation"))
        if summary:
            op["summary"] = summary
        description = _first_paragraph(operation.get("documentation"))
        if description and description != summary:
            op["description"] = description
        if operation.get("deprecated"):
            op["deprecated"] = True
        op["parameters"] = [
            {
                "name": "X-Amz-Target",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "const": target},
            }
        ]
        op["requestBody"] = {
            "required": True,
            "content": {media_type: {"schema": input_schema}},
        }
        client_errors = "Client error: `__type` names the error (e.g. ValidationException, "
        client_errors += "ThrottlingException"
        client_errors += f"; modeled: {', '.join(errors)})." if errors else ")."
        op["responses"] = {
            "200": {"description": "Success.", "content": {media_type: {"schema": output_schema}}},
            "400": {"description": client_errors, "content": {media_type: {"schema": error_ref}}},
            "5XX": {
                "description": "Server error (InternalFailure, ServiceUnavailable...).",
                "content": {media_type: {"schema": error_ref}},
            },
        }
        if errors:
            op["x-aws-errors"] = errors
        paths[f"/#X-Amz-Target={target}"] = {"post": op}

    schemas = dict(sorted(builder.schemas.items()))
    schemas[_ERROR_SCHEMA] = {
        "type": "object",
        "description": "An AWS JSON error body. The code is `__type` after the last `#` "
        "(and before any `:`); the message is `message` or `Message`.",
        "required": ["__type"],
        "properties": {
            "__type": {"type": "string"},
            "message": {"type": "string"},
            "Message": {"type": "string"},
        },
    }
    title = metadata.get("serviceFullName") or service
    info: dict[str, Any] = {
        "title": title,
        "version": metadata["apiVersion"],
        "summary": f"{title}, generated from botocore's service model.",
        "description": (
            f"AWS JSON {json_version} protocol: every operation is `POST /` with header "
            f"`X-Amz-Target: {target_prefix}.<Operation>` and content type `{media_type}`, "
            f"signed with AWS Signature Version 4 (signing name `{signing_name}`). The path "
            "keys carry the target after `#`, a fragment that is not sent."
        ),
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        "x-aws-serviceId": metadata.get("serviceId"),
        "x-aws-protocol": "json",
        "x-aws-jsonVersion": json_version,
        "x-aws-targetPrefix": target_prefix,
        "x-aws-endpointPrefix": endpoint_prefix,
    }
    if botocore_version:
        info["x-aws-botocore-version"] = botocore_version
    return {
        "openapi": "3.1.0",
        "info": info,
        "x-aws-signingName": signing_name,
        "servers": [
            {
                "url": f"https://{endpoint_prefix}.{{region}}.amazonaws.com",
                "description": f"{title} regional endpoint.",
                "variables": {"region": {"default": "us-east-1", "description": "AWS region."}},
            },
            {
                "url": f"https://{endpoint_prefix}.{{region}}.amazonaws.com.cn",
                "description": "China regions.",
                "variables": {"region": {"default": "cn-north-1", "description": "AWS region."}},
            },
        ],
        "security": [{"sigv4": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "description": (
                        f"AWS Signature Version 4 (signing name `{signing_name}`): sign each "
                        "request with botocore's SigV4Auth, e.g. arazzo.aws.SigV4Transport."
                    ),
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            },
            "schemas": schemas,
        },
    }


def render_openapi(document: Mapping[str, Any], *, header: Sequence[str] = ()) -> str:
    """YAML text of ``document``, preceded by ``header`` lines as ``#`` comments."""
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header)
    body = yaml.safe_dump(
        dict(document), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return comments + body


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``python -m arazzo.aws.openapi --help``)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m arazzo.aws.openapi",
        description="Emit OpenAPI 3.1 YAML for an AWS JSON-protocol service from botocore's "
        "service model.",
    )
    parser.add_argument("service", help="botocore service name, e.g. sagemaker, dynamodb")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--operations", help="comma-separated operation names")
    group.add_argument("--all", action="store_true", help="every operation of the service")
    parser.add_argument("--api-version", help="model version (default: the newest installed)")
    parser.add_argument("--member-docs", action="store_true",
                        help="add member documentation as schema descriptions")
    parser.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    args = parser.parse_args(args_list)
    operations = None
    if args.operations:
        operations = [op.strip() for op in args.operations.split(",") if op.strip()]
    try:
        model, botocore_version = _load_model(args.service, args.api_version)
        document = generate_openapi(
            args.service, operations, member_docs=args.member_docs, model=model
        )
    except AwsConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    document["info"]["x-aws-botocore-version"] = botocore_version
    version = model["metadata"]["apiVersion"]
    header = [
        f"Generated by arazzo.aws.openapi from botocore {botocore_version}'s "
        f"{args.service} {version} service model (service-2). Do not edit by hand.",
        f"Command: python -m arazzo.aws.openapi {shlex.join(args_list)}",
    ]
    text = render_openapi(document, header=header)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        count = len(document["paths"])
        print(f"wrote {args.output}: {count} operation(s), "
              f"{len(document['components']['schemas'])} schemas, {len(text)} bytes",
              file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
