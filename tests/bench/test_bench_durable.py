"""The durable-run benchmark (``benchmarks/bench_durable.py``, ``nox -s bench_durable``).

No timing is asserted: the test checks that the quick run works, that every durable run
passes the benchmark's own checks (requests counted at the server, outputs), and the shape
of the store after a poll: bounded with the same answer, one entry per answer otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

pytest.importorskip("dbos", reason="durable runs need dbos (pip install 'arazzo[durable]')")


@pytest.mark.timeout(120)
def test_the_quick_durable_benchmark_runs_and_the_store_stays_bounded(tmp_path: Path
                                                                       ) -> None:
    output = tmp_path / "durable.json"
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "bench_durable.py"), "--quick",
                           "--no-postgres", "--repeat", "1", "--output", str(output)],
                          capture_output=True, text=True, timeout=110, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(output.read_text())
    assert {row["workload"].split()[0] for row in data["rows"]} == {"1", "2"}
    for row in data["rows"]:
        sqlite, postgres = row["cells"]["sqlite"], row["cells"]["postgresql"]
        assert sqlite["status"] == "ok", (row["metric"], sqlite)
        assert postgres["status"] == "unavailable"
        assert postgres["note"] == "--no-postgres"
        if "overhead per step" not in row["metric"]:  # a difference of two noisy figures
            assert sqlite["value"] > 0
    assert data["unavailable"] == {"postgresql": "--no-postgres"}

    sizes = {(s["workflow"], s["iterations"]): s for s in data["sizes"]}
    small, large = data["config"]["size_n"]
    assert set(sizes) == {(w, n) for w in ("pollStatus", "pollCounter") for n in (small, large)}
    for entry in sizes.values():
        assert entry["problem"] is None
        assert entry["rows"]["arazzo_runs"] == 1
        assert entry["rows"]["workflow_status"] == 1  # one DBOS workflow: the one attempt
        assert entry["rows"]["operation_outputs"] == 0
        assert entry["wal_bytes"] == 0  # checkpointed
    # the same answer (fresh Date / X-Request-Id aside): "running" x (n - 1), "done"
    assert sizes[("pollStatus", small)]["rows"]["arazzo_log"] == 2
    assert sizes[("pollStatus", large)]["rows"]["arazzo_log"] == 2
    # a counter in the body: every answer is an entry (the documented limit)
    assert sizes[("pollCounter", large)]["rows"]["arazzo_log"] == large
