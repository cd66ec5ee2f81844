"""Send one chunk of a job to Cloud Eye and settle the fate of each of its hosts.

:func:`submit_chunk` never raises for Cloud Eye, network or credential
failures: it returns one :class:`~agent_fleet.jobs.outcomes.HostOutcome` per
host of the chunk, so a failing chunk cannot take the rest of a job down.

No host is ever submitted twice. A batch-create is resent only after a 5xx
that is not 504, and only for the hosts that the task list shows without a
new task. A lost response (read timeout, dropped connection) or a 504, where
Cloud Eye may still be working on the request, is never resent: the task
list settles what it can and the rest is reported ``unknown``.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import stamina

from agent_fleet.cloudeye.client import BatchCreateAnswer, CloudEyeClient
from agent_fleet.cloudeye.exceptions import (
    CloudEyeError,
    CloudEyeResponseError,
    CloudEyeServerError,
    CloudEyeStatusError,
    ResponseLostError,
)
from agent_fleet.cloudeye.reconcile import can_reconcile, find_created_tasks
from agent_fleet.cloudeye.retry import BackoffHook
from agent_fleet.contract import (
    INSTANCE_TARGETED,
    BatchCreateInvocationRequest,
    InvocationType,
    RetStatus,
)
from agent_fleet.credentials import CredentialsError
from agent_fleet.jobs.outcomes import HostOutcome, OutcomeStatus

logger = logging.getLogger(__name__)

TRANSPORT_ERROR_CODE = "agentfleet.transport"
CREDENTIALS_ERROR_CODE = "agentfleet.credentials"
JOB_DEADLINE_ERROR_CODE = "agentfleet.deadline"

RESEND_DEADLINE_SECONDS = 60.0
"""Time after a chunk's first call past which no resend after a 5xx starts."""

_GATEWAY_TIMEOUT = 504


class _AnswerLost(Exception):
    """A 5xx after which resending could double a task; handled like a lost response."""

    def __init__(self, cause: CloudEyeError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def chunk_targets(request: BatchCreateInvocationRequest) -> list[str]:
    """Return the hosts of ``request`` as a job names them, in request order."""
    if request.invocation_type in INSTANCE_TARGETED:
        return list(request.instance_ids or [])
    if request.invocation_type is InvocationType.REMOTE_INSTALL:
        return [host.target_key for host in request.remote_install_meta or []]
    return list(request.invocation_ids or [])


def narrow_request(
    request: BatchCreateInvocationRequest, targets: Sequence[str]
) -> BatchCreateInvocationRequest:
    """Return ``request`` limited to ``targets``, its other fields unchanged."""
    keep = set(targets)
    if request.invocation_type in INSTANCE_TARGETED:
        ids = [item for item in request.instance_ids or [] if item in keep]
        return request.model_copy(update={"instance_ids": ids})
    if request.invocation_type is InvocationType.REMOTE_INSTALL:
        hosts = [host for host in request.remote_install_meta or [] if host.target_key in keep]
        return request.model_copy(update={"remote_install_meta": hosts})
    ids = [item for item in request.invocation_ids or [] if item in keep]
    return request.model_copy(update={"invocation_ids": ids})


class _ChunkSubmission:
    """The state of one chunk while it is being settled."""

    def __init__(
        self,
        client: CloudEyeClient,
        project_id: str,
        request: BatchCreateInvocationRequest,
        clock: Callable[[], float],
        deadline: float | None,
    ) -> None:
        self.client = client
        self.deadline = deadline
        self.project_id = project_id
        self.request = request
        self.targets = chunk_targets(request)
        self.pending = list(self.targets)
        self.settled: dict[str, HostOutcome] = {}
        self.started_at = clock()
        # Set once a call may have created tasks without saying so (a 5xx or a
        # lost response): from then on an unsettled host is unknown, not failed.
        self.maybe_created = False
        self.last_server_error: CloudEyeServerError | None = None

    def run(self) -> list[HostOutcome]:
        try:
            self._send_with_retries()
        except ResponseLostError as exc:
            self._settle_lost(exc)
        except _AnswerLost as exc:
            self._settle_lost(exc.cause)
        except CloudEyeServerError as exc:
            self._settle_from_task_list_then_fail(exc)
        except CloudEyeStatusError as exc:
            self._fail_pending(
                exc.error_code, exc.error_msg, str(exc), exc.request_id, exc.status_code
            )
        except CloudEyeResponseError as exc:
            self._settle_lost(exc)
        except CloudEyeError as exc:
            self._fail_pending(TRANSPORT_ERROR_CODE, None, str(exc), None)
        except CredentialsError as exc:
            self._fail_pending(CREDENTIALS_ERROR_CODE, None, str(exc), None)

        return [self.settled[target] for target in self.targets]

    # -- sending -------------------------------------------------------------

    def _send_with_retries(self) -> None:
        resend_after_5xx = can_reconcile(self.request.invocation_type)
        # Task list lookups run between the resends, so the resends get a time
        # budget of their own instead of the single call's retry deadline.
        policy = replace(self.client.retry, deadline_seconds=RESEND_DEADLINE_SECONDS)
        hook = BackoffHook(
            policy,
            retryable=lambda exc: resend_after_5xx and isinstance(exc, CloudEyeServerError),
            method="POST",
            path="batch-create",
            on_retry=lambda _exc: self.client.stats.record_retry(),
            deadline=self.deadline,
        )
        for attempt in stamina.retry_context(
            on=hook, attempts=policy.attempts, timeout=policy.deadline_seconds
        ):
            with attempt:
                if attempt.num > 1:
                    # The failed attempt may have created tasks before its 5xx.
                    self._settle_from_task_list(
                        reason="created before a 5xx response", cause=self.last_server_error
                    )
                    if not self.pending:
                        return
                    if self._past_deadline():
                        self._fail_pending(
                            JOB_DEADLINE_ERROR_CODE,
                            None,
                            "the job deadline was reached before the resend after a 5xx",
                            None,
                        )
                        return
                self._send_pending()

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _send_pending(self) -> None:
        request = narrow_request(self.request, self.pending)
        try:
            answer = self.client.batch_create(self.project_id, request, deadline=self.deadline)
        except CloudEyeServerError as exc:
            self.maybe_created = True
            self.last_server_error = exc
            if exc.status_code == _GATEWAY_TIMEOUT:
                raise _AnswerLost(exc) from exc
            raise
        except (ResponseLostError, CloudEyeResponseError):
            self.maybe_created = True
            raise
        self._settle_from_answer(answer)

    # -- settling ------------------------------------------------------------

    def _settle_from_answer(self, answer: BatchCreateAnswer) -> None:
        items = answer.response.invocations
        if self.request.invocation_type in INSTANCE_TARGETED:
            by_instance = {item.instance_id: item for item in reversed(items) if item.instance_id}
            matched = [(target, by_instance.get(target)) for target in self.pending]
        elif len(items) == len(self.pending):
            # NOTE: items of ROLLBACK, RETRY and REMOTE_INSTALL responses carry no
            # field naming the request's host, so they are matched by position.
            matched = list(zip(self.pending, items, strict=True))
        else:
            matched = [(target, None) for target in self.pending]

        missing = []
        for target, item in matched:
            if item is None:
                missing.append(target)
                continue
            if item.ret_status == RetStatus.SUCCESSFUL:
                status = OutcomeStatus.SUCCESSFUL
                reason = None
            elif item.ret_status == RetStatus.ERROR:
                status = OutcomeStatus.ERROR
                reason = None
            else:
                status = OutcomeStatus.UNKNOWN
                reason = f"Cloud Eye returned an unexpected ret_status {item.ret_status!r}"
            self.settled[target] = HostOutcome(
                target=target,
                status=status,
                instance_id=item.instance_id,
                invocation_id=item.invocation_id,
                error_code=item.error_code,
                error_msg=item.error_msg,
                reason=reason,
                request_id=answer.request_id,
            )

        self.pending = missing
        if missing:
            logger.warning(
                "Cloud Eye's response left hosts out",
                extra={"hosts_missing": len(missing), "cloud_eye_request_id": answer.request_id},
            )
            self._settle_lost_hosts(
                reason="Cloud Eye's response did not mention this host",
                request_id=answer.request_id,
            )

    def _settle_from_task_list(
        self, *, reason: str, cause: CloudEyeStatusError | None = None
    ) -> bool:
        """Mark as successful every pending host that has a task created since the start.

        Returns False when the task list could not be read for some hosts;
        those stay pending, and a resend would risk doubling their tasks.
        """
        lookup = find_created_tasks(
            self.client,
            self.project_id,
            self.request.invocation_type,
            self.pending,
            started_at=self.started_at,
            deadline=self.deadline,
        )
        for target, task in lookup.found.items():
            self.settled[target] = HostOutcome(
                target=target,
                status=OutcomeStatus.SUCCESSFUL,
                instance_id=task.instance_id,
                invocation_id=task.invocation_id,
                reason=f"task found in Cloud Eye's task list: {reason}",
            )
        self.pending = [target for target in self.pending if target not in lookup.found]

        for target, failure in lookup.unreadable.items():
            self.settled[target] = _unknown(
                target,
                f"{reason}; the task list could not be read for this host ({failure}), "
                "so it was not resent",
                cause,
            )
        self.pending = [target for target in self.pending if target not in lookup.unreadable]

        # The task list is the source of truth: a host it showed without a task has none.
        self.maybe_created = False
        return not lookup.unreadable

    def _settle_lost(self, exc: CloudEyeError) -> None:
        cause = exc if isinstance(exc, CloudEyeStatusError) else None
        self._settle_lost_hosts(reason=f"the response was lost ({exc})", cause=cause)

    def _settle_lost_hosts(
        self,
        *,
        reason: str,
        cause: CloudEyeStatusError | None = None,
        request_id: str | None = None,
    ) -> None:
        """Settle hosts whose request was sent but whose response is missing; never resend them."""
        if can_reconcile(self.request.invocation_type):
            self._settle_from_task_list(reason=reason, cause=cause)
        for target in self.pending:
            self.settled[target] = _unknown(
                target,
                f"{reason}; no task for this host was found, and it was not resent",
                cause,
                request_id,
            )
        self.pending = []

    def _settle_from_task_list_then_fail(self, exc: CloudEyeServerError) -> None:
        if not can_reconcile(self.request.invocation_type):
            self._settle_lost(exc)
            return
        self._settle_from_task_list(reason="created before a 5xx response", cause=exc)
        self._fail_pending(exc.error_code, exc.error_msg, str(exc), exc.request_id, exc.status_code)

    def _fail_pending(
        self,
        error_code: str | None,
        error_msg: str | None,
        reason: str,
        request_id: str | None,
        http_status: int | None = None,
    ) -> None:
        status = OutcomeStatus.FAILED
        if self.maybe_created:
            status = OutcomeStatus.UNKNOWN
            reason = f"{reason}; an earlier attempt may have created a task, so it was not resent"
        for target in self.pending:
            self.settled[target] = HostOutcome(
                target=target,
                status=status,
                error_code=error_code,
                error_msg=error_msg,
                reason=reason,
                request_id=request_id,
                http_status=http_status,
            )
        self.pending = []


def _unknown(
    target: str,
    reason: str,
    cause: CloudEyeStatusError | None,
    request_id: str | None = None,
) -> HostOutcome:
    """Build an ``unknown`` outcome that keeps the error response behind it, if any."""
    if cause is None:
        return HostOutcome(
            target=target, status=OutcomeStatus.UNKNOWN, reason=reason, request_id=request_id
        )
    return HostOutcome(
        target=target,
        status=OutcomeStatus.UNKNOWN,
        reason=reason,
        error_code=cause.error_code,
        error_msg=cause.error_msg,
        request_id=cause.request_id,
        http_status=cause.status_code,
    )


def submit_chunk(
    client: CloudEyeClient,
    project_id: str,
    request: BatchCreateInvocationRequest,
    *,
    clock: Callable[[], float] = time.time,
    deadline: float | None = None,
) -> list[HostOutcome]:
    """Send one chunk and return one outcome per host, in request order.

    Parameters
    ----------
    client:
        The Cloud Eye client; its retry policy bounds the resends after 5xx.
    project_id:
        The project the hosts belong to.
    request:
        At most 100 hosts, already validated by the contract models.
    clock:
        Epoch seconds, to date the call against the task list's ``create_time``.
    deadline:
        The job's deadline, a :func:`time.monotonic` value: no retry, resend
        or task list lookup starts after it.
    """
    return _ChunkSubmission(client, project_id, request, clock, deadline).run()
