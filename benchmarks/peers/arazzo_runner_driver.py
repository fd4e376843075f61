"""In-process driver for jentic's ``arazzo-runner``; runs with the *peer's* interpreter.

    PEER_PYTHON arazzo_runner_driver.py once   FILE WORKFLOW INPUTS_JSON
    PEER_PYTHON arazzo_runner_driver.py steady FILE WORKFLOW INPUTS_JSON RUNS

``once``: one ``execute_workflow`` call, timed around the call only (start-up excluded).
``steady``: one ``ArazzoRunner`` object, RUNS calls (fresh ``name`` input per run), each
timed. Logging at WARNING, as the peer's CLI defaults to. Prints one JSON object on stdout:
``seconds`` and ``cpu`` (lists: wall and CPU time of each run), ``status``, ``outputs``,
``error`` of the last run.
Stdlib + arazzo_runner only (no arazzo here).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any


def main(argv: list[str]) -> int:
    from arazzo_runner import ArazzoRunner  # the peer, installed in this interpreter

    # the library logs every step at INFO (its CLI defaults to WARNING): use the CLI's level
    logging.getLogger("arazzo-runner").setLevel(logging.WARNING)
    try:
        from arazzo_runner.utils import set_log_level

        set_log_level("WARNING")
    except ImportError:  # pragma: no cover - other versions of the peer
        pass

    mode, path, workflow, inputs_json = argv[:4]
    runs = int(argv[4]) if mode == "steady" else 1
    inputs: dict[str, Any] = json.loads(inputs_json)
    runner = ArazzoRunner.from_arazzo_path(path)
    seconds: list[float] = []
    cpu: list[float] = []
    statuses: list[str] = []
    result: Any = None
    for index in range(runs):
        run_inputs = dict(inputs)
        if mode == "steady":
            run_inputs["name"] = f"{inputs.get('name', 'item')}-{index}"
        started, cpu_started = time.perf_counter(), time.process_time()
        result = runner.execute_workflow(workflow, run_inputs)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        statuses.append(str(getattr(result.status, "value", result.status)))
    json.dump({
        "seconds": seconds,
        "cpu": cpu,
        "statuses": sorted(set(statuses)),
        "status": statuses[-1],
        "outputs": result.outputs if result is not None else None,
        "error": result.error if result is not None else None,
    }, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
