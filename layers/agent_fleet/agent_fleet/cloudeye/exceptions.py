"""Errors raised by the Cloud Eye client.

::

    CloudEyeError
    ├── CloudEyeTransportError     no HTTP response was received
    │   ├── CloudEyeConnectError   the request never left: safe to resend
    │   └── ResponseLostError      the request was sent, its response was lost
    ├── CloudEyeStatusError        Cloud Eye responded with an error status
    │   ├── CloudEyeBadRequest     400: the request breaks a rule, never retried
    │   ├── CloudEyeAuthError      401 after one token refresh
    │   ├── CloudEyeForbidden      403: the token lacks a permission, never retried
    │   ├── CloudEyeThrottled      429: retried after Retry-After
    │   └── CloudEyeServerError    5xx: retried when resending cannot double a task
    └── CloudEyeResponseError      a success status whose body is not the contract's

Messages carry the method, the URL path, the HTTP status, Cloud Eye's
``error_code`` and ``error_msg`` and its ``X-Request-Id``, never a token or a
request body.
"""


class CloudEyeError(Exception):
    """Base class of every error the Cloud Eye client raises."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class CloudEyeTransportError(CloudEyeError):
    """No HTTP response was received."""


class CloudEyeConnectError(CloudEyeTransportError):
    """The connection could not be made, so the request was never sent."""


class ResponseLostError(CloudEyeTransportError):
    """The request was sent, but its response timed out or the connection dropped.

    Cloud Eye may or may not have acted on it. A batch-create that ends this
    way is reconciled through the task list, never resent blindly.
    """


class CloudEyeStatusError(CloudEyeError):
    """Cloud Eye responded with a 4xx or 5xx status."""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status_code: int,
        error_code: str | None,
        error_msg: str | None,
        request_id: str | None,
    ) -> None:
        detail = f"{error_code}: {error_msg}" if error_code else (error_msg or "no error body")
        message = (
            f"Cloud Eye returned {status_code} for {method} {path} ({detail}; "
            f"request id {request_id or 'not given'})"
        )
        super().__init__(message, method=method, path=path)
        self.status_code = status_code
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id


class CloudEyeBadRequest(CloudEyeStatusError):
    """400: the request breaks a rule of the API."""


class CloudEyeAuthError(CloudEyeStatusError):
    """401 even after the token was refreshed once: the credentials are wrong or revoked."""


class CloudEyeForbidden(CloudEyeStatusError):
    """403: the caller lacks ``ces:agent:*`` permissions or the project is wrong."""


class CloudEyeThrottled(CloudEyeStatusError):
    """429: the API gateway's throttling threshold was reached."""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        error_code: str | None,
        error_msg: str | None,
        request_id: str | None,
        retry_after: float | None,
    ) -> None:
        super().__init__(
            method=method,
            path=path,
            status_code=429,
            error_code=error_code,
            error_msg=error_msg,
            request_id=request_id,
        )
        self.retry_after = retry_after


class CloudEyeServerError(CloudEyeStatusError):
    """5xx: Cloud Eye or its gateway failed."""


class CloudEyeResponseError(CloudEyeError):
    """A success status whose body does not match the contract."""
