"""The flagship: SageMaker train-then-deploy against the scripted server (X-Amz-Target)."""

from __future__ import annotations

from typing import Any

import pytest
from engine_support import DATA
from server import Reply, ScriptedServer

import arazzo

SEED = DATA / "sagemaker" / "arazzo" / "amazon-sagemaker-train-then-deploy-workflow.yml"
AMZ = "application/x-amz-json-1.1"

INPUTS: dict[str, Any] = {
    "trainingJobName": "job-1", "trainingImage": "123.dkr.ecr/img:1",
    "roleArn": "arn:aws:iam::1:role/r",
    "s3OutputPath": "s3://bucket/out", "instanceType": "ml.m5.large", "instanceCount": 1,
    "volumeSizeInGB": 10, "maxRuntimeInSeconds": 3600, "modelName": "model-1",
    "inferenceImage": "123.dkr.ecr/inf:1", "endpointConfigName": "ec-1", "variantName": "v1",
    "initialInstanceCount": 1, "hostingInstanceType": "ml.m5.large", "endpointName": "ep-1",
}


def amz(payload: dict[str, Any], status: int = 200) -> Reply:
    return Reply(status, json=payload, content_type=AMZ)


def script_training(server: ScriptedServer, statuses: list[str]) -> None:
    server.target("SageMaker.CreateTrainingJob", amz({"TrainingJobArn": "arn:tj/job-1"}))
    replies = []
    for status in statuses:
        body: dict[str, Any] = {"TrainingJobStatus": status}
        if status == "Completed":
            body["ModelArtifacts"] = {"S3ModelArtifacts": "s3://bucket/out/model.tar.gz"}
        if status == "Failed":
            body["FailureReason"] = "AlgorithmError: boom"
        replies.append(amz(body))
    server.target("SageMaker.DescribeTrainingJob", *replies)


def test_seed_success_path_three_polls(server: ScriptedServer) -> None:
    script_training(server, ["InProgress", "InProgress", "Completed"])
    server.target("SageMaker.CreateModel", amz({"ModelArn": "arn:model/model-1"}))
    server.target("SageMaker.CreateEndpointConfig", amz({"EndpointConfigArn": "arn:ec/ec-1"}))
    server.target("SageMaker.CreateEndpoint", amz({"EndpointArn": "arn:ep/ep-1"}))
    server.target("SageMaker.DescribeEndpoint", amz({"EndpointStatus": "Creating"}),
                  amz({"EndpointStatus": "InService"}))
    result = arazzo.run(SEED, "train-then-deploy", INPUTS,
                        servers={"sagemakerApi": server.url}, loop_delay=0)
    assert result.succeeded, result.error
    assert result.ended_by == "endpointTerminal"
    assert [r.target for r in server.requests] == [
        "SageMaker.CreateTrainingJob",
        "SageMaker.DescribeTrainingJob", "SageMaker.DescribeTrainingJob",
        "SageMaker.DescribeTrainingJob",
        "SageMaker.CreateModel", "SageMaker.CreateEndpointConfig", "SageMaker.CreateEndpoint",
        "SageMaker.DescribeEndpoint", "SageMaker.DescribeEndpoint",
    ]
    assert result.outputs == {
        "trainingJobArn": "arn:tj/job-1", "modelArtifacts": "s3://bucket/out/model.tar.gz",
        "modelArn": "arn:model/model-1", "endpointArn": "arn:ep/ep-1",
        "endpointStatus": "InService",
    }
    first = server.requests[0]
    assert first.headers["content-type"] == AMZ
    body = first.json
    # WF-03: the schema default for trainingInputMode applies; absent inputDataConfig is
    # left out, never sent as null
    assert body["AlgorithmSpecification"] == {"TrainingImage": "123.dkr.ecr/img:1",
                                              "TrainingInputMode": "File"}
    assert "InputDataConfig" not in body
    assert body["ResourceConfig"] == {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                                      "VolumeSizeInGB": 10}
    # compact JSON bytes
    assert b": " not in first.body
    assert b", " not in first.body
    create_model = server.requests[4].json
    assert create_model["PrimaryContainer"]["ModelDataUrl"] == "s3://bucket/out/model.tar.gz"
    polls = [r for r in result.steps if r.step_id == "pollTrainingJob"]
    assert [p.attempt for p in polls] == [1, 2, 3]
    assert polls[0].action is not None
    assert polls[0].action.name == "stillTraining"
    assert polls[-1].action is not None
    assert polls[-1].action.name == "trainingCompleted"


def test_seed_training_failed_ends_without_create_model(server: ScriptedServer) -> None:
    script_training(server, ["InProgress", "Failed"])
    result = arazzo.run(SEED, "train-then-deploy", INPUTS,
                        servers={"sagemakerApi": server.url}, loop_delay=0)
    # ACT-03: an onSuccess `end` ends the workflow successfully; ended_by names the action
    assert result.ended_by == "trainingFailed"
    assert result.succeeded
    assert result.outputs == {"trainingJobArn": "arn:tj/job-1"}
    targets = [r.target for r in server.requests]
    assert "SageMaker.CreateModel" not in targets
    assert targets.count("SageMaker.DescribeTrainingJob") == 2
    last = result.steps[-1]
    assert last.step_id == "pollTrainingJob"
    assert last.outputs["failureReason"] == "AlgorithmError: boom"


def test_seed_throttled_create_records_aws_error(server: ScriptedServer) -> None:
    server.target("SageMaker.CreateTrainingJob",
                  Reply(400, json={"__type": "com.amazon.coral#ValidationException",
                                   "message": "bad role"}, content_type=AMZ))
    result = arazzo.run(SEED, "train-then-deploy", INPUTS,
                        servers={"sagemakerApi": server.url}, loop_delay=0)
    assert not result.succeeded
    record = result.steps[0]
    assert record.status_code == 400
    assert record.error_code == "ValidationException"
    assert record.error_message == "bad role"
    assert "createTrainingJob" in (result.error or "")


def test_seed_loop_delay_default_applies_between_polls(server: ScriptedServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    script_training(server, ["InProgress", "Failed"])
    slept: list[float] = []
    monkeypatch.setattr("arazzo._run.time.sleep", slept.append)
    result = arazzo.run(SEED, "train-then-deploy", INPUTS, servers={"sagemakerApi": server.url})
    assert result.ended_by == "trainingFailed"
    assert slept == [1.0]  # one re-entry of pollTrainingJob, default loop delay 1 s


def test_seed_async(server: ScriptedServer) -> None:
    import asyncio

    script_training(server, ["Completed"])
    server.target("SageMaker.CreateModel", amz({"ModelArn": "m"}))
    server.target("SageMaker.CreateEndpointConfig", amz({"EndpointConfigArn": "c"}))
    server.target("SageMaker.CreateEndpoint", amz({"EndpointArn": "e"}))
    server.target("SageMaker.DescribeEndpoint", amz({"EndpointStatus": "InService"}))
    result = asyncio.run(arazzo.run_async(SEED, "train-then-deploy", INPUTS,
                                          servers={"sagemakerApi": server.url}, loop_delay=0))
    assert result.succeeded, result.error
    assert result.outputs["endpointStatus"] == "InService"
    assert len(server.requests) == 6
