"""Helpers shared by the AWS tests (imported as a plain module: tests/aws is on sys.path)."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx

JSON_11 = "application/x-amz-json-1.1"
_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


def training_request(name: str) -> dict[str, Any]:
    """The body the flagship workflow's createTrainingJob step builds."""
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7-1",
            "TrainingInputMode": "File",
        },
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://bucket/train/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.large",
            "InstanceCount": 1,
            "VolumeSizeInGB": 10,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def call(client: httpx.Client, operation: str, body: dict[str, Any]) -> httpx.Response:
    """POST an AWS JSON 1.1 SageMaker call (the bytes are what gets signed)."""
    return client.post(
        "/",
        content=json.dumps(body).encode(),
        headers={"X-Amz-Target": f"SageMaker.{operation}", "Content-Type": JSON_11},
    )


class Recorder(httpx.BaseTransport):
    """Wraps an inner transport and keeps the requests it was asked to send."""

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        handler: Callable[[httpx.Request], httpx.Response] | None = None,
    ) -> None:
        self.inner = inner
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler is not None:
            return self.handler(request)
        assert self.inner is not None
        return self.inner.handle_request(request)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
