"""Helpers shared by the flagship tests (imported as a plain module)."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "amazon-sagemaker"
WORKFLOW = SPECS / "arazzo" / "amazon-sagemaker-train-then-deploy-workflow.yml"
OPENAPI = SPECS / "openapi" / "amazon-sagemaker-openapi.yml"
EMULATOR_INPUTS = SPECS / "inputs.emulator.json"
SOURCE = "sagemakerApi"

CREATE_JOB = "SageMaker.CreateTrainingJob"
DESCRIBE_JOB = "SageMaker.DescribeTrainingJob"
CREATE_MODEL = "SageMaker.CreateModel"
CREATE_CONFIG = "SageMaker.CreateEndpointConfig"
CREATE_ENDPOINT = "SageMaker.CreateEndpoint"
DESCRIBE_ENDPOINT = "SageMaker.DescribeEndpoint"

_counter = itertools.count()


def inputs(**overrides: Any) -> dict[str, Any]:
    """The demo inputs with unique resource names (the emulator keeps state per module)."""
    data: dict[str, Any] = json.loads(EMULATOR_INPUTS.read_text())
    tag = f"{next(_counter)}-{uuid.uuid4().hex[:6]}"
    for key in ("trainingJobName", "modelName", "endpointConfigName", "endpointName"):
        data[key] = f"{data[key]}-{tag}"
    data.update(overrides)
    return data


def success_operations(training_polls: int, endpoint_polls: int) -> list[str]:
    return ([CREATE_JOB] + [DESCRIBE_JOB] * (training_polls + 1)
            + [CREATE_MODEL, CREATE_CONFIG, CREATE_ENDPOINT]
            + [DESCRIBE_ENDPOINT] * (endpoint_polls + 1))
