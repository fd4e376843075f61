"""AWS support: SigV4 signing transports, AWS error parsing, retries, SigV4 detection in
OpenAPI descriptions, an OpenAPI generator for botocore models (:mod:`arazzo.aws.openapi`)
and a SageMaker emulator on moto (:mod:`arazzo.aws.emulator`, extra ``emulator``).

See ``docs/aws.md``.
"""

from arazzo.aws._credentials import AwsCredentials, check_credentials
from arazzo.aws._detect import SigV4Hint, detect_sigv4
from arazzo.aws._errors import (
    AUTH_ERROR_CODES,
    THROTTLING_ERROR_CODES,
    TRANSIENT_ERROR_CODES,
    TRANSIENT_STATUS_CODES,
    AwsError,
    parse_aws_error,
)
from arazzo.aws._exceptions import AwsConfigurationError, AwsCredentialsError, EmulatorError
from arazzo.aws._retry import RetryEvent, RetryPolicy
from arazzo.aws._scope import AwsScope, infer_scope
from arazzo.aws._transport import AsyncSigV4Transport, SigV4Transport
from arazzo.aws.emulator import SageMakerEmulator

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
    "RetryEvent",
    "RetryPolicy",
    "SageMakerEmulator",
    "SigV4Hint",
    "SigV4Transport",
    "check_credentials",
    "detect_sigv4",
    "infer_scope",
    "parse_aws_error",
]
