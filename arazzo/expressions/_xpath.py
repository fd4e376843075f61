"""What every XPath the project evaluates shares (criteria, Selector Objects, payload
replacement targets): the elementpath parser of each XPath version, the DTD guard for
untrusted XML, and the position of a parse error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["XPATH_VERSIONS", "UnsafeXml", "has_dtd", "line_column_index", "parse_xml",
           "xpath_error_index", "xpath_parser"]

#: Arazzo version name (None: the default, XPath 3.1) -> elementpath's parser generation
XPATH_VERSIONS: dict[str | None, str] = {None: "31", "xpath-31": "31", "xpath-30": "30",
                                         "xpath-20": "20", "xpath-10": "10"}
#: a document type declaration or entity in XML from a response or a document: refused
#: (no entity expansion, no external fetch); looked for in the first 4 KiB, where XML puts it
_DTD = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_DTD_BYTES = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


class UnsafeXml(ValueError):
    """XML with a document type declaration or an entity: never parsed."""


def has_dtd(data: str | bytes) -> bool:
    """Does ``data`` declare a document type or an entity (:class:`UnsafeXml`)?"""
    if isinstance(data, str):
        return _DTD.search(data[:4096]) is not None
    return _DTD_BYTES.search(data[:4096]) is not None


def parse_xml(data: str | bytes) -> Any:
    """The root element of ``data``; raises :class:`UnsafeXml` for a DTD or entity, and
    ``xml.etree.ElementTree.ParseError`` for text that is not well-formed XML."""
    from xml.etree import ElementTree

    if has_dtd(data):
        raise UnsafeXml("XML with a DTD")
    return ElementTree.fromstring(data)


def xpath_parser(version: str | None, namespaces: Mapping[str, str] | None = None) -> Any:
    """An elementpath parser for ``version``: an Arazzo name (``xpath-31`` ... ``xpath-10``,
    None for 3.1) or a generation (``"31"`` ... ``"10"``)."""
    generation = XPATH_VERSIONS.get(version, version)
    known = dict(namespaces or {})
    if generation == "31":
        from elementpath.xpath31 import XPath31Parser

        return XPath31Parser(namespaces=known)
    if generation == "30":
        from elementpath.xpath30 import XPath30Parser

        return XPath30Parser(namespaces=known)
    if generation == "20":
        from elementpath import XPath2Parser

        return XPath2Parser(namespaces=known)
    from elementpath import XPath1Parser

    return XPath1Parser(namespaces=known)


def line_column_index(text: str, message: str) -> int:
    """The index into ``text`` of a "line L, column C" a parser's ``message`` names (0 if
    none)."""
    match = re.search(r"line (\d+), column (\d+)", message)
    if not match:
        return 0
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.split("\n")
    index = sum(len(x) + 1 for x in lines[:line - 1]) + column - 1
    return min(max(index, 0), len(text))


def xpath_error_index(error: Exception, text: str) -> int:
    """The index into ``text`` of an elementpath parse ``error``: its token's position, the
    end for an unexpected end, else the line and column its message names."""
    token = getattr(error, "token", None)
    if getattr(token, "symbol", None) == "(end)":
        return len(text)
    span = getattr(token, "span", None)
    if isinstance(span, tuple) and span and isinstance(span[0], int):
        return min(max(span[0], 0), len(text))
    return line_column_index(text, str(error))
