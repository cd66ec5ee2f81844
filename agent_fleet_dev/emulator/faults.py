"""Fault injection settings and the per-request decisions drawn from them.

Faults apply to the three agent APIs. IAM token requests get the latency only,
and admin endpoints get none. Every agent API request draws one
:class:`FaultDecision`, in this order of effect:

1. ``latency_seconds``: the response leaves no earlier than this long after
   the request was read. The work below happens inside that window, as on a
   remote service, and the wait holds up only that request's connection.
2. Token expiry: when ``expire_tokens_after_requests`` is N > 0, requests
   1..N run normally, and request N + 1 first expires every token issued so
   far and the static tokens. It fires once per setting: assigning the field
   again arms it again.
3. Authentication, which is not a fault.
4. Throttling: request numbers ``throttle_every``, ``2 * throttle_every``, ...
   (counting every agent API request since the setting changed, throttled
   ones included) each start a burst of ``throttle_burst`` consecutive 429
   responses, unless a burst is already running.
5. Injected 5xx with probability ``error_rate``, sent before any
   processing, so nothing is created.
6. Processing, then for batch-create only: with probability ``drop_rate``
   the connection is closed without a response, after the tasks were created.
"""

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

INJECTED_ERROR_STATUSES = (500, 502, 503)

# Fields whose assignment restarts a counter or the random generator.
_THROTTLE_FIELDS = frozenset({"throttle_every", "throttle_burst"})


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """Effects of the faults on one agent API request."""

    latency_seconds: float
    expire_tokens: bool
    throttle: bool
    retry_after_seconds: float
    error_status: int | None
    drop: bool


class Faults(BaseModel):
    """Fault settings, mutable while the emulator runs.

    Assign attributes directly (``emulator.faults.error_rate = 0.5``) or call
    :meth:`update` with several values at once. Every assignment is validated
    and guarded by a lock, so request threads see either the old or the new
    value.
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    latency_seconds: float = Field(default=0.0, ge=0, le=600)
    """Minimum time from reading an agent API or IAM request to its response, in seconds."""

    error_rate: float = Field(default=0.0, ge=0, le=1)
    """Fraction of agent API requests that get 500, 502 or 503 before processing."""

    throttle_every: int = Field(default=0, ge=0)
    """Every N-th agent API request starts a throttling burst; 0 disables throttling."""

    throttle_burst: int = Field(default=0, ge=0)
    """Number of consecutive 429 responses in a burst."""

    retry_after_seconds: float = Field(default=1.0, ge=0, le=3600)
    """Value of the ``Retry-After`` header of 429 responses, in seconds."""

    drop_rate: float = Field(default=0.0, ge=0, le=1)
    """Fraction of batch-create requests processed and then closed without a response."""

    response_shape: Literal["object", "array"] = "object"
    """Shape of the batch-create 201 body: ``{"invocations": [...]}`` or a bare array."""

    seed: int | None = None
    """Seed of the random generator behind error_rate and drop_rate; None seeds from the OS."""

    expire_tokens_after_requests: int = Field(default=0, ge=0)
    """After this many agent API requests, expire every token issued so far; 0 disables."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _random: random.Random = PrivateAttr(default_factory=random.Random)
    _throttle_count: int = PrivateAttr(default=0)
    _burst_left: int = PrivateAttr(default=0)
    _expiry_count: int = PrivateAttr(default=0)
    _expiry_armed: bool = PrivateAttr(default=True)

    def model_post_init(self, context: Any, /) -> None:
        """Seed the random generator from the ``seed`` field."""
        self._random.seed(self.seed)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
            return

        with self._lock:
            super().__setattr__(name, value)
            self._restart_state_of(name)

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> "Faults":
        """Copy the settings into new Faults; locks and counters cannot be copied."""
        return Faults(**self.settings())

    def _restart_state_of(self, name: str) -> None:
        if name == "seed":
            self._random.seed(self.seed)
        elif name == "expire_tokens_after_requests":
            self._expiry_count = 0
            self._expiry_armed = True
        elif name in _THROTTLE_FIELDS:
            self._throttle_count = 0
            self._burst_left = 0

    def update(self, values: Mapping[str, object]) -> None:
        """Set several fields at once after validating them together.

        Parameters
        ----------
        values:
            Field names and new values; fields not named keep their value.

        Raises
        ------
        pydantic.ValidationError
            If a name is unknown or a value is invalid; then nothing changes.
        """
        merged = {**self.settings(), **values}
        validated = Faults.model_validate(merged)

        for name in values:
            setattr(self, name, getattr(validated, name))

    def settings(self) -> dict[str, Any]:
        """Return the current values as a JSON-ready dictionary."""
        with self._lock:
            return self.model_dump(mode="json")

    def draw(self, *, batch_create: bool) -> FaultDecision:
        """Decide what the faults do to the next agent API request.

        Parameters
        ----------
        batch_create:
            Whether the request is a batch-create, the only one that can be
            dropped.
        """
        with self._lock:
            expire_tokens = self._count_towards_expiry()
            throttle = self._count_towards_throttle()

            error_status: int | None = None
            if self._random.random() < self.error_rate:
                error_status = self._random.choice(INJECTED_ERROR_STATUSES)

            drop = batch_create and self._random.random() < self.drop_rate

            return FaultDecision(
                latency_seconds=self.latency_seconds,
                expire_tokens=expire_tokens,
                throttle=throttle,
                retry_after_seconds=self.retry_after_seconds,
                error_status=error_status,
                drop=drop,
            )

    def _count_towards_expiry(self) -> bool:
        limit = self.expire_tokens_after_requests
        if limit == 0 or not self._expiry_armed:
            return False

        self._expiry_count += 1
        if self._expiry_count <= limit:
            return False

        self._expiry_armed = False
        return True

    def _count_towards_throttle(self) -> bool:
        if self.throttle_every == 0 or self.throttle_burst == 0:
            return False

        self._throttle_count += 1
        if self._burst_left == 0 and self._throttle_count % self.throttle_every == 0:
            self._burst_left = self.throttle_burst

        if self._burst_left == 0:
            return False

        self._burst_left -= 1
        return True


def format_retry_after(seconds: float) -> str:
    """Format a ``Retry-After`` value: whole seconds as an integer, else milliseconds precision.

    NOTE: HTTP defines Retry-After as whole seconds or a date. Fractions are
    sent only when retry_after_seconds has one, as tests set to keep retries
    fast, and a strict client may round or reject them.
    """
    if seconds.is_integer():
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
