"""Credentials for SigV4: explicit values or botocore's full provider chain.

The secrets never leave this module in readable form except inside the botocore objects
handed to ``SigV4Auth``: ``repr`` and ``str`` of every object here are redacted.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from arazzo.aws._exceptions import AwsCredentialsError

__all__ = ["AwsCredentials", "CredentialResolver", "FrozenCredentials", "check_credentials"]


@dataclass(frozen=True)
class AwsCredentials:
    """Static credentials. ``repr`` never shows the key id, the secret or the token."""

    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.access_key_id or not self.secret_access_key:
            raise AwsCredentialsError(
                "AwsCredentials needs both an access key id and a secret access key"
            )

    def __repr__(self) -> str:
        token = ", session_token=<redacted>" if self.session_token else ""
        return f"AwsCredentials(access_key_id=<redacted>, secret_access_key=<redacted>{token})"

    __str__ = __repr__

    def get_frozen_credentials(self) -> FrozenCredentials:
        return FrozenCredentials(self.access_key_id, self.secret_access_key, self.session_token)


@dataclass(frozen=True)
class FrozenCredentials:
    """One consistent (key, secret, token) triple, like botocore's ``ReadOnlyCredentials``."""

    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return "FrozenCredentials(<redacted>)"

    __str__ = __repr__


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything with botocore's ``get_frozen_credentials()`` (``Credentials``,
    ``RefreshableCredentials``, :class:`AwsCredentials`)."""

    def get_frozen_credentials(self) -> Any: ...


def _paths() -> tuple[str, str]:
    creds = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return creds, config


def missing_credentials_message(profile: str | None, detail: str | None = None) -> str:
    """The text of the "no credentials" error: where botocore looked and how to fix it."""
    creds_file, config_file = _paths()
    chosen = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    profile_text = (
        f"profile '{chosen}'" if chosen else "profile 'default' (no AWS_PROFILE set)"
    )
    lines = [
        "No AWS credentials found to sign requests with SigV4.",
    ]
    if detail:
        lines.append(f"botocore said: {detail}")
    lines += [
        "botocore looked, in order, at:",
        "  - the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(plus AWS_SESSION_TOKEN for temporary credentials);",
        f"  - {profile_text} in the shared credentials file {creds_file} "
        f"(AWS_SHARED_CREDENTIALS_FILE) and the config file {config_file} (AWS_CONFIG_FILE), "
        "including role_arn/source_profile, web identity, credential_process "
        "and IAM Identity Center (SSO) settings;",
        "  - the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / "
        "AWS_CONTAINER_CREDENTIALS_FULL_URI, ECS/EKS);",
        "  - the EC2 instance metadata service (instance role; "
        "disabled when AWS_EC2_METADATA_DISABLED=true).",
        "To fix: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or run `aws configure` "
        "(or `aws sso login --profile NAME`) and set AWS_PROFILE=NAME; or pass credentials "
        "explicitly, e.g. SigV4Transport(credentials=AwsCredentials(key_id, secret)) "
        "or SigV4Transport(profile='NAME').",
    ]
    return "\n".join(lines)


class CredentialResolver:
    """Finds credentials once (lazily, thread-safe) and freezes them per request.

    ``credentials`` wins over ``profile``; without either, botocore's default chain runs
    (``AWS_PROFILE`` selects the profile).  A ``session`` (``botocore.session.Session``) may
    be supplied to reuse its configuration.
    """

    def __init__(
        self,
        credentials: CredentialsProvider | None = None,
        *,
        profile: str | None = None,
        session: Any = None,
    ) -> None:
        self._explicit = credentials
        self._profile = profile
        self._session = session
        self._provider: Any = credentials
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        if self._explicit is not None:
            where = "explicit"
        elif self._profile:
            where = f"profile={self._profile!r}"
        else:
            where = "default chain"
        return f"CredentialResolver({where})"

    @property
    def profile(self) -> str | None:
        return self._profile

    def botocore_session(self) -> Any:
        """The botocore session used for the chain and for the configured region."""
        with self._lock:
            if self._session is None:
                try:
                    import botocore.session
                except ImportError as exc:  # pragma: no cover - botocore is a core dependency
                    raise AwsCredentialsError(
                        "botocore is required for SigV4 signing: pip install botocore"
                    ) from exc
                session = botocore.session.Session(profile=self._profile)
                self._session = session
            return self._session

    def _load(self) -> Any:
        if self._provider is not None:
            return self._provider
        session = self.botocore_session()
        import botocore.exceptions

        try:
            provider = session.get_credentials()
        except botocore.exceptions.BotoCoreError as exc:
            raise AwsCredentialsError(
                missing_credentials_message(self._profile, _safe_text(exc))
            ) from None
        if provider is None:
            raise AwsCredentialsError(missing_credentials_message(self._profile))
        with self._lock:
            self._provider = provider
        return provider

    def source(self) -> str:
        """Where the credentials came from (botocore's ``method``, e.g. ``env``,
        ``shared-credentials-file``, ``sso``, ``iam-role``; ``explicit`` for passed ones).
        Raises :class:`AwsCredentialsError` when none are found."""
        provider = self._load()
        if self._explicit is not None:
            return "explicit"
        return str(getattr(provider, "method", None) or "unknown")

    def frozen(self) -> Any:
        """A consistent (access_key, secret_key, token) triple for one request."""
        provider = self._load()
        try:
            frozen = provider.get_frozen_credentials()
        except AwsCredentialsError:
            raise
        except Exception as exc:  # refresh failures: expired SSO token, IMDS outage...
            raise AwsCredentialsError(
                "AWS credentials could not be refreshed "
                f"({type(exc).__name__}: {_safe_text(exc)}). "
                "Log in again (e.g. `aws sso login`) or supply fresh credentials."
            ) from None
        if not getattr(frozen, "access_key", None) or not getattr(frozen, "secret_key", None):
            raise AwsCredentialsError(missing_credentials_message(self._profile))
        return frozen


def _safe_text(exc: BaseException) -> str:
    """botocore's credential errors name files, profiles and variables, never values;
    cap the length anyway."""
    text = str(exc)
    return text if len(text) <= 500 else text[:500] + "..."


def check_credentials(
    credentials: CredentialsProvider | None = None,
    *,
    profile: str | None = None,
) -> str:
    """Resolve credentials now; return their source (``env``, ``sso``...) or raise
    :class:`AwsCredentialsError` naming where botocore looked."""
    resolver = CredentialResolver(credentials, profile=profile)
    resolver.frozen()
    return resolver.source()
