"""The process-wide cache of documents run by path (``arazzo/documents/_cache.py``): a repeated
``run(path)`` reads no file again; an edited, replaced or deleted file is seen by the next run;
``clear_cache()`` and ``ARAZZO_NO_CACHE`` turn it off; threads share an entry safely."""

from __future__ import annotations

import copy
import os
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo
from arazzo._exceptions import ValidationFailed
from arazzo.documents import _cache, _loading

OPENAPI = """\
openapi: 3.0.3
info: {title: app, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        content: {application/json: {schema: {type: object}}}
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: items, version: '1'}
sourceDescriptions:
  - {name: app, url: ./app.openapi.yaml, type: openapi}
workflows:
  - workflowId: make
    inputs:
      type: object
      properties: {name: {type: string, default: anon}}
    steps:
      - stepId: create
        operationId: createItem
        requestBody:
          payload: {name: $inputs.name, tags: [a, b]}
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          name: $response.body#/name
    outputs:
      name: $steps.create.outputs.name
"""

OLD = 1_600_000_000  # an mtime long past: the files are not "racy" (checked by content)


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    _cache.clear_cache()
    yield
    _cache.clear_cache()


def _write(folder: Path, arazzo_text: str = ARAZZO, openapi: str = OPENAPI,
           *, old: bool = True) -> Path:
    (folder / "app.openapi.yaml").write_text(openapi)
    entry = folder / "wf.arazzo.yaml"
    entry.write_text(arazzo_text)
    if old:
        for path in (entry, folder / "app.openapi.yaml"):
            os.utime(path, ns=(OLD * 10**9, OLD * 10**9))
    return entry


def _echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=request.content,
                          headers={"content-type": "application/json"})


def _run(spec: Any, name: str = "x") -> arazzo.RunResult:
    return arazzo.run(spec, "make", {"name": name},
                      transports={"app": httpx.MockTransport(_echo)})


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many files were read (``_read_file``) and parsed (``parse_text``)."""
    counted = {"reads": 0, "parses": 0, "digest_reads": 0}
    read_file = _loading._Retriever._read_file
    parse_text = _loading.parse_text  # type: ignore[attr-defined]

    def reading(self: Any, *args: Any, **kwargs: Any) -> Any:
        counted["reads"] += 1
        return read_file(self, *args, **kwargs)

    def parsing(*args: Any, **kwargs: Any) -> Any:
        counted["parses"] += 1
        return parse_text(*args, **kwargs)

    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        counted["digest_reads"] += 1
        return real_read_bytes(self)

    monkeypatch.setattr(_loading._Retriever, "_read_file", reading)
    monkeypatch.setattr(_loading, "parse_text", parsing)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return counted


def test_a_repeated_run_by_path_reads_no_file_again(tmp_path: Path,
                                                    counts: dict[str, int]) -> None:
    entry = _write(tmp_path)
    assert _run(entry, "a").outputs == {"name": "a"}
    assert counts["reads"] == 2  # the document and its OpenAPI
    assert counts["parses"] == 2
    before = dict(counts)
    for index, spec in enumerate((entry, str(entry), entry, str(entry))):
        assert _run(spec, f"n{index}").outputs == {"name": f"n{index}"}
    assert counts == before  # no read, no parse, no digest read
    assert _cache.cache_info()["size"] == 1


def test_a_fresh_file_is_checked_by_content_not_parsed_again(
        tmp_path: Path, counts: dict[str, int]) -> None:
    entry = _write(tmp_path, old=False)  # written just now: same-tick edits are possible
    _run(entry)
    parses = counts["parses"]
    _run(entry)
    assert counts["parses"] == parses
    assert counts["digest_reads"] > 2  # both files read again to compare their digests


@pytest.mark.parametrize("which", ["arazzo", "openapi"])
@pytest.mark.parametrize("same_size", [True, False])
def test_an_edited_file_is_seen_by_the_next_run(tmp_path: Path, which: str,
                                                same_size: bool) -> None:
    entry = _write(tmp_path)
    assert _run(entry, "a").outputs == {"name": "a"}
    if which == "arazzo":
        target, old, new = entry, "name: $steps", "nome: $steps" if same_size else "newname: $steps"
    else:
        target = tmp_path / "app.openapi.yaml"
        old, new = "createItem", "createIteX" if same_size else "createAnItem"
    text = target.read_text()
    edited = text.replace(old, new)
    assert (len(edited) == len(text)) is same_size
    target.write_text(edited)
    os.utime(target, ns=((OLD + 5) * 10**9, (OLD + 5) * 10**9))  # a new mtime
    if which == "arazzo":
        assert _run(entry, "b").outputs == {"nome" if same_size else "newname": "b"}
    else:
        with pytest.raises(ValidationFailed, match="createItem"):
            _run(entry, "b")  # the step's operationId is gone from the new description


def test_a_same_tick_edit_of_a_fresh_file_is_seen(tmp_path: Path) -> None:
    entry = _write(tmp_path, old=False)
    _run(entry, "a")
    stat = entry.stat()
    entry.write_text(ARAZZO.replace("name: $steps", "nome: $steps"))
    os.utime(entry, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert _run(entry, "b").outputs == {"nome": "b"}


@pytest.mark.parametrize("which", ["wf.arazzo.yaml", "app.openapi.yaml"])
def test_a_deleted_file_fails_the_next_run(tmp_path: Path, which: str) -> None:
    entry = _write(tmp_path)
    assert _run(entry).succeeded
    (tmp_path / which).unlink()
    if which == "wf.arazzo.yaml":
        with pytest.raises(arazzo.LoadError, match="file not found"):
            _run(entry)
    else:
        with pytest.raises(ValidationFailed, match=r"app\.openapi\.yaml"):
            _run(entry)
    _write(tmp_path)  # back again: runs again
    assert _run(entry).succeeded


def test_a_missing_source_that_appears_is_seen(tmp_path: Path) -> None:
    entry = _write(tmp_path)
    (tmp_path / "app.openapi.yaml").unlink()
    with pytest.raises(ValidationFailed):
        _run(entry)
    (tmp_path / "app.openapi.yaml").write_text(OPENAPI)
    assert _run(entry).succeeded


def test_clear_cache_and_the_environment_switch_turn_it_off(
        tmp_path: Path, counts: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _write(tmp_path)
    _run(entry)
    arazzo.clear_cache()
    _run(entry)
    assert counts["parses"] == 4
    monkeypatch.setenv("ARAZZO_NO_CACHE", "1")
    _run(entry)
    _run(entry)
    assert counts["parses"] == 8


def test_the_key_holds_the_directory_and_the_options(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _write(tmp_path)
    monkeypatch.chdir(tmp_path)
    first = _loading_cached("wf.arazzo.yaml")
    assert _loading_cached(str(entry)) is first
    other = tmp_path / "other"
    other.mkdir()
    _write(other, ARAZZO.replace("name: $steps", "nome: $steps"))
    monkeypatch.chdir(other)
    assert _loading_cached("wf.arazzo.yaml") is not first  # relative to the new directory


def _loading_cached(path: str) -> arazzo.Document:
    return _cache.load_cached(path)


def test_text_and_loaded_documents_are_not_cached(tmp_path: Path) -> None:
    _write(tmp_path)
    text = ARAZZO.replace("./app.openapi.yaml", str(tmp_path / "app.openapi.yaml"))
    monkey_cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        _run(text)
    finally:
        os.chdir(monkey_cwd)
    assert _cache.cache_info()["size"] == 0


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    for index in range(_cache.MAX_ENTRIES + 3):
        folder = tmp_path / str(index)
        folder.mkdir()
        _cache.load_cached(_write(folder))
    assert _cache.cache_info()["size"] == _cache.MAX_ENTRIES


def test_runs_do_not_change_the_shared_document(tmp_path: Path) -> None:
    entry = _write(tmp_path)
    _run(entry, "a")
    document = _cache.load_cached(entry)
    raw = copy.deepcopy(document.raw)
    source_raw = copy.deepcopy(document.openapi_sources[0].raw)
    diagnostics = list(document.diagnostics)
    for index in range(5):
        assert _run(entry, f"r{index}").outputs == {"name": f"r{index}"}
    assert arazzo.run(entry, "make", transports={"app": httpx.MockTransport(_echo)}
                      ).outputs == {"name": "anon"}  # the schema default, not a past input
    assert _cache.load_cached(entry) is document
    assert document.raw == raw
    assert document.openapi_sources[0].raw == source_raw
    assert document.diagnostics == diagnostics


def test_two_threads_run_the_same_path_at_once(tmp_path: Path) -> None:
    entry = _write(tmp_path)
    barrier = threading.Barrier(2)
    results: dict[int, Any] = {}

    def work(index: int) -> None:
        barrier.wait()
        try:
            results[index] = [_run(entry, f"t{index}-{n}").outputs for n in range(20)]
        except Exception as exc:  # reported below
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(2):
        assert results[index] == [{"name": f"t{index}-{n}"} for n in range(20)]
    assert _cache.cache_info()["size"] == 1
