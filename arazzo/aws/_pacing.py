"""Default loop pacing for AWS polling steps, from botocore's waiters.

A workflow that polls an AWS resource (``DescribeTrainingJob`` until ``Completed``) is a
hand-written waiter. botocore ships the real ones, per service, in its ``waiters-2`` model:
each names the ``operation`` it calls, the ``delay`` between calls and ``maxAttempts``. For a
step of a source the engine signs with SigV4, :func:`step_waiter` finds the waiter whose
operation is the step's operation; the engine uses its ``delay`` as the step's default loop
delay and its ``maxAttempts`` as the step's default loop limit (see ``docs/flagship.md``).

Looked up once per compiled step (the plan caches the answer); botocore's waiter models are
loaded once per service per process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "WaiterPacing",
    "signing_services",
    "step_operation_name",
    "step_waiter",
    "waiter_for",
    "waiters_by_operation",
]

_TARGET_HEADER = "x-amz-target"


@dataclass(frozen=True, slots=True)
class WaiterPacing:
    """One botocore waiter's pacing: ``delay`` seconds between calls, ``max_attempts`` calls."""

    service: str
    waiter: str
    operation: str
    delay: float
    max_attempts: int

    @property
    def origin(self) -> str:
        """``botocore waiter sagemaker.TrainingJobCompletedOrStopped (120 s x 180)``."""
        return (f"botocore waiter {self.service}.{self.waiter} "
                f"({self.delay:g} s x {self.max_attempts})")


@functools.lru_cache(maxsize=64)
def waiters_by_operation(service: str) -> Mapping[str, WaiterPacing]:
    """``{operation: WaiterPacing}`` from botocore's ``waiters-2`` model of ``service``.

    When several waiters call the same operation (``DescribeEndpoint``: ``EndpointInService``
    30 s x 120 and ``EndpointDeleted`` 30 s x 60), the one with the shortest delay wins, then
    the one with the longest total wait (delay x maxAttempts), then the first by name. An
    unknown service, or one without waiters, gives ``{}``.
    """
    try:
        from botocore.exceptions import DataNotFoundError, UnknownServiceError
        from botocore.loaders import Loader
    except ImportError:  # pragma: no cover - botocore is a dependency
        return {}
    try:
        model = Loader().load_service_model(service, "waiters-2")
    except (DataNotFoundError, UnknownServiceError, ValueError):
        return {}
    found: dict[str, WaiterPacing] = {}
    waiters = model.get("waiters") if isinstance(model, dict) else None
    if not isinstance(waiters, dict):
        return {}
    for name in sorted(waiters):
        spec = waiters[name]
        operation, delay, attempts = spec.get("operation"), spec.get("delay"), \
            spec.get("maxAttempts")
        if not isinstance(operation, str) or isinstance(delay, bool) or \
                not isinstance(delay, (int, float)) or not isinstance(attempts, int) or \
                delay < 0 or attempts < 1:
            continue
        candidate = WaiterPacing(service, name, operation, float(delay), attempts)
        current = found.get(operation)
        if current is None or (candidate.delay, -candidate.delay * candidate.max_attempts) < (
                current.delay, -current.delay * current.max_attempts):
            found[operation] = candidate
    return found


def waiter_for(service: str, operation: str) -> WaiterPacing | None:
    """The waiter of ``service`` that calls ``operation`` (e.g. ``DescribeTrainingJob``)."""
    return waiters_by_operation(service).get(operation)


def _literal(value: Any) -> str | None:
    if isinstance(value, str) and value and not value.startswith("$") and "{$" not in value:
        return value
    return None


def _schema_const(schema: Any) -> str | None:
    if not isinstance(schema, Mapping):
        return None
    const = schema.get("const")
    if isinstance(const, str):
        return const
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
        return enum[0]
    return None


def step_operation_name(*, target_schema: Any = None, target_value: Any = None,
                        path: str = "", operation_id: str | None = None) -> str | None:
    """The AWS operation name a step calls, from the first of:

    1. the OpenAPI ``X-Amz-Target`` header parameter's ``const`` (or single ``enum``);
    2. the step's literal ``X-Amz-Target`` parameter value (``SageMaker.DescribeTrainingJob``);
    3. the path key's fragment (``/#X-Amz-Target=SageMaker.X`` or ``/#X``);
    4. the ``operationId``.

    The part after the last ``.`` is the operation (``DescribeTrainingJob``).
    """
    candidates: list[str | None] = [_schema_const(target_schema), _literal(target_value)]
    if "#" in path:
        fragment = path.split("#", 1)[1]
        candidates.append(fragment.split("=", 1)[1] if "=" in fragment else fragment)
    candidates.append(operation_id)
    for candidate in candidates:
        if candidate:
            name = candidate.rsplit(".", 1)[-1].strip()
            if name:
                return name
    return None


def signing_services(openapi: Mapping[str, Any]) -> tuple[str, ...]:
    """botocore service names whose waiters apply to this source, best first: ``()`` unless
    the OpenAPI declares SigV4 signing (:func:`~arazzo.aws.detect_sigv4`); else the signing
    name, then the ``info.x-aws-endpointPrefix`` (``api.sagemaker`` -> ``sagemaker``)."""
    from arazzo.aws._detect import detect_sigv4

    hint = detect_sigv4(openapi)
    if hint is None:
        return ()
    info = openapi.get("info")
    prefix = info.get("x-aws-endpointPrefix") if isinstance(info, Mapping) else None
    names: list[Any] = [hint.service]
    if isinstance(prefix, str):
        names += [prefix, prefix.rsplit(".", 1)[-1]]
    out: list[str] = []
    for name in names:
        if isinstance(name, str) and name and name not in out:
            out.append(name)
    return tuple(out)


def step_waiter(services: Iterable[str], operation: str | None) -> WaiterPacing | None:
    """The first waiter keyed by ``operation`` among ``services``
    (:func:`signing_services` of the step's source)."""
    if not operation:
        return None
    for service in services:
        found = waiter_for(service, operation)
        if found is not None:
            return found
    return None
