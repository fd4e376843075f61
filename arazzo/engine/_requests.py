"""Building HTTP requests from evaluated step data (pure: no I/O).

Parameters are serialized per the OpenAPI Parameter Object of the operation (PAR-05):
``style``/``explode``/``allowReserved`` or ``content``; a parameter the operation does not
declare uses the location's default style (``form``+explode for query and cookie, ``simple``
for path and header). An Arazzo 1.1 ``in: querystring`` parameter is the whole query string
(V11-PAR-01..03, :func:`serialize_querystring`). Bodies are encoded by content type (RB-01,
RB-02); replacement targets are JSON Pointers, and from 1.1 on JSONPath queries or XPath
expressions (:func:`compile_target`, :func:`apply_target`; V11-RBD-02..04). Secrets are masked
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

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.engine._messages import RequestSpec
from arazzo.engine._responses import is_json_type, media_type
from arazzo.expressions import MISSING, JsonPointer

if TYPE_CHECKING:
    from arazzo.engine._plan import StepPlan
    from arazzo.expressions import EvaluationContext

__all__ = [
    "BuiltRequest",
    "Masker",
    "ReplacementTarget",
    "RequestError",
    "RequestSpec",
    "TargetError",
    "apply_replacement",
    "apply_target",
    "build_request",
    "compile_target",
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
    "target_kind",
]

_RESERVED_SAFE = ":/?[]@!$'()*+,;="


class RequestError(Exception):
    """The request cannot be built (a step error, not a crash)."""


@dataclass(frozen=True, slots=True)
class BuiltRequest:
    """What :func:`build_request` returns: the request, and the values in it that must be
    masked wherever they are shown (secret header values and their credentials, cookie
    values, the values of secret-named query parameters)."""

    request: RequestSpec
    secrets: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------------
# scalar and structure helpers


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


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


def _type_name(value: Any) -> str:
    """``value``'s JSON type with its article, for messages: ``an object``, ``a number``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


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


def apply_replacement(payload: Any, tokens: tuple[str, ...], value: Any, target: str) -> Any:
    """Set ``value`` at the JSON pointer ``tokens`` (PR-01): replace an existing location,
    create a member whose parent exists (``-`` appends to an array), else raise."""
    if not tokens:
        return value
    node = payload
    for depth, token in enumerate(tokens[:-1]):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            where = "/" + "/".join(tokens[: depth + 1])
            raise RequestError(f"replacement target {target!r}: {where} does not exist in "
                               "the payload")
    last = tokens[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        if last == "-":
            node.append(value)
        elif last.isdigit() and int(last) < len(node):
            node[int(last)] = value
        elif last.isdigit() and int(last) == len(node):
            node.append(value)
        else:
            raise RequestError(f"replacement target {target!r}: index {last} is out of range")
    else:
        raise RequestError(f"replacement target {target!r}: the parent is not an object or "
                           "array")
    return payload


# ------------------------------------------------------------------------------------------
# replacement targets of Arazzo 1.1 (V11-RBD-02..04, V11-AMB-41, V11-AMB-42)


class TargetError(ValueError):
    """A replacement target that cannot be compiled; ``index`` is the offset in the target."""

    def __init__(self, message: str, index: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass(frozen=True, slots=True)
class ReplacementTarget:
    """A compiled replacement target: ``kind`` is ``jsonpointer`` (``tokens``), ``jsonpath``
    (``query``, an RFC 9535 query) or ``xpath`` (``query``, an elementpath root token)."""

    kind: str
    text: str
    tokens: tuple[str, ...] = ()
    query: Any = None


def is_xml_type(mt: str) -> bool:
    """XML media types (V11-RBD-04, V11-AMB-41): ``application/xml``, ``text/xml``, ``+xml``."""
    return mt in ("application/xml", "text/xml") or mt.endswith("+xml")


_XPATH_VERSIONS = {None: "31", "xpath-31": "31", "xpath-30": "30", "xpath-20": "20",
                   "xpath-10": "10"}


def target_kind(selector_type: str | None, version: str | None,
                content_type: str | None) -> tuple[str, str | None]:
    """The kind and version a target is read by: ``targetSelectorType`` when given (its
    type, or an Expression Type Object's type and version), else by the payload's media type
    (V11-RBD-04, V11-AMB-41): XPath for XML types, JSON Pointer for everything else."""
    if selector_type is not None:
        if selector_type not in ("jsonpath", "xpath", "jsonpointer"):
            raise TargetError(f"targetSelectorType {selector_type!r} is not a selector type: "
                              "use 'jsonpath', 'xpath' or 'jsonpointer' (V11-RBD-03)")
        return selector_type, version
    if content_type is not None and is_xml_type(media_type(content_type)):
        return "xpath", None
    return "jsonpointer", None


def compile_target(target: str, kind: str, version: str | None = None,
                   namespaces: Mapping[str, str] | None = None) -> ReplacementTarget:
    """Compile ``target`` as a ``kind`` expression (once, at plan time); raises
    :class:`TargetError` for a syntax error or a version this engine cannot apply.
    ``namespaces``: prefixes an XPath target may use (those the payload declares)."""
    if kind == "jsonpointer":
        if version not in (None, "rfc6901"):
            raise TargetError(f"JSON Pointer version {version!r} is unknown: the only one is "
                              "'rfc6901' (V11-SEL-08)")
        if target in ("", "/"):
            return ReplacementTarget(kind, target)
        try:
            pointer = JsonPointer.parse(target)
        except ExpressionSyntaxError as exc:
            raise TargetError(f"{exc.message} (PR-01)", exc.index) from None
        return ReplacementTarget(kind, target, tokens=pointer.tokens)
    if kind == "jsonpath":
        if version not in (None, "rfc9535"):
            raise TargetError(f"JSONPath version {version!r} is not supported for replacement "
                              "targets: write an RFC 9535 query and 'targetSelectorType: "
                              "jsonpath' (V11-RBD-03)")
        from jsonpath_rfc9535 import JSONPathError

        from arazzo.criteria import rfc9535_environment

        try:
            query = rfc9535_environment().compile(target)
        except JSONPathError as exc:
            raise TargetError(f"invalid JSONPath query (RFC 9535): {exc} (V11-RBD-02)",
                              _column_index(str(exc), target)) from None
        return ReplacementTarget(kind, target, query=query)
    if kind == "xpath":
        if version not in _XPATH_VERSIONS:
            raise TargetError(f"XPath version {version!r} is unknown: use 'xpath-31', "
                              "'xpath-30', 'xpath-20' or 'xpath-10' (V11-SEL-08)")
        from elementpath import ElementPathError

        parser = _xpath_parser(_XPATH_VERSIONS[version], dict(namespaces or {}))
        try:
            token = parser.parse(target)
        except ElementPathError as exc:
            raise TargetError(f"invalid XPath expression: {exc} (V11-RBD-03)",
                              _column_index(str(exc), target)) from None
        return ReplacementTarget(kind, target, query=token)
    raise TargetError(f"unknown target selector type {kind!r} (V11-RBD-03)")


def _column_index(message: str, text: str) -> int:
    found = re.search(r"line (\d+), column (\d+)", message)
    if not found:
        return 0
    line, column = int(found.group(1)), int(found.group(2))
    lines = text.split("\n")
    return min(max(sum(len(x) + 1 for x in lines[:line - 1]) + column - 1, 0), len(text))


def _xpath_parser(version: str, namespaces: dict[str, str]) -> Any:
    if version == "31":
        from elementpath.xpath31 import XPath31Parser

        return XPath31Parser(namespaces=namespaces)
    if version == "30":
        from elementpath.xpath30 import XPath30Parser

        return XPath30Parser(namespaces=namespaces)
    if version == "20":
        from elementpath import XPath2Parser

        return XPath2Parser(namespaces=namespaces)
    from elementpath import XPath1Parser

    return XPath1Parser(namespaces=namespaces)


_XML_DECLARATION = re.compile(r"\s*<\?xml[^>]*\?>")
_DTD = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def xml_namespaces(text: str) -> dict[str, str]:
    """The namespace prefixes an XML document declares (the first binding of each);
    ``{}`` for text that is not well-formed XML."""
    import io
    from xml.etree import ElementTree

    found: dict[str, str] = {}
    if _DTD.search(text[:4096]):
        return found
    try:
        for _event, (prefix, uri) in ElementTree.iterparse(io.StringIO(text),
                                                           events=("start-ns",)):
            if prefix:
                found.setdefault(prefix, uri)
    except ElementTree.ParseError:
        return {}
    return found


def apply_target(payload: Any, target: ReplacementTarget, value: Any) -> Any:
    """``payload`` with ``value`` set where ``target`` points (``payload`` is a copy the
    caller owns): PR-01 for JSON Pointers, every matched location for JSONPath and XPath,
    in document order, and an error when nothing matches (V11-AMB-42)."""
    if target.kind == "jsonpointer":
        return apply_replacement(payload, target.tokens, value, target.text)
    if target.kind == "jsonpath":
        return _apply_jsonpath(payload, target, value)
    return _apply_xpath(payload, target, value)


def _apply_jsonpath(payload: Any, target: ReplacementTarget, value: Any) -> Any:
    if not isinstance(payload, (dict, list)):
        raise RequestError(f"replacement target {target.text!r} is a JSONPath query, which "
                           f"needs a JSON object or array payload, not {_type_name(payload)} "
                           "(V11-RBD-02)")
    locations = [tuple(node.location) for node in target.query.finditer(payload)]
    if not locations:
        raise RequestError(f"replacement target {target.text!r} matches nothing in the "
                           "payload; a JSONPath target replaces existing values only, it "
                           "cannot create one (V11-AMB-42)")
    done: list[tuple[Any, ...]] = []
    for location in locations:
        if any(location[:len(d)] == d for d in done):
            continue  # inside a location already replaced: it no longer exists
        if not location:
            return value
        node = payload
        for key in location[:-1]:
            node = node[key]
        node[location[-1]] = copy.deepcopy(value) if done else value
        done.append(location)
    return payload


def _apply_xpath(payload: Any, target: ReplacementTarget, value: Any) -> Any:
    from xml.etree import ElementTree

    from elementpath import ElementPathError, XPathContext

    if isinstance(payload, (bytes, bytearray)):
        payload = bytes(payload).decode("utf-8", "replace")
    if not isinstance(payload, str):
        raise RequestError(f"replacement target {target.text!r} is an XPath expression, which "
                           f"needs an XML document (a string) as payload, not "
                           f"{_type_name(payload)} (V11-RBD-04)")
    if _DTD.search(payload[:4096]):
        raise RequestError("XML payloads with a DTD are not rewritten (security)")
    try:
        root = ElementTree.fromstring(payload)
    except ElementTree.ParseError as exc:
        raise RequestError(f"replacement target {target.text!r}: the payload is not "
                           f"well-formed XML: {exc}") from None
    try:
        nodes = list(target.query.select(XPathContext(root)))
    except ElementPathError as exc:
        raise RequestError(f"replacement target {target.text!r}: XPath evaluation failed: "
                           f"{exc}") from None
    if not nodes:
        raise RequestError(f"replacement target {target.text!r} matches nothing in the XML "
                           "payload; an XPath target replaces existing nodes only, it cannot "
                           "create one (V11-AMB-42)")
    text = _scalar(value)
    for node in nodes:
        kind = _node_kind(node)
        if kind == "element":
            elem = node.elem
            for child in list(elem):
                elem.remove(child)
            elem.text = text
        elif kind == "attribute":
            node.parent.elem.set(node.name, text)
        elif kind == "text" and node.parent is not None and node.parent.elem.text == node.value:
            node.parent.elem.text = text
        else:
            raise RequestError(f"replacement target {target.text!r} selects a {kind} node; "
                               "only elements, attributes and the text of an element can be "
                               "replaced (V11-RBD-02)")
    found = _XML_DECLARATION.match(payload)
    head = found.group(0).lstrip() if found else ""
    return head + ElementTree.tostring(root, encoding="unicode")


def _node_kind(node: Any) -> str:
    kind = getattr(node, "node_kind", None)
    if isinstance(kind, str):
        return kind
    return "atomic value"


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
            path = path.replace("{" + param.name + "}",
                                serialize_path(param.name, value, style, explode))
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
    url = join_url(base, path, query)
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
    return BuiltRequest(RequestSpec(step.source or "", step.method, url, headers, content,
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
