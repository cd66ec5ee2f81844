"""The per-host outcome of a job: the one record every distinct target ends with."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class OutcomeStatus(StrEnum):
    """How a host's part of a job ended.

    ``successful`` and ``error`` are Cloud Eye's own ``ret_status`` values.
    The other three are agent-fleet's: ``failed`` when no response could be had
    after retries, ``unknown`` when a request was sent but its response was lost
    and the task list could not establish the host's fate, ``skipped`` when the
    host was never sent because the job stopped early.
    """

    SUCCESSFUL = "successful"
    ERROR = "error"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


class HostOutcome(BaseModel):
    """One distinct target of a job and how its part ended.

    Attributes
    ----------
    target:
        The host as the job names it: an instance id, an invocation id
        (ROLLBACK, RETRY) or ``ip:port`` (REMOTE_INSTALL).
    status:
        See :class:`OutcomeStatus`.
    instance_id, invocation_id:
        From Cloud Eye's response or from its task list when the response was lost.
    error_code, error_msg:
        Cloud Eye's code and message for ``error``; for ``failed`` the code
        and message of the last failure (an HTTP error's ``error_code``, or an
        ``agentfleet.*`` code for transport failures); for ``unknown``, those
        of the 5xx response that left the host's fate open, if any.
    reason:
        A sentence for ``failed``, ``unknown`` and ``skipped`` outcomes, and
        for successes recovered from the task list.
    request_id:
        Cloud Eye's ``X-Request-Id`` of the call that settled this host.
    http_status:
        For ``failed`` and ``unknown``: the HTTP status of the error response
        behind the outcome, if there was one.
    """

    model_config = ConfigDict(frozen=True)

    target: str
    status: OutcomeStatus
    instance_id: str | None = None
    invocation_id: str | None = None
    error_code: str | None = None
    error_msg: str | None = None
    reason: str | None = None
    request_id: str | None = None
    http_status: int | None = None
