"""Error codes that the emulator returns, and why each was chosen.

API gateway codes (``APIGW.*``) and the general CES codes (``ces.*``) are the
published ones. Their bodies carry ``error_code``, ``error_msg`` and, for
gateway codes, ``request_id``.

No public page lists the ``taskmgr.*`` codes of the agent task APIs or the
``invocationmgr.*`` codes of batch-create items, so the values below are the
emulator's own choice. Clients should branch on the HTTP status and treat
these strings as opaque:

========================  =====================================================
``taskmgr.0001``          the body is not a JSON object, or has an unknown field,
                          or a query parameter is unknown or repeated
``taskmgr.0002``          a required field is missing
``taskmgr.0003``          a field has the wrong JSON type
``taskmgr.0004``          a value is not one of the allowed values
``taskmgr.0005``          a length, item count or number is out of range
``taskmgr.0006``          a value has the wrong format (characters, IPv4, port)
``invocationmgr.0001``    the host does not meet the installation conditions
``invocationmgr.0002``    the host already has an unfinished task of that type
``invocationmgr.0003``    a ROLLBACK or RETRY names an unknown invocation id
``emulator.0001``         an admin endpoint received an invalid request
========================  =====================================================

NOTE: the codes of injected 502 and 503 responses are placeholders as well;
only the 500 code (``ces.0007``) is a published one.
"""

from typing import Final

GATEWAY_API_NOT_FOUND: Final = "APIGW.0101"
GATEWAY_BAD_REQUEST: Final = "APIGW.0201"
GATEWAY_AUTH_FAILED: Final = "APIGW.0301"
GATEWAY_ACCESS_DENIED: Final = "APIGW.0306"
GATEWAY_TOKEN_EXPIRED: Final = "APIGW.0307"  # noqa: S105 - an error code, not a secret
GATEWAY_THROTTLED: Final = "APIGW.0308"

CES_INTERNAL_ERROR: Final = "ces.0007"
CES_BAD_MESSAGE_BODY: Final = "ces.0014"

TASK_INVALID_REQUEST: Final = "taskmgr.0001"
TASK_MISSING_FIELD: Final = "taskmgr.0002"
TASK_WRONG_TYPE: Final = "taskmgr.0003"
TASK_VALUE_NOT_ALLOWED: Final = "taskmgr.0004"
TASK_OUT_OF_RANGE: Final = "taskmgr.0005"
TASK_BAD_FORMAT: Final = "taskmgr.0006"

ITEM_NOT_ELIGIBLE: Final = "invocationmgr.0001"
ITEM_TASK_UNFINISHED: Final = "invocationmgr.0002"
ITEM_INVOCATION_NOT_FOUND: Final = "invocationmgr.0003"

ADMIN_BAD_REQUEST: Final = "emulator.0001"

NOT_ELIGIBLE_MESSAGE: Final = "do not meet the installation conditions"
TASK_UNFINISHED_MESSAGE: Final = "a task is already running"
INVOCATION_NOT_FOUND_MESSAGE: Final = "invocation not found"
TOKEN_EXPIRED_MESSAGE: Final = "The token must be updated."  # noqa: S105 - a message

INJECTED_ERRORS: Final[dict[int, tuple[str, str]]] = {
    500: (CES_INTERNAL_ERROR, "Internal service error (injected by the emulator)."),
    502: ("APIGW.0502", "Bad gateway: the backend failed (injected by the emulator)."),
    503: ("APIGW.0503", "Service unavailable (injected by the emulator)."),
}
