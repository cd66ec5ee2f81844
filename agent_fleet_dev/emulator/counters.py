"""Request and task counters, readable while the emulator runs."""

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class CountersSnapshot:
    """Counter values at one moment.

    Requests are counted when their handling ends, so ``requests_total``
    excludes requests still in flight. Admin endpoints are not counted.
    """

    requests_total: int
    requests_by_route: Mapping[str, int]
    """Counts by route template, such as ``GET /v3/{project_id}/agent-invocations``."""

    requests_by_status: Mapping[int, int]
    """Counts by HTTP status; dropped requests have none."""

    in_flight: int
    """Agent API requests being handled now."""

    peak_concurrent: int
    """Most agent API requests in flight at once, from reading the request
    until its response was ready to write, injected latency included."""

    tasks_created: int
    tasks_per_host: Mapping[str, int]
    """Tasks created per instance id; more than one means the host was submitted again."""

    dropped: int
    throttled: int
    injected_errors: int
    tokens_issued: int

    def to_json(self) -> dict[str, object]:
        """Return the values as a JSON-ready dictionary (status keys become strings)."""
        return {
            "requests_total": self.requests_total,
            "requests_by_route": dict(self.requests_by_route),
            "requests_by_status": {
                str(status): count for status, count in sorted(self.requests_by_status.items())
            },
            "in_flight": self.in_flight,
            "peak_concurrent": self.peak_concurrent,
            "tasks_created": self.tasks_created,
            "tasks_per_host": dict(self.tasks_per_host),
            "dropped": self.dropped,
            "throttled": self.throttled,
            "injected_errors": self.injected_errors,
            "tokens_issued": self.tokens_issued,
        }


class Counters:
    """Thread-safe counters that request handlers update."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._clear()

    def _clear(self) -> None:
        self._requests_total = 0
        self._by_route: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._peak_concurrent = self._in_flight
        self._tasks_per_host: Counter[str] = Counter()
        self._dropped = 0
        self._throttled = 0
        self._injected_errors = 0
        self._tokens_issued = 0

    def request_started(self, *, concurrent: bool) -> None:
        """Record the start of a request; ``concurrent`` marks agent API requests."""
        if not concurrent:
            return
        with self._lock:
            self._in_flight += 1
            self._peak_concurrent = max(self._peak_concurrent, self._in_flight)

    def request_finished(self, route: str, status: int | None, *, concurrent: bool) -> None:
        """Record the end of a request; ``status`` is None when no response was sent."""
        with self._lock:
            if concurrent:
                self._in_flight -= 1
            self._requests_total += 1
            self._by_route[route] += 1
            if status is not None:
                self._by_status[status] += 1

    def tasks_created(self, instance_ids: Iterable[str]) -> None:
        """Record one new task for each instance id."""
        with self._lock:
            self._tasks_per_host.update(instance_ids)

    def request_dropped(self) -> None:
        """Record a request dropped by closing the connection."""
        with self._lock:
            self._dropped += 1

    def request_throttled(self) -> None:
        """Record a 429 response of the throttling fault."""
        with self._lock:
            self._throttled += 1

    def error_injected(self) -> None:
        """Record a 5xx response of the error fault."""
        with self._lock:
            self._injected_errors += 1

    def token_issued(self) -> None:
        """Record a token issued by the IAM endpoint."""
        with self._lock:
            self._tokens_issued += 1

    def snapshot(self) -> CountersSnapshot:
        """Return the current values."""
        with self._lock:
            return CountersSnapshot(
                requests_total=self._requests_total,
                requests_by_route=MappingProxyType(dict(self._by_route)),
                requests_by_status=MappingProxyType(dict(self._by_status)),
                in_flight=self._in_flight,
                peak_concurrent=self._peak_concurrent,
                tasks_created=sum(self._tasks_per_host.values()),
                tasks_per_host=MappingProxyType(dict(self._tasks_per_host)),
                dropped=self._dropped,
                throttled=self._throttled,
                injected_errors=self._injected_errors,
                tokens_issued=self._tokens_issued,
            )

    def reset(self) -> None:
        """Set every counter to zero; the peak restarts from the requests in flight."""
        with self._lock:
            self._clear()
