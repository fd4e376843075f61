"""AWS error responses, parsed the way botocore parses them.

For the ``json`` protocol (AWS JSON 1.0/1.1) botocore's ``BaseJSONParser._do_error_parse``:

- the code is the body's ``__type`` or, without one, the HTTP status as a string; anything
  after ``:`` is dropped, then anything up to the last ``#``
  (``com.amazon.coral.service#ThrottlingException`` -> ``ThrottlingException``);
- the message is the body's ``message`` or ``Message`` (an unparseable body becomes the
  message verbatim);
- the request id comes from the ``x-amzn-RequestId`` header;
- the ``x-amzn-ErrorType`` header is *not* read (``rest-json`` reads it first);
- a status >= 500 with an empty or ``<html>`` body is the generic
  ``{"Code": "<status>", "Message": "<reason phrase>"}``;
- any status >= 301 is an error.

On top of that, the XML ``<ErrorResponse><Error><Code>`` bodies that signature checks
answer with (``SignatureDoesNotMatch``, ``InvalidClientTokenId`` from moto and from
query-protocol front ends) are parsed to their real code instead of ``"403"``.
"""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AUTH_ERROR_CODES",
    "EXPIRED_CREDENTIAL_CODES",
    "THROTTLING_ERROR_CODES",
    "TRANSIENT_ERROR_CODES",
    "TRANSIENT_STATUS_CODES",
    "AwsError",
    "parse_aws_error",
]

# botocore.retries.standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES
THROTTLING_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
# botocore.retries.standard.TransientRetryableChecker
TRANSIENT_ERROR_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})
EXPIRED_CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
AUTH_ERROR_CODES = frozenset(
    {
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "IncompleteSignatureException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "AuthFailure",
        "InvalidAccessKeyId",
        "AccessDenied",
        "AccessDeniedException",
        "NotAuthorized",
    }
    | EXPIRED_CREDENTIAL_CODES
)

_HINTS = {
    "SignatureDoesNotMatch": "the signature did not verify: the secret access key does not "
    "belong to the key id, or the request (body, headers, host) changed after signing",
    "InvalidSignatureException": "the signature did not verify: wrong secret access key, "
    "or the request changed after signing",
    "IncompleteSignature": "the Authorization header is incomplete",
    "IncompleteSignatureException": "the Authorization header is incomplete",
    "InvalidClientTokenId": "the access key id (or session token) is not known to AWS",
    "UnrecognizedClientException": "the access key id (or session token) is not known to AWS",
    "InvalidAccessKeyId": "the access key id is not known to AWS",
    "MissingAuthenticationToken": "the request was not signed",
    "MissingAuthenticationTokenException": "the request was not signed",
    "AccessDenied": "the credentials are valid but not allowed to call this action",
    "AccessDeniedException": "the credentials are valid but not allowed to call this action",
    "ExpiredToken": "the session token has expired: refresh the credentials "
    "(e.g. `aws sso login`) and retry",
    "ExpiredTokenException": "the session token has expired: refresh the credentials "
    "(e.g. `aws sso login`) and retry",
    "RequestExpired": "the request's X-Amz-Date is too far from the server's clock",
}

ErrorKind = Literal["throttling", "transient", "auth", "client", "server"]


@dataclass(frozen=True)
class AwsError:
    """A parsed AWS error: ``code`` (e.g. ``ValidationException``), ``message``,
    ``request_id`` and the HTTP ``status_code``."""

    code: str
    message: str
    request_id: str | None = None
    status_code: int | None = None

    @property
    def is_throttling(self) -> bool:
        return self.code in THROTTLING_ERROR_CODES

    @property
    def kind(self) -> ErrorKind:
        """``throttling``, ``transient`` (retryable), ``auth``, ``client`` or ``server``."""
        if self.code in THROTTLING_ERROR_CODES:
            return "throttling"
        if self.code in TRANSIENT_ERROR_CODES or self.status_code in TRANSIENT_STATUS_CODES:
            return "transient"
        if self.code in AUTH_ERROR_CODES:
            return "auth"
        if self.status_code is not None and self.status_code >= 500:
            return "server"
        return "client"

    @property
    def hint(self) -> str | None:
        """What an authentication/authorization code usually means, or ``None``."""
        return _HINTS.get(self.code)

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}" if self.message else self.code
        extras = []
        if self.status_code is not None:
            extras.append(f"HTTP {self.status_code}")
        if self.request_id:
            extras.append(f"request id {self.request_id}")
        if extras:
            text += f" ({', '.join(extras)})"
        return text


def _header(headers: Mapping[str, str], name: str) -> str | None:
    getter = getattr(headers, "get", None)
    if getter is not None:
        value = getter(name)
        if value is not None:
            return str(value)
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return str(value)
    return None


def _clean_code(code: str) -> str:
    if ":" in code:
        code = code.split(":", 1)[0]
    if "#" in code:
        code = code.rsplit("#", 1)[1]
    return code


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml_error(body: bytes) -> tuple[str, str, str | None] | None:
    """``<ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>`` (and
    the ``<Response><Errors><Error>`` / bare ``<Error>`` variants).  DTDs are refused."""
    if b"<!DOCTYPE" in body[:2048].upper() or b"<!ENTITY" in body.upper():
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    code = message = request_id = None
    for element in root.iter():
        name = _local(element.tag)
        if name == "Code" and code is None:
            code = (element.text or "").strip()
        elif name == "Message" and message is None:
            message = (element.text or "").strip()
        elif name in ("RequestId", "RequestID") and request_id is None:
            request_id = (element.text or "").strip() or None
    if not code:
        return None
    return code, message or "", request_id


def parse_aws_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    protocol: Literal["json", "rest-json"] = "json",
) -> AwsError | None:
    """Parse an AWS error response exactly like botocore's JSON parsers; ``None`` when the
    status is not an error (< 301).  ``headers`` may be ``httpx.Headers`` or any mapping
    (matched case-insensitively)."""
    if status < 301:
        return None
    request_id = _header(headers, "x-amzn-requestid")
    stripped = body.strip()
    if status >= 500 and (not stripped or stripped.startswith(b"<html>")):
        return AwsError(str(status), http.client.responses.get(status, ""), None, status)
    if stripped.startswith(b"<"):
        xml_error = _parse_xml_error(stripped)
        if xml_error is not None:
            code, message, xml_request_id = xml_error
            return AwsError(_clean_code(code), message, xml_request_id or request_id, status)
    parsed: object
    if not body:
        parsed = {}
    else:
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = {"message": text}
    data = parsed if isinstance(parsed, dict) else {}
    raw_message = data.get("message", data.get("Message", ""))
    raw_code = data.get("__type", str(status))
    code = _clean_code(str(raw_code)) if raw_code is not None else str(status)
    if protocol == "rest-json":
        header_code = _header(headers, "x-amzn-errortype")
        if header_code is not None:
            code = _clean_code(header_code)
        elif "code" in data or "Code" in data:
            code = _clean_code(str(data.get("code", data.get("Code", ""))))
    return AwsError(code, "" if raw_message is None else str(raw_message), request_id, status)
