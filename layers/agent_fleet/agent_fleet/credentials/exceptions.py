"""Errors of the credentials package.

One tree, rooted at `CredentialsError`::

    CredentialsError
    ├── CredentialsConfigurationError   an argument or environment variable is missing or invalid
    ├── SecretFetchError                the secret store did not return the secret
    ├── SecretFormatError               the secret's content is not one of the known formats
    ├── TokenExchangeError              Huawei Cloud IAM did not issue a token
    └── TokenExpiredError               the token stored in the secret has expired

Every message says what failed, on which secret id or endpoint, and what to do
next. No message, attribute or ``repr`` contains a secret value: the raising code
passes identifiers, status codes and error codes only.
"""

from collections.abc import Sequence
from datetime import datetime


class CredentialsError(Exception):
    """Base class of every error raised while obtaining a Cloud Eye token."""


class CredentialsConfigurationError(CredentialsError):
    """A setting needed to reach the secret store or IAM is missing or invalid.

    Attributes
    ----------
    setting:
        The environment variable or argument to fix, such as ``AWS_REGION``.
    """

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


class SecretFetchError(CredentialsError):
    """The secret store failed to return a secret.

    Attributes
    ----------
    secret_id:
        The name or ARN of the secret that was requested.
    source:
        Where the secret was read from, such as "Secrets Manager".
    status_code:
        The HTTP status of the last response, or None when no response arrived.
    error_type:
        The AWS error type, such as ``ResourceNotFoundException``, when known.
    request_id:
        The ``x-amzn-RequestId`` of the last response, when present.
    retryable:
        Whether the failure is transient (throttling, a 5xx status, a network error).
    """

    def __init__(
        self,
        secret_id: str,
        *,
        source: str,
        reason: str,
        hint: str,
        status_code: int | None = None,
        error_type: str | None = None,
        server_message: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        self.secret_id = secret_id
        self.source = source
        self.status_code = status_code
        self.error_type = error_type
        self.server_message = server_message
        self.request_id = request_id
        self.retryable = retryable

        details = _join_details(
            status_code=status_code,
            code=error_type,
            server_message=server_message,
            request_id=request_id,
        )
        super().__init__(
            f"Reading secret {secret_id!r} from {source} failed: {reason}{details}. {hint}"
        )


class SecretFormatError(CredentialsError):
    """The secret's content is not one of the formats `parse_credentials_secret` accepts.

    Attributes
    ----------
    secret_id:
        The name or ARN of the secret.
    problems:
        One ``field: rule`` clause per problem, without the offending values.
    """

    def __init__(self, secret_id: str, problems: Sequence[str]) -> None:
        self.secret_id = secret_id
        self.problems = tuple(problems)
        listed = "; ".join(self.problems)
        super().__init__(
            f"Secret {secret_id!r} does not contain usable Cloud Eye credentials: {listed}. "
            'Store a JSON object, either {"token": ..., "expires_at": optional ISO 8601 time} '
            'or {"domain": ..., "user": ..., "password": ..., "project_id": ..., '
            '"iam_endpoint": optional "https://iam.<region>.myhuaweicloud.com"}.'
        )


class TokenExchangeError(CredentialsError):
    """Huawei Cloud IAM did not issue a token for the password credentials.

    Attributes
    ----------
    endpoint:
        The IAM URL that was called (it never contains a secret).
    secret_id:
        The secret the credentials came from.
    status_code:
        The HTTP status of the last response, or None when no response arrived.
    error_code:
        The error code from IAM's body, such as ``IAM.0002``, when present.
    error_msg:
        The error message from IAM's body, shortened, when present.
    request_id:
        The request id header of the last response, when present.
    retryable:
        Whether the failure is transient (a 5xx or 429 status, a network error).
    retry_after:
        Seconds the server asked to wait before the next attempt, when it sent ``Retry-After``.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        secret_id: str,
        reason: str,
        hint: str,
        status_code: int | None = None,
        error_code: str | None = None,
        error_msg: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.secret_id = secret_id
        self.status_code = status_code
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after

        details = _join_details(
            status_code=status_code,
            code=error_code,
            server_message=error_msg,
            request_id=request_id,
        )
        super().__init__(
            f"Exchanging the IAM credentials of secret {secret_id!r} for a token at {endpoint} "
            f"failed: {reason}{details}. {hint}"
        )


class TokenExpiredError(CredentialsError):
    """The pre-issued token stored in a secret has already expired.

    Attributes
    ----------
    secret_id:
        The secret that contains the token.
    expires_at:
        The expiry time stored next to the token.
    """

    def __init__(self, secret_id: str, expires_at: datetime) -> None:
        self.secret_id = secret_id
        self.expires_at = expires_at
        super().__init__(
            f"The token in secret {secret_id!r} expired at {expires_at.isoformat()}. "
            "Store a fresh token, or store IAM password credentials so that tokens are "
            "issued automatically."
        )


def _join_details(
    *,
    status_code: int | None,
    code: str | None,
    server_message: str | None,
    request_id: str | None,
) -> str:
    """Render the known facts of a failed call as `` (HTTP 404, Code: message, request id X)``."""
    parts = []
    if status_code is not None:
        parts.append(f"HTTP {status_code}")
    if code and server_message:
        parts.append(f"{code}: {server_message}")
    elif code or server_message:
        parts.append(code or server_message or "")
    if request_id:
        parts.append(f"request id {request_id}")
    return f" ({', '.join(parts)})" if parts else ""
