"""Counters of a Cloud Eye client, read by the triggers to emit metrics."""

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class ClientStatsSnapshot:
    """The counters at one moment; latencies are in milliseconds."""

    calls: int
    retries: int
    throttled: int
    server_errors: int
    responses_lost: int
    token_refreshes: int
    latency_ms_total: float
    latency_ms_max: float


class ClientStats:
    """Thread-safe counters of calls, retries and latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0
        self._retries = 0
        self._throttled = 0
        self._server_errors = 0
        self._responses_lost = 0
        self._token_refreshes = 0
        self._latency_total = 0.0
        self._latency_max = 0.0

    def record_call(self, *, latency_ms: float, status_code: int | None) -> None:
        """Count one HTTP exchange; ``status_code`` is None when no response came."""
        with self._lock:
            self._calls += 1
            self._latency_total += latency_ms
            self._latency_max = max(self._latency_max, latency_ms)
            if status_code == 429:
                self._throttled += 1
            elif status_code is not None and status_code >= 500:
                self._server_errors += 1
            elif status_code is None:
                self._responses_lost += 1

    def record_retry(self) -> None:
        """Count one scheduled retry."""
        with self._lock:
            self._retries += 1

    def record_token_refresh(self) -> None:
        """Count one token refresh after a 401."""
        with self._lock:
            self._token_refreshes += 1

    def snapshot(self) -> ClientStatsSnapshot:
        """Return the counters as they are now."""
        with self._lock:
            return ClientStatsSnapshot(
                calls=self._calls,
                retries=self._retries,
                throttled=self._throttled,
                server_errors=self._server_errors,
                responses_lost=self._responses_lost,
                token_refreshes=self._token_refreshes,
                latency_ms_total=self._latency_total,
                latency_ms_max=self._latency_max,
            )
