"""The SageMaker emulator's staged lifecycle, duplicates and records."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from _aws_helpers import call, training_request, unique

from arazzo.aws import EmulatorError, SageMakerEmulator, parse_aws_error

pytestmark = pytest.mark.emulator


def _client(emu: SageMakerEmulator) -> httpx.Client:
    return httpx.Client(transport=emu.transport(retry=None), base_url=emu.endpoint_url)


def _poll_training(client: httpx.Client, name: str, times: int) -> list[dict[str, Any]]:
    return [call(client, "DescribeTrainingJob", {"TrainingJobName": name}).json()
            for _ in range(times)]


def _deploy(client: httpx.Client, model: str, config: str, endpoint: str) -> None:
    assert call(client, "CreateModel", {
        "ModelName": model,
        "PrimaryContainer": {"Image": "inference:1", "ModelDataUrl": "s3://b/model.tar.gz"},
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    }).status_code == 200
    assert call(client, "CreateEndpointConfig", {
        "EndpointConfigName": config,
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model,
                                "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
    }).status_code == 200
    assert call(client, "CreateEndpoint", {
        "EndpointName": endpoint, "EndpointConfigName": config,
    }).status_code == 200


def test_training_in_progress_then_completed(emu: SageMakerEmulator) -> None:
    emu.training_polls = 3
    name = unique("job")
    with _client(emu) as client:
        assert call(client, "CreateTrainingJob", training_request(name)).status_code == 200
        bodies = _poll_training(client, name, 5)
    assert [b["TrainingJobStatus"] for b in bodies] == [
        "InProgress", "InProgress", "InProgress", "Completed", "Completed"]
    assert "ModelArtifacts" not in bodies[0]
    assert bodies[0]["SecondaryStatus"] == "Training"
    assert bodies[3]["ModelArtifacts"]["S3ModelArtifacts"] == (
        f"s3://bucket/output/{name}/output/model.tar.gz")


def test_training_failed_with_reason(emu: SageMakerEmulator) -> None:
    emu.training_polls = 1
    emu.training_outcome = "Failed"
    name = unique("failing")
    with _client(emu) as client:
        call(client, "CreateTrainingJob", training_request(name))
        bodies = _poll_training(client, name, 3)
    assert [b["TrainingJobStatus"] for b in bodies] == ["InProgress", "Failed", "Failed"]
    assert bodies[1]["FailureReason"].startswith("AlgorithmError")
    assert "ModelArtifacts" not in bodies[1]


def test_training_stopped(emu: SageMakerEmulator) -> None:
    emu.training_polls = 0
    emu.training_outcome = "Stopped"
    name = unique("stopped")
    with _client(emu) as client:
        call(client, "CreateTrainingJob", training_request(name))
        assert _poll_training(client, name, 1)[0]["TrainingJobStatus"] == "Stopped"


def test_endpoint_creating_then_in_service(emu: SageMakerEmulator) -> None:
    emu.endpoint_polls = 2
    endpoint = unique("ep")
    with _client(emu) as client:
        _deploy(client, unique("model"), unique("cfg"), endpoint)
        statuses = [call(client, "DescribeEndpoint", {"EndpointName": endpoint}).json()
                    ["EndpointStatus"] for _ in range(4)]
    assert statuses == ["Creating", "Creating", "InService", "InService"]


def test_endpoint_failed_with_reason(emu: SageMakerEmulator) -> None:
    emu.endpoint_polls = 1
    emu.endpoint_outcome = "Failed"
    endpoint = unique("ep")
    with _client(emu) as client:
        _deploy(client, unique("model"), unique("cfg"), endpoint)
        bodies = [call(client, "DescribeEndpoint", {"EndpointName": endpoint}).json()
                  for _ in range(2)]
    assert [b["EndpointStatus"] for b in bodies] == ["Creating", "Failed"]
    assert bodies[1]["FailureReason"]


def test_duplicate_names(emu: SageMakerEmulator) -> None:
    job, model, config, endpoint = (unique(p) for p in ("job", "model", "cfg", "ep"))
    with _client(emu) as client:
        call(client, "CreateTrainingJob", training_request(job))
        again = call(client, "CreateTrainingJob", training_request(job))
        _deploy(client, model, config, endpoint)
        duplicates = {
            "model": call(client, "CreateModel", {
                "ModelName": model, "PrimaryContainer": {"Image": "i"},
                "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r"}),
            "endpoint configuration": call(client, "CreateEndpointConfig", {
                "EndpointConfigName": config,
                "ProductionVariants": [{"VariantName": "v", "ModelName": model,
                                        "InitialInstanceCount": 1,
                                        "InstanceType": "ml.m5.large"}]}),
            "endpoint": call(client, "CreateEndpoint", {
                "EndpointName": endpoint, "EndpointConfigName": config}),
        }
    assert again.status_code == 400
    error = parse_aws_error(again.status_code, again.headers, again.content)
    assert error is not None
    assert error.code == "ResourceInUse"
    for kind, response in duplicates.items():
        error = parse_aws_error(response.status_code, response.headers, response.content)
        assert error is not None, kind
        assert error.code == "ValidationException", kind
        assert error.message.startswith(f"Cannot create already existing {kind} "), kind


def test_missing_resources_answer_validation_exception(emu: SageMakerEmulator) -> None:
    with _client(emu) as client:
        response = call(client, "DescribeEndpoint", {"EndpointName": unique("nope")})
    error = parse_aws_error(response.status_code, response.headers, response.content)
    assert error is not None
    assert error.code == "ValidationException"


def test_flagship_flow_sequence(emu: SageMakerEmulator) -> None:
    """The train-then-deploy workflow's requests, issued by hand, with its loops."""
    emu.training_polls = 2
    emu.endpoint_polls = 1
    emu.throttle = {"DescribeEndpoint": 1}
    job, model, config, endpoint = (unique(p) for p in ("job", "model", "cfg", "ep"))
    with httpx.Client(transport=emu.transport(sleep=lambda s: None),
                      base_url=emu.endpoint_url) as client:
        arn = call(client, "CreateTrainingJob", training_request(job)).json()["TrainingJobArn"]
        while True:
            status = call(client, "DescribeTrainingJob", {"TrainingJobName": job}).json()
            if status["TrainingJobStatus"] != "InProgress":
                break
        assert status["TrainingJobStatus"] == "Completed"
        artifacts = status["ModelArtifacts"]["S3ModelArtifacts"]
        assert call(client, "CreateModel", {
            "ModelName": model,
            "PrimaryContainer": {"Image": "inference:1", "ModelDataUrl": artifacts},
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        }).status_code == 200
        call(client, "CreateEndpointConfig", {
            "EndpointConfigName": config,
            "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model,
                                    "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
        })
        call(client, "CreateEndpoint", {"EndpointName": endpoint, "EndpointConfigName": config})
        while call(client, "DescribeEndpoint", {"EndpointName": endpoint}).json()[
                "EndpointStatus"] == "Creating":
            pass
    assert arn.endswith(job)
    names = [target.split(".")[1] for target in emu.operations]
    assert names == [
        "CreateTrainingJob",
        "DescribeTrainingJob", "DescribeTrainingJob", "DescribeTrainingJob",
        "CreateModel", "CreateEndpointConfig", "CreateEndpoint",
        "DescribeEndpoint",  # throttled, retried by the transport
        "DescribeEndpoint", "DescribeEndpoint",
    ]
    assert emu.calls[7].status == 400


def test_a_second_emulator_in_the_same_process_is_refused(emu: SageMakerEmulator) -> None:
    with pytest.raises(EmulatorError, match="another SageMakerEmulator"):
        SageMakerEmulator().start()
    assert emu.endpoint_url  # the running one is unaffected


def test_invalid_outcomes_are_rejected() -> None:
    with pytest.raises(EmulatorError, match="training_outcome"):
        SageMakerEmulator(training_outcome="Done")  # type: ignore[arg-type]
    with pytest.raises(EmulatorError, match="not running"):
        _ = SageMakerEmulator().endpoint_url
