"""In-doubt requests of durable runs: the AWS provider's ``resend_policy`` and
``resolve_in_doubt``, unit-tested and against the SageMaker emulator (moto on loopback)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _aws_helpers import JSON_11, training_request, unique

from arazzo.aws import SageMakerEmulator, SigV4Transport, resend_policy, resolve_in_doubt
from arazzo.aws._provider import AwsProvider
from arazzo.engine._messages import Headers, RequestSpec, ResponseData, TransportFailure
from arazzo.transports._httpx import send_sync

Sender = Callable[[RequestSpec], ResponseData | TransportFailure]
URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
SECRET = "s3cr3t-value-never-shown"


def spec(target: str | None, body: Any = None, *, method: str = "POST", url: str = URL,
         content_type: str | None = JSON_11,
         extra: list[tuple[str, str]] | None = None) -> RequestSpec:
    headers: list[tuple[str, str]] = []
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if target is not None:
        headers.append(("X-Amz-Target", target))
    headers.extend(extra or [])
    content = None if body is None else (
        body if isinstance(body, bytes) else json.dumps(body).encode())
    return RequestSpec("sagemakerApi", method, url, headers, content,
                       header_params=dict(headers))


def error(code: str, message: str, *, status: int = 400, header: bool = True,
          elapsed: float = 0.25) -> ResponseData:
    fields = [("Content-Type", JSON_11), ("x-amzn-RequestId", "req-1")]
    if header:
        fields.append(("x-amzn-ErrorType", code))
    body = json.dumps({"__type": code, "Message": message}).encode()
    return ResponseData(status, Headers(fields), body, elapsed)


class FakeSend:
    """A ``send`` that records the requests and answers with ``answer``."""

    def __init__(self, answer: ResponseData | TransportFailure | None = None) -> None:
        self.answer = answer
        self.requests: list[RequestSpec] = []

    def __call__(self, request: RequestSpec) -> ResponseData | TransportFailure:
        self.requests.append(request)
        assert self.answer is not None, "send was not expected"
        return self.answer


def described(body: dict[str, Any], *, status: int = 200, elapsed: float = 0.5) -> ResponseData:
    content = json.dumps(body).encode()
    return ResponseData(status, Headers([("Content-Type", JSON_11),
                                         ("x-amzn-RequestId", "req-describe"),
                                         ("Content-Length", str(len(content)))]),
                        content, elapsed)


MODEL = {"ModelName": "m-1", "ExecutionRoleArn": "arn:aws:iam::1:role/R",
         "PrimaryContainer": {"Image": "inference:1"}}
MODEL_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model/m-1"
DUPLICATE_MODEL = error("ValidationException",
                        f'Cannot create already existing model "{MODEL_ARN}".')


# -- resend_policy -------------------------------------------------------------------------
@pytest.mark.parametrize("target", [
    "SageMaker.DescribeTrainingJob", "SageMaker.ListModels",
    "SageMaker.GetScalingConfigurationRecommendation", "SageMaker.Search",
    "SageMaker.BatchGetRecord", "DynamoDB_20120810.BatchGetItem", "SageMaker.ListTrainingJobs",
])
def test_reads_are_idempotent(target: str) -> None:
    kind, reason = resend_policy(spec(target, {}))
    assert kind == "idempotent"
    assert reason == f"{target} only reads"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_safe_methods_of_other_protocols_are_idempotent(method: str) -> None:
    kind, reason = resend_policy(spec(None, method=method, content_type=None))
    assert kind == "idempotent"
    assert reason == f"HTTP {method.upper()} is idempotent"


def test_other_methods_of_other_protocols_are_unsafe() -> None:
    kind, reason = resend_policy(spec(None, {"a": 1}, method="PUT",
                                      content_type="application/json"))
    assert kind == "unsafe"
    assert reason.startswith("HTTP PUT is not idempotent")


def test_a_json_protocol_get_without_target_is_not_a_read() -> None:
    kind, reason = resend_policy(spec(None, method="GET"))
    assert kind == "unsafe"
    assert "without X-Amz-Target" in reason


@pytest.mark.parametrize("field", ["ClientToken", "ClientRequestToken", "IdempotencyToken"])
def test_a_client_token_makes_a_resend_safe(field: str) -> None:
    request = spec("SageMaker.CreatePipeline", {"PipelineName": "p", field: SECRET})
    kind, reason = resend_policy(request)
    assert kind == "token"
    assert reason == ("SageMaker.CreatePipeline carries the idempotency token "
                      f"{field}: re-sending the same body is safe")


@pytest.mark.parametrize("token", ["", 12, None, {"x": "y"}])
def test_a_token_must_be_a_non_empty_string(token: Any) -> None:
    kind, _ = resend_policy(spec("SageMaker.StartPipelineExecution",
                                 {"PipelineName": "p", "ClientRequestToken": token}))
    assert kind == "unsafe"


def test_a_nested_token_does_not_count() -> None:
    kind, _ = resend_policy(spec("SageMaker.StopTrainingJob",
                                 {"TrainingJobName": "j", "Options": {"ClientToken": "t"}}))
    assert kind == "unsafe"


@pytest.mark.parametrize(("action", "name_field", "describe"), [
    ("CreateTrainingJob", "TrainingJobName", "DescribeTrainingJob"),
    ("CreateModel", "ModelName", "DescribeModel"),
    ("CreateEndpointConfig", "EndpointConfigName", "DescribeEndpointConfig"),
    ("CreateEndpoint", "EndpointName", "DescribeEndpoint"),
    ("CreateNotebookInstance", "NotebookInstanceName", "DescribeNotebookInstance"),
])
def test_a_named_create_is_resolved_by_describe(action: str, name_field: str,
                                                describe: str) -> None:
    kind, reason = resend_policy(spec(f"SageMaker.{action}", {name_field: "name-1"}))
    assert kind == "resolve"
    assert reason == (f"SageMaker.{action} has no idempotency token; {name_field} is unique, "
                      f"so a duplicate is resolved with SageMaker.{describe}")


def test_a_token_wins_over_resolving() -> None:
    kind, _ = resend_policy(spec("SageMaker.CreateModel", {**MODEL, "ClientToken": "t"}))
    assert kind == "token"


def test_a_create_without_its_name_is_unsafe() -> None:
    kind, reason = resend_policy(spec("SageMaker.CreateModel", {"ExecutionRoleArn": "r"}))
    assert kind == "unsafe"
    assert reason == ("SageMaker.CreateModel has no idempotency token and no ModelName to "
                      "find the resource by")


@pytest.mark.parametrize("body", [None, b"not json", b"[1, 2]", b"\xff\xfe", {"ModelName": ""},
                                  {"ModelName": 7}])
def test_a_create_whose_body_names_nothing_is_unsafe(body: Any) -> None:
    kind, _ = resend_policy(spec("SageMaker.CreateModel", body))
    assert kind == "unsafe"


@pytest.mark.parametrize("target", ["SageMaker.StopTrainingJob", "SageMaker.DeleteEndpoint",
                                    "SageMaker.UpdateEndpoint", "SageMaker.Create",
                                    "SageMaker.Createx", "SageMaker.Getaway",
                                    "SageMaker.Listen", "SageMaker.AddTags"])
def test_other_actions_are_unsafe(target: str) -> None:
    kind, reason = resend_policy(spec(target, {"TrainingJobName": "j", "EndpointName": "e"}))
    assert kind == "unsafe"
    assert reason == f"{target} has no idempotency token"


def test_the_target_header_is_found_in_any_case() -> None:
    request = RequestSpec("s", "POST", URL, [("content-type", JSON_11),
                                             ("x-amz-target", "SageMaker.ListModels")], b"{}")
    assert resend_policy(request)[0] == "idempotent"


def test_reasons_show_no_header_values_or_body_content() -> None:
    secret_headers = [("Authorization", f"AWS4-HMAC-SHA256 Signature={SECRET}"),
                      ("X-Amz-Security-Token", SECRET)]
    bodies: list[tuple[str | None, Any, str]] = [
        ("SageMaker.CreateModel", {**MODEL, "ModelName": SECRET}, "POST"),
        ("SageMaker.CreateModel", {"Tags": [SECRET]}, "POST"),
        ("SageMaker.CreatePipeline", {"ClientRequestToken": SECRET}, "POST"),
        ("SageMaker.StopTrainingJob", {"TrainingJobName": SECRET}, "POST"),
        ("SageMaker.DescribeModel", {"ModelName": SECRET}, "POST"),
        (None, {"x": SECRET}, "POST"),
        (None, None, "GET"),
    ]
    for target, body, method in bodies:
        request = spec(target, body, method=method, url=f"{URL}?X-Amz-Signature={SECRET}",
                       extra=secret_headers)
        _, reason = resend_policy(request)
        assert SECRET not in reason, reason
        assert "AWS4" not in reason


def test_the_provider_answers_the_same() -> None:
    provider = AwsProvider()
    request = spec("SageMaker.CreateModel", MODEL)
    assert provider.resend_policy(request) == resend_policy(request)
    send = FakeSend(described({"ModelArn": MODEL_ARN}))
    found = provider.resolve_in_doubt(request, DUPLICATE_MODEL, send)
    assert found is not None
    assert json.loads(found.content) == {"ModelArn": MODEL_ARN}


# -- resolve_in_doubt, with a fake send ----------------------------------------------------
def test_already_exists_is_resolved_by_describe() -> None:
    request = spec("SageMaker.CreateModel", MODEL, extra=[
        ("X-Amz-Date", "20240101T000000Z"), ("Authorization", f"AWS4-HMAC-SHA256 {SECRET}"),
        ("X-Amz-Security-Token", SECRET), ("Content-Length", "999"),
        ("X-Custom", "kept")])
    describe_body = {"ModelName": "m-1", "ModelArn": MODEL_ARN, "CreationTime": 1.5}
    send = FakeSend(described(describe_body))
    found = resolve_in_doubt(request, DUPLICATE_MODEL, send)
    assert found is not None
    assert found.status_code == 200
    assert json.loads(found.content) == {"ModelArn": MODEL_ARN}
    assert found.elapsed == pytest.approx(0.75)
    assert found.headers["x-amzn-RequestId"] == "req-describe"
    assert found.headers["Content-Length"] == str(len(found.content))
    [sent] = send.requests
    assert (sent.source, sent.method, sent.url) == ("sagemakerApi", "POST", URL)
    assert json.loads(sent.content or b"") == {"ModelName": "m-1"}
    assert sent.body == {"ModelName": "m-1"}
    assert sent.headers == [("Content-Type", JSON_11), ("X-Custom", "kept"),
                            ("X-Amz-Target", "SageMaker.DescribeModel")]
    assert sent.header_params["X-Amz-Target"] == "SageMaker.DescribeModel"
    assert "x-amz-target" not in sent.header_params


@pytest.mark.parametrize("response", [
    # the four SageMaker shapes (the emulator's, after real SageMaker's)
    error("ResourceInUse", "Training job names must be unique within an AWS account and "
          "region, and a training job with this name already exists (arn:...)"),
    error("ValidationException", 'Cannot create already existing endpoint "arn:...".'),
    # moto's other SageMaker duplicates, namespaced codes, the header alone, a 409
    error("ResourceInUse", "Resource Already Exists: Cluster with name c already exists."),
    error("ValidationException", "Cannot create a duplicate Notebook Instance (arn:...)"),
    error("com.amazonaws.sagemaker#ResourceInUseException", "Thing already exists"),
    error("ResourceAlreadyExistsException", "already exists", status=409),
    ResponseData(400, Headers([("x-amzn-ErrorType", "ResourceInUse:http://internal/")]),
                 json.dumps({"message": "x already exists"}).encode(), 0.1),
])
def test_already_exists_shapes(response: ResponseData) -> None:
    send = FakeSend(described({"ModelArn": MODEL_ARN}))
    assert resolve_in_doubt(spec("SageMaker.CreateModel", MODEL), response, send) is not None
    assert len(send.requests) == 1


@pytest.mark.parametrize("response", [
    error("ValidationException", "Could not find model \"arn:...\"."),
    error("ValidationException", "1 validation error detected: Value at 'modelName'"),
    error("ResourceLimitExceeded", "The account-level service limit already exists"),
    error("ThrottlingException", "Rate exceeded"),
    error("ValidationException", "Cannot create already existing model", status=500),
    described({"ModelArn": MODEL_ARN}),
    ResponseData(400, Headers([("Content-Type", "text/html")]), b"<html>oops</html>", 0.1),
])
def test_other_answers_stand(response: ResponseData) -> None:
    send = FakeSend()
    assert resolve_in_doubt(spec("SageMaker.CreateModel", MODEL), response, send) is None
    assert send.requests == []


@pytest.mark.parametrize("request_", [
    spec("SageMaker.StopTrainingJob", {"TrainingJobName": "j"}),
    spec("SageMaker.CreatePipeline", {"PipelineName": "p", "ClientRequestToken": "t"}),
    spec("SageMaker.DescribeModel", {"ModelName": "m-1"}),
    spec("SageMaker.CreateModel", {"ExecutionRoleArn": "r"}),
    spec(None, method="GET", content_type=None),
])
def test_a_request_that_is_not_resolve_is_never_resolved(request_: RequestSpec) -> None:
    send = FakeSend()
    assert resolve_in_doubt(request_, DUPLICATE_MODEL, send) is None
    assert send.requests == []


@pytest.mark.parametrize("answer", [
    TransportFailure("connect", "cannot connect", 0.1),
    error("ValidationException", "Could not find model"),
    error("ThrottlingException", "Rate exceeded"),
    described({"ModelArn": MODEL_ARN}, status=201),
    described({"ModelName": "m-1"}),
    described({"ModelArn": ""}),
    described({"ModelArn": 7}),
    ResponseData(200, Headers([("Content-Type", "text/xml")]), b"<ListAllMyBucketsResult/>", 0.1),
    ResponseData(200, Headers(), b"[]", 0.1),
])
def test_a_failed_describe_leaves_the_answer_standing(
        answer: ResponseData | TransportFailure) -> None:
    send = FakeSend(answer)
    assert resolve_in_doubt(spec("SageMaker.CreateModel", MODEL), DUPLICATE_MODEL, send) is None
    assert len(send.requests) == 1


# -- against the emulator ------------------------------------------------------------------
@pytest.fixture
def transport(emu: SageMakerEmulator) -> Iterator[SigV4Transport]:
    signer = emu.transport(retry=None)
    yield signer
    signer.close()


@pytest.fixture
def send(transport: SigV4Transport) -> Sender:
    def send(request: RequestSpec) -> ResponseData | TransportFailure:
        return send_sync(transport, request, timeout=30, max_bytes=1 << 20)
    return send


def _call(emu: SageMakerEmulator, send: Sender, operation: str,
          body: dict[str, Any]) -> tuple[RequestSpec, ResponseData]:
    request = spec(f"SageMaker.{operation}", body, url=f"{emu.endpoint_url}/")
    # as a client may send it: a describe built from it must not inherit this
    request.headers.append(("Content-Length", str(len(request.content or b""))))
    response = send(request)
    assert isinstance(response, ResponseData), response
    assert response.headers["content-type"].startswith(JSON_11)  # not moto's S3 fallback
    return request, response


def _names(emu: SageMakerEmulator, send: Sender, operation: str, key: str,
           name_field: str, name: str) -> list[str]:
    _, listed = _call(emu, send, operation, {"NameContains": name, "MaxResults": 100})
    assert listed.status_code == 200
    return [item[name_field] for item in json.loads(listed.content)[key]]


def _bodies(model: str, config: str, endpoint: str, job: str) -> dict[str, dict[str, Any]]:
    return {
        "CreateTrainingJob": training_request(job),
        "CreateModel": {
            "ModelName": model,
            "PrimaryContainer": {"Image": "inference:1", "ModelDataUrl": "s3://b/model.tar.gz"},
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        },
        "CreateEndpointConfig": {
            "EndpointConfigName": config,
            "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model,
                                    "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
        },
        "CreateEndpoint": {"EndpointName": endpoint, "EndpointConfigName": config},
    }


#: (Create action, resource, List action, its list key, the duplicate's __type, message start)
CASES = [
    ("CreateTrainingJob", "TrainingJob", "ListTrainingJobs", "TrainingJobSummaries",
     "ResourceInUse", "Training job names must be unique within an AWS account and region, "
     "and a training job with this name already exists (arn:aws:sagemaker:us-east-1:"),
    ("CreateModel", "Model", "ListModels", "Models", "ValidationException",
     'Cannot create already existing model "arn:aws:sagemaker:us-east-1:'),
    ("CreateEndpointConfig", "EndpointConfig", "ListEndpointConfigs", "EndpointConfigs",
     "ValidationException",
     'Cannot create already existing endpoint configuration "arn:aws:sagemaker:us-east-1:'),
    ("CreateEndpoint", "Endpoint", "ListEndpoints", "Endpoints", "ValidationException",
     'Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:'),
]


@pytest.mark.emulator
@pytest.mark.parametrize(("action", "resource", "list_action", "list_key", "code", "message"),
                         CASES, ids=[case[0] for case in CASES])
def test_a_resent_create_is_resolved_against_the_emulator(
        emu: SageMakerEmulator, send: Sender, action: str, resource: str, list_action: str,
        list_key: str, code: str, message: str) -> None:
    names = {"model": unique("model"), "config": unique("cfg"), "endpoint": unique("ep"),
             "job": unique("job")}
    bodies = _bodies(names["model"], names["config"], names["endpoint"], names["job"])
    # what the create needs first (an endpoint config needs its model...)
    order = list(bodies)
    for prerequisite in order[1:order.index(action)]:
        assert _call(emu, send, prerequisite, bodies[prerequisite])[1].status_code == 200
    emu.reset_records()

    request, first = _call(emu, send, action, bodies[action])
    assert first.status_code == 200
    assert resend_policy(request)[0] == "resolve"
    again = send(request)  # the in-doubt re-send: the same RequestSpec, signed anew
    assert isinstance(again, ResponseData)
    assert again.status_code == 400
    duplicate = json.loads(again.content)
    assert duplicate["__type"] == code
    assert again.headers["x-amzn-ErrorType"] == code
    assert duplicate["Message"].startswith(message)

    resolved = AwsProvider().resolve_in_doubt(request, again, send)

    assert resolved is not None
    assert resolved.status_code == 200
    assert json.loads(resolved.content) == json.loads(first.content)
    assert list(json.loads(first.content)) == [f"{resource}Arn"]
    assert resolved.elapsed > again.elapsed
    assert emu.operations == [f"SageMaker.{action}", f"SageMaker.{action}",
                              f"SageMaker.Describe{resource}"]
    assert [call.status for call in emu.calls] == [200, 400, 200]
    name_field = f"{resource}Name"
    name = bodies[action][name_field]
    assert _names(emu, send, list_action, list_key, name_field, name) == [name]


@pytest.mark.emulator
def test_a_different_error_from_the_emulator_stands(emu: SageMakerEmulator,
                                                    send: Sender) -> None:
    body = {"EndpointName": unique("ep"), "EndpointConfigName": unique("no-such-cfg")}
    request, response = _call(emu, send, "CreateEndpoint", body)
    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "ValidationException"
    assert "Could not find endpoint configuration" in json.loads(response.content)["Message"]
    emu.reset_records()
    assert resolve_in_doubt(request, response, send) is None
    assert emu.operations == []


@pytest.mark.emulator
def test_a_request_that_is_not_resolve_is_not_described(emu: SageMakerEmulator,
                                                        send: Sender) -> None:
    model = unique("model")
    body = _bodies(model, unique("cfg"), unique("ep"), unique("job"))["CreateModel"]
    assert _call(emu, send, "CreateModel", body)[1].status_code == 200
    delete, deleted = _call(emu, send, "DeleteModel", {"ModelName": model})
    assert deleted.status_code == 200
    _, again = _call(emu, send, "DeleteModel", {"ModelName": model})
    assert again.status_code == 400
    emu.reset_records()
    assert resend_policy(delete) == ("unsafe", "SageMaker.DeleteModel has no idempotency token")
    forged = error("ValidationException", f'Cannot create already existing model "{model}".')
    assert resolve_in_doubt(delete, forged, send) is None
    assert resolve_in_doubt(delete, again, send) is None
    assert emu.operations == []
