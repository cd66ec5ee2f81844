"""The request and response values that pass between the HTTP layer and the handlers."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request, with its body already read."""

    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    """Header values by lower-case name; the first value wins for repeated headers."""

    body: bytes
    request_id: str
    """The ``X-Request-Id`` the response will carry."""

    def header(self, name: str) -> str | None:
        """Return a header value by case-insensitive name, or None."""
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class Response:
    """A response to send, or ``drop=True`` to close the connection without one."""

    status: int
    body: object = None
    """JSON value of the body; None sends no body."""

    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False


DROPPED = Response(status=0, drop=True)
"""Close the connection without a response."""
