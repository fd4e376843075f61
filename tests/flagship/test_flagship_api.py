"""The flagship end to end through ``arazzo.run``: SageMaker train-then-deploy against the
emulator (moto's real HTTP server on loopback, SigV4 signatures checked), one scenario per
test, each asserting the exact operations the emulator received."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from _flagship import (
    CREATE_JOB,
    DESCRIBE_ENDPOINT,
    DESCRIBE_JOB,
    SOURCE,
    WORKFLOW,
    inputs,
    success_operations,
)

import arazzo
from arazzo import InputError
from arazzo.aws import AwsCredentials, RetryEvent, SageMakerEmulator
from arazzo.engine._events import LoopIteration
from arazzo.engine._timeline import ended_line, format_record

pytestmark = pytest.mark.emulator


def _run(emu: SageMakerEmulator, data: dict[str, Any], **kwargs: Any) -> arazzo.RunResult:
    transport = kwargs.pop("transport", None) or emu.transport()
    try:
        return arazzo.run(WORKFLOW, "train-then-deploy", data,
                          servers={SOURCE: emu.endpoint_url},
                          transports={SOURCE: transport}, loop_delay=kwargs.pop("loop_delay", 0),
                          **kwargs)
    finally:
        transport.close()


def _steps(result: arazzo.RunResult) -> list[str]:
    return [f"{r.step_id}#{r.attempt}" for r in result.steps]


def test_success_deploys_and_reports_each_poll(emu: SageMakerEmulator) -> None:
    data = inputs()
    events: list[Any] = []
    result = _run(emu, data, hooks=events.append)

    assert result.succeeded, result.error
    assert result.ended_by == "endpointTerminal"
    assert emu.operations == success_operations(2, 1)
    assert all(call.status == 200 for call in emu.calls)
    arn = "arn:aws:sagemaker:us-east-1:123456789012"
    assert result.outputs == {
        "trainingJobArn": f"{arn}:training-job/{data['trainingJobName']}",
        "modelArtifacts": f"{data['s3OutputPath']}/{data['trainingJobName']}/output/model.tar.gz",
        "modelArn": f"{arn}:model/{data['modelName']}",
        "endpointArn": f"{arn}:endpoint/{data['endpointName']}",
        "endpointStatus": "InService",
    }
    assert _steps(result) == [
        "createTrainingJob#1", "pollTrainingJob#1", "pollTrainingJob#2", "pollTrainingJob#3",
        "createModel#1", "createEndpointConfig#1", "createEndpoint#1",
        "pollEndpoint#1", "pollEndpoint#2"]
    polls = [r.outputs["trainingJobStatus"] for r in result.steps
             if r.step_id == "pollTrainingJob"]
    assert polls == ["InProgress", "InProgress", "Completed"]
    # every poll's status is visible, on the timeline and in the loop events
    line = format_record(result.steps[2], 3)
    assert "pollTrainingJob #2" in line
    assert line.endswith("InProgress -> goto pollTrainingJob (stillTraining)")
    loops = [(e.step_id, e.iteration, e.status) for e in events if isinstance(e, LoopIteration)]
    assert loops == [
        ("pollTrainingJob", 2, "trainingJobStatus=InProgress"),
        ("pollTrainingJob", 3, "trainingJobStatus=InProgress"),
        ("pollEndpoint", 2, "endpointStatus=Creating"),
    ]
    assert ended_line(result) == (
        "ended by endpointTerminal at pollEndpoint: endpointStatus=InService")


def test_loop_iterations_are_logged_with_status(emu: SageMakerEmulator,
                                                caplog: pytest.LogCaptureFixture) -> None:
    emu.training_polls, emu.training_outcome = 1, "Failed"
    with caplog.at_level(logging.INFO, logger="arazzo"):
        result = _run(emu, inputs())
    assert result.ended_by == "trainingFailed"
    lines = [r.getMessage() for r in caplog.records if "iteration" in r.getMessage()]
    assert len(lines) == 1
    assert "pollTrainingJob" in lines[0]
    assert "iteration 2" in lines[0]
    assert "trainingJobStatus=InProgress" in lines[0]


def test_training_failed_ends_by_trainingFailed_without_deploying(
        emu: SageMakerEmulator) -> None:
    emu.training_polls, emu.training_outcome = 1, "Failed"
    data = inputs()
    result = _run(emu, data)

    # ACT-03: trainingFailed is an onSuccess `end`: the run completes as the document says
    assert result.succeeded, result.error
    assert result.ended_by == "trainingFailed"
    assert emu.operations == [CREATE_JOB, DESCRIBE_JOB, DESCRIBE_JOB]
    assert "SageMaker.CreateModel" not in emu.operations
    assert result.outputs == {
        "trainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/"
                          + data["trainingJobName"]}
    last = result.step("pollTrainingJob")
    assert last is not None
    assert last.outputs["trainingJobStatus"] == "Failed"
    assert last.outputs["failureReason"] == emu.training_failure_reason
    assert last.action is not None
    assert (last.action.type, last.action.name) == ("end", "trainingFailed")
    assert ended_line(result) == (
        "ended by trainingFailed at pollTrainingJob: trainingJobStatus=Failed, "
        f"failureReason={emu.training_failure_reason}")
    assert result.to_dict()["endedBy"] == "trainingFailed"


def test_training_stopped_also_ends_by_trainingFailed(emu: SageMakerEmulator) -> None:
    emu.training_polls, emu.training_outcome = 0, "Stopped"
    result = _run(emu, inputs())
    assert result.succeeded, result.error
    assert result.ended_by == "trainingFailed"
    assert emu.operations == [CREATE_JOB, DESCRIBE_JOB]
    last = result.step("pollTrainingJob")
    assert last is not None
    assert last.outputs["trainingJobStatus"] == "Stopped"
    assert "failureReason" not in last.outputs
    # a stopped job keeps its artifacts (as on AWS), but nothing was deployed
    assert set(result.outputs) == {"trainingJobArn", "modelArtifacts"}
    assert ended_line(result) == (
        "ended by trainingFailed at pollTrainingJob: trainingJobStatus=Stopped")


def test_endpoint_failed_ends_by_endpointTerminal_with_the_reason(
        emu: SageMakerEmulator) -> None:
    emu.training_polls, emu.endpoint_polls, emu.endpoint_outcome = 0, 2, "Failed"
    result = _run(emu, inputs())
    assert result.succeeded, result.error
    assert result.ended_by == "endpointTerminal"
    assert emu.operations == success_operations(0, 2)
    assert result.outputs["endpointStatus"] == "Failed"
    last = result.step("pollEndpoint")
    assert last is not None
    assert last.outputs == {"endpointStatus": "Failed",
                            "failureReason": emu.endpoint_failure_reason}
    line = ended_line(result)
    assert line is not None
    assert line.startswith("ended by endpointTerminal at pollEndpoint: endpointStatus=Failed, "
                           "failureReason=")


def test_duplicate_training_job_name_fails_at_createTrainingJob(
        emu: SageMakerEmulator) -> None:
    emu.training_polls, emu.training_outcome = 0, "Failed"
    data = inputs()
    first = _run(emu, data)
    assert first.ended_by == "trainingFailed"
    emu.reset_records()

    result = _run(emu, data)
    assert not result.succeeded
    assert result.ended_by is None
    assert emu.operations == [CREATE_JOB]
    assert [c.status for c in emu.calls] == [400]
    record = result.steps[-1]
    assert len(result.steps) == 1
    assert record.step_id == "createTrainingJob"
    assert record.status_code == 400
    assert record.error_code == "ResourceInUse"
    assert record.error_message is not None
    assert "a training job with this name already exists" in record.error_message
    assert result.error is not None
    assert result.error.startswith("step 'createTrainingJob' failed: ")
    assert "ResourceInUse" in result.error


def test_throttled_describes_are_retried_by_the_sigv4_transport(
        emu: SageMakerEmulator, caplog: pytest.LogCaptureFixture) -> None:
    emu.throttle = {"DescribeTrainingJob": 2}
    retries: list[RetryEvent] = []
    slept: list[float] = []
    transport = emu.transport(on_retry=retries.append, sleep=slept.append)
    with caplog.at_level(logging.INFO, logger="arazzo.aws"):
        result = _run(emu, inputs(), transport=transport)

    assert result.succeeded, result.error
    expected = success_operations(2, 1)
    expected[1:1] = [DESCRIBE_JOB, DESCRIBE_JOB]  # the two throttled attempts
    assert emu.operations == expected
    assert [c.status for c in emu.calls][1:4] == [400, 400, 200]
    assert [(e.attempt, e.error_code, e.throttling, e.operation) for e in retries] == [
        (1, "ThrottlingException", True, DESCRIBE_JOB),
        (2, "ThrottlingException", True, DESCRIBE_JOB),
    ]
    assert len(slept) == 2
    # the engine saw one successful step attempt per poll: retries stay inside the transport
    assert [r.status_code for r in result.steps if r.step_id == "pollTrainingJob"] == [200] * 3
    logged = [r.getMessage() for r in caplog.records if r.name == "arazzo.aws"]
    assert sum("ThrottlingException" in m for m in logged) == 2


def test_wrong_secret_is_rejected_with_SignatureDoesNotMatch(emu: SageMakerEmulator) -> None:
    wrong = AwsCredentials(emu.credentials.access_key_id, "not-the-secret")
    result = _run(emu, inputs(), transport=emu.transport(credentials=wrong))
    assert not result.succeeded
    assert emu.operations == [CREATE_JOB]
    assert [c.status for c in emu.calls] == [403]
    record = result.steps[0]
    assert len(result.steps) == 1
    assert record.status_code == 403
    assert record.error_code == "SignatureDoesNotMatch"
    assert record.error_message is not None
    assert record.error_message.startswith("The request signature we calculated does not match")
    assert result.error is not None
    assert "SignatureDoesNotMatch" in result.error
    assert "not-the-secret" not in result.to_json()


def test_missing_inputs_fail_before_any_request(emu: SageMakerEmulator) -> None:
    data = inputs()
    del data["roleArn"]
    del data["endpointName"]
    with pytest.raises(InputError) as caught:
        _run(emu, data)
    message = str(caught.value)
    assert "missing required inputs: " in message
    assert "roleArn" in message
    assert "endpointName" in message
    assert emu.operations == []


def test_async_run_against_the_emulator(emu: SageMakerEmulator) -> None:
    import asyncio

    emu.training_polls = emu.endpoint_polls = 1
    transport = emu.transport()
    try:
        result = asyncio.run(arazzo.run_async(
            WORKFLOW, "train-then-deploy", inputs(), servers={SOURCE: emu.endpoint_url},
            transports={SOURCE: transport}, loop_delay=0))
    finally:
        transport.close()
    assert result.succeeded, result.error
    assert emu.operations == success_operations(1, 1)
    assert emu.operations[-1] == DESCRIBE_ENDPOINT
