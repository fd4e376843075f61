"""Reading YAML and JSON documents with YAML 1.2 semantics and source positions.

PyYAML implements YAML 1.1: an unquoted ``2023-09-07`` becomes a ``date`` and ``on``/``no`` become
booleans. The loader below keeps PyYAML's (C, when available) parser but swaps the implicit
resolvers for the YAML 1.2 core schema, so those stay strings (FMT-03).

Positions are kept lazily: the data is built straight from the parser's events (the fast path,
below) and a :class:`SourceMap` composes the node tree from the text only when a location is asked
for (diagnostics), so loading costs nothing extra on the happy path.

Guards (SEC-02): a byte-size limit, a bound on the *expanded* node count (alias bombs), recursive
aliases, non-scalar keys and duplicate keys are all reported as :class:`LoadError` with a location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from arazzo._exceptions import LoadError, Location

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_NODES", "ParsedText", "SourceMap", "parse_text"]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_NODES = 2_000_000

try:  # pragma: no branch - depends on how PyYAML was built
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")


def _core_schema_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    entries = [
        ("tag:yaml.org,2002:bool", _BOOL_RE, "tTfF"),
        ("tag:yaml.org,2002:int", _INT_RE, "-+0123456789"),
        ("tag:yaml.org,2002:float", _FLOAT_RE, "-+0123456789."),
        ("tag:yaml.org,2002:null", _NULL_RE, ["~", "n", "N", None]),
    ]
    for tag, regexp, first in entries:
        for ch in first:
            table.setdefault(ch, []).append((tag, regexp))
    return table


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULL = "tag:yaml.org,2002:null"
_RESOLVERS = _core_schema_resolvers()


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML 1.2 core schema on top of PyYAML's safe loader."""

    yaml_implicit_resolvers = _RESOLVERS

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # A lean replacement for PyYAML's resolver (the hot spot when reading big documents):
        # no path resolvers, one table lookup by first character.
        if kind is yaml.ScalarNode:
            if implicit[0]:
                if not value:
                    return _NULL
                for tag, regexp in _RESOLVERS.get(value[0], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


def _int_of(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float_of(text: str) -> float:
    text = text.lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text.endswith(".nan"):
        return float("nan")
    return float(text)


def _bool_of(text: str) -> bool:
    return text.lower() == "true"


def _null_of(text: str) -> None:
    return None


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    return _int_of(str(loader.construct_scalar(node)))


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    return _float_of(str(loader.construct_scalar(node)))


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return _bool_of(str(loader.construct_scalar(node)))


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
# Explicit YAML 1.1 tags that have no JSON equivalent are refused rather than half-supported.
for _tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:set",
             "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"):
    _Loader.yaml_constructors.pop(_tag, None)


def _pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer_tokens(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return [] if pointer == "" else [""]
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def _key_text(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


class SourceMap:
    """Maps JSON pointers of one document to 1-based line/column positions (lazily)."""

    __slots__ = ("_root", "_text", "file")

    def __init__(self, file: str | None, *, root: yaml.Node | None = None,
                 text: str | None = None) -> None:
        self.file = file
        self._root = root
        self._text = text

    def _ensure_root(self) -> yaml.Node | None:
        if self._root is None and self._text is not None:
            try:
                self._root = _compose(self._text)
            except yaml.YAMLError:
                self._root = None
            self._text = None
        return self._root

    def node_at(self, pointer: str) -> tuple[yaml.Node | None, yaml.Node | None, str]:
        """Return (value node, key node, remaining pointer) for the deepest node on the path."""
        node = self._ensure_root()
        key_node: yaml.Node | None = None
        tokens = _pointer_tokens(pointer)
        for i, token in enumerate(tokens):
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if _key_text(k) == token:
                        key_node, node = k, v
                        break
                else:
                    return node, key_node, "/" + "/".join(_pointer_escape(t) for t in tokens[i:])
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(
                node.value
            ):
                key_node, node = None, node.value[int(token)]
            else:
                return node, key_node, "/" + "/".join(_pointer_escape(t) for t in tokens[i:])
        return node, key_node, ""

    def locate(self, pointer: str, *, key: bool = False) -> Location:
        """Location of the value at ``pointer`` (or of its key when ``key`` is true).

        When the pointer goes past the end of the document (a missing member), the nearest
        existing ancestor is located instead.
        """
        node, key_node, _rest = self.node_at(pointer)
        target = key_node if key and key_node is not None else node
        if target is None:
            return Location(self.file, None, None, pointer)
        mark = target.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1, pointer)

    def scalar_style(self, pointer: str) -> str | None:
        """The YAML style of the scalar at ``pointer`` (``None`` plain, ``'"'``, ``"'"``, ...)."""
        node, _k, rest = self.node_at(pointer)
        if rest or not isinstance(node, yaml.ScalarNode):
            return None
        return node.style


class ParsedText:
    """The result of parsing one document: the plain data and its source map."""

    __slots__ = ("data", "source_map")

    def __init__(self, data: Any, source_map: SourceMap) -> None:
        self.data = data
        self.source_map = source_map


def _mark_location(file: str | None, mark: Any) -> Location:
    if mark is None:
        return Location(file)
    return Location(file, mark.line + 1, mark.column + 1)


def _check_graph(root: yaml.Node, file: str | None, max_nodes: int) -> None:
    """Reject alias bombs (expanded size) and recursive aliases before constructing anything."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node) -> int:
        ident = id(node)
        cached = sizes.get(ident)
        if cached is not None:
            return cached
        if ident in on_path:
            raise LoadError("recursive YAML alias: a node contains itself; remove the cycle",
                            location=_mark_location(file, node.start_mark))
        total = 1
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            on_path.add(ident)
            children: Iterator[yaml.Node]
            if isinstance(node, yaml.MappingNode):
                children = (n for pair in node.value for n in pair)
            else:
                children = iter(node.value)
            for child in children:
                total += size(child)
                if total > max_nodes:
                    raise LoadError(
                        f"document expands to more than {max_nodes:,} nodes (YAML aliases?); "
                        "refusing to load it (raise max_nodes if it is genuine)",
                        location=_mark_location(file, node.start_mark),
                    )
            on_path.discard(ident)
        sizes[ident] = total
        return total

    size(root)


def _construct(root: yaml.Node, file: str | None) -> Any:
    """Build plain Python data from a node tree, with string keys and no duplicates."""
    memo: dict[int, Any] = {}
    loader = _Loader("")

    def build(node: yaml.Node) -> Any:
        ident = id(node)
        if ident in memo:
            return memo[ident]
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            try:
                value = loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise LoadError(f"cannot read value: {_yaml_problem(exc)}",
                                location=_mark_location(file, node.start_mark)) from None
            memo[ident] = value
            return value
        if isinstance(node, yaml.SequenceNode):
            out: list[Any] = []
            memo[ident] = out
            out.extend(build(child) for child in node.value)
            return out
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, Any] = {}
            memo[ident] = mapping
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    merged = build(value_node)
                    items = merged if isinstance(merged, list) else [merged]
                    for item in items:
                        if isinstance(item, dict):
                            for k, v in item.items():
                                mapping.setdefault(k, v)
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    raise LoadError("mapping keys must be strings, not collections",
                                    location=_mark_location(file, key_node.start_mark))
                key = str(key_node.value)  # 200: -> "200" (keys are strings in JSON)
                if key in mapping:
                    raise LoadError(f"duplicate key {key!r} in the same mapping; keep only one",
                                    location=_mark_location(file, key_node.start_mark))
                mapping[key] = build(value_node)
            return mapping
        raise LoadError(f"unsupported YAML node {node.tag}",  # pragma: no cover
                        location=_mark_location(file, node.start_mark))

    return build(root)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of ``text`` (positions, styles): composed only when something needs it."""
    node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    return node


# -- the fast path ----------------------------------------------------------------------------
#
# Composing a node tree (a Python object and two marks per node, then a Python walk to build the
# data) is what made YAML ~40x slower than JSON. The fast path builds the plain data straight from
# the parser's events, in one loop, and keeps no nodes: the SourceMap composes them from the text
# only when a position is asked for. It handles what real descriptions contain (plain and quoted
# scalars, block and flow collections, anchors and aliases) and gives up on anything else:
# explicit tags (merge keys included), duplicate or non-scalar keys, undefined or recursive aliases,
# duplicate anchors, several documents, an empty stream, deep nesting, a parse error, too many
# expanded nodes. Then the reference path below (compose, check the graph, construct) reads the
# text again and says exactly what it always said.

_FAST_MAX_DEPTH = 100  # well under the depth at which the reference path's recursion can fail


class _Bail(Exception):
    """The fast path gives the document to the reference path."""


_FALLBACK: Any = object()
_NOKEY: Any = object()
_OPEN: Any = object()  # an anchored collection still being read (an alias to it is recursive)

_CONVERTERS: dict[str, Any] = {
    "tag:yaml.org,2002:bool": _bool_of,
    "tag:yaml.org,2002:int": _int_of,
    "tag:yaml.org,2002:float": _float_of,
    "tag:yaml.org,2002:null": _null_of,
}
_PLAIN: dict[Any, tuple[tuple[re.Pattern[str], Any], ...]] = {
    first: tuple((regexp, _CONVERTERS[tag]) for tag, regexp in entries)
    for first, entries in _RESOLVERS.items() if first is not None
}


def _fast_data(text: str, max_nodes: int | None) -> Any:
    """The document's data built from parser events, or ``_FALLBACK``.

    ``max_nodes`` is the bound on expanded nodes, or ``None`` when the text has no anchor (so no
    alias can expand anything, and the reference path counts nothing either)."""
    loader = _BaseLoader(text)
    try:
        return _build_from_events(loader.get_event, max_nodes)
    except Exception:
        return _FALLBACK
    finally:
        loader.dispose()


def _build_from_events(get_event: Any, max_nodes: int | None) -> Any:
    scalar_event = yaml.ScalarEvent
    mapping_start, mapping_end = yaml.MappingStartEvent, yaml.MappingEndEvent
    sequence_start, sequence_end = yaml.SequenceStartEvent, yaml.SequenceEndEvent
    alias_event = yaml.AliasEvent
    plain = _PLAIN
    nokey = _NOKEY
    if type(get_event()) is not yaml.StreamStartEvent or type(
            get_event()) is not yaml.DocumentStartEvent:
        raise _Bail
    anchors: dict[str, Any] = {}
    stack: list[tuple[Any, bool, int, str | None]] = []
    container: Any = None  # the open dict or list (None: at the root)
    is_map = False
    key: Any = nokey  # in an open mapping: the key awaiting its value
    size = 0  # expanded nodes read so far in the open collection (when counting)
    root: Any = nokey
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            if event.tag is not None:
                raise _Bail
            raw = event.value
            if is_map and key is nokey:
                if raw in container or event.anchor is not None:
                    raise _Bail
                key = raw
                size += 1
                continue
            value: Any = raw
            if event.implicit[0]:
                if raw:
                    for regexp, convert in plain.get(raw[0], ()):
                        if regexp.match(raw):
                            value = convert(raw)
                            break
                else:
                    value = None
            if event.anchor is not None:
                if event.anchor in anchors:
                    raise _Bail
                anchors[event.anchor] = (value, raw, 1)
            size += 1
        elif kind is mapping_start or kind is sequence_start:
            if event.tag is not None or (is_map and key is nokey) or len(stack) >= _FAST_MAX_DEPTH:
                raise _Bail
            value = {} if kind is mapping_start else []
            anchor = event.anchor
            if anchor is not None:
                if anchor in anchors:
                    raise _Bail
                anchors[anchor] = _OPEN
            if is_map:
                container[key] = value
            elif container is not None:
                container.append(value)
            else:
                root = value
            stack.append((container, is_map, size, anchor))
            container, is_map, key, size = value, kind is mapping_start, nokey, 1
            continue
        elif kind is mapping_end or kind is sequence_end:
            done, total = container, size
            container, is_map, size, anchor = stack.pop()
            key = nokey
            size += total
            if anchor is not None:
                anchors[anchor] = (done, None, total)
            if not stack and container is None:
                break
            continue
        elif kind is alias_event:
            entry = anchors.get(event.anchor)
            if entry is None or entry is _OPEN:
                raise _Bail
            value, raw, expanded = entry
            if is_map and key is nokey:
                if raw is None or raw in container:
                    raise _Bail
                key = raw
                size += 1
                continue
            size += expanded
        else:
            raise _Bail
        if is_map:
            container[key] = value
            key = nokey
        elif container is not None:
            container.append(value)
        else:
            root = value
            break
    if type(get_event()) is not yaml.DocumentEndEvent or type(
            get_event()) is not yaml.StreamEndEvent:
        raise _Bail
    if max_nodes is not None and size > max_nodes:
        raise _Bail
    return root


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    return str(problem)


def _reject_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateJSONKey(key)
        out[key] = value
    return out


class _DuplicateJSONKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_text(text: str | bytes, file: str | None = None, *,
               max_bytes: int = DEFAULT_MAX_BYTES,
               max_nodes: int = DEFAULT_MAX_NODES) -> ParsedText:
    """Parse JSON or YAML text into plain data (dict/list/str/int/float/bool/None).

    Raises :class:`LoadError` naming the file and position on any problem.
    """
    size = len(text)
    if size > max_bytes:
        raise LoadError(
            f"document is {size / 1048576:.1f} MiB, over the {max_bytes / 1048576:.0f} MiB limit; "
            "pass a larger max_bytes if it is genuine",
            location=Location(file),
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LoadError(f"document is not UTF-8 text (byte {exc.start}); save it as UTF-8",
                            location=Location(file)) from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text, object_pairs_hook=_reject_duplicate_pairs)
        except _DuplicateJSONKey as exc:
            raise LoadError(f"duplicate key {exc.key!r} in the same object; keep only one",
                            location=Location(file)) from None
        except (ValueError, RecursionError):
            pass  # not strict JSON (e.g. flow-style YAML): fall through to the YAML reader
        else:
            return ParsedText(data, SourceMap(file, text=text))
    data = _fast_data(text, max_nodes if "&" in text else None)
    if data is not _FALLBACK:
        return ParsedText(data, SourceMap(file, text=text))
    return _parse_reference(text, file, max_nodes)


def _parse_reference(text: str, file: str | None, max_nodes: int) -> ParsedText:
    """Compose, check the graph and construct: every problem reported with its position."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise LoadError(f"invalid YAML: {_yaml_problem(exc)}",
                        location=_mark_location(file, mark)) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML: {exc}", location=Location(file)) from None
    except RecursionError:
        raise LoadError("document nests too deeply to read", location=Location(file)) from None
    if root is None:
        raise LoadError("document is empty", location=Location(file, 1, 1))
    try:
        if "&" in text:  # aliases need anchors: without any, expansion cannot blow up
            _check_graph(root, file, max_nodes)
        data = _construct(root, file)
    except RecursionError:
        raise LoadError("document nests too deeply to read", location=Location(file)) from None
    smap = SourceMap(file, root=root)
    return ParsedText(data, smap)
