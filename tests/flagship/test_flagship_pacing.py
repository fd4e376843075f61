"""Polling pace and bounds: botocore waiter defaults for SigV4 sources, their precedence, and
the loop limit."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from _flagship import CREATE_JOB, DESCRIBE_JOB, OPENAPI, SOURCE, WORKFLOW, inputs

import arazzo
from arazzo._run import prepare
from arazzo.aws import SageMakerEmulator
from arazzo.aws._pacing import (
    WaiterPacing,
    step_operation_name,
    waiter_for,
    waiters_by_operation,
)
from arazzo.engine._machine import DEFAULT_LOOP_DELAY
from arazzo.engine._plan import plan_for

pytestmark = pytest.mark.emulator

TRAINING_WAITER = WaiterPacing("sagemaker", "TrainingJobCompletedOrStopped",
                               "DescribeTrainingJob", 120.0, 180)
ENDPOINT_WAITER = WaiterPacing("sagemaker", "EndpointInService", "DescribeEndpoint", 30.0, 120)


def _copy(tmp_path: Path, *, steps: dict[str, dict[str, Any]] | None = None,
          openapi: Any = None) -> arazzo.Document:
    """The flagship workflow beside a copy of its OpenAPI, with step extensions added."""
    (tmp_path / "openapi").mkdir()
    (tmp_path / "arazzo").mkdir()
    target = tmp_path / "openapi" / OPENAPI.name
    if openapi is None:
        shutil.copy(OPENAPI, target)
    else:
        target.write_text(yaml.safe_dump(openapi, sort_keys=False))
    document = yaml.safe_load(WORKFLOW.read_text())
    for step in document["workflows"][0]["steps"]:
        step.update((steps or {}).get(step["stepId"], {}))
    path = tmp_path / "arazzo" / WORKFLOW.name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return arazzo.load(path, allow_dirs=[tmp_path])


def _delays(spec: Any, loop_delay: float | None = None) -> dict[str, float]:
    _, engine = prepare(spec, "train-then-deploy", inputs(),
                        servers={SOURCE: "http://127.0.0.1:9"}, loop_delay=loop_delay)
    return {step.step_id: engine.step_loop_delay(step) for step in engine.root.steps
            if step.step_id.startswith("poll")}


# -- the waiter lookup --------------------------------------------------------------------

def test_sagemaker_waiters_by_operation() -> None:
    waiters = waiters_by_operation("sagemaker")
    assert waiters["DescribeTrainingJob"] == TRAINING_WAITER
    # EndpointInService (30 s x 120) wins over EndpointDeleted (30 s x 60): same delay,
    # longer total wait
    assert waiters["DescribeEndpoint"] == ENDPOINT_WAITER
    assert waiter_for("sagemaker", "CreateTrainingJob") is None
    assert waiters_by_operation("no-such-service") == {}
    assert TRAINING_WAITER.origin == (
        "botocore waiter sagemaker.TrainingJobCompletedOrStopped (120 s x 180)")


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"target_schema": {"type": "string", "const": "SageMaker.DescribeTrainingJob"}},
     "DescribeTrainingJob"),
    ({"target_schema": {"enum": ["SageMaker.DescribeEndpoint"]}}, "DescribeEndpoint"),
    ({"target_value": "SageMaker.DescribeEndpoint", "operation_id": "x"}, "DescribeEndpoint"),
    ({"target_value": "$inputs.target", "path": "/#X-Amz-Target=SageMaker.CreateModel"},
     "CreateModel"),
    ({"path": "/#DescribeTrainingJob"}, "DescribeTrainingJob"),
    ({"path": "/jobs/{id}", "operation_id": "DescribeJobs"}, "DescribeJobs"),
    ({}, None),
])
def test_step_operation_name(kwargs: dict[str, Any], expected: str | None) -> None:
    assert step_operation_name(**kwargs) == expected


def test_plan_asks_the_pacing_hook_once_per_step() -> None:
    document = arazzo.load(WORKFLOW)
    plan = plan_for(document)
    steps = {s.step_id: s for s in plan.workflow(document, "train-then-deploy").steps}
    assert steps["pollTrainingJob"].pacing is not None
    assert steps["pollTrainingJob"].pacing.delay == 120.0
    assert steps["pollTrainingJob"].max_iterations == 180
    assert steps["pollTrainingJob"].max_iterations_origin == (
        "maxAttempts of the botocore waiter sagemaker.TrainingJobCompletedOrStopped "
        "(120 s x 180)")
    assert steps["pollEndpoint"].pacing is not None
    assert (steps["pollEndpoint"].pacing.delay, steps["pollEndpoint"].max_iterations) == (30, 120)
    for name in ("createTrainingJob", "createModel", "createEndpointConfig", "createEndpoint"):
        assert steps[name].pacing is None
        assert steps[name].max_iterations is None


# -- precedence: step extension > run loop_delay > waiter > 1 s -----------------------------

def test_waiter_delays_are_the_default() -> None:
    assert _delays(WORKFLOW) == {"pollTrainingJob": 120.0, "pollEndpoint": 30.0}


def test_run_loop_delay_overrides_the_waiter() -> None:
    assert _delays(WORKFLOW, 0.2) == {"pollTrainingJob": 0.2, "pollEndpoint": 0.2}
    assert _delays(WORKFLOW, 0) == {"pollTrainingJob": 0, "pollEndpoint": 0}


def test_step_extension_overrides_the_run(tmp_path: Path) -> None:
    path = _copy(tmp_path, steps={"pollTrainingJob": {"x-arazzo-loop-delay": 5}})
    assert _delays(path, 0.2) == {"pollTrainingJob": 5.0, "pollEndpoint": 0.2}
    assert _delays(path) == {"pollTrainingJob": 5.0, "pollEndpoint": 30.0}


def test_unsigned_source_gets_the_engine_default(tmp_path: Path) -> None:
    openapi = yaml.safe_load(OPENAPI.read_text())
    del openapi["security"]  # SigV4 declared but not required: not a signed source
    path = _copy(tmp_path, openapi=openapi)
    assert _delays(path) == {"pollTrainingJob": DEFAULT_LOOP_DELAY,
                             "pollEndpoint": DEFAULT_LOOP_DELAY}
    plan = plan_for(path)
    assert all(s.max_iterations is None
               for s in plan.workflow(path, "train-then-deploy").steps)


def test_a_real_run_waits_like_the_waiters(emu: SageMakerEmulator,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("arazzo._run.time",
                        SimpleNamespace(sleep=slept.append, monotonic=time.monotonic))
    transport = emu.transport()
    try:
        result = arazzo.run(WORKFLOW, None, inputs(), servers={SOURCE: emu.endpoint_url},
                            transports={SOURCE: transport})
    finally:
        transport.close()
    assert result.succeeded, result.error
    assert slept == [120.0, 120.0, 30.0]  # 2 training re-polls, 1 endpoint re-poll


# -- bounds ------------------------------------------------------------------------------

def test_step_extension_bounds_the_loop(emu: SageMakerEmulator, tmp_path: Path) -> None:
    emu.training_polls = 10
    path = _copy(tmp_path, steps={"pollTrainingJob": {"x-arazzo-max-iterations": 3}})
    transport = emu.transport()
    try:
        result = arazzo.run(path, None, inputs(), servers={SOURCE: emu.endpoint_url},
                            transports={SOURCE: transport}, loop_delay=0)
    finally:
        transport.close()
    assert not result.succeeded
    assert emu.operations == [CREATE_JOB] + [DESCRIBE_JOB] * 3
    assert result.error == (
        "step 'pollTrainingJob' ran 3 times, its loop limit (x-arazzo-max-iterations), "
        "without leaving the loop; last trainingJobStatus=InProgress")


def test_waiter_max_attempts_bound_the_loop(emu: SageMakerEmulator,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    short = WaiterPacing("sagemaker", "TrainingJobCompletedOrStopped", "DescribeTrainingJob",
                         0.0, 4)
    monkeypatch.setattr("arazzo.aws._pacing.waiter_for",
                        lambda service, operation: short if operation == short.operation
                        else None)
    emu.training_polls = 10
    transport = emu.transport()
    try:  # a freshly loaded document: its plan asks the (patched) hook
        result = arazzo.run(arazzo.load(WORKFLOW), None, inputs(),
                            servers={SOURCE: emu.endpoint_url}, transports={SOURCE: transport})
    finally:
        transport.close()
    assert not result.succeeded
    assert emu.operations == [CREATE_JOB] + [DESCRIBE_JOB] * 4
    assert result.error is not None
    assert "ran 4 times, its loop limit (maxAttempts of the botocore waiter " \
           "sagemaker.TrainingJobCompletedOrStopped (0 s x 4))" in result.error


def test_invalid_extensions_are_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path, steps={"pollTrainingJob": {"x-arazzo-max-iterations": 0}})
    with pytest.raises(arazzo.ArazzoError, match="x-arazzo-max-iterations must be an integer"):
        _delays(path)
