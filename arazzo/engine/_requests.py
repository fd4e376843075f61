"""Building HTTP requests from evaluated step data (pure: no I/O).

Parameters are serialized per the OpenAPI Parameter Object of the operation (PAR-05):
``style``/``explode``/``allowReserved`` or ``content``; a parameter the operation does not
declare uses the location's default style (``form``+explode for query and cookie, ``simple``
for path and header). An Arazzo 1.1 ``in: querystring`` parameter is the whole query string
(V11-PAR-01..03, :func:`serialize_querystring`). Bodies are encoded by content type (RB-01,
RB-02); replacement targets are JSON Pointers, and from 1.1 on JSONPath queries or XPath
expressions (``_targets``; V11-RBD-02..04). Secrets are masked
by :class:`Masker` wherever values leave the engine (records, events, errors).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

from arazzo.engine._makers import maker
from arazzo.engine._messages import RequestSpec
from arazzo.engine._responses import is_json_type, media_type
from arazzo.engine._targets import RequestError, apply_replacement, apply_target
from arazzo.engine._targets import scalar_text as _scalar
from arazzo.engine._targets import type_name as _type_name
from arazzo.expressions import MISSING

if TYPE_CHECKING:
    from arazzo.engine._plan import StepPlan
    from arazzo.expressions import EvaluationContext

__all__ = [
    "BuiltRequest",
    "Masker",
    "RequestError",
    "RequestSpec",
    "apply_replacement",
    "build_request",
    "encode_body",
    "form_fields",
    "header_secrets",
    "is_secret_header",
    "join_url",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
    "serialize_querystring",
]

_RESERVED_SAFE = ":/?[]@!$'()*+,;="


@dataclass(frozen=True, slots=True)
class BuiltRequest:
    """What :func:`build_request` returns: the request, and the values in it that must be
    masked wherever they are shown (secret header values and their credentials, cookie
    values, the values of secret-named query parameters)."""

    request: RequestSpec
    secrets: tuple[str, ...] = ()


#: ``BuiltRequest(request, secrets)`` without the frozen ``__init__``'s setattr calls
_make_built = maker(BuiltRequest)


# ------------------------------------------------------------------------------------------
# scalar and structure helpers


#: a non-empty run of RFC 3986 unreserved characters: percent-encoding leaves it as it is
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]+\Z").match


def _enc(value: Any, *, reserved: bool = False) -> str:
    text = _scalar(value)
    if _UNRESERVED(text) and text.strip("."):  # nothing to encode (the common case)
        return text
    encoded = quote(text, safe=_RESERVED_SAFE if reserved else "")
    if encoded and set(encoded) == {"."}:  # '.' / '..' must not become dot-segments
        encoded = encoded.replace(".", "%2E")
    return encoded


def _pairs(value: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(str(k), v) for k, v in value.items() if v is not MISSING]


# ------------------------------------------------------------------------------------------
# parameter styles (OpenAPI 3.x "Style Values")


def serialize_path(name: str, value: Any, style: str, explode: bool) -> str:
    """The text that replaces ``{name}`` in the path (already percent-encoded)."""
    if isinstance(value, (list, tuple)):
        items = [_enc(v) for v in value]
        if style == "label":
            return "." + ".".join(items)
        if style == "matrix":
            if explode:
                return "".join(f";{name}={v}" for v in items)
            return f";{name}=" + ",".join(items)
        return ",".join(items)
    if isinstance(value, dict):
        pairs = [(_enc(k), _enc(v)) for k, v in _pairs(value)]
        if style == "label":
            if explode:
                return "".join(f".{k}={v}" for k, v in pairs)
            return "." + ",".join(f"{k},{v}" for k, v in pairs)
        if style == "matrix":
            if explode:
                return "".join(f";{k}={v}" for k, v in pairs)
            return f";{name}=" + ",".join(f"{k},{v}" for k, v in pairs)
        if explode:
            return ",".join(f"{k}={v}" for k, v in pairs)
        return ",".join(f"{k},{v}" for k, v in pairs)
    if style == "label":
        return "." + _enc(value)
    if style == "matrix":
        return f";{name}={_enc(value)}"
    return _enc(value)


def serialize_query(name: str, value: Any, style: str, explode: bool,
                    allow_reserved: bool = False) -> list[str]:
    """``key=value`` pieces (percent-encoded) for the query string."""
    key = _enc(name)

    def enc(v: Any) -> str:
        return _enc(v, reserved=allow_reserved)

    if isinstance(value, (list, tuple)):
        items = [enc(v) for v in value]
        if style == "spaceDelimited" and not explode:
            return [f"{key}=" + "%20".join(items)]
        if style == "pipeDelimited" and not explode:
            return [f"{key}=" + "|".join(items)]
        if explode:
            return [f"{key}={v}" for v in items]
        return [f"{key}=" + ",".join(items)]
    if isinstance(value, dict):
        pairs = _pairs(value)
        if style == "deepObject":
            return [f"{key}%5B{_enc(k)}%5D={enc(v)}" for k, v in pairs]
        if explode:
            return [f"{_enc(k)}={enc(v)}" for k, v in pairs]
        if style == "spaceDelimited":
            return [f"{key}=" + "%20".join(f"{_enc(k)}%20{enc(v)}" for k, v in pairs)]
        if style == "pipeDelimited":
            return [f"{key}=" + "|".join(f"{_enc(k)}|{enc(v)}" for k, v in pairs)]
        return [f"{key}=" + ",".join(f"{_enc(k)},{enc(v)}" for k, v in pairs)]
    return [f"{key}={enc(value)}"]


#: what RFC 3986 allows in a query besides unreserved characters and percent-encodings
#: (``query = *( pchar / "/" / "?" )``): sub-delims, ``:`` and ``@``; ``=`` and ``&`` stay
_QUERY_SAFE = "!$&'()*+,;=:@/?"
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def serialize_querystring(name: str, value: Any) -> str:
    """The query string of an Arazzo 1.1 ``in: querystring`` parameter (V11-PAR-01..03): the
    value is already a query string (``"a=1&b=x y"``), so only what a query cannot hold is
    percent-encoded (spaces, ``#``, ``[``/``]``, braces, quotes, non-ASCII, a ``%`` not
    starting an escape); ``=``, ``&`` and existing ``%XX`` escapes are kept. One leading
    ``?`` is dropped. A value that is not a string is refused (V11-PAR-03)."""
    if not isinstance(value, str):
        raise RequestError(
            f"querystring parameter {name!r} must resolve to a string holding the whole query "
            f"string (e.g. 'a=1&b=2'), not {_type_name(value)} (V11-PAR-03)")
    text = value[1:] if value.startswith("?") else value
    return quote(_STRAY_PERCENT.sub("%25", text), safe=_QUERY_SAFE + "%")


def _check_header_text(name: str, text: str) -> str:
    if "\r" in text or "\n" in text:
        raise RequestError(f"the value of header {name!r} contains a line break")
    return text


def serialize_header(name: str, value: Any, explode: bool) -> str:
    """``simple`` style, the only one defined for headers."""
    if isinstance(value, (list, tuple)):
        text = ",".join(_scalar(v) for v in value)
    elif isinstance(value, dict):
        pairs = _pairs(value)
        sep = "=" if explode else ","
        text = ",".join(f"{k}{sep}{_scalar(v)}" for k, v in pairs)
    else:
        text = _scalar(value)
    return _check_header_text(name, text)


def serialize_cookie(name: str, value: Any, explode: bool) -> list[str]:
    """``form`` style ``name=value`` pieces for the Cookie header."""
    if isinstance(value, (list, tuple)):
        if explode:
            return [f"{name}={_enc(v)}" for v in value]
        return [f"{name}=" + ",".join(_enc(v) for v in value)]
    if isinstance(value, dict):
        pairs = _pairs(value)
        if explode:
            return [f"{k}={_enc(v)}" for k, v in pairs]
        return [f"{name}=" + ",".join(f"{k},{_enc(v)}" for k, v in pairs)]
    return [f"{name}={_enc(value)}"]


@functools.lru_cache(maxsize=256)
def _split_base(base: str) -> tuple[str, str, str]:
    parts = urlsplit(base)
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def join_url(base: str, path: str, query: list[str]) -> str:
    """``base`` + ``path`` + ``?query``; refuses a result that leaves ``base`` (SEC-03)."""
    return _join_url(base, path, tuple(query))


@functools.lru_cache(maxsize=512)
def _join_url(base: str, path: str, query: tuple[str, ...]) -> str:
    # cached: a polling step joins the same URL on every iteration (a refusal is not cached)
    url = base.rstrip("/") + ("/" + path.lstrip("/") if path else "")
    if query:
        url += ("&" if "?" in url else "?") + "&".join(query)
    scheme, netloc, base_path = _split_base(base)
    u = urlsplit(url)
    if (u.scheme, u.netloc) != (scheme, netloc) or not (
            u.path == base_path or u.path.startswith(base_path + "/") or not base_path):
        raise RequestError(f"refusing to call {url}: it is outside the server {base}")
    segments = u.path.split("/")
    if ".." in segments or "." in segments:
        raise RequestError(f"refusing to call {url}: dot-segments in the path")
    return url


# ------------------------------------------------------------------------------------------
# bodies


def _form(payload: dict[str, Any]) -> bytes:
    pieces: list[str] = []
    for key, value in payload.items():
        if value is MISSING:
            continue
        if isinstance(value, (list, tuple)):
            pieces.extend(f"{quote(str(key), safe='')}={quote(_scalar(v), safe='')}"
                          for v in value)
        else:
            pieces.append(f"{quote(str(key), safe='')}={quote(_scalar(value), safe='')}")
    return "&".join(pieces).encode("ascii")


def form_fields(text: str) -> dict[str, Any]:
    """The fields of a form-urlencoded string, in order, so that replacement targets
    ``/name`` address them (RB-03): a repeated name holds the list of its values."""
    fields: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)
        else:
            fields[name] = [fields[name], value]
    return fields


def _multipart(payload: dict[str, Any]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out: list[bytes] = []
    for key, value in payload.items():
        if value is MISSING:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            disposition = f'form-data; name="{key}"'
            if isinstance(item, (bytes, bytearray)):
                disposition += f'; filename="{key}"'
                part_type = "application/octet-stream"
                data = bytes(item)
            elif isinstance(item, dict):
                part_type = "application/json"
                data = json.dumps(item, separators=(",", ":")).encode()
            else:
                part_type = "text/plain; charset=utf-8"
                data = _scalar(item).encode()
            out.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                       f"Content-Type: {part_type}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def encode_body(content_type: str, payload: Any) -> tuple[bytes, str]:
    """(bytes, Content-Type header) for ``payload`` encoded as ``content_type`` (RB-02)."""
    mt = media_type(content_type)
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload), content_type
    if is_json_type(mt):
        if isinstance(payload, str):
            return payload.encode("utf-8"), content_type
        return (json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
                content_type)
    if mt == "application/x-www-form-urlencoded":
        if isinstance(payload, dict):
            return _form(payload), content_type
        return _scalar(payload).encode("utf-8"), content_type
    if mt == "multipart/form-data":
        if isinstance(payload, dict):
            return _multipart(payload)
        return _scalar(payload).encode("utf-8"), content_type
    if isinstance(payload, str):
        return payload.encode("utf-8"), content_type
    if mt.startswith("text/") or mt.endswith("xml"):
        return _scalar(payload).encode("utf-8"), content_type
    return (json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
            content_type)


# ------------------------------------------------------------------------------------------
# a step's request


def build_request(step: StepPlan, ctx: EvaluationContext,
                  servers: Mapping[str, str] | None = None) -> BuiltRequest:
    """The request of ``step`` (an operation step) evaluated in ``ctx``, and the secrets it
    holds. Pure: nothing is mutated (not ``ctx``, not a masker), so building twice gives
    equal results; the caller registers :attr:`BuiltRequest.secrets` with its masker.

    ``servers``: base URLs by source name (``run(servers=...)``), else the step's server.
    Raises :class:`RequestError` when the request cannot be built (a path parameter without a
    value, a URL outside its server, a bad replacement target) and the expression errors of
    its values (:class:`~arazzo.ExpressionError`).
    """
    path = step.path
    query: list[str] = []
    headers: list[tuple[str, str]] = []
    cookies: list[str] = []
    path_params: dict[str, Any] = {}
    query_params: dict[str, Any] = {}
    header_params: dict[str, str] = {}
    secrets: list[str] = []
    for param in step.params:
        value = param.value.evaluate(ctx)
        if value is MISSING:
            continue  # never send an absent value (not even as null)
        if param.content_type is not None:
            mt = media_type(param.content_type)
            if is_json_type(mt) or not isinstance(value, str):
                value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            style, explode = "form", False
        else:
            style, explode = param.style, param.explode
        location = param.location
        if location == "path":
            path_params[param.name] = value
            # an integer in the default style is its digits (what serialize_path gives)
            text = str(value) if type(value) is int and style == "simple" \
                else serialize_path(param.name, value, style, explode)
            path = path.replace("{" + param.name + "}", text)
        elif location == "query":
            query_params[param.name] = value
            if _is_secret_query(param.name):
                secrets.extend(_scalars(value))
            query.extend(serialize_query(param.name, value, style, explode,
                                         param.allow_reserved))
        elif location == "header":
            text = serialize_header(param.name, value, explode)
            header_params[param.name] = text
            headers.append((param.name, text))
            if is_secret_header(param.name):
                secrets.extend(header_secrets(text))
        elif location == "cookie":
            cookies.extend(serialize_cookie(param.name, value, explode))
        elif location == "querystring":  # the whole query string (V11-PAR-01..03)
            text = serialize_querystring(param.name, value)
            if text:
                query.append(text)
            for key, item in parse_qsl(text, keep_blank_values=True):
                query_params.setdefault(key, item)  # what $request.query.<key> reads
                if _is_secret_query(key):
                    secrets.append(item)
    if "{" in path:
        start = path.index("{")
        name = path[start + 1:path.find("}", start)]
        raise RequestError(f"path parameter {name!r} has no value (PAR-06)")
    if cookies:
        headers.append(("Cookie", "; ".join(cookies)))
        secrets.extend(c.partition("=")[2] for c in cookies)
    base = (servers.get(step.source or "") if servers else None) or step.server_url
    if base is None:
        raise RequestError(step.server_problem or "no server URL")
    url = _join_url(base, path, tuple(query))  # join_url's work, one call less
    content: bytes | None = None
    body: Any = MISSING
    if step.body is not None and step.body.payload is not None:
        body = step.body.payload.evaluate(ctx)
        if step.body.replacements and body is not MISSING:
            body = (form_fields(body) if step.body.form_string and isinstance(body, str)
                    else copy.deepcopy(body))
            for rep in step.body.replacements:  # RB-03: in order
                replacement = rep.value.evaluate(ctx)
                if replacement is not MISSING:
                    body = apply_target(body, rep.target, replacement)
        if body is not MISSING:
            content_type = step.body.content_type or (
                "text/plain" if isinstance(body, str) else "application/json")
            content, header_type = encode_body(content_type, body)
            if not step.has_content_type_param:
                headers.append(("Content-Type", header_type))
    return _make_built(RequestSpec(step.source or "", step.method, url, headers, content,
                                   path_params, query_params, header_params, body),
                       tuple(secrets))


# ------------------------------------------------------------------------------------------
# secrets

_SECRET_HEADER = re.compile(
    r"^(authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token)$|"
    r"(api[-_]?key|apikey|token|secret|password|passwd|credential|session)", re.IGNORECASE)
_SECRET_QUERY = re.compile(
    r"(api[-_]?key|apikey|token|secret|password|passwd|signature|credential|access[-_]?key)",
    re.IGNORECASE)
MASK = "***"


_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]* +(\S.*)")


def is_secret_header(name: str) -> bool:
    """Whether the value of header ``name`` is a secret (masked wherever it is shown)."""
    return _SECRET_HEADER.search(name) is not None


@functools.lru_cache(maxsize=256)
def _is_secret_query(name: str) -> bool:
    # cached: a step's parameter names are the same on every iteration of a poll
    return _SECRET_QUERY.search(name) is not None


def _scalars(value: Any) -> list[str]:
    """The texts a query parameter's value is sent as (the items of a list or object)."""
    if isinstance(value, (list, tuple)):
        return [_scalar(v) for v in value]
    if isinstance(value, dict):
        return [_scalar(v) for v in value.values() if v is not MISSING]
    return [_scalar(value)]


def header_secrets(value: str) -> tuple[str, ...]:
    """The secrets in a secret header's value: the value, and after an auth scheme
    (``Bearer tok``, ``Basic ...``, RFC 9110 §11.4) the credential alone, so that the
    credential is masked wherever it is shown, not only inside the whole header."""
    found = _AUTH_SCHEME.fullmatch(value)
    return (value,) if found is None else (value, found.group(1))


class Masker:
    """Masks secret headers, secret-named query parameters and secret input values."""

    __slots__ = ("_pattern", "names", "values")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: set[str] = set()
        #: lower-cased header and query parameter names whose values are secret (API keys)
        self.names: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        new = {v for v in values if isinstance(v, str) and len(v) >= 3}
        if new - self.values:
            self.values |= new
            alternatives = sorted(self.values, key=len, reverse=True)
            escaped = [re.escape(v) for v in alternatives]
            escaped += [re.escape(quote(v, safe="")) for v in alternatives
                        if quote(v, safe="") != v]
            self._pattern = re.compile("|".join(escaped))

    def text(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return text

    def url(self, url: str) -> str:
        if "?" in url:
            head, _, query = url.partition("?")
            parts = []
            for piece in query.split("&"):
                key, eq, _value = piece.partition("=")
                secret = _SECRET_QUERY.search(key) or (self.names and key.lower() in self.names)
                parts.append(f"{key}={MASK}" if eq and secret else piece)
            url = head + "?" + "&".join(parts)
        return self.text(url)

    def headers(self, headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        names = self.names
        return tuple((k, MASK if is_secret_header(k) or (names and k.lower() in names)
                      else self.text(v)) for k, v in headers)

    def value(self, value: Any) -> Any:
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def mapping(self, values: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
        names = set(secret_names)
        return {k: (MASK if k in names else self.value(v)) for k, v in values.items()}
