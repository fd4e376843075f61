"""parse_aws_error: botocore's JSON error parsing, plus XML signature errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.parsers import JSONParser, RestJSONParser

from arazzo.aws import AwsError, parse_aws_error

JSON_CASES: list[tuple[int, dict[str, str], bytes]] = [
    (400, {"x-amzn-RequestId": "rid-1"},
     b'{"__type":"ValidationException","Message":"Could not find training job"}'),
    (400, {}, b'{"__type":"com.amazon.coral.service#ThrottlingException","message":"Rate"}'),
    (400, {}, b'{"__type":"com.amazonaws.sagemaker#ResourceInUse:http://internal/","message":"x"}'),
    (400, {"x-amzn-ErrorType": "SomethingElse"}, b'{"__type":"InvalidSignatureException",'
     b'"message":"The request signature we calculated does not match"}'),
    (400, {}, b'{"__type":"UnrecognizedClientException","message":"The security token '
     b'included in the request is invalid."}'),
    (400, {}, b'{"__type":"ExpiredTokenException","message":"The security token included in '
     b'the request is expired"}'),
    (403, {}, b'{"__type":"AccessDeniedException","Message":"not authorized"}'),
    (400, {}, b"not json at all"),
    (404, {}, b""),
    (500, {}, b""),
    (503, {}, b"<html><body><b>Http/1.1 Service Unavailable</b></body></html>"),
    (502, {}, b"  "),
    (500, {}, b'{"__type":"InternalFailure","message":"boom"}'),
    (400, {}, b'{"message":"no type"}'),
    (400, {}, b"[1, 2]"),
]


def _botocore(parser: Any, status: int, headers: dict[str, str], body: bytes) -> AwsError:
    from botocore.awsrequest import HeadersDict

    parsed = parser.parse(
        {"status_code": status, "headers": HeadersDict(headers), "body": body}, None
    )
    error = parsed["Error"]
    return AwsError(error["Code"], error["Message"],
                    parsed.get("ResponseMetadata", {}).get("RequestId"), status)


@pytest.mark.parametrize(("status", "headers", "body"), JSON_CASES)
def test_json_errors_match_botocore(status: int, headers: dict[str, str], body: bytes) -> None:
    ours = parse_aws_error(status, headers, body)
    if body.strip().startswith(b"["):
        # botocore itself crashes on a non-object body; we treat it as an empty one
        assert ours == AwsError(str(status), "", None, status)
        return
    assert ours == _botocore(JSONParser(), status, headers, body)


@pytest.mark.parametrize(("status", "headers", "body"), [c for c in JSON_CASES if c[2][:1] == b"{"])
def test_rest_json_errors_match_botocore(
    status: int, headers: dict[str, str], body: bytes
) -> None:
    ours = parse_aws_error(status, headers, body, protocol="rest-json")
    assert ours == _botocore(RestJSONParser(), status, headers, body)


def test_json_protocol_ignores_the_error_type_header() -> None:
    error = parse_aws_error(400, {"X-Amzn-ErrorType": "Header"}, b'{"__type":"Body"}')
    assert error is not None
    assert error.code == "Body"
    rest = parse_aws_error(400, {"X-Amzn-ErrorType": "Header:x"}, b'{"__type":"Body"}',
                           protocol="rest-json")
    assert rest is not None
    assert rest.code == "Header"


def test_success_is_not_an_error() -> None:
    assert parse_aws_error(200, {}, b'{"__type":"X"}') is None
    assert parse_aws_error(300, {}, b"") is None
    assert parse_aws_error(301, {}, b"") == AwsError("301", "", None, 301)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>'
         b"SignatureDoesNotMatch</Code><Message>The request signature we calculated does not "
         b"match</Message><Type>Sender</Type></Error></Errors></ErrorResponse>",
         "SignatureDoesNotMatch"),
        (b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>'
         b"Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included "
         b"in the request is invalid.</Message></Error><RequestId>req-9</RequestId>"
         b"</ErrorResponse>", "InvalidClientTokenId"),
        (b"<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message></Error>"
         b"</Errors><RequestID>req-9</RequestID></Response>", "AuthFailure"),
    ],
)
def test_xml_signature_errors(body: bytes, code: str) -> None:
    error = parse_aws_error(403, {"content-type": "text/html"}, body)
    assert error is not None
    assert error.code == code
    assert error.status_code == 403
    assert error.kind == "auth"
    if b"req-9" in body:
        assert error.request_id == "req-9"


def test_xml_with_a_dtd_is_not_parsed() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<ErrorResponse><Error><Code>&a;</Code></Error></ErrorResponse>")
    error = parse_aws_error(403, {}, body)
    assert error is not None
    assert error.code == "403"


def test_html_500_from_moto_is_generic_or_verbatim() -> None:
    body = b"<!doctype html>\n<html lang=en><title>500 Internal Server Error</title>"
    error = parse_aws_error(500, {}, body)
    assert error is not None
    assert error.code == "500"


def test_kinds_and_str() -> None:
    throttled = AwsError("ThrottlingException", "Rate exceeded", "r1", 400)
    assert throttled.is_throttling
    assert throttled.kind == "throttling"
    assert str(throttled) == "ThrottlingException: Rate exceeded (HTTP 400, request id r1)"
    assert AwsError("InternalFailure", "", None, 500).kind == "transient"
    assert AwsError("Weird", "", None, 501).kind == "server"
    assert AwsError("ValidationException", "", None, 400).kind == "client"
    assert AwsError("ExpiredTokenException", "", None, 400).kind == "auth"
    assert "expired" in (AwsError("ExpiredTokenException", "").hint or "")
