"""The flagship through the command line: ``python -m arazzo run ... --emulator`` in a
subprocess, the scenario staged with the ``--emulator-*`` options, the calls the emulator
received read back from ``--emulator-log``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _flagship import (
    CREATE_JOB,
    DESCRIBE_ENDPOINT,
    DESCRIBE_JOB,
    EMULATOR_INPUTS,
    ROOT,
    WORKFLOW,
    success_operations,
)

pytestmark = pytest.mark.emulator


def _arazzo(tmp_path: Path, *args: str, inputs: str | None = None
            ) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    log = tmp_path / "emulator.json"
    command = [sys.executable, "-m", "arazzo", "run", str(WORKFLOW), "--emulator",
               "--inputs", inputs or f"@{EMULATOR_INPUTS}", "--emulator-log", str(log), *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=60, check=False)
    calls = json.loads(log.read_text()) if log.exists() else []
    return done, calls


def test_cli_success(tmp_path: Path) -> None:
    done, calls = _arazzo(tmp_path)
    assert done.returncode == 0, done.stderr
    assert [c["target"] for c in calls] == success_operations(2, 1)
    out = done.stdout
    assert "pollTrainingJob #2  POST http://127.0.0.1:" in out
    assert "  InProgress -> goto pollTrainingJob (stillTraining)" in out
    assert "  Completed -> goto createModel (trainingCompleted)" in out
    assert "  Creating -> goto pollEndpoint (stillCreating)" in out
    assert "  InService -> end (endpointTerminal)" in out
    assert "ended by endpointTerminal at pollEndpoint: endpointStatus=InService" in out
    assert out.splitlines()[-1].startswith("succeeded")
    assert 'endpointArn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/demo-endpoint"' in out
    assert "emulator: SageMaker on http://127.0.0.1:" in done.stderr


def test_cli_training_failed(tmp_path: Path) -> None:
    done, calls = _arazzo(tmp_path, "--emulator-training-polls", "1",
                          "--emulator-training-outcome", "Failed")
    # ACT-03: an onSuccess `end` completes the run as the document says: exit status 0
    assert done.returncode == 0, done.stderr
    assert [c["target"] for c in calls] == [CREATE_JOB, DESCRIBE_JOB, DESCRIBE_JOB]
    out = done.stdout
    assert ("ended by trainingFailed at pollTrainingJob: trainingJobStatus=Failed, "
            "failureReason=AlgorithmError: simulated training failure") in out.splitlines()[-1]
    assert "Failed (failureReason: AlgorithmError: simulated training failure) -> end " \
           "(trainingFailed)" in out
    assert "trainingJobArn" in out
    assert "modelArn" not in out
    assert "createModel" not in out


def test_cli_endpoint_failed_json(tmp_path: Path) -> None:
    done, calls = _arazzo(tmp_path, "--emulator-training-polls", "0",
                          "--emulator-endpoint-outcome", "Failed", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert [c["target"] for c in calls] == success_operations(0, 1)
    result = json.loads(done.stdout)
    assert result["endedBy"] == "endpointTerminal"
    assert result["outputs"]["endpointStatus"] == "Failed"
    last = result["steps"][-1]
    assert last["stepId"] == "pollEndpoint"
    assert last["outputs"]["failureReason"] == "Simulated: the model failed to load"
    assert calls[-1]["target"] == DESCRIBE_ENDPOINT


def test_cli_throttling_is_retried_and_reported(tmp_path: Path) -> None:
    done, calls = _arazzo(tmp_path, "--emulator-training-polls", "0",
                          "--emulator-endpoint-polls", "0",
                          "--emulator-throttle", "DescribeEndpoint=1")
    assert done.returncode == 0, done.stderr
    expected = success_operations(0, 0)
    expected.insert(-1, DESCRIBE_ENDPOINT)
    assert [c["target"] for c in calls] == expected
    assert [c["status"] for c in calls][-2:] == [400, 200]
    assert "aws: SageMaker.DescribeEndpoint POST http://127.0.0.1:" in done.stderr
    assert "ThrottlingException; retry 1/2 in " in done.stderr


def test_cli_missing_inputs(tmp_path: Path) -> None:
    data = json.loads(EMULATOR_INPUTS.read_text())
    del data["roleArn"]
    done, calls = _arazzo(tmp_path, inputs=json.dumps(data))
    assert done.returncode == 2
    assert "missing required inputs: roleArn" in done.stderr
    assert calls == []
    assert done.stdout == ""
