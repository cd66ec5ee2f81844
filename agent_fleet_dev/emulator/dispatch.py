"""The path of a request from route match to response: faults, authentication, handler.

The HTTP layer calls :func:`respond` once per request and writes what it
returns. Handlers raise :class:`ApiError` or :class:`IamError` for error
responses, and this module turns them into responses.
"""

import logging
import time
from collections.abc import Callable

from agent_fleet_dev.emulator import codes, routes
from agent_fleet_dev.emulator.admin import handle_admin
from agent_fleet_dev.emulator.agent_status import query_agent_status
from agent_fleet_dev.emulator.auth import authenticate
from agent_fleet_dev.emulator.checks import parse_json_body, shown
from agent_fleet_dev.emulator.errors import ApiError, IamError
from agent_fleet_dev.emulator.faults import FaultDecision, format_retry_after
from agent_fleet_dev.emulator.iam import exchange_password
from agent_fleet_dev.emulator.invocations import create_invocations, list_invocations
from agent_fleet_dev.emulator.messages import DROPPED, Request, Response
from agent_fleet_dev.emulator.routes import RouteKind, RouteMatch
from agent_fleet_dev.emulator.state import EmulatorState
from agent_fleet_dev.emulator.validation import (
    validate_batch_create,
    validate_list_query,
    validate_status_query,
)

logger = logging.getLogger(__name__)

AgentHandler = Callable[[EmulatorState, str, Request], Response]


def respond(state: EmulatorState, match: RouteMatch, request: Request) -> Response:
    """Build the response to a request, error responses included."""
    try:
        return _route(state, match, request)
    except ApiError as exc:
        return Response(exc.status, exc.body(request.request_id), exc.headers)
    except IamError as exc:
        return Response(exc.status, exc.body())


def _route(state: EmulatorState, match: RouteMatch, request: Request) -> Response:
    route = match.route
    if route is None:
        raise _not_found(request, match.allowed_methods)
    if route.kind is RouteKind.ADMIN:
        return handle_admin(state, route, request)
    if route.kind is RouteKind.IAM:
        deadline = time.monotonic() + state.faults.latency_seconds
        try:
            return exchange_password(state, request)
        finally:
            _sleep_until(state, deadline)
    return _run_agent_api(state, route, match.parameters["project_id"], request)


def _run_agent_api(
    state: EmulatorState, route: routes.Route, project_id: str, request: Request
) -> Response:
    """Apply the faults in the order the faults module documents, then the handler."""
    is_batch_create = route is routes.BATCH_CREATE
    decision = state.faults.draw(batch_create=is_batch_create)
    deadline = time.monotonic() + decision.latency_seconds
    try:
        return _apply_faults_and_handle(state, route, project_id, request, decision)
    finally:
        _sleep_until(state, deadline)


def _apply_faults_and_handle(
    state: EmulatorState,
    route: routes.Route,
    project_id: str,
    request: Request,
    decision: FaultDecision,
) -> Response:
    if decision.expire_tokens:
        logger.debug("token expiry fault fired; expiring every token issued so far")
        state.tokens.expire_all()

    authenticate(state, request, project_id)

    if decision.throttle:
        state.counters.request_throttled()
        raise ApiError(
            429,
            codes.GATEWAY_THROTTLED,
            "The throttling threshold has been reached (injected by the emulator).",
            headers={"Retry-After": format_retry_after(decision.retry_after_seconds)},
        )

    if decision.error_status is not None:
        state.counters.error_injected()
        error_code, error_msg = codes.INJECTED_ERRORS[decision.error_status]
        raise ApiError(decision.error_status, error_code, error_msg)

    response = _AGENT_HANDLERS[route](state, project_id, request)

    if decision.drop and response.status == 201:
        state.counters.request_dropped()
        logger.debug("drop fault fired; closing the connection after creating the tasks")
        return DROPPED
    return response


def _batch_create(state: EmulatorState, project_id: str, request: Request) -> Response:
    batch = validate_batch_create(parse_json_body(request.body))
    items = create_invocations(state, project_id, batch)
    if state.faults.response_shape == "array":
        return Response(201, items)
    return Response(201, {"invocations": items})


def _list_invocations(state: EmulatorState, project_id: str, request: Request) -> Response:
    query = validate_list_query(request.query)
    return Response(200, list_invocations(state, project_id, query))


def _agent_status(state: EmulatorState, project_id: str, request: Request) -> Response:
    query = validate_status_query(parse_json_body(request.body))
    return Response(200, query_agent_status(state, project_id, query))


_AGENT_HANDLERS: dict[routes.Route, AgentHandler] = {
    routes.BATCH_CREATE: _batch_create,
    routes.LIST_INVOCATIONS: _list_invocations,
    routes.AGENT_STATUS: _agent_status,
}


def _not_found(request: Request, allowed_methods: tuple[str, ...]) -> ApiError:
    target = f"{request.method} {shown(request.path)}"
    if allowed_methods:
        return ApiError(
            404,
            codes.GATEWAY_API_NOT_FOUND,
            f"API not found: {target}; this path accepts {', '.join(allowed_methods)}.",
        )
    return ApiError(404, codes.GATEWAY_API_NOT_FOUND, f"API not found: {target}.")


def _sleep_until(state: EmulatorState, deadline: float) -> None:
    """Sleep until a ``time.monotonic`` deadline, or until the emulator stops.

    Only this connection's thread waits. The handler's own work happens
    inside the latency window, as on a remote service, so the response leaves
    at the deadline however long the work took; this keeps benchmarks from
    paying for emulator CPU time on top of the injected latency.
    """
    remaining = deadline - time.monotonic()
    if remaining > 0:
        state.stopping.wait(remaining)
