"""Translation of secret store responses: the secret string, error types, hints and log lines.

Both secret sources share these helpers. They read ids, status codes and AWS
error types from a response and never copy a secret value into an exception
or a log record.
"""

import logging
import re
import time
from typing import Any

import httpx

from agent_fleet.credentials.constants import (
    AWS_ERROR_TYPE_HEADER,
    AWS_REQUEST_ID_HEADER,
    AWS_THROTTLING_ERRORS,
    EXTENSION_TOKEN_HEADER,
    MAX_SERVER_MESSAGE_CHARS,
    SESSION_TOKEN_ENV,
)
from agent_fleet.credentials.exceptions import SecretFetchError, SecretFormatError

logger = logging.getLogger(__name__)

EXTENSION_SOURCE_NAME = "the Parameters and Secrets Lambda Extension"
SECRETS_MANAGER_SOURCE_NAME = "Secrets Manager"

# Network failures worth another attempt. Other httpx errors (an unsupported
# scheme, a malformed URL) are configuration mistakes and fail at once.
TRANSIENT_HTTPX_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

# NOTE: AWS does not document the extension's error bodies. Users report a
# plain-text 400 "not ready to serve traffic" during init. For other errors
# the parser accepts Secrets Manager's JSON error body, or guesses the error
# type from the start of a plain-text body.
_NOT_READY_MARKER = b"not ready"
_LEADING_ERROR_TYPE = re.compile(r"^\s*([A-Za-z]+(?:Exception|Error|Failure))\b")

_HINTS_BY_ERROR_TYPE = {
    "ResourceNotFoundException": (
        "Check the secret id, and that the secret exists in this account and region."
    ),
    "AccessDeniedException": (
        "Allow secretsmanager:GetSecretValue on this secret in the function's execution role, "
        "and kms:Decrypt if a customer managed key encrypts it."
    ),
    "DecryptionFailure": "Allow kms:Decrypt on the KMS key that encrypts this secret.",
    "InvalidRequestException": (
        "The secret may be scheduled for deletion: restore it or use another secret."
    ),
    "UnrecognizedClientException": "Check the AWS credentials in the environment.",
    "InvalidSignatureException": "Check the AWS secret access key in the environment.",
    "ExpiredTokenException": "The AWS session token has expired; renew the credentials.",
}
_TRANSIENT_HINT = "The failure looks transient and was retried; try again later."
_DEFAULT_HINT = "Check the secret id and the function's permission to read it."


def log_call(source: str, secret_id: str, response: httpx.Response, started: float) -> None:
    """Log one line per completed call, with ids and status but no body."""
    logger.info(
        "Secret store call completed",
        extra={
            "secret_source": source,
            "secret_id": secret_id,
            "status_code": response.status_code,
            "aws_request_id": response.headers.get(AWS_REQUEST_ID_HEADER),
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )


def transport_error(secret_id: str, source: str, exc: httpx.HTTPError) -> SecretFetchError:
    """Translate an httpx error that got no response into a `SecretFetchError`."""
    retryable = isinstance(exc, TRANSIENT_HTTPX_ERRORS)
    return SecretFetchError(
        secret_id,
        source=source,
        reason=f"no response ({type(exc).__name__}: {exc})",
        hint=_TRANSIENT_HINT if retryable else "Check the endpoint URL and the network path to it.",
        retryable=retryable,
    )


def secret_string_from(response: httpx.Response, secret_id: str, source: str) -> str:
    """Return ``SecretString`` from a GetSecretValue body without echoing any of it."""
    try:
        body = response.json()
    except ValueError as exc:
        raise SecretFetchError(
            secret_id,
            source=source,
            reason="the response is not JSON",
            hint="Check that the endpoint is the secret store.",
            status_code=response.status_code,
            request_id=response.headers.get(AWS_REQUEST_ID_HEADER),
        ) from exc

    secret_string = body.get("SecretString") if isinstance(body, dict) else None
    if not isinstance(secret_string, str):
        raise SecretFormatError(
            secret_id,
            ["SecretString: missing; binary secrets are not supported, store a JSON string"],
        )
    return secret_string


def aws_status_error(response: httpx.Response, secret_id: str, source: str) -> SecretFetchError:
    """Translate an AWS JSON protocol error response into a `SecretFetchError`."""
    error_type, message = parse_aws_error(response)
    retryable = (
        response.status_code >= 500
        or response.status_code == 429
        or error_type in AWS_THROTTLING_ERRORS
    )
    return SecretFetchError(
        secret_id,
        source=source,
        reason="the request was rejected"
        if not retryable
        else "the service failed or throttled the request",
        hint=_TRANSIENT_HINT
        if retryable
        else _HINTS_BY_ERROR_TYPE.get(error_type or "", _DEFAULT_HINT),
        status_code=response.status_code,
        error_type=error_type,
        server_message=message,
        request_id=response.headers.get(AWS_REQUEST_ID_HEADER),
        retryable=retryable,
    )


def extension_status_error(response: httpx.Response, secret_id: str) -> SecretFetchError:
    """Translate an error response of the extension into a `SecretFetchError`."""
    if (
        response.status_code == httpx.codes.BAD_REQUEST
        and _NOT_READY_MARKER in response.content.lower()
    ):
        return SecretFetchError(
            secret_id,
            source=EXTENSION_SOURCE_NAME,
            reason="the extension is not ready to serve traffic",
            hint=(
                "It kept responding so for the whole retry budget; "
                "check its log lines in the function's log group."
            ),
            status_code=response.status_code,
            retryable=True,
        )

    if response.status_code in {httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN}:
        error_type, _ = parse_aws_error(response)
        if error_type is None:
            return SecretFetchError(
                secret_id,
                source=EXTENSION_SOURCE_NAME,
                reason=f"the extension rejected the {EXTENSION_TOKEN_HEADER} header",
                hint=f"Check that {SESSION_TOKEN_ENV} is the function's own session token.",
                status_code=response.status_code,
            )

    return aws_status_error(response, secret_id, EXTENSION_SOURCE_NAME)


def parse_aws_error(response: httpx.Response) -> tuple[str | None, str | None]:
    """Return the AWS error type and message of an error response, each None when absent.

    The JSON protocol puts them in ``__type`` (sometimes prefixed with a
    namespace and ``#``) and ``message`` or ``Message``; the
    ``x-amzn-ErrorType`` header (sometimes suffixed with ``:`` and a URL)
    is the fallback.
    """
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None

    error_type: str | None = None
    message: str | None = None
    if isinstance(body, dict):
        raw_type = body.get("__type")
        if isinstance(raw_type, str) and raw_type:
            error_type = raw_type.rsplit("#", 1)[-1]
        raw_message = body.get("message") or body.get("Message")
        if isinstance(raw_message, str) and raw_message:
            message = raw_message[:MAX_SERVER_MESSAGE_CHARS]

    if error_type is None and (header := response.headers.get(AWS_ERROR_TYPE_HEADER)):
        error_type = header.split(":", 1)[0]

    if error_type is None and body is None:
        match = _LEADING_ERROR_TYPE.match(response.text[:200])
        if match:
            error_type = match.group(1)

    return error_type, message
