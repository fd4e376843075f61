"""AWS support: SigV4 signing transports, AWS error parsing, retries, SigV4 detection in
OpenAPI descriptions, what durable runs may re-send after a crash (``resend_policy``,
``resolve_in_doubt``), an OpenAPI generator for botocore models (:mod:`arazzo.aws.openapi`)
and a SageMaker emulator on moto (:mod:`arazzo.aws.emulator`, extra ``emulator``).

See ``docs/aws.md``.

Names are imported on first use (PEP 562): the CLI registers its AWS options without
loading botocore.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo.aws._credentials import (
        AwsCredentials,
        check_credentials,
    )
    from arazzo.aws._detect import (
        SigV4Hint,
        detect_sigv4,
    )
    from arazzo.aws._errors import (
        AUTH_ERROR_CODES,
        THROTTLING_ERROR_CODES,
        TRANSIENT_ERROR_CODES,
        TRANSIENT_STATUS_CODES,
        AwsError,
        parse_aws_error,
    )
    from arazzo.aws._exceptions import (
        AwsConfigurationError,
        AwsCredentialsError,
        EmulatorError,
    )
    from arazzo.aws._in_doubt import (
        ResendKind,
        resend_policy,
        resolve_in_doubt,
    )
    from arazzo.aws._retry import (
        RetryEvent,
        RetryPolicy,
    )
    from arazzo.aws._scope import (
        AwsScope,
        infer_scope,
    )
    from arazzo.aws._transport import (
        AsyncSigV4Transport,
        SigV4Transport,
    )
    from arazzo.aws.emulator import (
        SageMakerEmulator,
    )

_LAZY: dict[str, str] = {
    "AUTH_ERROR_CODES": "arazzo.aws._errors",
    "THROTTLING_ERROR_CODES": "arazzo.aws._errors",
    "TRANSIENT_ERROR_CODES": "arazzo.aws._errors",
    "TRANSIENT_STATUS_CODES": "arazzo.aws._errors",
    "AsyncSigV4Transport": "arazzo.aws._transport",
    "AwsConfigurationError": "arazzo.aws._exceptions",
    "AwsCredentials": "arazzo.aws._credentials",
    "AwsCredentialsError": "arazzo.aws._exceptions",
    "AwsError": "arazzo.aws._errors",
    "AwsScope": "arazzo.aws._scope",
    "EmulatorError": "arazzo.aws._exceptions",
    "ResendKind": "arazzo.aws._in_doubt",
    "RetryEvent": "arazzo.aws._retry",
    "RetryPolicy": "arazzo.aws._retry",
    "SageMakerEmulator": "arazzo.aws.emulator",
    "SigV4Hint": "arazzo.aws._detect",
    "SigV4Transport": "arazzo.aws._transport",
    "check_credentials": "arazzo.aws._credentials",
    "detect_sigv4": "arazzo.aws._detect",
    "infer_scope": "arazzo.aws._scope",
    "parse_aws_error": "arazzo.aws._errors",
    "resend_policy": "arazzo.aws._in_doubt",
    "resolve_in_doubt": "arazzo.aws._in_doubt",
}

__all__ = [
    "AUTH_ERROR_CODES",
    "THROTTLING_ERROR_CODES",
    "TRANSIENT_ERROR_CODES",
    "TRANSIENT_STATUS_CODES",
    "AsyncSigV4Transport",
    "AwsConfigurationError",
    "AwsCredentials",
    "AwsCredentialsError",
    "AwsError",
    "AwsScope",
    "EmulatorError",
    "ResendKind",
    "RetryEvent",
    "RetryPolicy",
    "SageMakerEmulator",
    "SigV4Hint",
    "SigV4Transport",
    "check_credentials",
    "detect_sigv4",
    "infer_scope",
    "parse_aws_error",
    "resend_policy",
    "resolve_in_doubt",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arazzo.aws' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
