"""Token checks that the API gateway makes before an agent API runs."""

from agent_fleet_dev.emulator import codes
from agent_fleet_dev.emulator.errors import ApiError
from agent_fleet_dev.emulator.messages import Request
from agent_fleet_dev.emulator.state import EmulatorState
from agent_fleet_dev.emulator.tokens import MAX_TOKEN_LENGTH, TokenState
from agent_fleet_dev.emulator.validation import validate_project_id

_AUTH_FAILED_MESSAGE = "Incorrect IAM authentication information: {reason}."


def authenticate(state: EmulatorState, request: Request, project_id: str) -> None:
    """Check the request's ``X-Auth-Token`` for the path's project.

    The checks run in the gateway's order: the token itself (401), the project
    id format (400), then the token's scope and the accepted projects (403).
    Messages never contain the token.

    Raises
    ------
    ApiError
        401 ``APIGW.0301`` for a missing, oversized or unknown token;
        401 ``APIGW.0307`` for an expired one; 400 for an invalid project id;
        403 ``APIGW.0306`` for a token scoped to another project or a project
        the emulator does not accept.
    """
    token = request.header("X-Auth-Token")
    if not token:
        raise _auth_failed("the X-Auth-Token header is missing")
    if len(token) > MAX_TOKEN_LENGTH:
        raise _auth_failed(f"the X-Auth-Token header is longer than {MAX_TOKEN_LENGTH} characters")

    check = state.tokens.check(token)
    if check.state is TokenState.UNKNOWN:
        raise _auth_failed("the token is not recognised")
    if check.state is TokenState.EXPIRED:
        raise ApiError(401, codes.GATEWAY_TOKEN_EXPIRED, codes.TOKEN_EXPIRED_MESSAGE)

    validate_project_id(project_id)

    if check.project_id is not None and check.project_id != project_id:
        raise ApiError(
            403,
            codes.GATEWAY_ACCESS_DENIED,
            f"Access denied: the token is scoped to another project than {project_id}.",
        )
    if not state.project_allowed(project_id):
        raise ApiError(
            403,
            codes.GATEWAY_ACCESS_DENIED,
            f"Access denied: project {project_id} is not one of the emulator's projects.",
        )


def _auth_failed(reason: str) -> ApiError:
    return ApiError(401, codes.GATEWAY_AUTH_FAILED, _AUTH_FAILED_MESSAGE.format(reason=reason))
