"""Engine overhead per step and memory of a long goto loop (plain script).

    .venv/bin/python benchmarks/bench_engine.py [ITERATIONS]

Runs a one-step workflow that ``goto``s itself ITERATIONS times (default 10 000) through an
in-process ``httpx.MockTransport`` (no network), ``loop_delay=0``, ``record_limit=100``:

- microseconds per step (wall time / steps; includes building the request, httpx.Request,
  the mock transport, parsing the JSON response, three criteria, outputs);
- the same for a bare transport call (baseline), so the engine's own share is visible;
- tracemalloc peak of a 1 000 vs a 10 000 iteration run (constant memory).
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

import arazzo

OPENAPI = """openapi: 3.0.3
info: {title: bench, version: '1'}
servers: [{url: 'http://bench.test'}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{name: id, in: path, required: true}]
      responses: {'200': {description: ok}}
"""

ARAZZO = """arazzo: 1.0.1
info: {title: bench, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
- workflowId: loop
  inputs: {type: object, properties: {limit: {type: integer}}}
  steps:
  - stepId: poll
    operationId: getItem
    parameters:
    - {name: id, in: path, value: $inputs.limit}
    - {name: X-Trace, in: header, value: 'bench-{$inputs.limit}'}
    successCriteria: [{condition: $statusCode == 200}]
    outputs: {n: $response.body#/n, state: $response.body#/state}
    onSuccess:
    - name: again
      type: goto
      stepId: poll
      criteria: [{condition: $response.body#/n < $inputs.limit}]
  outputs: {n: $steps.poll.outputs.n}
"""


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tmp = Path(tempfile.mkdtemp())
    (tmp / "api.yaml").write_text(OPENAPI)
    (tmp / "wf.arazzo.yaml").write_text(ARAZZO)
    document = arazzo.load(tmp / "wf.arazzo.yaml")
    counter = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        counter["n"] += 1
        return httpx.Response(200, json={"n": counter["n"], "state": "pending"})

    transport = httpx.MockTransport(handler)

    def run(limit: int) -> arazzo.RunResult:
        counter["n"] = 0
        return arazzo.run(document, "loop", {"limit": limit}, transports={"api": transport},
                          loop_delay=0, max_steps=limit + 10, record_limit=100)

    run(100)  # warm-up: plan compiled and cached on the document
    gc.collect()
    started = time.perf_counter()
    result = run(iterations)
    elapsed = time.perf_counter() - started
    if not result.succeeded or result.outputs != {"n": iterations}:
        raise SystemExit(f"unexpected result: {result}")
    per_step = elapsed / iterations * 1e6

    request = httpx.Request("GET", "http://bench.test/items/1", headers={"X-Trace": "b"})
    started = time.perf_counter()
    for _ in range(iterations):
        response = transport.handle_request(
            httpx.Request("GET", "http://bench.test/items/1", headers={"X-Trace": "b"}))
        response.read()
        response.json()
    baseline = (time.perf_counter() - started) / iterations * 1e6
    del request

    # the sans-I/O core alone: a driver that answers each Send with ready ResponseData
    from arazzo._run import prepare
    from arazzo.engine._messages import Headers, ResponseData

    headers = Headers([("content-type", "application/json")])
    _, engine = prepare(document, "loop", {"limit": iterations}, loop_delay=0,
                        max_steps=iterations + 10, record_limit=100)
    gen = engine.run()
    n = 0
    started = time.perf_counter()
    try:
        next(gen)
        while True:
            n += 1
            gen.send(ResponseData(200, headers, b'{"n":%d,"state":"p"}' % n, 0.0))
    except StopIteration as stop:
        if not stop.value.succeeded:
            raise SystemExit(f"unexpected result: {stop.value}") from None
    core = (time.perf_counter() - started) / iterations * 1e6

    peaks = {}
    for limit in (1_000, iterations):
        gc.collect()
        tracemalloc.start()
        run(limit)
        peaks[limit] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    print(f"steps: {iterations} (self-goto loop, MockTransport, loop_delay=0)")
    print(f"per step, full run:              {per_step:8.1f} us")
    print(f"per call, bare httpx mock+json:  {baseline:8.1f} us")
    print(f"engine overhead per step:        {per_step - baseline:8.1f} us")
    print(f"sans-I/O core alone per step:    {core:8.1f} us")
    for limit, peak in peaks.items():
        print(f"tracemalloc peak, {limit:>6} iterations: {peak / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
