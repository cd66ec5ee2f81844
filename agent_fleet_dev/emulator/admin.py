"""Admin endpoints that control a running emulator from another process.

``GET /_emulator/counters``
    The counters as JSON.
``GET /_emulator/faults``, ``POST /_emulator/faults``
    Read the faults, or change some of them with a JSON object of field
    names and values; the response contains every fault value.
``POST /_emulator/expire-tokens``
    Expire every token issued so far and the static tokens.
``POST /_emulator/reset``
    Forget tasks and counters and restore the starting faults and static tokens.
``GET /_emulator/tasks``
    Every task of every project, oldest first.

They need no token and get no faults; the emulator listens on loopback only.
"""

import json

from pydantic import ValidationError

from agent_fleet_dev.emulator import codes, routes
from agent_fleet_dev.emulator.errors import ApiError
from agent_fleet_dev.emulator.messages import Request, Response
from agent_fleet_dev.emulator.state import EmulatorState


def handle_admin(state: EmulatorState, route: routes.Route, request: Request) -> Response:
    """Run one admin endpoint.

    Raises
    ------
    ApiError
        400 ``emulator.0001`` for an invalid faults change.
    """
    if route is routes.ADMIN_COUNTERS:
        return Response(200, state.counters.snapshot().to_json())
    if route is routes.ADMIN_SET_FAULTS:
        _update_faults(state, request.body)
        return Response(200, state.faults.settings())
    if route is routes.ADMIN_GET_FAULTS:
        return Response(200, state.faults.settings())
    if route is routes.ADMIN_EXPIRE_TOKENS:
        state.tokens.expire_all()
        return Response(200, {"expired": True})
    if route is routes.ADMIN_RESET:
        state.reset()
        return Response(200, {"reset": True})
    if route is routes.ADMIN_TASKS:
        tasks = [
            {"project_id": task.project_id, **task.to_invocation_info()}
            for task in state.tasks.all_tasks()
        ]
        return Response(200, {"tasks": tasks, "count": len(tasks)})
    raise ValueError(f"route {route.name} is not an admin route")


def _update_faults(state: EmulatorState, body: bytes) -> None:
    try:
        patch = json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _invalid("the body is not valid JSON") from exc

    if not isinstance(patch, dict):
        raise _invalid("the body must be a JSON object of fault names and values")

    try:
        state.faults.update(patch)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_input=False)
        )
        raise _invalid(problems) from exc


def _invalid(reason: str) -> ApiError:
    return ApiError(400, codes.ADMIN_BAD_REQUEST, f"Invalid faults change: {reason}.")
