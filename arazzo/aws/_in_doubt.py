"""In-doubt requests of durable runs: may an AWS request be sent again, and what a
duplicate's answer means.

A durable run records each response; after a crash, a request may have reached the server
although no response was recorded. The driver asks the source's provider what to do:

- :func:`resend_policy` classifies the request, as ``(kind, reason)``:

  - ``"idempotent"``: a read (``Describe*``, ``List*``, ``Get*``, ``Search*``,
    ``BatchGet*``; for a request that is not an AWS JSON-protocol call, HTTP ``GET``,
    ``HEAD``, ``OPTIONS``);
  - ``"token"``: the body carries a client idempotency token (a top-level string
    ``ClientToken``, ``ClientRequestToken`` or ``IdempotencyToken``): AWS answers a repeat
    of the same body like the first call;
  - ``"resolve"``: a ``Create<Resource>`` call without a token whose body names the
    resource (``<Resource>Name``): re-send it, and an "already exists" answer is resolved by
    ``Describe<Resource>`` (:func:`resolve_in_doubt`);
  - ``"unsafe"``: anything else.

  The reason is shown to users: it names the action and field names only, never a header
  value or body content.
- :func:`resolve_in_doubt` turns the "already exists" answer of a re-sent ``"resolve"``
  request into the answer the first call would have had: the resource's ARN, read with
  ``Describe<Resource>`` (``{"<Resource>Arn": ...}``, what ``Create<Resource>`` returns).

The error shapes matched are SageMaker's (and those of the SageMaker emulator,
:mod:`arazzo.aws.emulator`): 400 ``ResourceInUse`` "... a training job with this name
already exists (...)" for ``CreateTrainingJob``; 400 ``ValidationException`` "Cannot create
already existing model|endpoint configuration|endpoint ..." for ``CreateModel``,
``CreateEndpointConfig``, ``CreateEndpoint``; moto's "Resource Already Exists: ..." and
"Cannot create a duplicate ..." for other resources.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from arazzo.aws._errors import _clean_code, parse_aws_error
from arazzo.engine._messages import Headers, RequestSpec, ResponseData, TransportFailure

__all__ = ["ResendKind", "resend_policy", "resolve_in_doubt"]

ResendKind = Literal["idempotent", "token", "resolve", "unsafe"]
Send = Callable[[RequestSpec], "ResponseData | TransportFailure"]

_TARGET = "x-amz-target"
_JSON_PROTOCOL = ("application/x-amz-json-1.0", "application/x-amz-json-1.1")
_READ_PREFIXES = ("BatchGet", "Describe", "List", "Get", "Search")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOKEN_FIELDS = ("ClientToken", "ClientRequestToken", "IdempotencyToken")
_CREATE = "Create"
#: error codes (``__type`` or ``x-amzn-ErrorType``, namespace and suffix dropped) that an
#: "already exists" answer comes with; the message must say so too (:data:`_EXISTS_WORDS`)
_EXISTS_CODES = frozenset(
    {
        "ValidationException",
        "ResourceInUse",
        "ResourceInUseException",
        "ResourceAlreadyExists",
        "ResourceAlreadyExistsException",
        "AlreadyExistsException",
        "ConflictException",
    }
)
_EXISTS_WORDS = ("already exists", "already existing", "cannot create a duplicate")
#: request headers the describe does not inherit: the old target, and anything that belongs
#: to the create's bytes or signature (the transport signs what is sent)
_NOT_COPIED = frozenset(
    {
        _TARGET,
        "authorization",
        "content-length",
        "x-amz-content-sha256",
        "x-amz-date",
        "x-amz-security-token",
    }
)


def _header(request: RequestSpec, name: str) -> str | None:
    return next((value for key, value in request.headers if key.lower() == name), None)


def _json_protocol(request: RequestSpec) -> bool:
    content_type = (_header(request, "content-type") or "").split(";", 1)[0].strip().lower()
    return content_type in _JSON_PROTOCOL or _header(request, _TARGET) is not None


def _starts_word(action: str, prefix: str) -> bool:
    """``action`` is ``prefix`` or ``prefix`` followed by a new word (``GetItem``, not
    ``Getaway``)."""
    rest = action[len(prefix):]
    return action.startswith(prefix) and (not rest or rest[0].isupper())


def _body(request: RequestSpec) -> dict[str, Any] | None:
    if not request.content:
        return None
    try:
        parsed = json.loads(request.content)
    except ValueError:  # not JSON (or not UTF-8)
        return None
    return parsed if isinstance(parsed, dict) else None


def _present(body: dict[str, Any] | None, field: str) -> bool:
    value = body.get(field) if body is not None else None
    return isinstance(value, str) and value != ""


def _resource(action: str) -> str | None:
    """``TrainingJob`` for ``CreateTrainingJob``; ``None`` for an action that creates
    nothing by that convention."""
    if not _starts_word(action, _CREATE) or action == _CREATE:
        return None
    return action[len(_CREATE):]


def _describe_target(target: str, resource: str) -> str:
    """``SageMaker.DescribeTrainingJob`` for ``SageMaker.CreateTrainingJob``."""
    prefix, dot, _ = target.rpartition(".")
    return f"{prefix}{dot}Describe{resource}"


def _classify(request: RequestSpec) -> tuple[ResendKind, str, str | None]:
    """(kind, reason, resource for ``"resolve"``)."""
    method = request.method.upper()
    if not _json_protocol(request):
        if method in _SAFE_METHODS:
            return "idempotent", f"HTTP {method} is idempotent", None
        return ("unsafe", f"HTTP {method} is not idempotent and the request is not an AWS "
                          "JSON-protocol call (no X-Amz-Target)", None)
    target = _header(request, _TARGET)
    if not target:
        return "unsafe", "an AWS JSON-protocol request without X-Amz-Target", None
    target = target.strip()
    action = target.rsplit(".", 1)[-1]
    if any(_starts_word(action, prefix) for prefix in _READ_PREFIXES):
        return "idempotent", f"{target} only reads", None
    body = _body(request)
    token = next((field for field in _TOKEN_FIELDS if _present(body, field)), None)
    if token is not None:
        return ("token", f"{target} carries the idempotency token {token}: re-sending the "
                         "same body is safe", None)
    resource = _resource(action)
    if resource is None:
        return "unsafe", f"{target} has no idempotency token", None
    name_field = f"{resource}Name"
    if not _present(body, name_field):
        return ("unsafe", f"{target} has no idempotency token and no {name_field} to find "
                          "the resource by", None)
    describe = _describe_target(target, resource)
    return ("resolve", f"{target} has no idempotency token; {name_field} is unique, so a "
                       f"duplicate is resolved with {describe}", resource)


def resend_policy(request: RequestSpec) -> tuple[ResendKind, str]:
    """Whether ``request`` may be sent again after a crash left it in doubt, as ``(kind,
    reason)`` (module docstring); the reason names the action and fields, never values."""
    kind, reason, _ = _classify(request)
    return kind, reason


def _already_exists(response: ResponseData) -> bool:
    if response.status_code not in (400, 409):
        return False
    error = parse_aws_error(response.status_code, response.headers, response.content)
    if error is None:
        return False
    header_code = response.headers.get("x-amzn-errortype")
    codes = {error.code, _clean_code(header_code) if header_code else ""}
    if not codes & _EXISTS_CODES:
        return False
    message = error.message.lower()
    return any(words in message for words in _EXISTS_WORDS)


def _describe_request(request: RequestSpec, resource: str, name: str) -> RequestSpec:
    describe = _describe_target((_header(request, _TARGET) or "").strip(), resource)
    body = {f"{resource}Name": name}
    headers = [(key, value) for key, value in request.headers
               if key.lower() not in _NOT_COPIED]
    headers.append(("X-Amz-Target", describe))
    header_params = {key: value for key, value in request.header_params.items()
                     if key.lower() != _TARGET}
    header_params["X-Amz-Target"] = describe
    return RequestSpec(request.source, request.method, request.url, headers,
                       json.dumps(body).encode(), path_params=dict(request.path_params),
                       query_params=dict(request.query_params), header_params=header_params,
                       body=body)


def resolve_in_doubt(request: RequestSpec, response: ResponseData,
                     send: Send) -> ResponseData | None:
    """The answer the first send of an in-doubt ``request`` had, when its re-send got
    ``response`` "already exists": ``Describe<Resource>`` by name (through ``send``, which
    signs), and on 200 a ``Create<Resource>`` answer ``{"<Resource>Arn": ...}`` with the
    describe's headers and both calls' time. ``None``: ``response`` stands (the request is
    not ``"resolve"``, which is never sent anything; another answer; the describe failed or
    named no ARN)."""
    kind, _, resource = _classify(request)
    if kind != "resolve" or resource is None or not _already_exists(response):
        return None
    body = _body(request)
    name = body.get(f"{resource}Name") if body is not None else None
    if not isinstance(name, str):  # pragma: no cover - "resolve" has a string name
        return None
    described = send(_describe_request(request, resource, name))
    if isinstance(described, TransportFailure) or described.status_code != 200:
        return None
    try:
        found = json.loads(described.content)
    except ValueError:
        return None
    arn_field = f"{resource}Arn"
    arn = found.get(arn_field) if isinstance(found, dict) else None
    if not isinstance(arn, str) or not arn:
        return None
    content = json.dumps({arn_field: arn}).encode()
    # the describe's headers, but a Content-Length that is this body's
    headers = Headers([(key, str(len(content)) if key.lower() == "content-length" else value)
                       for key, value in described.headers.raw_items()])
    return ResponseData(200, headers, content, response.elapsed + described.elapsed)
