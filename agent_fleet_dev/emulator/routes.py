"""The emulator's routes and how a request path is matched to one."""

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final


class RouteKind(enum.Enum):
    """Category of a route, which decides its faults, authentication and counting."""

    IAM = "iam"
    """Gets injected latency only; no token needed."""

    AGENT = "agent"
    """Gets every fault and needs a token; counted for peak concurrency."""

    ADMIN = "admin"
    """Emulator control; no faults, no token, not counted."""


@dataclass(frozen=True, slots=True)
class Route:
    """One method and path template, such as ``GET /v3/{project_id}/agent-invocations``."""

    method: str
    template: str
    kind: RouteKind
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.template).replace(r"\{project_id\}", "(?P<project_id>[^/]*)")
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def name(self) -> str:
        """Return the route's name in counters and logs."""
        return f"{self.method} {self.template}"


IAM_TOKENS: Final = Route("POST", "/v3/auth/tokens", RouteKind.IAM)
BATCH_CREATE: Final = Route(
    "POST", "/v3/{project_id}/agent-invocations/batch-create", RouteKind.AGENT
)
LIST_INVOCATIONS: Final = Route("GET", "/v3/{project_id}/agent-invocations", RouteKind.AGENT)
AGENT_STATUS: Final = Route("POST", "/v3/{project_id}/agent-status/batch-query", RouteKind.AGENT)

ADMIN_COUNTERS: Final = Route("GET", "/_emulator/counters", RouteKind.ADMIN)
ADMIN_GET_FAULTS: Final = Route("GET", "/_emulator/faults", RouteKind.ADMIN)
ADMIN_SET_FAULTS: Final = Route("POST", "/_emulator/faults", RouteKind.ADMIN)
ADMIN_EXPIRE_TOKENS: Final = Route("POST", "/_emulator/expire-tokens", RouteKind.ADMIN)
ADMIN_RESET: Final = Route("POST", "/_emulator/reset", RouteKind.ADMIN)
ADMIN_TASKS: Final = Route("GET", "/_emulator/tasks", RouteKind.ADMIN)

ROUTES: Final = (
    IAM_TOKENS,
    BATCH_CREATE,
    LIST_INVOCATIONS,
    AGENT_STATUS,
    ADMIN_COUNTERS,
    ADMIN_GET_FAULTS,
    ADMIN_SET_FAULTS,
    ADMIN_EXPIRE_TOKENS,
    ADMIN_RESET,
    ADMIN_TASKS,
)

UNKNOWN_ROUTE_NAME: Final = "unknown"
"""Counter name of requests that match no route."""


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The route a request matched, or the methods its path allows when none did."""

    route: Route | None
    parameters: Mapping[str, str] = field(default_factory=dict)
    allowed_methods: tuple[str, ...] = ()

    @property
    def counter_name(self) -> str:
        """Return the name under which the request is counted."""
        return UNKNOWN_ROUTE_NAME if self.route is None else self.route.name


def match_route(method: str, path: str) -> RouteMatch:
    """Find the route of a request; ``allowed_methods`` lists other methods of the path."""
    allowed: list[str] = []
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found is None:
            continue
        if route.method == method:
            return RouteMatch(route, found.groupdict())
        allowed.append(route.method)
    return RouteMatch(None, allowed_methods=tuple(allowed))
