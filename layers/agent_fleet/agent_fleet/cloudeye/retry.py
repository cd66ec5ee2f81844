"""The retry policy of Cloud Eye calls: which failures are retried, and how long to wait.

Backoff is exponential with full jitter: before retry ``n`` (1-based) the
client sleeps ``uniform(0, min(wait_max, wait_initial * 2 ** (n - 1)))``
seconds, or exactly the ``Retry-After`` a 429 asked for. Both the number of
attempts and the total time are bounded, and a wait that would end past the
deadline is not taken: the last error propagates instead. stamina runs the
loop, so its test mode removes the sleeps from test suites.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from agent_fleet.cloudeye.exceptions import (
    CloudEyeConnectError,
    CloudEyeServerError,
    CloudEyeStatusError,
    CloudEyeThrottled,
    ResponseLostError,
)

logger = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 6
DEFAULT_DEADLINE_SECONDS = 20.0
DEFAULT_WAIT_INITIAL_SECONDS = 0.2
DEFAULT_WAIT_MAX_SECONDS = 5.0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retries of one Cloud Eye call.

    Attributes
    ----------
    attempts:
        Calls in all, the first one included.
    deadline_seconds:
        Time from the first attempt after which no retry starts. Keep it
        below the Lambda function's timeout.
    wait_initial, wait_max:
        The backoff's first ceiling and its cap, in seconds.
    """

    attempts: int = DEFAULT_ATTEMPTS
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    wait_initial: float = DEFAULT_WAIT_INITIAL_SECONDS
    wait_max: float = DEFAULT_WAIT_MAX_SECONDS

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"retry attempts must be at least 1, got {self.attempts}")
        if self.deadline_seconds <= 0:
            raise ValueError(f"retry deadline must be positive, got {self.deadline_seconds}")

    def backoff(self, retry_number: int) -> float:
        """Return a full-jitter wait in seconds before retry ``retry_number`` (1-based)."""
        ceiling = min(self.wait_max, self.wait_initial * 2 ** (retry_number - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography


def time_left(deadline: float | None, clock: Callable[[], float] = time.monotonic) -> float | None:
    """Return the seconds until ``deadline`` (a ``clock()`` value), or None without one."""
    return None if deadline is None else deadline - clock()


def is_retryable(exc: BaseException, *, resend_safe: bool) -> bool:
    """Tell whether ``exc`` is worth another attempt of the same call.

    Parameters
    ----------
    exc:
        What the last attempt raised.
    resend_safe:
        True when sending the request again cannot create anything twice (reads,
        status queries). A batch-create is not: a 5xx or a lost response may
        follow a request Cloud Eye carried out, so only failures that prove it
        was not (no connection, 429) are retried here.
    """
    if isinstance(exc, CloudEyeConnectError | CloudEyeThrottled):
        return True
    if isinstance(exc, CloudEyeServerError | ResponseLostError):
        return resend_safe
    return False


class BackoffHook:
    """stamina's ``on`` predicate for one call: whether to retry, and the wait.

    ``deadline`` is an optional ``clock()`` value, the job's, past which no
    retry starts either.

    One instance serves one call, because it counts the retries and keeps the
    call's start time to keep every wait inside the deadline.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        retryable: Callable[[BaseException], bool],
        method: str,
        path: str,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[BaseException], None] | None = None,
        deadline: float | None = None,
    ) -> None:
        self._policy = policy
        self._deadline = deadline
        self._retryable = retryable
        self._method = method
        self._path = path
        self._clock = clock
        self._started = clock()
        self._retries = 0
        self._on_retry = on_retry

    def __call__(self, exc: Exception) -> bool | float:
        if not self._retryable(exc):
            return False

        self._retries += 1
        wait = self._policy.backoff(self._retries)
        if isinstance(exc, CloudEyeThrottled) and exc.retry_after is not None:
            wait = exc.retry_after

        now = self._clock()
        remaining = self._policy.deadline_seconds - (now - self._started)
        if self._deadline is not None:
            remaining = min(remaining, self._deadline - now)
        if wait >= remaining:
            logger.warning(
                "Cloud Eye call not retried: the wait would pass the retry deadline",
                extra=self._log_fields(exc, wait),
            )
            return False

        logger.warning("Cloud Eye call failed, retry scheduled", extra=self._log_fields(exc, wait))
        if self._on_retry is not None:
            self._on_retry(exc)
        return wait

    def _log_fields(self, exc: BaseException, wait: float) -> dict[str, object]:
        fields: dict[str, object] = {
            "method": self._method,
            "path": self._path,
            "retry": self._retries,
            "wait_seconds": round(wait, 3),
            "error": type(exc).__name__,
        }
        if isinstance(exc, CloudEyeStatusError):
            fields.update(
                status=exc.status_code,
                error_code=exc.error_code,
                cloud_eye_request_id=exc.request_id,
            )
        return fields
