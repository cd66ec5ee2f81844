"""Exceptions that handlers raise to end a request with an error response."""

from collections.abc import Mapping

from agent_fleet_dev.emulator import codes

# Cloud Eye limits error_msg to 256 characters.
MAX_ERROR_MESSAGE_LENGTH = 256


class ApiError(Exception):
    """An error response of the gateway or of Cloud Eye itself.

    Parameters
    ----------
    status:
        HTTP status of the response.
    error_code:
        ``APIGW.*``, ``ces.*`` or ``taskmgr.*`` code for the body.
    error_msg:
        Human-readable message; cut to 256 characters. It must not contain
        secrets, because it is sent to the client as it is.
    headers:
        Extra response headers, such as ``Retry-After``.
    """

    def __init__(
        self,
        status: int,
        error_code: str,
        error_msg: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error_code}: {error_msg}")
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg[:MAX_ERROR_MESSAGE_LENGTH]
        self.headers = dict(headers or {})

    def body(self, request_id: str) -> dict[str, str]:
        """Build the JSON body; gateway codes also carry the request id."""
        body = {"error_code": self.error_code, "error_msg": self.error_msg}
        if self.error_code.startswith("APIGW."):
            body["request_id"] = request_id
        return body


class IamError(Exception):
    """An error response of the IAM token endpoint, in IAM's Keystone-style shape.

    NOTE: the body follows the OpenStack Keystone v3 error shape
    ``{"error": {"code", "title", "message"}}``, from which Huawei IAM's token
    API derives; the exact Huawei body was not confirmed.
    """

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(f"{status} {title}: {message}")
        self.status = status
        self.title = title
        self.message = message

    def body(self) -> dict[str, dict[str, object]]:
        """Build the JSON body."""
        return {"error": {"code": self.status, "title": self.title, "message": self.message}}


def bad_request(message: str) -> ApiError:
    """Build a gateway-level 400 for a request the HTTP layer cannot use."""
    return ApiError(400, codes.GATEWAY_BAD_REQUEST, message)
