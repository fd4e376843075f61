"""Turning response bytes into the values expressions see (``$response.body``).

By the ``Content-Type`` header:

- JSON: ``application/json``, any ``+json``, ``application/x-amz-json-1.x``,
  ``text/json`` -> parsed value (a body that does not parse is a step error);
- XML (``application/xml``, ``text/xml``, ``+xml``) -> the text (XPath criteria read it);
- other ``text/*``, ``application/x-www-form-urlencoded``, ``application/javascript`` -> text;
- anything else -> ``bytes``; an empty body -> MISSING (no value).

Without a ``Content-Type``, a body that parses as JSON is JSON, else UTF-8 text, else bytes.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Mapping
from json.scanner import make_scanner
from typing import Any, cast

from arazzo.expressions import MISSING

__all__ = [
    "BodyError",
    "error_details",
    "is_json_type",
    "media_type",
    "parse_body",
    "parse_retry_after",
]


class BodyError(Exception):
    """The body does not match its declared content type."""


def media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_type(mt: str) -> bool:
    return (mt == "application/json" or mt.endswith("+json") or mt == "text/json"
            or mt.startswith("application/x-amz-json"))


def _is_xml(mt: str) -> bool:
    return mt in ("application/xml", "text/xml") or mt.endswith("+xml")


def _charset(content_type: str | None) -> str:
    if content_type:
        for part in content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
    return "utf-8"


#: how a body of each Content-Type value is read: (media type, reading, charset), where the
#: reading is ``"json"``, ``"text"``, ``"bytes"`` or ``""`` (no media type: sniffed). A
#: server sends the same few values over and over; bounded, emptied when full.
_READINGS: dict[str | None, tuple[str, str, str]] = {}
_READINGS_MAX = 256


def _reading(content_type: str | None) -> tuple[str, str, str]:
    found = _READINGS.get(content_type)
    if found is None:
        mt = media_type(content_type)
        if is_json_type(mt):
            kind = "json"
        elif _is_xml(mt) or mt.startswith("text/") or mt in (
                "application/x-www-form-urlencoded", "application/javascript"):
            kind = "text"
        else:
            kind = "bytes" if mt else ""
        found = (mt, kind, _charset(content_type))
        if len(_READINGS) >= _READINGS_MAX:
            _READINGS.clear()
        _READINGS[content_type] = found
    return found


#: what ``json.loads(text)`` runs for a str (the default decoder's scanner and whitespace,
#: ``JSONDecoder.decode``/``raw_decode``), called by :func:`parse_body` directly
_scan_once: Callable[[str, int], tuple[Any, int]] = make_scanner(
    cast(Any, json.JSONDecoder()))
_whitespace = re.compile(r"[ \t\n\r]*").match  # json.decoder.WHITESPACE


def _decoded(content: bytes, charset: str) -> str:
    try:
        return content.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        raise BodyError(f"the body is not valid {charset} text") from exc


def parse_body(content: bytes, content_type: str | None) -> Any:
    """The body as expressions see it; raises :class:`BodyError` on a mismatch."""
    if not content:
        return MISSING
    found = _READINGS.get(content_type)
    mt, kind, charset = found if found is not None else _reading(content_type)
    if kind == "json":
        if charset == "utf-8":  # what _decoded does, inline (the common case)
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BodyError("the body is not valid utf-8 text") from exc
        else:
            text = _decoded(content, charset)
        try:
            if text[:1] == "\ufeff":
                return json.loads(text)  # refused, with json.loads' own message
            # json.loads(text) for a str without a BOM, its decode/raw_decode calls inline:
            # the C scanner between the whitespace, the same errors
            space = _whitespace(text, 0)  # always a match, maybe empty
            try:
                value, end = _scan_once(text, space.end() if space else 0)
            except StopIteration as err:
                raise json.JSONDecodeError("Expecting value", text, err.value) from None
            space = _whitespace(text, end)
            end = space.end() if space else end
            if end != len(text):
                raise json.JSONDecodeError("Extra data", text, end)
            return value
        except ValueError as exc:
            snippet = text[:40].replace("\n", " ")
            raise BodyError(f"the response says {mt} but its body is not JSON "
                            f"({exc.args[0] if exc.args else exc}; starts with {snippet!r})"
                            ) from None
    if kind == "text":
        return _decoded(content, charset)
    if kind == "bytes":
        return content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _get(body: Any, *keys: str) -> Any:
    for key in keys:
        if isinstance(body, dict) and key in body and isinstance(body[key], (str, int)):
            return body[key]
    return None


_XML_CODE = re.compile(r"<Code>([^<]{1,256})</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]{0,4096})</Message>")


def error_details(status: int, headers: Any, body: Any) -> tuple[str | None, str | None]:
    """(code, message) an error response carries: AWS ``x-amzn-ErrorType``/``__type``,
    JSON ``code``/``error``/``message``/``error_description`` (also nested under ``error``),
    or an XML ``<Error><Code>``/``<Message>`` (AWS query/REST-XML errors, SigV4 rejections)."""
    if status < 400:
        return None, None
    code: Any = None
    message: Any = None
    amz = headers.get("x-amzn-errortype") if headers is not None else None
    if amz:
        code = amz.split(":", 1)[0]
    if isinstance(body, dict):
        if code is None:
            code = _get(body, "__type", "code", "Code", "errorCode", "error_code")
            if isinstance(code, str) and "#" in code:
                code = code.rsplit("#", 1)[1]
        message = _get(body, "message", "Message", "error_description", "errorMessage",
                       "detail", "title")
        nested = body.get("error")
        if isinstance(nested, dict):
            code = code if code is not None else _get(nested, "code", "type")
            message = message if message is not None else _get(nested, "message")
        elif isinstance(nested, str):
            if code is None:
                code = nested
            elif message is None:
                message = nested
    elif isinstance(body, str) and "<Code>" in body:  # XML <Error><Code>/<Message> (AWS)
        found = _XML_CODE.search(body)
        if found and code is None:
            code = found.group(1).strip()
        found = _XML_MESSAGE.search(body)
        if found and message is None:
            message = found.group(1).strip()
    elif isinstance(body, str) and body.strip() and len(body) < 500 and message is None:
        message = body.strip()
    return (str(code) if code is not None else None,
            str(message) if message is not None else None)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP-date (ACT-05)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
