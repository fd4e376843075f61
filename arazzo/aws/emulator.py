"""An in-process SageMaker emulator: moto's server on loopback with a staged lifecycle.

moto answers SageMaker's JSON protocol faithfully but has no ``InProgress``/``Creating``
phase, accepts duplicate names and does not check signatures by default.  This wrapper
fixes that for tests and demos::

    from arazzo.aws.emulator import SageMakerEmulator

    with SageMakerEmulator(training_polls=2, endpoint_polls=1) as emu:
        transport = emu.transport()          # SigV4Transport with the emulator's key
        with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
            ...
        emu.operations   # ['SageMaker.CreateTrainingJob', 'SageMaker.DescribeTrainingJob', ...]

What it does, all undone on exit:

- starts ``moto.server.ThreadedMotoServer`` on ``127.0.0.1`` and a free port;
- ``DescribeTrainingJob`` answers ``InProgress`` for the first ``training_polls`` describes
  of each job, then ``training_outcome`` (``Completed``, ``Failed`` with ``FailureReason``,
  or ``Stopped``); ``DescribeEndpoint`` answers ``Creating`` ``endpoint_polls`` times, then
  ``InService`` or ``Failed``;
- a duplicate ``CreateTrainingJob`` gets 400 ``ResourceInUse``; duplicate ``CreateModel``,
  ``CreateEndpointConfig``, ``CreateEndpoint`` get 400 ``ValidationException``
  "Cannot create already existing ...";
- ``throttle={"DescribeTrainingJob": 2}`` answers the first 2 calls of that operation with
  400 ``ThrottlingException`` (optionally with ``x-amz-retry-after``);
- signature checking (on by default): ``/moto-api/reset-auth`` with 3 free calls, which
  create an IAM user, an access key and a policy allowing ``sagemaker:*``; the key is
  :attr:`credentials`.  Wrong secrets, altered bodies and unknown keys then get 403;
- records every ``X-Amz-Target`` received, in order (:attr:`operations`, :attr:`calls`);
- silences werkzeug's request log and moto's DEBUG logs (which echo request headers).

moto's backends are process-global, so only one emulator may run at a time per process.
Requires the ``emulator`` extra: ``pip install 'arazzo[emulator]'``.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import httpx

from arazzo.aws._credentials import AwsCredentials
from arazzo.aws._exceptions import EmulatorError
from arazzo.aws._transport import SigV4Transport

__all__ = ["EmulatorCall", "SageMakerEmulator"]

TrainingOutcome = Literal["Completed", "Failed", "Stopped"]
EndpointOutcome = Literal["InService", "Failed"]

_RUNNING = threading.Lock()
_INSTALL_HINT = (
    "The SageMaker emulator needs moto's server: pip install 'arazzo[emulator]' "
    "(or pip install 'moto[server]')"
)
_BOOTSTRAP = AwsCredentials("AKIDARAZZOBOOTSTRAP0", "bootstrap-secret-not-checked")
_NO_AUTH = AwsCredentials("AKIDARAZZONOAUTHKEY0", "emulator-secret-not-checked")
_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}],
}
_QUIET_LOGGERS = {"werkzeug": logging.ERROR, "moto": logging.WARNING}
_FREE_CALLS = 3  # CreateUser, CreateAccessKey, PutUserPolicy


@dataclass(frozen=True)
class EmulatorCall:
    """One request the emulator received: its ``X-Amz-Target`` and the status answered."""

    target: str
    status: int

    @property
    def operation(self) -> str:
        return self.target.rsplit(".", 1)[-1]


class _Patches:
    """Record attribute replacements and undo them in reverse order."""

    def __init__(self) -> None:
        self._undo: list[tuple[object, str, bool, object]] = []

    def set(self, owner: object, name: str, value: object) -> None:
        had_own = name in vars(owner) if isinstance(owner, type) else hasattr(owner, name)
        self._undo.append((owner, name, had_own, getattr(owner, name, None)))
        setattr(owner, name, value)

    def restore(self) -> None:
        while self._undo:
            owner, name, had_own, original = self._undo.pop()
            if had_own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)


class SageMakerEmulator:
    """Context manager running moto's SageMaker on loopback with a staged lifecycle.

    See the module docstring.  ``endpoint_url`` is ``http://127.0.0.1:<port>``;
    ``credentials`` is the IAM access key created for the run (any key is accepted when
    ``check_signatures=False``).
    """

    def __init__(
        self,
        *,
        training_polls: int = 2,
        training_outcome: TrainingOutcome = "Completed",
        training_failure_reason: str = "AlgorithmError: simulated training failure",
        endpoint_polls: int = 1,
        endpoint_outcome: EndpointOutcome = "InService",
        endpoint_failure_reason: str = "Simulated: the model failed to load",
        throttle: Mapping[str, int] | None = None,
        throttle_retry_after_ms: int | None = None,
        check_signatures: bool = True,
        region: str = "us-east-1",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if training_outcome not in ("Completed", "Failed", "Stopped"):
            raise EmulatorError(f"training_outcome must be Completed, Failed or Stopped, "
                                f"not {training_outcome!r}")
        if endpoint_outcome not in ("InService", "Failed"):
            raise EmulatorError(f"endpoint_outcome must be InService or Failed, "
                                f"not {endpoint_outcome!r}")
        self.training_polls = training_polls
        self.training_outcome: TrainingOutcome = training_outcome
        self.training_failure_reason = training_failure_reason
        self.endpoint_polls = endpoint_polls
        self.endpoint_outcome: EndpointOutcome = endpoint_outcome
        self.endpoint_failure_reason = endpoint_failure_reason
        self.throttle = {k.rsplit(".", 1)[-1]: v for k, v in (throttle or {}).items()}
        self.throttle_retry_after_ms = throttle_retry_after_ms
        self.check_signatures = check_signatures
        self.region = region
        self._host = host
        self._port = port
        self._server: Any = None
        self._url: str | None = None
        self._credentials: AwsCredentials | None = None
        self._user: str | None = None
        self._patches = _Patches()
        self._lock = threading.Lock()
        self._calls: list[EmulatorCall] = []
        self._op_counts: Counter[str] = Counter()
        self._training_describes: Counter[str] = Counter()
        self._endpoint_describes: Counter[str] = Counter()
        self._owns_lock = False
        self._auth_saved: tuple[Any, Any] | None = None
        self._logger_levels: dict[str, int] = {}

    def __repr__(self) -> str:
        state = self._url or "stopped"
        return (f"SageMakerEmulator({state}, training_polls={self.training_polls}, "
                f"training_outcome={self.training_outcome!r}, "
                f"endpoint_polls={self.endpoint_polls}, "
                f"endpoint_outcome={self.endpoint_outcome!r}, "
                f"check_signatures={self.check_signatures})")

    # -- public surface -----------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        if self._url is None:
            raise EmulatorError("the emulator is not running: use it as a context manager")
        return self._url

    @property
    def credentials(self) -> AwsCredentials:
        """The IAM access key created for this run (``repr`` is redacted)."""
        if self._credentials is None:
            raise EmulatorError("the emulator is not running: use it as a context manager")
        return self._credentials

    @property
    def operations(self) -> list[str]:
        """Every ``X-Amz-Target`` received, in order (throttled and rejected calls too)."""
        with self._lock:
            return [call.target for call in self._calls]

    @property
    def calls(self) -> list[EmulatorCall]:
        with self._lock:
            return list(self._calls)

    def transport(self, **options: Any) -> SigV4Transport:
        """A :class:`SigV4Transport` for this emulator (service ``sagemaker``, its region and
        credentials); ``options`` are passed on (``retry``, ``on_retry``, ``sleep``...)."""
        options.setdefault("service", "sagemaker")
        options.setdefault("region", self.region)
        options.setdefault("credentials", self.credentials)
        return SigV4Transport(**options)

    def reset_records(self) -> None:
        """Forget recorded calls and throttling counts (staging counters are kept)."""
        with self._lock:
            self._calls.clear()
            self._op_counts.clear()

    # -- lifecycle ----------------------------------------------------------------------
    def __enter__(self) -> SageMakerEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise EmulatorError(_INSTALL_HINT) from exc
        if not _RUNNING.acquire(blocking=False):
            raise EmulatorError(
                "another SageMakerEmulator is running in this process (moto's state is "
                "process-global); stop it first"
            )
        self._owns_lock = True
        try:
            # werkzeug logs every request; moto's IAM check logs the received headers
            # (Authorization included) at DEBUG: quiet both while we run.
            for name, level in _QUIET_LOGGERS.items():
                logger = logging.getLogger(name)
                self._logger_levels[name] = logger.level
                logger.setLevel(level)
            self._patch_backend()
            server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
            server.start()
            self._server = server
            host, port = server.get_host_and_port()
            self._url = f"http://{host}:{port}"
            inner = server._server  # werkzeug BaseWSGIServer; its handlers call .app
            if inner is None:  # pragma: no cover - start() waits for the server
                raise EmulatorError("moto's server did not start")
            inner.app = self._middleware(inner.app)
            if self.check_signatures:
                self._enable_auth()
            else:
                self._credentials = _NO_AUTH
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        try:
            if self._server is not None:
                self._disable_auth()
                self._server.stop()
                self._server = None
        finally:
            self._patches.restore()
            for name, level in self._logger_levels.items():
                logging.getLogger(name).setLevel(level)
            self._logger_levels.clear()
            self._credentials = None
            try:
                from moto.sagemaker.models import sagemaker_backends

                sagemaker_backends.reset()
            except ImportError:  # pragma: no cover - moto missing: nothing was started
                pass
            self._url = None
            if self._owns_lock:
                self._owns_lock = False
                _RUNNING.release()

    # -- WSGI middleware: record, throttle --------------------------------------------
    def _middleware(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            target = environ.get("HTTP_X_AMZ_TARGET")
            if not target:
                return app(environ, start_response)
            operation = str(target).rsplit(".", 1)[-1]
            with self._lock:
                self._op_counts[operation] += 1
                throttled = self._op_counts[operation] <= self.throttle.get(operation, 0)
            if throttled:
                with self._lock:
                    self._calls.append(EmulatorCall(str(target), 400))
                return self._throttled(start_response)
            status_box: list[int] = []

            def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
                status_box.append(int(status.split(" ", 1)[0]))
                return start_response(status, headers, *args)

            result = app(environ, recording_start_response)
            with self._lock:
                self._calls.append(EmulatorCall(str(target), status_box[0] if status_box else 0))
            return result

        return wsgi

    def _throttled(self, start_response: Callable[..., Any]) -> Iterator[bytes]:
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
        data = body.encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("x-amzn-ErrorType", "ThrottlingException"),
        ]
        if self.throttle_retry_after_ms is not None:
            headers.append(("x-amz-retry-after", str(self.throttle_retry_after_ms)))
        start_response("400 Bad Request", headers)
        return iter([data])

    # -- backend patches: staged lifecycle, duplicates ----------------------------------
    def _patch_backend(self) -> None:
        from moto.sagemaker import models
        from moto.sagemaker.exceptions import ResourceInUseException, ValidationError

        backend = models.SageMakerModelBackend
        emulator = self
        original_describe_job = backend.describe_training_job
        original_describe_endpoint = backend.describe_endpoint
        original_create_job = backend.create_training_job
        original_create_model = backend.create_model
        original_create_config = backend.create_endpoint_config
        original_create_endpoint = backend.create_endpoint

        def describe_training_job(self: Any, training_job_name: str) -> dict[str, Any]:
            result = dict(original_describe_job(self, training_job_name))
            with emulator._lock:
                emulator._training_describes[training_job_name] += 1
                seen = emulator._training_describes[training_job_name]
            if seen <= emulator.training_polls:
                result.update(TrainingJobStatus="InProgress", SecondaryStatus="Training")
                result.pop("ModelArtifacts", None)
                result.pop("TrainingEndTime", None)
                result.pop("FinalMetricDataList", None)
            elif emulator.training_outcome == "Failed":
                result.update(
                    TrainingJobStatus="Failed",
                    SecondaryStatus="Failed",
                    FailureReason=emulator.training_failure_reason,
                )
                result.pop("ModelArtifacts", None)
            elif emulator.training_outcome == "Stopped":
                result.update(TrainingJobStatus="Stopped", SecondaryStatus="Stopped")
            return result

        def describe_endpoint(self: Any, endpoint_name: str) -> dict[str, Any]:
            result = dict(original_describe_endpoint(self, endpoint_name))
            with emulator._lock:
                emulator._endpoint_describes[endpoint_name] += 1
                seen = emulator._endpoint_describes[endpoint_name]
            if seen <= emulator.endpoint_polls:
                result["EndpointStatus"] = "Creating"
            elif emulator.endpoint_outcome == "Failed":
                result.update(
                    EndpointStatus="Failed", FailureReason=emulator.endpoint_failure_reason
                )
            return result

        def arn(self: Any, kind: str, name: str) -> str:
            return f"arn:aws:sagemaker:{self.region_name}:{self.account_id}:{kind}/{name}"

        def create_training_job(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("training_job_name", args[0] if args else None)
            if name in self.training_jobs:
                raise ResourceInUseException(
                    "Training job names must be unique within an AWS account and region, "
                    f"and a training job with this name already exists "
                    f"({arn(self, 'training-job', str(name).lower())})"
                )
            with emulator._lock:
                emulator._training_describes.pop(str(name), None)
            return original_create_job(self, *args, **kwargs)

        def create_model(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("model_name", args[0] if args else None)
            if name in self._models:
                raise ValidationError(
                    f'Cannot create already existing model "{arn(self, "model", str(name))}".'
                )
            return original_create_model(self, *args, **kwargs)

        def create_endpoint_config(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("endpoint_config_name", args[0] if args else None)
            if name in self.endpoint_configs:
                raise ValidationError(
                    "Cannot create already existing endpoint configuration "
                    f'"{arn(self, "endpoint-config", str(name))}".'
                )
            return original_create_config(self, *args, **kwargs)

        def create_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("endpoint_name", args[0] if args else None)
            if name in self.endpoints:
                raise ValidationError(
                    f'Cannot create already existing endpoint "{arn(self, "endpoint", str(name))}".'
                )
            with emulator._lock:
                emulator._endpoint_describes.pop(str(name), None)
            return original_create_endpoint(self, *args, **kwargs)

        patches = {
            "describe_training_job": describe_training_job,
            "describe_endpoint": describe_endpoint,
            "create_training_job": create_training_job,
            "create_model": create_model,
            "create_endpoint_config": create_endpoint_config,
            "create_endpoint": create_endpoint,
        }
        for name, function in patches.items():
            self._patches.set(backend, name, function)

    # -- signature checking -------------------------------------------------------------
    def _iam(self, client: httpx.Client, action: str, **params: str) -> ET.Element:
        form = {"Action": action, "Version": "2010-05-08", **params}
        response = client.post(
            "/", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        if response.status_code != 200:
            raise EmulatorError(
                f"the emulator's IAM bootstrap call {action} failed with HTTP "
                f"{response.status_code}"
            )
        return ET.fromstring(response.content)

    def _enable_auth(self) -> None:
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin

        self._auth_saved = (
            settings.INITIAL_NO_AUTH_ACTION_COUNT,
            ActionAuthenticatorMixin.request_count,
        )
        url = self.endpoint_url
        with httpx.Client(base_url=url) as plain:
            reply = plain.post(
                "/moto-api/reset-auth",
                content=str(_FREE_CALLS).encode(),
                headers={"Content-Type": "text/plain"},
            )
            if reply.status_code != 200:
                raise EmulatorError(f"moto refused reset-auth (HTTP {reply.status_code})")
        user = f"arazzo-emulator-{uuid.uuid4().hex[:8]}"
        transport = SigV4Transport(
            service="iam", region="us-east-1", credentials=_BOOTSTRAP, retry=None
        )
        with httpx.Client(transport=transport, base_url=url) as client:
            self._iam(client, "CreateUser", UserName=user)
            self._user = user
            root = self._iam(client, "CreateAccessKey", UserName=user)
            self._iam(
                client,
                "PutUserPolicy",
                UserName=user,
                PolicyName="arazzo-emulator-sagemaker",
                PolicyDocument=json.dumps(_POLICY),
            )
        key_id = secret = None
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "AccessKeyId":
                key_id = element.text
            elif tag == "SecretAccessKey":
                secret = element.text
        if not key_id or not secret:
            raise EmulatorError("moto's CreateAccessKey answer had no key")
        self._credentials = AwsCredentials(key_id, secret)

    def _disable_auth(self) -> None:
        if self._auth_saved is None:
            return
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin

        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        try:
            if self._user is not None and self._url is not None:
                transport = SigV4Transport(
                    service="iam", region="us-east-1", credentials=_BOOTSTRAP, retry=None
                )
                with httpx.Client(transport=transport, base_url=self._url) as client:
                    key_id = self._credentials.access_key_id if self._credentials else None
                    if key_id:
                        client.post("/", data={"Action": "DeleteAccessKey", "UserName": self._user,
                                               "AccessKeyId": key_id, "Version": "2010-05-08"})
                    client.post("/", data={"Action": "DeleteUserPolicy", "UserName": self._user,
                                           "PolicyName": "arazzo-emulator-sagemaker",
                                           "Version": "2010-05-08"})
                    client.post("/", data={"Action": "DeleteUser", "UserName": self._user,
                                           "Version": "2010-05-08"})
        except httpx.HTTPError:  # best effort: the server is going away anyway
            pass
        finally:
            settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = (
                self._auth_saved
            )
            self._auth_saved = None
            self._user = None
            self._credentials = None
