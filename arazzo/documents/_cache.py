"""The process-wide cache of documents loaded from a path, for :func:`arazzo.run` and the
other calls that take a path (``prepare``, ``plan``, ``dry_run``, ``check_run``, ``sources``).

An entry is keyed on what changes what is loaded: the current directory, the path made
absolute and the access policy the call's arguments give (allowed directories, hosts,
overrides, limits). It holds the identity of every local file the load read or looked for
(path as asked for, ``st_mtime_ns``, ``st_size``, ``st_ino``, ``st_dev``; or "absent"), and each
hit stats them all again: a file changed, replaced, deleted or newly present makes the call
load the document again (so a deleted source fails as it would have without the cache).

A file whose mtime was less than :data:`RACY_NS` before it was read could change again
within the file system's timestamp granularity with the same size and mtime: on a hit such a
file is read again and its digest compared (no parsing), until it is old enough. Documents
that fetched anything over HTTP, and document text, are not cached. ``ARAZZO_NO_CACHE=1``
turns the cache off; :func:`clear_cache` empties it. At most :data:`MAX_ENTRIES` documents are
kept (least recently used dropped). A cached :class:`Document` is shared between runs and
threads: nothing in a run changes it (per-run state lives on the engine).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arazzo.documents._loading import (
    Document,
    FileStamp,
    _load_request,
    _Loader,
    _request,
    file_digest,
)

__all__ = ["MAX_ENTRIES", "RACY_NS", "cache_info", "clear_cache", "load_cached"]

#: documents kept at most (least recently used dropped first)
MAX_ENTRIES = 32
#: a file modified less than this before it was read is checked by content on a hit
RACY_NS = 2_000_000_000
#: set to a non-empty value other than ``0`` to turn the cache off
ENV_OFF = "ARAZZO_NO_CACHE"


@dataclass
class _Entry:
    document: Document
    files: dict[str, FileStamp | None]


_lock = threading.Lock()
_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_stats = {"hits": 0, "misses": 0}


def clear_cache() -> None:
    """Forget every cached document: the next run by path reads its files again."""
    with _lock:
        _entries.clear()


def cache_info() -> dict[str, int]:
    """``{"hits", "misses", "size"}`` since the process started (tests, diagnostics)."""
    with _lock:
        return {**_stats, "size": len(_entries)}


def _enabled() -> bool:
    return os.environ.get(ENV_OFF, "") in ("", "0")


def _fresh(files: dict[str, FileStamp | None]) -> bool:
    """Whether every file still is what was read (see the module doc)."""
    now = time.time_ns()
    settled: dict[str, FileStamp] = {}
    for name, stamp in files.items():
        try:
            stat = os.stat(name)
        except OSError:
            if stamp is None:
                continue
            return False
        if stamp is None or not stamp.same_stat(stat):
            return False
        if stamp.mtime_ns > stamp.read_ns - RACY_NS:
            try:
                data = Path(name).read_bytes()
            except OSError:
                return False
            if file_digest(data) != stamp.digest:
                return False
            if stamp.mtime_ns <= now - RACY_NS:
                # read again long enough after its last change: no longer racy
                settled[name] = FileStamp(stamp.mtime_ns, stamp.size, stamp.ino, stamp.dev,
                                          now, stamp.digest)
    if settled:
        with _lock:
            files.update(settled)
    return True


def load_cached(source: str | os.PathLike[str]) -> Document:
    """:func:`~arazzo.documents._loading.load` of a path, with the default access options,
    through the cache. Text and URLs are loaded as they are, uncached."""
    request = _request(source)
    if request.entry is None or not _enabled():
        return _load_request(request, _Loader(request.policy))
    policy = request.policy
    overrides: tuple[tuple[str, Any], ...] = tuple(sorted(
        (k, ("path", str(v)) if isinstance(v, Path) else ("text", v))
        for k, v in policy.overrides.items()))
    key = (os.getcwd(), os.path.abspath(request.entry), policy.allow_dirs, policy.allow_hosts,
           overrides, policy.max_bytes, policy.max_nodes, policy.http_timeout)
    with _lock:
        entry = _entries.get(key)
    if entry is not None and _fresh(entry.files):
        with _lock:
            _stats["hits"] += 1
            if key in _entries:
                _entries.move_to_end(key)
        return entry.document
    loader = _Loader(policy)
    with _lock:
        _stats["misses"] += 1
        _entries.pop(key, None)
    document = _load_request(request, loader)  # a failed load leaves no entry
    if not loader.retriever.remote:
        with _lock:
            _entries[key] = _Entry(document, dict(loader.retriever.files))
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return document
