"""Loading Arazzo documents and their source descriptions.

Reading is confined (SEC-03, docs/loading.md). A local document the caller names may make us
read files under its project: the nearest enclosing version-control root (a directory holding
``.git``, ``.hg`` or ``.svn``), else the current directory when the document lies under it,
else the document's own directory. ``sandbox=True`` keeps the strict rule for services that
load documents they did not write: the current directory when the document lies under it, else
the document's directory. A document fetched from a URL, and document text, read no local file
unless ``allow_dirs`` says so (text: the current directory, as before). ``allow_dirs`` replaces
the default. Remote URLs are read only from allowed hosts (none by default); symlinks are
resolved before checking. ``overrides`` map a source to a local file or to document text, keyed
by the source's name, its URL as written in the document (``./x.yaml``) or the path or URL it
resolves to; that is how a caller vendors a remote source (or points a document at a fixture).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import time
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from pydantic import ValidationError

from arazzo._diagnostics import Diagnostic, Severity
from arazzo._exceptions import (
    AccessDenied,
    ArazzoError,
    DocumentError,
    LoadError,
    Location,
    UnsupportedVersion,
    ValidationFailed,
)
from arazzo.documents._yaml import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_NODES,
    ParsedText,
    SourceMap,
    parse_text,
)
from arazzo.documents.models import (
    HTTP_METHODS,
    SPEC_VERSIONS,
    ArazzoSpecification,
    OpenAPIDocument,
    OpenAPIParameter,
    Operation,
    PathItem,
    Server,
    assign_locations,
)
from arazzo.documents.models._base import v11_only

if TYPE_CHECKING:
    import jsonschema

__all__ = [
    "AccessPolicy",
    "ArazzoSource",
    "AsyncAPISource",
    "Document",
    "MissingSource",
    "OpenAPISource",
    "OperationRef",
    "load",
]

_T = TypeVar("_T")

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(-.+)?$")
_SCHEMES = ("http://", "https://")


# --------------------------------------------------------------------------------------------
# access policy and retrieval


@dataclass(frozen=True)
class AccessPolicy:
    """What a document may make us read."""

    allow_dirs: tuple[Path, ...] = ()
    allow_hosts: frozenset[str] = frozenset()
    overrides: Mapping[str, str | Path] = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES
    max_nodes: int = DEFAULT_MAX_NODES
    http_timeout: float = 30.0

    def check_path(self, path: Path, location: Location | None) -> Path:
        real = path.resolve()
        for root in self.allow_dirs:
            if real == root or root in real.parents:
                return real
        if not self.allow_dirs:
            raise AccessDenied(
                f"refusing to read {str(path)!r}: no local directory is allowed (a document "
                "loaded from a URL reads none by default); name one with allow_dirs=... / "
                "--allow-dir if you trust the document, or map the source with overrides= "
                "(--source NAME=FILE)",
                location=location,
            )
        allowed = ", ".join(str(d) for d in self.allow_dirs)
        raise AccessDenied(
            f"refusing to read {str(path)!r}: it is outside the allowed directories ({allowed}); "
            "allow its directory explicitly (allow_dirs=... / --allow-dir) if you trust it",
            location=location,
        )

    def check_url(self, url: str, location: Location | None) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.allow_hosts:
            raise AccessDenied(
                f"refusing to fetch {url!r}: remote sources are read only from allowed hosts; "
                f"pass allow_hosts=[{host!r}] (--allow-host {host}) or map the URL to a local "
                "file with overrides= (--source URL=FILE)",
                location=location,
            )


@dataclass(frozen=True)
class FileStamp:
    """What identifies the content of a file read: the stat taken before reading it, the
    time of the read and a digest of the bytes read (see :mod:`arazzo.documents._cache`)."""

    mtime_ns: int
    size: int
    ino: int
    dev: int
    read_ns: int
    digest: bytes

    @classmethod
    def of(cls, stat: os.stat_result, data: bytes) -> FileStamp:
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_dev, time.time_ns(),
                   file_digest(data))

    def same_stat(self, stat: os.stat_result) -> bool:
        return (stat.st_mtime_ns == self.mtime_ns and stat.st_size == self.size
                and stat.st_ino == self.ino and stat.st_dev == self.dev)


def file_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _is_url(ref: str) -> bool:
    return ref.startswith(_SCHEMES)


class _Retriever:
    """Resolves references against their referring document and reads them once."""

    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy
        self.cache: dict[str, ParsedText] = {}
        #: every local file this load read or looked for, by the absolute name it was asked
        #: for (symlinks not resolved): its stamp (:class:`FileStamp`), None when it was absent
        self.files: dict[str, FileStamp | None] = {}
        #: whether anything was fetched over HTTP (such a document is not cached)
        self.remote = False

    def resolve(self, ref: str, base: str | None) -> str:
        """Absolute key (file path or URL) for ``ref`` relative to the document ``base``."""
        ref = ref.split("#", 1)[0]
        if _is_url(ref):
            return ref
        if ref.startswith("file://"):
            return unquote(urlsplit(ref).path)
        if base is not None and _is_url(base):
            return urljoin(base, ref)
        base_dir = Path(base).parent if base else Path.cwd()
        return str(base_dir / unquote(ref))

    def fetch(self, key: str, location: Location | None, *, name: str | None = None,
              written: str | None = None) -> ParsedText:
        """Read ``key``; an override for it (by ``key``, the URL as ``written`` in the
        document, or the source ``name``) is read instead."""
        overrides = self.policy.overrides
        override = overrides.get(key)
        if override is None and overrides and not _is_url(key):
            override = overrides.get(str(Path(key).resolve()))  # ``a/../b`` is ``b``
        if override is None and written is not None:
            override = overrides.get(written)
        if override is None and name is not None:
            override = overrides.get(name)
        if override is not None:
            return self._read_override(key, override, location)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if _is_url(key):
            self.policy.check_url(key, location)
            parsed = self._fetch_url(key, location)
        else:
            path = self.policy.check_path(Path(key), location)
            parsed = self._read_file(path, key, location, name=key)
        self.cache[key] = parsed
        return parsed

    def _read_override(self, key: str, override: str | Path, location: Location | None
                       ) -> ParsedText:
        cache_key = f"override:{key}"
        cached = self.cache.get(cache_key)
        if cached is not None:
            return cached
        if isinstance(override, Path) or ("\n" not in override and Path(override).exists()):
            path = Path(override).resolve()
            parsed = self._read_file(path, str(path), location,
                                     name=os.path.abspath(override))
        else:
            parsed = parse_text(override, key, max_bytes=self.policy.max_bytes,
                                max_nodes=self.policy.max_nodes)
        self.cache[cache_key] = parsed
        return parsed

    def _read_file(self, path: Path, display: str, location: Location | None, *,
                   name: str | None = None) -> ParsedText:
        """Read and parse ``path``; its stamp is recorded under ``name`` (the absolute name it
        was asked for, default ``path``), the stat taken before reading."""
        name = str(path) if name is None else name
        try:
            try:
                stat = path.stat()
            except FileNotFoundError:
                self.files[name] = None
                raise
            size = stat.st_size
            if size > self.policy.max_bytes:
                raise LoadError(
                    f"{display} is {size / 1048576:.1f} MiB, over the "
                    f"{self.policy.max_bytes / 1048576:.0f} MiB limit; pass a larger max_bytes "
                    "if it is genuine",
                    location=location or Location(display),
                )
            data = path.read_bytes()
            self.files[name] = FileStamp.of(stat, data)
        except FileNotFoundError:
            raise LoadError(f"file not found: {display}",
                            location=location or Location(display)) from None
        except IsADirectoryError:
            raise LoadError(f"{display} is a directory, not a document",
                            location=location or Location(display)) from None
        except OSError as exc:
            raise LoadError(f"cannot read {display}: {exc.strerror}",
                            location=location or Location(display)) from None
        return parse_text(data, display, max_bytes=self.policy.max_bytes,
                          max_nodes=self.policy.max_nodes)

    def _fetch_url(self, url: str, location: Location | None) -> ParsedText:
        import httpx  # local: most loads never touch the network

        self.remote = True
        try:
            with httpx.Client(timeout=self.policy.http_timeout, follow_redirects=False) as client, \
                    client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise LoadError(f"fetching {url} answered HTTP {response.status_code}",
                                    location=location or Location(url))
                chunks: list[bytes] = []
                total = 0
                for chunk in response.iter_bytes():
                    total += len(chunk)
                    if total > self.policy.max_bytes:
                        raise LoadError(f"{url} is larger than the "
                                        f"{self.policy.max_bytes // 1048576} MiB limit",
                                        location=location or Location(url))
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise LoadError(f"cannot fetch {url}: {exc}",
                            location=location or Location(url)) from None
        return parse_text(b"".join(chunks), url, max_bytes=self.policy.max_bytes,
                          max_nodes=self.policy.max_nodes)


# --------------------------------------------------------------------------------------------
# OpenAPI sources


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _walk_pointer(data: Any, pointer: str) -> Any:
    node = data
    if pointer in ("", "/") and pointer == "":
        return node
    for raw in pointer.lstrip("/").split("/") if pointer else []:
        token = _unescape(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


class OperationRef:
    """One operation of an OpenAPI source: where it is and what it says.

    The Operation and Path Item models are built (and their ``$ref``s resolved) on first use:
    a workflow touches a handful of the operations of a big API description.
    """

    __slots__ = ("_operation", "_path_item", "_source", "method", "operation_id", "path")

    def __init__(self, source: OpenAPISource, path: str, method: str,
                 operation_id: str | None) -> None:
        # The source indexes its operations: a strong reference back would make every loaded
        # description a reference cycle, freed only by the cyclic GC (tens of ms for a large
        # one) instead of when its Document is dropped.
        self._source = weakref.ref(source)
        self.path = path
        self.method = method
        self.operation_id = operation_id
        self._operation: Operation | None = None
        self._path_item: PathItem | None = None

    @property
    def source(self) -> OpenAPISource:
        """The OpenAPI description this operation belongs to (alive as long as its Document)."""
        source = self._source()
        if source is None:
            raise ReferenceError(f"operation {self.method.upper()} {self.path}: its OpenAPI "
                                 "description is no longer loaded (the Document was dropped)")
        return source

    @property
    def pointer(self) -> str:
        return f"/paths/{_escape(self.path)}/{self.method}"

    @property
    def location(self) -> Location:
        return self.source.source_map.locate(self.pointer)

    @property
    def operation(self) -> Operation:
        if self._operation is None:
            self._operation = self.source._build_operation(self.path, self.method)
        return self._operation

    @property
    def path_item(self) -> PathItem:
        if self._path_item is None:
            self._path_item = self.source._build_path_item(self.path)
        return self._path_item

    def servers(self) -> list[Server]:
        """Operation > path > root servers (OpenAPI), or ``/`` when none is declared."""
        for servers in (self.operation.servers, self.path_item.servers,
                        self.source.model.servers):
            if servers:
                return servers
        return [Server(url="/")]

    def parameters(self) -> list[OpenAPIParameter]:
        """Path-level parameters overridden by operation-level ones with the same (name, in)."""
        merged: dict[tuple[str, str], OpenAPIParameter] = {}
        for param in (self.path_item.parameters or []) + (self.operation.parameters or []):
            merged[(param.name, param.in_)] = param
        return list(merged.values())

    def __repr__(self) -> str:
        return f"<OperationRef {self.source.name}:{self.method.upper()} {self.path}>"


@dataclass(eq=False)
class OpenAPISource:
    """A loaded OpenAPI description named by a Source Description Object.

    ``model`` holds the root (servers, security, security schemes); operations are indexed at
    load time (``operations``, ``by_id``) and modelled on first use.
    """

    name: str
    url: str
    file: str
    raw: dict[str, Any]
    model: OpenAPIDocument
    source_map: SourceMap
    resolver: _RefResolver
    paths: dict[str, Any] = field(default_factory=dict)
    operations: list[OperationRef] = field(default_factory=list)
    by_id: dict[str, list[OperationRef]] = field(default_factory=dict)
    by_path: dict[tuple[str, str], OperationRef] = field(default_factory=dict)

    kind = "openapi"

    def operation_at(self, pointer: str) -> OperationRef | None:
        """The operation at a JSON pointer such as ``/paths/~1pets/get``."""
        tokens = [_unescape(t) for t in pointer.lstrip("/").split("/")]
        if len(tokens) != 3 or tokens[0] != "paths":
            return None
        return self.by_path.get((tokens[1], tokens[2].lower()))

    def _model_error(self, exc: ValidationError, base: str) -> LoadError:
        first = exc.errors(include_input=False)[0]
        pointer = base + "".join(f"/{_escape(str(p))}" for p in first["loc"])
        return LoadError(f"source {self.name!r} is not a usable OpenAPI description: "
                         f"{first['msg']} at {pointer}", location=self.source_map.locate(pointer))

    def _build_operation(self, path: str, method: str) -> Operation:
        pointer = f"/paths/{_escape(path)}/{method}"
        raw = self.resolver.resolve_operation(self.paths[path][method], pointer)
        try:
            return Operation.model_validate(raw)
        except ValidationError as exc:
            raise self._model_error(exc, pointer) from None

    def _build_path_item(self, path: str) -> PathItem:
        pointer = f"/paths/{_escape(path)}"
        item = {k: v for k, v in self.paths[path].items() if k not in HTTP_METHODS}
        if isinstance(item.get("parameters"), list):
            item["parameters"] = [
                self.resolver.deref(p, self.file, f"{pointer}/parameters/{i}")
                for i, p in enumerate(item["parameters"])]
        try:
            return PathItem.model_validate(item)
        except ValidationError as exc:
            raise self._model_error(exc, pointer) from None


@dataclass(eq=False)
class AsyncAPISource:
    """A loaded AsyncAPI 3.x description (``type: asyncapi``, Arazzo 1.1, V11-SRC-01).

    Read far enough to resolve and describe steps: ``channels`` and ``operations`` by key,
    each with its raw object (``$ref``s of an operation's ``channel`` and ``reply`` followed
    within the document). Messages are not sent or received yet (V11-ASY-01)."""

    name: str
    url: str
    file: str
    raw: dict[str, Any]
    source_map: SourceMap
    version: str
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)

    kind = "asyncapi"

    def channel_of(self, operation_id: str) -> str | None:
        """The key of the channel an operation uses (its ``channel`` ``$ref``)."""
        return _channel_key(self.operations.get(operation_id, {}).get("channel"))

    def reply_channel_of(self, operation_id: str) -> str | None:
        reply = self.operations.get(operation_id, {}).get("reply")
        return _channel_key(reply.get("channel")) if isinstance(reply, dict) else None

    def operations_on(self, channel: str) -> list[str]:
        """The operation ids whose channel is ``channel``."""
        return [k for k in self.operations if self.channel_of(k) == channel]


def _channel_key(ref: Any) -> str | None:
    if isinstance(ref, dict) and isinstance(ref.get("$ref"), str):
        target = ref["$ref"]
        if target.startswith("#/channels/") and target.count("/") == 2:
            return _unescape(target[len("#/channels/"):])
    return None


def _build_asyncapi(name: str, url: str, key: str, parsed: ParsedText,
                    location: Location) -> AsyncAPISource:
    raw = parsed.data
    version = str(raw.get("asyncapi", ""))
    if not version.startswith("3."):
        raise LoadError(f"source {name!r}: AsyncAPI {version or '(no version)'} is not "
                        "supported; this library reads AsyncAPI 3.x (V11-AMB-04)",
                        location=location)
    source = AsyncAPISource(name=name, url=url, file=key, raw=raw, source_map=parsed.source_map,
                            version=version)
    for section, target in (("channels", source.channels), ("operations", source.operations)):
        items = raw.get(section)
        for item_key, item in (items.items() if isinstance(items, dict) else ()):
            if isinstance(item, dict):
                target[str(item_key)] = item
    return source


@dataclass(eq=False)
class ArazzoSource:
    """A referenced Arazzo document (``type: arazzo``)."""

    name: str
    url: str
    document: Document

    kind = "arazzo"


@dataclass(eq=False)
class MissingSource:
    """A source description that could not be loaded; ``error`` says why."""

    name: str
    url: str
    error: ArazzoError

    kind = "missing"


Source = OpenAPISource | AsyncAPISource | ArazzoSource | MissingSource


class _RefResolver:
    """Inlines OpenAPI ``$ref``s of parameters, request bodies, responses and path items."""

    def __init__(self, retriever: _Retriever, file: str, raw: dict[str, Any]) -> None:
        self.retriever = retriever
        self.file = file
        self.raw = raw

    def deref(self, node: Any, file: str, pointer: str, seen: tuple[str, ...] = ()) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target_file, _, fragment = ref.partition("#")
            key = self.retriever.resolve(target_file, file) if target_file else file
            ident = f"{key}#{fragment}"
            location = Location(file, None, None, pointer)
            if ident in seen:
                chain = " -> ".join((*seen, ident))
                raise DocumentError(f"$ref cycle: {chain}", location=location)
            seen = (*seen, ident)
            doc = self.raw if key == self.file else self.retriever.fetch(key, location).data
            try:
                node = _walk_pointer(doc, unquote(fragment))
            except KeyError:
                raise DocumentError(f"$ref {ref!r} does not resolve", location=location) from None
            file = key
        return node

    def resolve_operation(self, op: dict[str, Any], pointer: str) -> dict[str, Any]:
        op = dict(op)
        if isinstance(op.get("parameters"), list):
            op["parameters"] = [self.deref(p, self.file, f"{pointer}/parameters/{i}")
                                for i, p in enumerate(op["parameters"])]
        if "requestBody" in op:
            op["requestBody"] = self.deref(op["requestBody"], self.file, f"{pointer}/requestBody")
        if isinstance(op.get("responses"), dict):
            op["responses"] = {
                str(code): self.deref(r, self.file, f"{pointer}/responses/{_escape(str(code))}")
                for code, r in op["responses"].items()
            }
        return op


def _build_openapi(name: str, url: str, key: str, parsed: ParsedText,
                   retriever: _Retriever, location: Location) -> OpenAPISource:
    raw = parsed.data
    version = str(raw.get("openapi", ""))
    if not version.startswith("3."):
        raise LoadError(f"source {name!r}: OpenAPI {version or '(no version)'} is not supported; "
                        "this library reads OpenAPI 3.0.x and 3.1.x", location=location)
    resolver = _RefResolver(retriever, key, raw)
    root = {k: v for k, v in raw.items() if k not in ("paths", "components", "webhooks")}
    components = raw.get("components")
    if isinstance(components, dict) and isinstance(components.get("securitySchemes"), dict):
        root["components"] = {"securitySchemes": {
            k: resolver.deref(v, key, f"/components/securitySchemes/{_escape(k)}")
            for k, v in components["securitySchemes"].items()}}
    try:
        model = OpenAPIDocument.model_validate(root)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        pointer = "".join(f"/{_escape(str(p))}" for p in first["loc"])
        raise LoadError(f"source {name!r} is not a usable OpenAPI description: "
                        f"{first['msg']} at {pointer}",
                        location=parsed.source_map.locate(pointer)) from None
    source = OpenAPISource(name=name, url=url, file=key, raw=raw, model=model,
                           source_map=parsed.source_map, resolver=resolver)
    paths = raw.get("paths")
    for path, raw_item in (paths.items() if isinstance(paths, dict) else ()):
        item = resolver.deref(raw_item, key, f"/paths/{_escape(str(path))}")
        if not isinstance(item, dict):
            continue
        source.paths[path] = item
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_id = op.get("operationId")
            ref = OperationRef(source, path, method, op_id if isinstance(op_id, str) else None)
            source.operations.append(ref)
            source.by_path[(path, method)] = ref
            if ref.operation_id is not None:
                source.by_id.setdefault(ref.operation_id, []).append(ref)
    return source


# --------------------------------------------------------------------------------------------
# the Document


#: entries of one name a :meth:`Document.bounded_memo` keeps
MEMO_BOUND = 8
_ABSENT: Any = object()


class Document:
    """An Arazzo description with every source description it names, loaded.

    ``diagnostics`` holds what was found while loading (schema errors, sources that could not be
    read). :func:`arazzo.validate` adds the semantic checks.
    """

    def __init__(self, *, spec: ArazzoSpecification, raw: dict[str, Any], file: str | None,
                 source_map: SourceMap, sources: dict[str, Source],
                 diagnostics: list[Diagnostic], policy: AccessPolicy) -> None:
        self.spec = spec
        self.raw = raw
        self.file = file
        self.source_map = source_map
        self.sources = sources
        self.diagnostics = diagnostics
        self.policy = policy
        self._memo: dict[Hashable, Any] = {}

    @property
    def workflows(self) -> list[Any]:
        return list(self.spec.workflows)

    def workflow(self, workflow_id: str) -> Any:
        return self.spec.workflow(workflow_id)

    @property
    def openapi_sources(self) -> list[OpenAPISource]:
        return [s for s in self.sources.values() if isinstance(s, OpenAPISource)]

    def reachable_openapi_sources(self) -> dict[str, OpenAPISource]:
        """The OpenAPI sources of this document and of every Arazzo document reachable
        through its sources, by name (the first of each name, in :meth:`iter_documents`
        order): the sources a run of this document may send to. Walked once (memo); each
        call returns its own dict."""
        def walk() -> dict[str, OpenAPISource]:
            out: dict[str, OpenAPISource] = {}
            for document in self.iter_documents():
                for source in document.openapi_sources:
                    out.setdefault(source.name, source)
            return out

        return dict(self.memo("reachable_openapi_sources", walk))

    @property
    def arazzo_sources(self) -> list[ArazzoSource]:
        return [s for s in self.sources.values() if isinstance(s, ArazzoSource)]

    def memo(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """What the library derives from this document once (validation findings, compiled
        plans), kept under ``key``: ``build()`` runs the first time only. The one cache a
        ``Document`` holds; a document is not changed after loading, so it never goes stale.
        """
        try:
            value: _T = self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
        return value

    def bounded_memo(self, name: str, key: Hashable, build: Callable[[], _T],
                     current: Callable[[_T], bool] | None = None) -> _T:
        """:meth:`memo` for derived values that depend on arguments beyond the document
        (criterion types, providers): ``build()`` kept under ``key`` among at most
        :data:`MEMO_BOUND` entries of ``name``, the least recently used going first.
        ``current(value)``: whether a kept value still answers for ``key`` (a key made of
        identities can come back once the objects it named are gone)."""
        entries: dict[Hashable, _T] = self.memo(name, dict)
        found = entries.pop(key, _ABSENT)
        if found is _ABSENT or (current is not None and not current(found)):
            found = build()
        entries[key] = found
        while len(entries) > MEMO_BOUND:
            del entries[next(iter(entries))]
        value: _T = found
        return value

    def locate(self, pointer: str, *, key: bool = False) -> Location:
        return self.source_map.locate(pointer, key=key)

    @property
    def identity(self) -> str | None:
        """The document's URI (V11-VER-04..06): its ``$self`` resolved against where it was
        read from, else where it was read from (a file as a ``file:`` URI); None for text
        without ``$self``. ``$self`` evaluates to it (V11-RTE-10, V11-AMB-02)."""
        base = self.file
        if base is not None and not _is_url(base):
            base = Path(base).resolve().as_uri()
        declared = self.spec.self_uri
        if declared is None:
            return base
        return urljoin(base, declared) if base is not None else declared

    def deref(self, value: Any) -> Any:
        """``value`` with its ``$ref`` followed while it is a local one (``#/components/...``)
        in this document, as the engine reads a workflow's inputs schema; a reference that
        does not resolve gives ``{}``, a non-local one is left as it is."""
        return deref_local(value, self.raw)

    def iter_documents(self) -> Iterator[Document]:
        """This document and every Arazzo document reachable through its sources, once each."""
        seen: set[int] = set()
        stack = [self]
        while stack:
            doc = stack.pop()
            if id(doc) in seen:
                continue
            seen.add(id(doc))
            yield doc
            stack.extend(s.document for s in doc.arazzo_sources)

    def __repr__(self) -> str:
        ids = ", ".join(w.workflow_id for w in self.spec.workflows)
        return f"<Document {self.file or '<string>'} workflows=[{ids}]>"


@functools.cache
def _schema_validator(version: str = "1.0") -> jsonschema.Draft202012Validator:
    import jsonschema  # local: a valid document never needs it (see schema_diagnostics)

    from arazzo.documents._schemacheck import arazzo_schema_text

    return jsonschema.Draft202012Validator(json.loads(arazzo_schema_text(version)))


STEP_TARGETS = ("operationId", "operationPath", "workflowId")
STEP_TARGETS_1_1 = ("operationId", "operationPath", "channelPath", "workflowId")


def step_target_message(named: Iterable[str], *, v11: bool = False) -> str:
    """STP-02 (V11-STP-03 in 1.1): what is wrong with a step naming ``named`` of its
    possible targets."""
    shown = [repr(n) for n in named]
    what = ("names none of them - add the one it calls" if not shown else
            f"names {', '.join(shown[:-1])} and {shown[-1]} - keep only one")
    if v11:
        return ("a step MUST name exactly one of 'operationId', 'operationPath', "
                f"'channelPath' or 'workflowId'; it {what} (STP-02, V11-STP-03)")
    return ("a step MUST name exactly one of 'operationId', 'operationPath' or 'workflowId'; "
            f"it {what} (STP-02)")


def _v11_step_message(instance: dict[str, Any]) -> str | None:
    """For a 1.1 step the schema's three branches (OpenAPI, AsyncAPI, workflow) refused: the
    one thing to fix, as the step's fields show it."""
    named = [n for n in STEP_TARGETS_1_1 if n in instance]
    if len(named) != 1:
        return step_target_message(named, v11=True)
    target = named[0]
    if target in ("workflowId", "operationPath"):
        extra = [n for n in ("action", "correlationId") if n in instance]
        if extra:
            what = "a workflow step" if target == "workflowId" else "an OpenAPI step"
            return (f"{extra[0]!r} applies to AsyncAPI steps only (an operationId or "
                    f"channelPath into an 'asyncapi' source); this is {what}: remove it "
                    "(V11-STP-05, V11-STP-06)")
    if target == "channelPath" and "action" not in instance:
        return ("an AsyncAPI step (channelPath) needs 'action: send' or 'action: receive' "
                "(V11-STP-05, V11-AMB-06)")
    if "correlationId" in instance and instance.get("action") != "receive":
        return "'correlationId' applies to receive steps only ('action: receive', V11-STP-06)"
    return None


def _is_step_target_choice(error: jsonschema.ValidationError) -> bool:
    """The step object's ``oneOf`` of the three ``required`` targets."""
    branches = error.schema.get("oneOf") if isinstance(error.schema, dict) else None
    return (error.validator == "oneOf" and isinstance(branches, list)
            and sorted(str(b.get("required")) for b in branches if isinstance(b, dict))
            == sorted(str([n]) for n in STEP_TARGETS))


def _is_v11_step_choice(error: jsonschema.ValidationError) -> bool:
    """The 1.1 step object's ``oneOf`` of the OpenAPI, AsyncAPI and workflow step branches."""
    branches = error.schema.get("oneOf") if isinstance(error.schema, dict) else None
    return (error.validator == "oneOf" and isinstance(branches, list)
            and [b.get("$ref") for b in branches if isinstance(b, dict)] == [
                "#/$defs/openapi-step-object", "#/$defs/asyncapi-step-object",
                "#/$defs/workflow-step-object"])


def _expression_type_message(instance: Any) -> str | None:
    """An Expression Type Object (criterion ``type``, selector ``type``) the schema refused:
    what is wrong with it, in words (V11-SEL-07, V11-SEL-08, V11-AMB-26)."""
    if not isinstance(instance, dict) or not isinstance(instance.get("type"), str):
        return None
    name = instance["type"]
    versions = {"jsonpath": "'rfc9535' or 'draft-goessner-dispatch-jsonpath-00'",
                "xpath": "'xpath-31', 'xpath-30', 'xpath-20' or 'xpath-10'",
                "jsonpointer": "'rfc6901'"}
    if name in versions and "version" not in instance:
        return (f"an Expression Type Object needs a 'version' ({versions[name]}); for the "
                f"default version write the type alone, 'type: {name}' (V11-SEL-08, "
                "V11-AMB-26)")
    if name in versions and isinstance(instance.get("version"), str):
        return (f"{instance['version']!r} is not a version of {name}: use {versions[name]} "
                "(V11-SEL-08)")
    return None


def _is_expression_type_choice(error: jsonschema.ValidationError) -> bool:
    return (error.validator in ("anyOf", "oneOf")
            and list(error.absolute_path)[-1:] in (["type"], ["targetSelectorType"])
            and _expression_type_message(error.instance) is not None)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if _is_expression_type_choice(error):
        return _expression_type_message(error.instance) or error.message
    if error.validator == "unevaluatedProperties":
        return (f"{error.message}: only the fields of the specification and 'x-' extensions "
                "are allowed (EXT-02)")
    instance = error.instance
    if isinstance(instance, dict) and instance.get("type") == "goto" and (
            error.validator in ("oneOf", "required")):
        has = [k for k in ("stepId", "workflowId") if k in instance]
        if len(has) != 1:
            problem = "names both" if has else "has no target"
            return (f"a goto action {problem}: give exactly one of 'stepId' (a step of this "
                    "workflow) or 'workflowId' (ACT-01, ACT-04)")
    if isinstance(instance, dict) and _is_step_target_choice(error):
        return step_target_message(n for n in STEP_TARGETS if n in instance)
    if isinstance(instance, dict) and _is_v11_step_choice(error):
        message = _v11_step_message(instance)
        if message is not None:
            return message
    if error.validator in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        best = best_match(error.context)
        return str(best.message)
    return str(error.message)


def _specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For a failed oneOf/anyOf, the error of the branch that got furthest into the instance
    (e.g. a bad criterion inside an action, rather than "'reference' is a required property"
    from the Reusable Object branch)."""
    from jsonschema.exceptions import best_match

    while error.validator in ("anyOf", "oneOf") and error.context:
        if _is_expression_type_choice(error):
            break  # said in words by _schema_message
        depth = len(error.absolute_path)
        context = list(error.context)
        instance = error.instance
        if isinstance(instance, dict) and "reference" not in instance:
            # 'reference' tells a Reusable Object from an inline parameter or action: without
            # it, the Reusable Object branch's complaints are beside the point.
            inline = [e for e in context
                      if not isinstance(e.schema, dict)
                      or "reference" not in (e.schema.get("required") or [])]
            context = inline or context
        deeper = [e for e in context if len(e.absolute_path) > depth]
        typed = [e for e in deeper if _is_expression_type_choice(e)]
        if typed:
            return typed[0]
        if deeper:
            error = best_match(deeper)
        elif len(context) < len(error.context):
            best: jsonschema.ValidationError = best_match(context)
            return best
        else:
            break
    return error


def schema_diagnostics(raw: Any, source_map: SourceMap, version: str = "1.0"
                       ) -> list[Diagnostic]:
    """JSON Schema findings against the corrected Arazzo schema of ``version``, with positions.

    A document that the fast check (:mod:`arazzo.documents._schemacheck`) finds certainly valid has
    none; any other is checked by jsonschema, which gives the findings."""
    from arazzo.documents._schemacheck import document_is_valid

    if document_is_valid(raw, version):
        return []
    out: list[Diagnostic] = []
    errors = sorted(_schema_validator(version).iter_errors(raw),
                    key=lambda e: [str(p) for p in e.path])
    for raw_error in errors:
        error = _specific(raw_error)
        pointer = "".join(f"/{_escape(str(p))}" for p in error.absolute_path)
        loc = source_map.locate(pointer)
        if error.validator == "unevaluatedProperties":
            listed = re.search(r"\(([^()]*) (?:was|were) unexpected\)", error.message)
            names = re.findall(r"'([^']+)'", listed.group(1) if listed else
                               error.message.split("(")[-1])
            for name in names or [""]:
                sub = f"{pointer}/{_escape(name)}" if name else pointer
                key_loc = source_map.locate(sub, key=True)
                message = (f"unknown field {name!r}: only the fields of the specification and "
                           "'x-' extensions are allowed (EXT-02)")
                if version == "1.0" and _V11_FIELDS.match(sub):
                    message = v11_only(f"the field {name!r}")
                out.append(Diagnostic(Severity.ERROR, message, key_loc.file, key_loc.line,
                                      key_loc.column, sub, "schema"))
            continue
        message = _schema_message(error)
        if version == "1.0":
            message = _v11_value(pointer, error.instance) or message
        out.append(Diagnostic(Severity.ERROR, message, loc.file, loc.line, loc.column, pointer,
                              "schema"))
    return out


_STEP = r"/workflows/\d+/steps/\d+"
_ACTION = (r"(?:/workflows/\d+(?:/steps/\d+/(?:onSuccess|onFailure)|/(?:successActions|"
           r"failureActions))/\d+|/components/(?:successActions|failureActions)/[^/]+)")
#: where a field is one Arazzo 1.1 added (docs/spec-1.1.md), for a 1.0 document's message
_V11_FIELDS = re.compile(
    rf"^(?:/\$self|{_STEP}/(?:channelPath|action|correlationId|timeout|dependsOn)"
    rf"|{_ACTION}/parameters|(?:{_STEP}|/components/[^/]+/[^/]+)?.*/replacements/\d+"
    r"/targetSelectorType)$")
_V11_OUTPUT = re.compile(rf"^(?:{_STEP}|/workflows/\d+)/outputs/[^/]+$")


def _v11_value(pointer: str, instance: Any) -> str | None:
    """For a 1.0 document, the message for a value only Arazzo 1.1 allows (V11-VER-01)."""
    if pointer.endswith("/type") and pointer.startswith("/sourceDescriptions/") \
            and instance == "asyncapi":
        return v11_only("an 'asyncapi' source description (V11-SRC-01)")
    if pointer.endswith("/in") and instance == "querystring":
        return v11_only("'in: querystring' (V11-PAR-01)")
    if isinstance(instance, dict) and _V11_OUTPUT.match(pointer):
        return v11_only("a Selector Object output (V11-SEL-05)")
    return None


def _check_version(raw: dict[str, Any], source_map: SourceMap) -> str | None:
    version = raw.get("arazzo")
    if not isinstance(version, str):
        return None  # the schema reports it (e.g. YAML `arazzo: 1.0` is a number)
    match = _VERSION_RE.match(version)
    if match is None:
        return None
    minor = f"{match.group(1)}.{match.group(2)}"
    if minor not in SPEC_VERSIONS:
        supported = ", ".join(f"{v}.x" for v in SPEC_VERSIONS)
        raise UnsupportedVersion(
            f"Arazzo {version} is not supported: this library runs Arazzo {supported}",
            location=source_map.locate("/arazzo"),
        )
    return minor


def _pydantic_diagnostics(exc: ValidationError, source_map: SourceMap) -> list[Diagnostic]:
    out = []
    for err in exc.errors(include_input=False, include_url=False):
        parts = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "tagged-"))]
        parts = [p for p in parts if p not in ("parameter", "reusable", "action")]
        pointer = "".join(f"/{_escape(p)}" for p in parts)
        loc = source_map.locate(pointer)
        message = str(err["msg"]).removeprefix("Value error, ")
        out.append(Diagnostic(Severity.ERROR, message, loc.file, loc.line, loc.column, pointer,
                              "model"))
    return out


def _sniff(data: Any) -> str | None:
    if isinstance(data, dict):
        if "openapi" in data:
            return "openapi"
        if "asyncapi" in data:
            return "asyncapi"
        if "arazzo" in data:
            return "arazzo"
        if "swagger" in data:
            return "swagger"
    return None


class _Loader:
    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy
        self.retriever = _Retriever(policy)
        self.documents: dict[str, Document] = {}
        self.in_progress: set[str] = set()
        #: Arazzo 1.1 documents by their ``$self`` (identity-based referencing, V11-VER-16)
        self.by_identity: dict[str, Document] = {}

    def build(self, parsed: ParsedText, key: str | None) -> Document:
        raw = parsed.data
        smap = parsed.source_map
        if not isinstance(raw, dict):
            kind = type(raw).__name__ if raw is not None else "empty"
            raise DocumentError(f"the document root must be a mapping (an Arazzo object), "
                                f"not {kind}", location=smap.locate(""))
        minor = _check_version(raw, smap) or "1.0"
        diagnostics = schema_diagnostics(raw, smap, minor)
        try:
            spec = ArazzoSpecification.model_validate(raw, context={"arazzo": minor})
        except ValidationError as exc:
            errors = [d for d in diagnostics if d.is_error] or _pydantic_diagnostics(exc, smap)
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ValidationFailed(
                f"{first.message}{more}", errors,
                location=Location(first.file, first.line, first.column, first.pointer),
            ) from None
        assign_locations(spec, smap)
        doc = Document(spec=spec, raw=raw, file=key, source_map=smap, sources={},
                       diagnostics=diagnostics, policy=self.policy)
        if key is not None:
            self.documents[key] = doc
            self.in_progress.add(key)
        if spec.self_uri is not None and doc.identity is not None:
            known = self.by_identity.setdefault(doc.identity, doc)
            if known is not doc:
                loc = doc.locate("/$self")
                doc.diagnostics.append(Diagnostic(
                    Severity.ERROR, f"$self {spec.self_uri!r} is also the $self of "
                    f"{known.file or 'another document'}: two documents cannot have one "
                    "identity (V11-VER-16, V11-AMB-01)", loc.file, loc.line, loc.column,
                    "/$self", "self-identity"))
        try:
            for index, source in enumerate(spec.source_descriptions):
                doc.sources[source.name] = self._load_source(doc, index, source.name,
                                                             source.url, source.type)
        finally:
            if key is not None:
                self.in_progress.discard(key)
        for index, source in enumerate(spec.source_descriptions):
            loaded = doc.sources.get(source.name)
            if isinstance(loaded, MissingSource):
                loc = doc.locate(f"/sourceDescriptions/{index}/url")
                # A remote source we were not allowed to fetch is a limit of this run, not a
                # mistake in the document: warn, and say what goes unchecked.
                remote_denied = isinstance(loaded.error, AccessDenied) and _is_url(
                    self.retriever.resolve(source.url, doc.file))
                severity = Severity.WARNING if remote_denied else Severity.ERROR
                suffix = ("; references into it are not checked and its steps cannot run"
                          if remote_denied else "")
                doc.diagnostics.append(Diagnostic(
                    severity, f"source description {source.name!r}: {loaded.error.message}"
                    f"{suffix}", loc.file, loc.line, loc.column, loc.pointer or "",
                    "source-load"))
        return doc

    def finish(self, entry: Document) -> Document:
        """After every document was read: an Arazzo source that could not be read by
        location but names, by identity, a document read later (its ``$self``) is that
        document (V11-VER-13, V11-VER-14: no reference is unresolvable before every document
        was parsed)."""
        if not self.by_identity:
            return entry
        for doc in list(entry.iter_documents()):
            if doc.spec.spec_minor == "1.0":
                continue
            for index, declared in enumerate(doc.spec.source_descriptions):
                loaded = doc.sources.get(declared.name)
                if not isinstance(loaded, MissingSource) or declared.type not in (None,
                                                                                  "arazzo"):
                    continue
                base = doc.identity
                wanted = urljoin(base, declared.url.split("#", 1)[0]) if base else declared.url
                known = self.by_identity.get(wanted)
                if known is None:
                    continue
                doc.sources[declared.name] = ArazzoSource(declared.name, declared.url, known)
                pointer = f"/sourceDescriptions/{index}/url"
                doc.diagnostics[:] = [d for d in doc.diagnostics
                                      if not (d.rule == "source-load" and d.pointer == pointer)]
        return entry

    def _load_source(self, doc: Document, index: int, name: str, url: str,
                     declared: str | None) -> Source:
        location = doc.locate(f"/sourceDescriptions/{index}/url")
        if doc.spec.spec_minor != "1.0" and declared in (None, "arazzo"):
            # identity first: a document already read whose $self is the URL, resolved
            # against this document's base URI (V11-VER-04, V11-VER-17)
            base = doc.identity
            wanted = urljoin(base, url.split("#", 1)[0]) if base is not None else url
            known = self.by_identity.get(wanted)
            if known is not None:
                return ArazzoSource(name, url, known)
        try:
            key = self.retriever.resolve(url, doc.file)
            parsed = self.retriever.fetch(key, location, name=name, written=url)
            kind = _sniff(parsed.data)
            if kind == "swagger":
                raise LoadError("Swagger 2.0 descriptions are not supported; convert it to "
                                "OpenAPI 3", location=location)
            if kind is None:
                raise LoadError("not an OpenAPI, AsyncAPI or Arazzo document (no 'openapi', "
                                "'asyncapi' or 'arazzo' field at its root)", location=location)
            if declared is not None and declared != kind:
                raise LoadError(f"declared type {declared!r} but the document is {kind}",
                                location=location)
            if kind == "openapi":
                return _build_openapi(name, url, key, parsed, self.retriever, location)
            if kind == "asyncapi":
                if doc.spec.spec_minor == "1.0":
                    raise LoadError(v11_only("an AsyncAPI source description (V11-SRC-01)"),
                                    location=location)
                return _build_asyncapi(name, url, key, parsed, location)
            if key in self.documents:  # already loaded (or a cycle of Arazzo documents)
                return ArazzoSource(name, url, self.documents[key])
            return ArazzoSource(name, url, self.build(parsed, key))
        except ArazzoError as exc:
            return MissingSource(name, url, exc)


_VCS_MARKERS = (".git", ".hg", ".svn")


def _vcs_root(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` holding a version-control marker."""
    current = str(directory)  # os.path, not pathlib: run(path) asks on every call
    while True:
        for marker in _VCS_MARKERS:
            if os.path.exists(os.path.join(current, marker)):
                return Path(current)
        up = os.path.dirname(current)
        if up == current:
            return None
        current = up


def _default_dirs(entry: Path | None, *, sandbox: bool = False) -> tuple[Path, ...]:
    """Where a document may make us read files when the caller did not say (module doc)."""
    cwd = os.path.realpath(os.getcwd())
    if entry is None:
        return (Path(cwd),)
    parent = os.path.dirname(os.path.realpath(entry))
    if not sandbox:
        root = _vcs_root(Path(parent))
        if root is not None:
            return (root,)
    if parent == cwd or parent.startswith(cwd.rstrip(os.sep) + os.sep):
        return (Path(cwd),)
    return (Path(parent),)


def _looks_like_text(value: str) -> bool:
    return "\n" in value or value.lstrip().startswith(("{", "arazzo:", "[")) or (
        ":" in value and not Path(value).suffix and not _is_url(value) and len(value) > 200)


def load(source: str | os.PathLike[str] | bytes, *,
         allow_dirs: Iterable[str | os.PathLike[str]] | None = None,
         allow_hosts: Iterable[str] = (),
         overrides: Mapping[str, str | os.PathLike[str]] | None = None,
         max_bytes: int = DEFAULT_MAX_BYTES,
         max_nodes: int = DEFAULT_MAX_NODES,
         sandbox: bool = False) -> Document:
    """Load an Arazzo description from a path, an ``http(s)`` URL or YAML/JSON text.

    Every source description is loaded too, relative to the document that names it, with its
    type sniffed when omitted. Raises :class:`DocumentError` (a subclass of
    :class:`ArazzoError`) when no model can be built; softer problems end up in
    ``Document.diagnostics``.

    Local files a path document may read: those under its project (the nearest enclosing
    ``.git``/``.hg``/``.svn`` root, else the current directory when the document lies under
    it, else the document's directory); ``sandbox=True`` drops the project root (for
    documents you did not write); ``allow_dirs`` replaces the default. A document loaded from
    a URL reads no local file unless ``allow_dirs`` names one. ``overrides`` keys: a source's
    name, its URL as written, or the path or URL it resolves to.
    """
    request = _request(source, allow_dirs=allow_dirs, allow_hosts=allow_hosts,
                       overrides=overrides, max_bytes=max_bytes, max_nodes=max_nodes,
                       sandbox=sandbox)
    return _load_request(request, _Loader(request.policy))


@dataclass(frozen=True)
class _LoadRequest:
    """What one :func:`load` call reads: exactly one of ``entry`` / ``url`` / ``text``, and the
    access policy its arguments (and the current directory) give."""

    entry: Path | None
    url: str | None
    text: str | bytes | None
    policy: AccessPolicy


def _request(source: str | os.PathLike[str] | bytes, *,
             allow_dirs: Iterable[str | os.PathLike[str]] | None = None,
             allow_hosts: Iterable[str] = (),
             overrides: Mapping[str, str | os.PathLike[str]] | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES,
             max_nodes: int = DEFAULT_MAX_NODES,
             sandbox: bool = False) -> _LoadRequest:
    entry: Path | None = None
    text: str | bytes | None = None
    url: str | None = None
    if isinstance(source, bytes):
        text = source
    elif isinstance(source, os.PathLike):
        entry = Path(source)
    elif _is_url(source):
        url = source
    elif _looks_like_text(source):
        text = source
    else:
        entry = Path(source)
    if allow_dirs is not None:
        dirs = tuple(Path(d).resolve() for d in allow_dirs)
    elif url is not None:
        dirs = ()  # a document from elsewhere never reads this machine's files by default
    else:
        dirs = _default_dirs(entry, sandbox=sandbox)
    hosts = frozenset(h.lower() for h in allow_hosts)
    if url is not None:
        hosts = hosts | {(urlsplit(url).hostname or "").lower()}
    mapped: dict[str, str | Path] = {}
    for k, v in (overrides or {}).items():
        value = Path(v) if isinstance(v, os.PathLike) else v
        mapped[str(k)] = value
        if not _is_url(str(k)) and ("/" in str(k) or os.sep in str(k)):
            # a path key also matches the file it names (relative to the current directory)
            mapped.setdefault(str(Path(k).resolve()), value)
    policy = AccessPolicy(allow_dirs=dirs, allow_hosts=hosts, overrides=mapped,
                          max_bytes=max_bytes, max_nodes=max_nodes)
    return _LoadRequest(entry, url, text, policy)


def _load_request(request: _LoadRequest, loader: _Loader) -> Document:
    entry, url, policy = request.entry, request.url, request.policy
    if entry is not None:
        key = str(entry.resolve())
        if not entry.exists():
            loader.retriever.files[os.path.abspath(entry)] = None
            raise LoadError(f"file not found: {entry}", location=Location(str(entry)))
        parsed = loader.retriever._read_file(entry.resolve(), str(entry), None,
                                             name=os.path.abspath(entry))
        return loader.finish(loader.build(parsed, key))
    if url is not None:
        return loader.finish(loader.build(loader.retriever.fetch(url, None), url))
    assert request.text is not None
    parsed = parse_text(request.text, None, max_bytes=policy.max_bytes,
                        max_nodes=policy.max_nodes)
    return loader.finish(loader.build(parsed, None))


def _anchors(node: Any, pointer: str, found: dict[str, str], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(node, dict):
        anchor = node.get("$anchor")
        if isinstance(anchor, str):
            found.setdefault(anchor, pointer)
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                _anchors(value, f"{pointer}/{_escape(str(key))}", found, depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):
                _anchors(value, f"{pointer}/{index}", found, depth + 1)


def _rewrite_anchors(node: Any, found: dict[str, str], depth: int = 0) -> Any:
    if depth > 64:
        return node
    if isinstance(node, dict):
        out = {k: _rewrite_anchors(v, found, depth + 1) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#") and not ref.startswith("#/") \
                and ref[1:] in found:
            out["$ref"] = "#" + found[ref[1:]]
        return out
    if isinstance(node, list):
        return [_rewrite_anchors(v, found, depth + 1) for v in node]
    return node


def with_pointer_refs(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """``raw`` with every plain-name ``$ref`` (``#name``, to a ``$anchor`` anywhere in the
    document) written as the JSON Pointer of its target, so workflow inputs can use both
    forms (V11-VER-09) whatever part of the document holds the anchor; ``raw`` itself when it
    has no ``$anchor`` (the common case: no copy)."""
    found: dict[str, str] = {}
    _anchors(raw, "", found)
    if not found:
        return raw
    rewritten: Mapping[str, Any] = _rewrite_anchors(raw, found)
    return rewritten


def unresolved_refs(schema: Any, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ``$ref``s in ``schema`` that do not resolve within ``raw`` (after
    :func:`with_pointer_refs`): (pointer inside ``schema``, the reference). References to
    other documents are listed too: inputs schemas are read within their document."""
    from arazzo.expressions import MISSING, JsonPointer

    out: list[tuple[str, str]] = []

    def walk(node: Any, pointer: str, depth: int) -> None:
        if depth > 64:
            return
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref != "https://json-schema.org/draft/2020-12/schema":
                target: Any = MISSING
                if ref.startswith("#"):
                    try:
                        target = JsonPointer.from_fragment(ref[1:]).resolve(raw)
                    except Exception:
                        target = MISSING
                if target is MISSING:
                    out.append((f"{pointer}/$ref", ref))
            for key, value in node.items():
                if key != "$ref":
                    walk(value, f"{pointer}/{_escape(str(key))}", depth + 1)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}", depth + 1)

    walk(schema, "", 0)
    return out


#: the keywords whose schemas apply to the same instance as the schema holding them
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")


def ref_loops(schema: Any, raw: Mapping[str, Any], pointer: str) -> list[tuple[str, str]]:
    """The ``$ref``s through which ``schema`` (at ``pointer`` in ``raw``, after
    :func:`with_pointer_refs`) comes back to itself for the same instance: through ``$ref``,
    ``allOf``/``anyOf``/``oneOf``, ``not``, ``if``/``then``/``else`` or ``dependentSchemas``
    only, never into a property or an item. Checking any value against such a schema never
    ends. Each (document pointer of the ``$ref`` that closes a loop, the reference)."""
    from arazzo.expressions import MISSING, JsonPointer

    out: list[tuple[str, str]] = []
    on_path: set[int] = set()
    done: set[int] = set()
    keep: list[Any] = []  # the nodes the id sets hold

    def walk(node: Any, where: str, depth: int) -> None:
        if not isinstance(node, dict) or id(node) in done or depth > 200:
            return
        on_path.add(id(node))
        keep.append(node)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            try:
                target = JsonPointer.from_fragment(ref[1:]).resolve(raw)
            except Exception:
                target = MISSING
            if isinstance(target, dict):
                if id(target) in on_path:
                    out.append((f"{where}/$ref", ref))
                else:
                    walk(target, ref[1:], depth + 1)
        for key in _IN_PLACE_LISTS:
            members = node.get(key)
            if isinstance(members, list):
                for index, member in enumerate(members):
                    walk(member, f"{where}/{key}/{index}", depth + 1)
        for key in _IN_PLACE_ONE:
            walk(node.get(key), f"{where}/{key}", depth + 1)
        dependent = node.get("dependentSchemas")
        if isinstance(dependent, dict):
            for name, member in dependent.items():
                walk(member, f"{where}/dependentSchemas/{_escape(str(name))}", depth + 1)
        on_path.discard(id(node))
        done.add(id(node))

    walk(schema, pointer, 0)
    return out


def deref_local(schema: Any, raw: Mapping[str, Any]) -> Any:
    """``schema`` with its local ``$ref`` (``#/...`` into ``raw``) followed, at most 32 deep;
    ``{}`` for one that does not resolve, a non-local one left as it is."""
    if not isinstance(schema, dict) or "$ref" not in schema:
        return schema  # the common case, before the import below
    from arazzo.expressions import MISSING, JsonPointer

    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
        ref = schema["$ref"]
        if not ref.startswith("#"):
            return schema
        try:
            schema = JsonPointer.from_fragment(ref[1:]).resolve(raw)
        except Exception:
            return {}
        if schema is MISSING:
            return {}
        seen += 1
    return schema
