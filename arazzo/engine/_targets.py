"""Payload replacement (RB-03, PR-01/02) and the request error (pure: no I/O).

JSON Pointer targets (PR-01: :func:`apply_replacement`) and, from Arazzo 1.1 on, JSONPath
(RFC 9535) and XPath targets, read by ``targetSelectorType`` or the payload's media type
(V11-RBD-02..04, V11-AMB-41, V11-AMB-42): :func:`target_kind`, :func:`compile_target` (once,
at plan time) and :func:`apply_target`. Shared by the plan (compilation) and ``_requests``
(application), which re-exports what it always exported.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arazzo._exceptions import ExpressionSyntaxError
from arazzo.engine._responses import media_type
from arazzo.expressions import JsonPointer
from arazzo.expressions._xpath import (
    XPATH_VERSIONS,
    UnsafeXml,
    has_dtd,
    line_column_index,
    parse_xml,
    xpath_parser,
)

__all__ = [
    "ReplacementTarget",
    "RequestError",
    "TargetError",
    "apply_replacement",
    "apply_target",
    "compile_target",
    "is_xml_type",
    "scalar_text",
    "target_kind",
    "type_name",
    "xml_namespaces",
]


class RequestError(Exception):
    """The request cannot be built (a step error, not a crash)."""


def scalar_text(value: Any) -> str:
    """A value as text: ``true``/``false``, ``""`` for null, compact JSON for structures."""
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


def type_name(value: Any) -> str:
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

        from arazzo.expressions._jsonpath import rfc9535_environment

        try:
            query = rfc9535_environment().compile(target)
        except JSONPathError as exc:
            raise TargetError(f"invalid JSONPath query (RFC 9535): {exc} (V11-RBD-02)",
                              line_column_index(target, str(exc))) from None
        return ReplacementTarget(kind, target, query=query)
    if kind == "xpath":
        if version not in XPATH_VERSIONS:
            raise TargetError(f"XPath version {version!r} is unknown: use 'xpath-31', "
                              "'xpath-30', 'xpath-20' or 'xpath-10' (V11-SEL-08)")
        from elementpath import ElementPathError

        parser = xpath_parser(version, namespaces)
        try:
            token = parser.parse(target)
        except ElementPathError as exc:
            raise TargetError(f"invalid XPath expression: {exc} (V11-RBD-03)",
                              line_column_index(target, str(exc))) from None
        return ReplacementTarget(kind, target, query=token)
    raise TargetError(f"unknown target selector type {kind!r} (V11-RBD-03)")


_XML_DECLARATION = re.compile(r"\s*<\?xml[^>]*\?>")


def xml_namespaces(text: str) -> dict[str, str]:
    """The namespace prefixes an XML document declares (the first binding of each);
    ``{}`` for text that is not well-formed XML."""
    import io
    from xml.etree import ElementTree

    found: dict[str, str] = {}
    if has_dtd(text):
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
                           f"needs a JSON object or array payload, not {type_name(payload)} "
                           "(V11-RBD-02)")
    try:
        locations = [tuple(node.location) for node in target.query.finditer(payload)]
    except TimeoutError:
        raise RequestError(f"replacement target {target.text!r}: a match() or search() "
                           "pattern did not finish in time") from None
    except RecursionError:
        raise RequestError(f"replacement target {target.text!r}: the payload is nested too "
                           "deeply") from None
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
                           f"{type_name(payload)} (V11-RBD-04)")
    try:
        root = parse_xml(payload)
    except UnsafeXml:
        raise RequestError("XML payloads with a DTD are not rewritten (security)") from None
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
    text = scalar_text(value)
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
