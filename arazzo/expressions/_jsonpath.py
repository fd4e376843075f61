"""The RFC 9535 JSONPath environment the project evaluates every JSONPath with (criteria,
Selector Objects, payload replacement targets): ``jsonpath_rfc9535`` with ``match`` and
``search`` bounded by a timeout (an untrusted document's pattern cannot run forever), and
relative queries in nested filters keeping the query's root (RFC 9535 section 2.3.5.1)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["JSONPATH_REGEX_TIMEOUT", "rfc9535_environment"]

#: seconds one ``match()`` / ``search()`` may take
JSONPATH_REGEX_TIMEOUT = 1.0


def _rfc_environment() -> Any:
    import jsonpath_rfc9535 as jsonpath
    import regex
    from jsonpath_rfc9535.filter_expressions import RelativeFilterQuery as LibraryRelativeQuery
    from jsonpath_rfc9535.function_extensions import Match, Search
    from jsonpath_rfc9535.function_extensions._pattern import map_re
    from jsonpath_rfc9535.node import JSONPathNode, JSONPathNodeList
    from jsonpath_rfc9535.parse import Parser

    try:
        from iregexp_check import check as _iregexp_ok
    except ImportError:  # pragma: no cover - a dependency of jsonpath-rfc9535
        def _iregexp_ok(pattern: str) -> bool:
            return True

    class TimedMatch(Match):
        def __call__(self, string: str, pattern: object) -> bool:
            if not isinstance(pattern, str) or not _iregexp_ok(pattern):
                return False
            try:
                return bool(regex.fullmatch(map_re(pattern), string,
                                            timeout=JSONPATH_REGEX_TIMEOUT))
            except (TypeError, regex.error):
                return False

    class TimedSearch(Search):
        def __call__(self, string: str, pattern: object) -> bool:
            if not isinstance(pattern, str) or not _iregexp_ok(pattern):
                return False
            try:
                return bool(regex.search(map_re(pattern), string, regex.VERSION1,
                                         timeout=JSONPATH_REGEX_TIMEOUT))
            except (TypeError, regex.error):
                return False

    class RelativeFilterQuery(LibraryRelativeQuery):
        """``@...`` in a filter, its nodes keeping the query's root: the library starts a
        relative query at a new root (the current node), so in a nested filter
        ``$[?@.a[?@.b == $.c]]`` its ``$`` meant the outer current node, not the root the
        RFC names (RFC 9535 section 2.3.5.1: ``$`` is the root node of the argument).
        Same class name as the library's: the compiled check dispatches on it."""

        __slots__ = ()

        def evaluate(self, context: Any) -> object:
            current = context.current
            if not isinstance(current, (list, dict)):
                return current if self.query.empty() else JSONPathNodeList()
            nodes: Any = [JSONPathNode(value=current, location=(), parent=None,
                                       root=context.root)]
            for segment in self.query.segments:
                nodes = segment.resolve(nodes)
            return JSONPathNodeList(nodes)

    class RootKeepingParser(Parser):
        def parse_relative_query(self, stream: Any) -> Any:
            query: Any = super().parse_relative_query(stream)
            return RelativeFilterQuery(token=query.token, query=query.query)

    class Environment(jsonpath.JSONPathEnvironment):
        parser_class = RootKeepingParser

        def setup_function_extensions(self) -> None:
            super().setup_function_extensions()
            self.function_extensions["match"] = TimedMatch()
            self.function_extensions["search"] = TimedSearch()

    return Environment()


_RFC_ENV: Any = None
_RFC_LOCK = threading.Lock()


def rfc9535_environment() -> Any:
    """The shared RFC 9535 environment (``match``/``search`` bounded by a timeout)."""
    global _RFC_ENV  # noqa: PLW0603 - lazily built singleton
    if _RFC_ENV is None:
        with _RFC_LOCK:
            if _RFC_ENV is None:
                _RFC_ENV = _rfc_environment()
    return _RFC_ENV


