"""Load + validate timings (median of 5) for the largest corpus Arazzo document and for a
generated OpenAPI description referenced from a small Arazzo document, written as JSON and as
YAML from the same data (twins), each at least 2 MiB.

Usage: python benchmarks/bench_load.py [--profile]
"""

from __future__ import annotations

import cProfile
import functools
import gc
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import arazzo

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MIB = 1024 * 1024
#: issue 19: load + validate of a YAML description at most this many times its JSON twin's
YAML_TWIN_TARGET = 4.0


def median_time(func: Callable[[], object], runs: int = 5) -> float:
    func()  # warm-up: imports, schema compilation
    times = []
    for _ in range(runs):
        gc.collect()  # the previous run's garbage is not this run's cost (as in bench_suite)
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def make_openapi(target_bytes: int = 2 * MIB) -> dict[str, object]:
    paths: dict[str, object] = {}
    schemas: dict[str, object] = {}
    i = 0
    size = 0
    while size < target_bytes:
        name = f"Resource{i}"
        schemas[name] = {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string", "maxLength": 200},
                "tags": {"type": "array", "items": {"type": "string"}},
                "owner": {"$ref": f"#/components/schemas/Resource{max(i - 1, 0)}"},
                "created": {"type": "string", "format": "date-time"},
            },
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        paths[f"/resources{i}"] = {
            "get": {
                "operationId": f"list{name}",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"$ref": "#/components/parameters/TraceId"},
                ],
                "responses": {"200": {"description": "ok", "content": {
                    "application/json": {"schema": {"type": "array", "items": ref}}}}},
            },
            "post": {
                "operationId": f"create{name}",
                "requestBody": {"content": {"application/json": {"schema": ref}}},
                "responses": {"201": {"description": "created", "content": {
                    "application/json": {"schema": ref}}}},
            },
        }
        paths[f"/resources{i}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"operationId": f"get{name}", "responses": {"200": {"description": "ok"}}},
            "delete": {"operationId": f"delete{name}",
                       "responses": {"204": {"description": "gone"}}},
        }
        i += 1
        if i % 50 == 0:
            size = len(json.dumps(paths)) + len(json.dumps(schemas))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Generated", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {"TraceId": {"name": "X-Trace-Id", "in": "header",
                                       "schema": {"type": "string"}}},
        },
    }


def openapi_text(min_bytes: int = 2 * MIB,
                 dump: Callable[[dict[str, object]], str] = lambda doc: json.dumps(doc, indent=1),
                 ) -> str:
    """A generated OpenAPI description at least ``min_bytes`` long as ``dump`` writes it."""
    return dump(sized_openapi(min_bytes, dump))


def dump_yaml(doc: dict[str, object]) -> str:
    """The YAML form of a generated description, as a person would write it (block style)."""
    text: str = yaml.safe_dump(doc, sort_keys=False)
    return text


def openapi_twins(min_bytes: int = 2 * MIB) -> tuple[str, str]:
    """The same generated description written as JSON and as YAML (its twin: equal data),
    both at least ``min_bytes`` long.

    Block YAML is the shorter form (no braces, quotes or commas), so it is sized and the JSON
    is written from the same document: a twin of the same *size* would hold less content."""
    doc = sized_openapi(min_bytes, dump_yaml)
    return json.dumps(doc, indent=1), dump_yaml(doc)


def sized_openapi(min_bytes: int, dump: Callable[[dict[str, object]], str]
                  ) -> dict[str, object]:
    """The smallest generated document at least ``min_bytes`` long as ``dump`` writes it.

    ``make_openapi`` sizes its document as compact JSON; a small first document gives the
    ratio of the written form to that, and the target is scaled by it (then nudged up while
    short)."""
    probe = min_bytes // 8
    ratio = len(dump(make_openapi(probe)).encode()) / probe
    target = int(min_bytes / ratio)
    while True:
        doc = make_openapi(target)
        size = len(dump(doc).encode())
        if size >= min_bytes:
            return doc
        target = int(target * min_bytes / size * 1.02)


ARAZZO = """\
arazzo: 1.0.1
info: {title: bench, version: 1.0.0}
sourceDescriptions:
  - name: big
    url: ./big.openapi.json
    type: openapi
workflows:
  - workflowId: crud
    steps:
      - stepId: create
        operationId: createResource10
        requestBody:
          payload: {name: $inputs.name}
        successCriteria:
          - condition: $statusCode == 201
        outputs:
          id: $response.body#/id
      - stepId: read
        operationPath: '{$sourceDescriptions.big.url}#/paths/~1resources10~1{id}/get'
        parameters:
          - {name: id, in: path, value: $steps.create.outputs.id}
        outputs:
          name: $response.body#/name
      - stepId: remove
        operationId: $sourceDescriptions.big.deleteResource10
        parameters:
          - {name: id, in: path, value: $steps.create.outputs.id}
    outputs:
      name: $steps.read.outputs.name
"""


def write_twins(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Write the twins (:func:`openapi_twins`) into ``folder``, each with a small Arazzo
    document that references it.

    Returns ``{"JSON": (entry, description), "YAML": (entry, description)}``. Nothing is
    loaded here: the callers check each form (:func:`check_valid`) right before timing it,
    so the work runs in the order it always did (the JSON checked and timed, then the
    YAML)."""
    out: dict[str, tuple[Path, Path]] = {}
    for form, text in zip(("JSON", "YAML"), openapi_twins(), strict=True):
        big = folder / f"big.openapi.{form.lower()}"
        big.write_text(text)
        entry = folder / f"bench-{form.lower()}.arazzo.yaml"
        entry.write_text(ARAZZO.replace("big.openapi.json", big.name))
        out[form] = (entry, big)
    return out


def check_valid(entry: Path) -> None:
    """Stop the benchmark when a generated document does not validate."""
    errors = [d for d in arazzo.validate(entry) if d.is_error]
    if errors:
        raise SystemExit(f"generated document {entry.name} has errors: {errors[:3]}")


def main() -> int:
    profile = "--profile" in sys.argv
    results: list[tuple[str, float, str]] = []
    if CORPUS.is_dir():
        docs = [p for p in CORPUS.rglob("*") if p.is_file() and (
            ".arazzo." in p.name or p.name.endswith(("arazzo.yaml", "arazzo.json")))]
        largest = max(docs, key=lambda p: p.stat().st_size)
        seconds = median_time(lambda: arazzo.validate(largest, allow_dirs=[CORPUS]))
        results.append((f"largest corpus Arazzo document ({largest.relative_to(CORPUS)})",
                        seconds, f"{largest.stat().st_size / 1024:.0f} kB"))
    else:
        print("shared corpus not present: skipping the corpus document")
    with tempfile.TemporaryDirectory() as tmp:
        entries = write_twins(Path(tmp))
        for form, label in (("JSON", "small Arazzo document + generated OpenAPI"),
                            ("YAML", "the same OpenAPI as YAML (its twin)")):
            entry, big = entries[form]
            check_valid(entry)
            seconds = median_time(functools.partial(arazzo.validate, entry))
            results.append((label, seconds, f"{big.stat().st_size / MIB:.1f} MiB"))
        entry_yaml = entries["YAML"][0]
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            arazzo.validate(entry_yaml)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    for label, seconds, size in results:
        print(f"{seconds * 1000:8.1f} ms  load+validate  {label} [{size}]")
    json_seconds, yaml_seconds = results[-2][1], results[-1][1]
    print(f"YAML / JSON twin: {yaml_seconds / json_seconds:.2f}x (issue 19 target: at most "
          f"{YAML_TWIN_TARGET:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
