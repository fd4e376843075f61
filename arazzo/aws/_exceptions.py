"""Errors raised by :mod:`arazzo.aws`.

::

    ArazzoError
    ├── AwsConfigurationError    signing name/region cannot be determined, bad options
    │   └── AwsCredentialsError  no AWS credentials found, or they could not be loaded
    └── EmulatorError            the SageMaker emulator cannot start (moto missing, nested use)

None of these messages ever contains an access key id, a secret, a session token or a
signature: they name *where* botocore looked and *how* to supply credentials.
"""

from __future__ import annotations

from arazzo._exceptions import ArazzoError

__all__ = ["AwsConfigurationError", "AwsCredentialsError", "EmulatorError"]


class AwsConfigurationError(ArazzoError):
    """SigV4 signing is misconfigured (unknown service or region, invalid options)."""


class AwsCredentialsError(AwsConfigurationError):
    """No AWS credentials could be found or loaded; raised before any request is sent."""


class EmulatorError(ArazzoError):
    """The in-process SageMaker emulator cannot be used (moto missing, already running...)."""
