"""The collaborators a handler needs, built once per warm container.

A Lambda container serves many invocations one after another. Building the
token provider and the Cloud Eye client once, on first use, lets every warm
invocation reuse the cached token and the open connections.
"""

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from agent_fleet.cloudeye import CloudEyeClient, RetryPolicy, TokenSource, submit_chunk
from agent_fleet.cloudeye.client import USER_AGENT
from agent_fleet.credentials import TokenProvider, secret_source_from_environ
from agent_fleet.jobs import (
    Chunk,
    ErrorThreshold,
    HostOutcome,
    Job,
    JobReport,
    execute_plan,
    plan_job,
)
from agent_fleet.settings import Settings


@dataclass
class Runtime:
    """Settings plus the long-lived client built from them."""

    settings: Settings
    client: CloudEyeClient
    http: httpx.Client | None = None
    """The connection pool the runtime built, closed by :meth:`close`."""

    @classmethod
    def build(
        cls,
        settings: Settings | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        tokens: TokenSource | None = None,
    ) -> "Runtime":
        """Build the runtime from ``settings`` (default: read from the environment)."""
        settings = settings or Settings.from_environ(environ)

        # One connection pool serves Cloud Eye and IAM: each httpx client costs
        # tens of milliseconds of TLS setup at cold start. The IAM exchange sets
        # its own timeout on every request.
        http = new_http_client(settings)
        if tokens is None:
            tokens = TokenProvider(
                secret_source_from_environ(os.environ if environ is None else environ),
                settings.token_secret_id,
                iam_endpoint=settings.iam_token_endpoint,
                http=http,
            )
        client = CloudEyeClient(
            settings.cloud_eye_endpoint,
            tokens,
            retry=RetryPolicy(
                attempts=settings.retry_attempts,
                deadline_seconds=settings.retry_deadline_seconds,
            ),
            http=http,
        )
        return cls(settings=settings, client=client, http=http)

    def close(self) -> None:
        """Close the client and the connection pool the runtime built."""
        self.client.close()
        if self.http is not None:
            self.http.close()

    def run_job(
        self,
        job: Job,
        *,
        remaining_seconds: Callable[[], float] | None = None,
        safety_margin_seconds: float = 5.0,
        max_errors: ErrorThreshold | None = None,
    ) -> JobReport:
        """Plan and execute ``job`` inline, with the configured bounds.

        Parameters
        ----------
        remaining_seconds:
            Time left in the invocation (the Lambda context's), so that no
            chunk starts too late to finish. The earlier of it, less the
            margin, and the configured job deadline applies.
        max_errors:
            The job's own error threshold, in place of the configured one.
        """
        deadline = _deadline(
            self.settings.job_deadline_seconds, remaining_seconds, safety_margin_seconds
        )
        plan = plan_job(job)

        def submit(chunk: Chunk) -> list[HostOutcome]:
            return submit_chunk(self.client, job.project_id, chunk.request, deadline=deadline)

        return execute_plan(
            plan,
            submit,
            max_concurrency=self.settings.max_concurrency,
            max_errors=max_errors or self.settings.error_threshold,
            deadline=deadline,
        )


def new_http_client(settings: Settings) -> httpx.Client:
    """Build the container's HTTP client with the Cloud Eye timeout and pool size."""
    pool = max(settings.max_concurrency, 10)
    return httpx.Client(
        timeout=httpx.Timeout(settings.request_timeout_seconds, connect=3.0),
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        headers={"User-Agent": USER_AGENT},
    )


def _deadline(
    job_deadline_seconds: float | None,
    remaining_seconds: Callable[[], float] | None,
    safety_margin_seconds: float,
) -> float | None:
    now = time.monotonic()
    candidates = []
    if job_deadline_seconds is not None:
        candidates.append(now + job_deadline_seconds)
    if remaining_seconds is not None:
        candidates.append(now + max(0.0, remaining_seconds() - safety_margin_seconds))
    return min(candidates) if candidates else None


_lock = threading.Lock()
_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """Return the container's runtime, building it on first use."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime.build()
        return _runtime


def reset_runtime() -> None:
    """Drop the container's runtime so the next call rebuilds it from the environment.

    The local runner and the tests use it between handlers with different settings.
    """
    global _runtime
    with _lock:
        if _runtime is not None:
            _runtime.close()
        _runtime = None
