"""What the engine sends and what moto answers validate against the generated OpenAPI.

A recording transport sits under the emulator's SigV4 transport (between it and the
network) and keeps each request body, as signed and sent, and each response body, for every
attempt. Every body
is validated with JSON Schema 2020-12 against its operation's request schema, or the schema
of the response status it came with (``200``, or the ``400`` AWS error shape), ``$ref``s
resolved through a ``referencing`` registry holding the whole OpenAPI document.
(openapi-spec-validator on the same document: tests/aws/test_aws_openapi.py.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from _flagship import OPENAPI, SOURCE, WORKFLOW, inputs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import arazzo
from arazzo.aws import SageMakerEmulator

pytestmark = pytest.mark.emulator

MEDIA = "application/x-amz-json-1.1"
URI = "urn:arazzo:flagship-openapi"


@dataclass
class Exchange:
    target: str
    request: Any
    status: int
    content_type: str
    response: Any


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = request.read()
        response = self.inner.handle_request(request)
        content = response.read()
        response.close()
        self.exchanges.append(Exchange(
            request.headers["x-amz-target"], json.loads(sent), response.status_code,
            response.headers.get("content-type", ""), json.loads(content) if content else None))
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        self.inner.close()


class Schemas:
    def __init__(self) -> None:
        self.spec: dict[str, Any] = yaml.safe_load(OPENAPI.read_text())
        self.registry: Registry[Any] = Registry().with_resource(
            URI, Resource.from_contents(self.spec, default_specification=DRAFT202012))

    def validator(self, operation: str, status: int | None) -> jsonschema.Draft202012Validator:
        op = self.spec["paths"][f"/#X-Amz-Target=SageMaker.{operation}"]["post"]
        if status is None:
            schema = op["requestBody"]["content"][MEDIA]["schema"]
        else:
            key = str(status) if str(status) in op["responses"] else f"{str(status)[0]}XX"
            schema = op["responses"][key]["content"][MEDIA]["schema"]
        wrapper = {"$ref": URI + schema["$ref"]} if "$ref" in schema else schema
        return jsonschema.Draft202012Validator(wrapper, registry=self.registry)

    def errors(self, exchange: Exchange) -> list[str]:
        """Schema errors of both bodies, except the two known deviations (:func:`known`)."""
        operation = exchange.target.rsplit(".", 1)[-1]
        problems = []
        for status, body in ((None, exchange.request), (exchange.status, exchange.response)):
            what = "request" if status is None else f"response {status}"
            for error in self.validator(operation, status).iter_errors(body):
                if status is not None and known(operation, body, error):
                    continue
                where = "/".join(str(p) for p in error.absolute_path)
                problems.append(f"{operation} {what} at /{where}: {error.message}")
        return problems


def known(operation: str, body: Any, error: jsonschema.ValidationError) -> bool:
    """The two ways a response legitimately differs from botocore's output shapes.

    1. ``DescribeTrainingJob`` without ``ModelArtifacts`` while the job is ``InProgress`` or
       ``Failed``: botocore's model marks the member required (botocore never validates
       responses), but there are no artifacts yet; the emulator leaves it out, as SageMaker
       does, and the workflow's ``modelArtifacts`` output then has no value.
    2. ``DescribeEndpoint`` with ``DataCaptureConfig: {}``: moto's answer for an endpoint
       without data capture, where AWS leaves the member out.
    """
    if operation == "DescribeTrainingJob" and error.validator == "required" and \
            not list(error.absolute_path) and "'ModelArtifacts'" in error.message:
        return bool(body.get("TrainingJobStatus") in ("InProgress", "Failed"))
    if operation == "DescribeEndpoint" and list(error.absolute_path) == ["DataCaptureConfig"]:
        return bool(body.get("DataCaptureConfig") == {})
    return False


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas()


def _run(emu: SageMakerEmulator, data: dict[str, Any]) -> tuple[arazzo.RunResult, Recording]:
    # inside the SigV4 transport: every attempt (retried ones too), as signed and sent
    recording = Recording(httpx.HTTPTransport())
    transport = emu.transport(transport=recording, sleep=lambda _: None)
    try:
        result = arazzo.run(WORKFLOW, None, data, servers={SOURCE: emu.endpoint_url},
                            transports={SOURCE: transport}, loop_delay=0)
    finally:
        transport.close()
    return result, recording


def test_success_run_bodies_validate(emu: SageMakerEmulator, schemas: Schemas) -> None:
    emu.training_polls = emu.endpoint_polls = 1
    data = inputs(inputDataConfig=[{
        "ChannelName": "train",
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/",
                                        "S3DataDistributionType": "FullyReplicated"}}}])
    result, recording = _run(emu, data)
    assert result.succeeded, result.error
    assert [e.target.rsplit(".", 1)[1] for e in recording.exchanges] == [
        "CreateTrainingJob", "DescribeTrainingJob", "DescribeTrainingJob", "CreateModel",
        "CreateEndpointConfig", "CreateEndpoint", "DescribeEndpoint", "DescribeEndpoint"]
    assert all(e.status == 200 and e.content_type == MEDIA for e in recording.exchanges)
    problems = [p for e in recording.exchanges for p in schemas.errors(e)]
    assert problems == []
    # the schemas have teeth: the polled statuses are enums, the request needs RoleArn
    describe = recording.exchanges[1]
    broken = dict(describe.response, TrainingJobStatus="Sleeping")
    assert list(schemas.validator("DescribeTrainingJob", 200).iter_errors(broken))
    request = dict(recording.exchanges[0].request)
    del request["RoleArn"]
    assert list(schemas.validator("CreateTrainingJob", None).iter_errors(request))


def test_failure_and_error_bodies_validate(emu: SageMakerEmulator, schemas: Schemas) -> None:
    emu.training_polls, emu.endpoint_polls, emu.endpoint_outcome = 0, 0, "Failed"
    emu.throttle = {"CreateModel": 1}
    data = inputs()
    result, recording = _run(emu, data)
    assert result.ended_by == "endpointTerminal"
    emu.training_outcome = "Failed"
    duplicate, again = _run(emu, data)  # same names: ResourceInUse
    assert not duplicate.succeeded
    exchanges = recording.exchanges + again.exchanges
    statuses = [(e.target.rsplit(".", 1)[1], e.status) for e in exchanges]
    assert statuses == [
        ("CreateTrainingJob", 200), ("DescribeTrainingJob", 200), ("CreateModel", 400),
        ("CreateModel", 200), ("CreateEndpointConfig", 200), ("CreateEndpoint", 200),
        ("DescribeEndpoint", 200), ("CreateTrainingJob", 400)]
    assert exchanges[-1].response["__type"] == "ResourceInUse"
    assert exchanges[2].response["__type"] == "ThrottlingException"
    assert exchanges[6].response["EndpointStatus"] == "Failed"
    assert "FailureReason" in exchanges[6].response
    problems = [p for e in exchanges for p in schemas.errors(e)]
    assert problems == []
