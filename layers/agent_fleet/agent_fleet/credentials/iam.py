"""Exchange IAM password credentials for a project-scoped token at Huawei Cloud IAM.

``POST {iam_endpoint}/v3/auth/tokens?nocatalog=true`` with a password body
returns the token in the ``X-Subject-Token`` header and its expiry in the
body's ``token.expires_at``. Tokens live 24 hours, and a new token does not
revoke older ones, so a retried exchange is harmless.
"""

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import stamina
from pydantic import BaseModel, ConfigDict, SecretStr

from agent_fleet.credentials.constants import (
    IAM_ATTEMPTS,
    IAM_REQUEST_ID_HEADERS,
    IAM_RETRY_TIMEOUT_SECONDS,
    IAM_SUBJECT_TOKEN_HEADER,
    IAM_TIMEOUT,
    IAM_TOKENS_PATH,
    MAX_RETRY_AFTER_SECONDS,
    MAX_SERVER_MESSAGE_CHARS,
    RETRY_WAIT_INITIAL_SECONDS,
    RETRY_WAIT_MAX_SECONDS,
)
from agent_fleet.credentials.exceptions import TokenExchangeError
from agent_fleet.credentials.formats import PasswordSecret

logger = logging.getLogger(__name__)

_TRANSIENT_HTTPX_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_TRANSIENT_HINT = "IAM failed or throttled the request and the retries ran out; try again later."
_HINTS_BY_STATUS = {
    400: (
        "Check the project_id in the secret: it must be the id of a project "
        "in the IAM endpoint's region."
    ),
    401: (
        "Check domain, user and password in the secret; IAM also rejects a locked user, "
        "for example after repeated failed logins."
    ),
    403: (
        "Check that the IAM user may log in through the API and is not blocked by an access policy."
    ),
    404: "Check the IAM endpoint: it should look like https://iam.<region>.myhuaweicloud.com.",
}
_DEFAULT_HINT = "Check the IAM endpoint and the credentials in the secret."


class IssuedToken(BaseModel):
    """A Cloud Eye token and, when known, the time it expires."""

    model_config = ConfigDict(frozen=True)

    value: SecretStr
    expires_at: datetime | None = None


def exchange_password_for_token(
    http: httpx.Client,
    iam_endpoint: str,
    credentials: PasswordSecret,
    *,
    secret_id: str,
) -> IssuedToken:
    """Ask IAM for a token scoped to the secret's project.

    5xx and 429 responses and network errors are retried a few times with
    exponential backoff and jitter, honouring a ``Retry-After`` of up to 10 s.

    Parameters
    ----------
    http:
        The client to send the request with.
    iam_endpoint:
        The IAM base URL, such as ``https://iam.eu-west-101.myhuaweicloud.com``.
    credentials:
        The user, password, domain and project to log in with.
    secret_id:
        The secret the credentials came from, for error messages.

    Returns
    -------
    IssuedToken
        The token from ``X-Subject-Token`` and the expiry from ``token.expires_at``.

    Raises
    ------
    TokenExchangeError
        When IAM rejects the credentials, responds without a token, or stays
        unavailable for the whole retry budget.
    """
    url = f"{iam_endpoint}{IAM_TOKENS_PATH}"
    for attempt in stamina.retry_context(
        on=_retry_backoff,
        attempts=IAM_ATTEMPTS,
        timeout=IAM_RETRY_TIMEOUT_SECONDS,
        wait_initial=RETRY_WAIT_INITIAL_SECONDS,
        wait_max=RETRY_WAIT_MAX_SECONDS,
    ):
        with attempt:
            return _exchange_once(http, url, credentials, secret_id)

    raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover


def _exchange_once(
    http: httpx.Client, url: str, credentials: PasswordSecret, secret_id: str
) -> IssuedToken:
    """Send one token request and return the issued token."""
    started = time.monotonic()
    try:
        response = http.post(
            url,
            params={"nocatalog": "true"},
            json=_password_body(credentials),
            timeout=IAM_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        retryable = isinstance(exc, _TRANSIENT_HTTPX_ERRORS)
        raise TokenExchangeError(
            url,
            secret_id=secret_id,
            reason=f"no response ({type(exc).__name__}: {exc})",
            hint=_TRANSIENT_HINT
            if retryable
            else "Check the IAM endpoint URL and the network path to it.",
            retryable=retryable,
        ) from exc

    request_id = _request_id(response)
    logger.info(
        "IAM token request completed",
        extra={
            "iam_endpoint": url,
            "status_code": response.status_code,
            "iam_request_id": request_id,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )
    if not response.is_success:
        raise _status_error(response, url, secret_id, request_id)
    return _issued_token_from(response, url, secret_id, request_id)


def _password_body(credentials: PasswordSecret) -> dict[str, Any]:
    """Build the password-method request body, scoped to the secret's project."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": credentials.user,
                        "password": credentials.password.get_secret_value(),
                        "domain": {"name": credentials.domain},
                    }
                },
            },
            "scope": {"project": {"id": credentials.project_id}},
        }
    }


def _issued_token_from(
    response: httpx.Response, url: str, secret_id: str, request_id: str | None
) -> IssuedToken:
    """Read the token header and the expiry of a successful response."""
    token = response.headers.get(IAM_SUBJECT_TOKEN_HEADER)
    if not token:
        raise TokenExchangeError(
            url,
            secret_id=secret_id,
            reason=f"the response has no {IAM_SUBJECT_TOKEN_HEADER} header",
            hint="Check that the endpoint is Huawei Cloud IAM.",
            status_code=response.status_code,
            request_id=request_id,
        )
    return IssuedToken(value=SecretStr(token), expires_at=_expires_at(response))


def _expires_at(response: httpx.Response) -> datetime | None:
    """Return ``token.expires_at`` of the body, or None when it is absent or unreadable."""
    try:
        body: Any = response.json()
        raw = body["token"]["expires_at"]
        expires_at = datetime.fromisoformat(raw)
    except (ValueError, KeyError, TypeError):
        # NOTE: IAM documents expires_at on every token; without it the cache
        # treats the expiry as unknown and reuses the token for a short time only.
        logger.warning(
            "IAM response has no readable token.expires_at; treating the expiry as unknown"
        )
        return None
    return expires_at if expires_at.tzinfo is not None else expires_at.replace(tzinfo=UTC)


def _status_error(
    response: httpx.Response, url: str, secret_id: str, request_id: str | None
) -> TokenExchangeError:
    """Translate an IAM error response into a `TokenExchangeError`."""
    error_code, error_msg = _parse_error_body(response)
    status = response.status_code
    retryable = status >= 500 or status == 429
    return TokenExchangeError(
        url,
        secret_id=secret_id,
        reason="IAM failed or throttled the request" if retryable else "IAM rejected the request",
        hint=_TRANSIENT_HINT if retryable else _HINTS_BY_STATUS.get(status, _DEFAULT_HINT),
        status_code=status,
        error_code=error_code,
        error_msg=error_msg,
        request_id=request_id,
        retryable=retryable,
        retry_after=_retry_after_seconds(response) if retryable else None,
    )


def _parse_error_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """Return the error code and message of an IAM error body, each None when absent.

    IAM responds in Keystone's shape ``{"error": {"code", "message", "title"}}``;
    Huawei's API gateway responds with ``{"error_code", "error_msg"}``.
    """
    try:
        body: Any = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None

    nested = body.get("error")
    source = nested if isinstance(nested, dict) else body
    code = source.get("error_code", source.get("code"))
    message = source.get("error_msg", source.get("message"))
    return (
        str(code) if code is not None else None,
        str(message)[:MAX_SERVER_MESSAGE_CHARS] if message is not None else None,
    )


def _request_id(response: httpx.Response) -> str | None:
    """Return the first request id header IAM or its gateway sent."""
    for header in IAM_REQUEST_ID_HEADERS:
        value: str | None = response.headers.get(header)
        if value:
            return value
    return None


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """Read ``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _retry_backoff(exc: Exception) -> bool | float:
    """Tell stamina whether to retry, and how long to wait when IAM sent ``Retry-After``."""
    if not isinstance(exc, TokenExchangeError) or not exc.retryable:
        return False
    if exc.retry_after is None:
        return True
    if exc.retry_after > MAX_RETRY_AFTER_SECONDS:
        return False
    return exc.retry_after
