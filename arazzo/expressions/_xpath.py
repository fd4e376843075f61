"""What every XPath the project evaluates shares (criteria, Selector Objects, payload
replacement targets): the elementpath parser of each XPath version, the DTD guard for
untrusted XML, and the position of a parse error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["DTD", "DTD_BYTES", "XPATH_VERSIONS", "line_column_index", "xpath_parser"]

#: Arazzo version name (None: the default, XPath 3.1) -> elementpath's parser generation
XPATH_VERSIONS: dict[str | None, str] = {None: "31", "xpath-31": "31", "xpath-30": "30",
                                         "xpath-20": "20", "xpath-10": "10"}
#: a document type declaration or entity in XML from a response or a document: refused
#: (no entity expansion, no external fetch)
DTD = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
DTD_BYTES = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


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
