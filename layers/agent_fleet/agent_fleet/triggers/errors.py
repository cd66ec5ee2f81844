"""Error responses in Cloud Eye's shape, and the HTTP status each failure maps to.

agent-fleet's own error codes use the ``agentfleet.`` prefix; validation
errors reuse Cloud Eye's general codes, so existing clients read them the same.
"""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from agent_fleet.cloudeye import (
    CloudEyeConnectError,
    CloudEyeError,
    CloudEyeServerError,
    CloudEyeStatusError,
    CloudEyeThrottled,
    ResponseLostError,
)

INVALID_REQUEST = "ces.0011"
"""Cloud Eye's code for a request that breaks a rule."""
BAD_MESSAGE_BODY = "ces.0014"
"""Cloud Eye's code for a body that is not a JSON object."""
NOT_FOUND = "APIGW.0101"
TOO_MANY_HOSTS = "agentfleet.0413"
UPSTREAM_FAILED = "agentfleet.0502"
UPSTREAM_UNAVAILABLE = "agentfleet.0503"
UPSTREAM_TIMEOUT = "agentfleet.0504"
CONFIGURATION = "agentfleet.0500"
HOST_FAILED = "agentfleet.0001"
HOST_UNKNOWN = "agentfleet.0002"
HOST_SKIPPED = "agentfleet.0003"


def error_response(
    status_code: int,
    error_code: str,
    error_msg: str,
    *,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """Build a JSON error response ``{"error_code", "error_msg"[, "request_id"]}``."""
    body: dict[str, Any] = {"error_code": error_code, "error_msg": error_msg}
    if request_id:
        body["request_id"] = request_id
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


def gateway_status_for(exc: CloudEyeError) -> int:
    """Map a Cloud Eye failure to the status a gateway in front of it returns.

    502 when Cloud Eye refused the call (4xx) or could not be reached, 503
    when it was throttling or failing (429, 5xx), 504 when its response did not
    come back in time.
    """
    if isinstance(exc, ResponseLostError):
        return 504
    if isinstance(exc, CloudEyeServerError) and exc.status_code == 504:
        return 504
    if isinstance(exc, CloudEyeThrottled | CloudEyeServerError):
        return 503
    if isinstance(exc, CloudEyeStatusError | CloudEyeConnectError):
        return 502
    return 502


def cloud_eye_failure_response(exc: CloudEyeError) -> Response[str]:
    """Return a Cloud Eye failure as a gateway error with its code, message and request id."""
    status = gateway_status_for(exc)
    if isinstance(exc, CloudEyeStatusError):
        code = exc.error_code or {502: UPSTREAM_FAILED, 503: UPSTREAM_UNAVAILABLE}.get(
            status, UPSTREAM_TIMEOUT
        )
        message = exc.error_msg or str(exc)
        return error_response(status, code, message, request_id=exc.request_id)
    code = UPSTREAM_TIMEOUT if status == 504 else UPSTREAM_FAILED
    return error_response(status, code, str(exc))
