"""Event builders and invocation helpers for the trigger tests.

HTTP events are built from a sample file under ``events/``, so that each has
every field API Gateway sends. Handlers run in-process through
:mod:`agent_fleet_dev.runner`, as ``make demo`` runs them.
"""

import copy
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from agent_fleet_dev import runner
from agent_fleet_dev.emulator import CloudEyeEmulator
from agent_fleet_dev.local_cloud import DEFAULT_PROJECT, LOCAL_DOMAIN, LocalCloud

EVENTS_DIR = runner.REPO_ROOT / "events"
PROJECT = DEFAULT_PROJECT
"""The project of every sample event."""

HTTP_FUNCTION = "HttpApiFunction"
SCHEDULED_FUNCTION = "ScheduledJobFunction"

BATCH_CREATE_PATH = f"/v3/{PROJECT}/agent-invocations/batch-create"
LIST_PATH = f"/v3/{PROJECT}/agent-invocations"
AGENT_STATUS_PATH = f"/v3/{PROJECT}/agent-status/batch-query"

PUBLISHED_EXAMPLE = "http-batch-create-published-example.json"

# The route templates of the API, used to fill routeKey as API Gateway does.
_ROUTE_TEMPLATES = (
    ("/agent-invocations/batch-create", "/v3/{project_id}/agent-invocations/batch-create"),
    ("/agent-status/batch-query", "/v3/{project_id}/agent-status/batch-query"),
    ("/agent-invocations", "/v3/{project_id}/agent-invocations"),
)


def load_sample(name: str) -> Any:
    """Return a fresh copy of the sample event ``events/<name>``."""
    return copy.deepcopy(_cached_sample(name))


@functools.cache
def _cached_sample(name: str) -> Any:
    return runner.load_event(EVENTS_DIR / name)


@functools.cache
def function_spec(logical_id: str) -> runner.FunctionSpec:
    """Resolve a template logical id once; reading the template takes tens of milliseconds."""
    return runner.find_function(logical_id)


def local_context(logical_id: str) -> runner.LocalContext:
    """Build the Lambda context that the runner would pass to ``logical_id``."""
    spec = function_spec(logical_id)
    return runner.LocalContext(
        function_name=spec.logical_id,
        timeout_seconds=spec.timeout_seconds,
        memory_limit_in_mb=spec.memory_mb,
    )


def invoke(logical_id: str, event: Any, *, context: runner.LocalContext | None = None) -> Any:
    """Run the function's real handler on ``event`` and return what it returns.

    Without ``context`` the runner builds one, as ``agent-fleet invoke`` does.
    Pass a context to read the request id that the handler receives.
    """
    spec = function_spec(logical_id)
    if context is None:
        return runner.invoke(spec, event)
    handler = runner.load_handler(spec)
    return handler(event, context)


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    is_base64_encoded: bool = False,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build an API Gateway HTTP API (payload 2.0) event for ``method`` and ``path``.

    Parameters
    ----------
    body:
        A value to send as JSON; ignored when ``raw_body`` is given.
    raw_body:
        The body string exactly as API Gateway passes it (base64 when
        ``is_base64_encoded``).
    query:
        Query string parameters; API Gateway joins repeated keys with commas.
    """
    event: dict[str, Any] = load_sample(PUBLISHED_EXAMPLE)
    route_key = f"{method} {_route_template(path)}"
    event["routeKey"] = route_key
    event["rawPath"] = path
    event["requestContext"]["routeKey"] = route_key
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = _path_parameters(path)
    event["isBase64Encoded"] = is_base64_encoded

    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    else:
        event.pop("body", None)

    event["rawQueryString"] = urlencode(query or {})
    if query:
        event["queryStringParameters"] = dict(query)
    else:
        event.pop("queryStringParameters", None)
    return event


def _route_template(path: str) -> str:
    for suffix, template in _ROUTE_TEMPLATES:
        if path.endswith(suffix):
            return template
    return path


def _path_parameters(path: str) -> dict[str, str]:
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "v3":
        return {"project_id": parts[2]}
    return {}


@dataclass(frozen=True)
class HttpReply:
    """An HTTP handler's return value, with its body decoded and header names lowercased."""

    status: int
    headers: dict[str, str]
    body: Any

    @classmethod
    def of(cls, reply: Mapping[str, Any]) -> "HttpReply":
        """Decode a payload 2.0 response; the body must be JSON."""
        headers = {name.lower(): value for name, value in (reply.get("headers") or {}).items()}
        return cls(
            status=int(reply["statusCode"]),
            headers=headers,
            body=json.loads(reply["body"]),
        )


def call_http(event: Mapping[str, Any]) -> HttpReply:
    """Invoke HttpApiFunction on ``event`` and decode its reply."""
    return HttpReply.of(invoke(HTTP_FUNCTION, event))


def batch_create_event(body: Any) -> dict[str, Any]:
    """Build a batch-create event for the sample project with ``body`` as JSON (None is null)."""
    return http_event("POST", BATCH_CREATE_PATH, raw_body=json.dumps(body))


def host_ids(count: int, prefix: str = "host") -> list[str]:
    """Return ``count`` distinct valid instance ids."""
    return [f"{prefix}-{index:05d}" for index in range(count)]


def password_secret(cloud: LocalCloud, password: str) -> str:
    """Return an IAM password secret for the sample project whose password is ``password``."""
    return json.dumps(
        {
            "domain": LOCAL_DOMAIN,
            "user": "operator-0",
            "password": password,
            "project_id": PROJECT,
            "iam_endpoint": cloud.url,
        }
    )


SetVariable = Callable[[str, str], None]
"""The ``setting`` fixture: set an environment variable and rebuild the runtime."""


def emulator_of(cloud: LocalCloud) -> CloudEyeEmulator:
    """Return the started emulator of ``cloud``."""
    assert cloud.emulator is not None
    return cloud.emulator
