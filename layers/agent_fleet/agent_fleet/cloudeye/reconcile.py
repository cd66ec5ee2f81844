"""Find, in Cloud Eye's task list, the tasks a batch-create created when its response was lost.

A task counts as created by the call when it has the call's invocation type,
belongs to the host's instance, and was created after the call started. The
start time is moved back by a margin, because the caller's clock and Cloud
Eye's clock may differ.
"""

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from agent_fleet.cloudeye.client import CloudEyeClient
from agent_fleet.cloudeye.exceptions import CloudEyeError, CloudEyeTransportError
from agent_fleet.cloudeye.retry import RetryPolicy
from agent_fleet.contract import (
    INSTANCE_TARGETED,
    INVOCATION_TARGETED,
    InvocationInfo,
    InvocationType,
    ListInvocationsQuery,
)

logger = logging.getLogger(__name__)

MAX_LOOKUP_FAILURES = 3
"""Failed task list lookups in a row after which the rest of a call's hosts are not looked up."""

LOOKUP_CONCURRENCY = 4
"""Task list lookups in flight at once for one call; a chunk of 100 hosts takes 25 rounds."""

LOOKUP_RETRY = RetryPolicy(attempts=4, deadline_seconds=5.0)
"""Retries of one lookup: short, because a failed lookup only leaves its host unknown."""

LOOKUP_MAX_PAGES = 10
"""Pages of one instance's tasks read before the lookup gives up on older ones."""

DEFAULT_CLOCK_SKEW_SECONDS = 30.0
"""How far before the call's start a task may be dated and still count as the call's."""


def can_reconcile(invocation_type: InvocationType) -> bool:
    """Tell whether the task list can show the fate of this type's hosts.

    REMOTE_INSTALL hosts are named by address and have no instance id yet, so
    no task list query can find them.
    """
    return invocation_type in INSTANCE_TARGETED or invocation_type in INVOCATION_TARGETED


@dataclass
class TaskLookup:
    """The task list's view of the hosts of one call.

    Attributes
    ----------
    found:
        The task the call created, by target.
    unreadable:
        Why the task list could not be read, by target; such a host may or may
        not have a task.
    """

    found: dict[str, InvocationInfo] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)


def find_created_tasks(
    client: CloudEyeClient,
    project_id: str,
    invocation_type: InvocationType,
    targets: Sequence[str],
    *,
    started_at: float,
    clock_skew_seconds: float = DEFAULT_CLOCK_SKEW_SECONDS,
    deadline: float | None = None,
) -> TaskLookup:
    """Look up, for each target, the task a call created for it, if any.

    Up to :data:`LOOKUP_CONCURRENCY` hosts are looked up at once, each with
    the short :data:`LOOKUP_RETRY` policy. A host whose lookup fails is
    recorded in ``unreadable``. After a transport error, or
    :data:`MAX_LOOKUP_FAILURES` failures in a row, or past ``deadline``, the hosts not
    yet looked up are recorded as unreadable too, since their lookups would
    fail or end too late the same way.

    Parameters
    ----------
    targets:
        Instance ids, or for ROLLBACK and RETRY the invocation ids of the
        earlier tasks.
    started_at:
        When the call started, in epoch seconds.
    deadline:
        A :func:`time.monotonic` value after which no lookup starts.

    Raises
    ------
    ValueError
        For REMOTE_INSTALL (see :func:`can_reconcile`).
    """
    if not can_reconcile(invocation_type):
        raise ValueError(f"the task list cannot show the hosts of a {invocation_type} task")

    earliest_ms = int((started_at - clock_skew_seconds) * 1000)
    lookup = TaskLookup()
    lock = threading.Lock()
    # Failed lookups since the last one that succeeded.
    failures: list[CloudEyeError] = []

    def look_up(target: str) -> None:
        with lock:
            stop_reason = _stop_reason(failures, deadline)
        if stop_reason is not None:
            with lock:
                lookup.unreadable[target] = stop_reason
            return
        try:
            task = _task_created_for(
                client, project_id, invocation_type, target, earliest_ms, deadline
            )
        except CloudEyeError as exc:
            with lock:
                lookup.unreadable[target] = str(exc)
                failures.append(exc)
            return
        with lock:
            failures.clear()
            if task is not None:
                lookup.found[target] = task

    with ThreadPoolExecutor(max_workers=LOOKUP_CONCURRENCY) as pool:
        list(pool.map(look_up, targets))

    logger.info(
        "Task list reconciled",
        extra={
            "invocation_type": str(invocation_type),
            "hosts": len(targets),
            "tasks_found": len(lookup.found),
            "hosts_unreadable": len(lookup.unreadable),
        },
    )
    return lookup


def _stop_reason(failures: Sequence[CloudEyeError], deadline: float | None) -> str | None:
    """Say why no more lookups should start, or return None to go on."""
    if deadline is not None and time.monotonic() >= deadline:
        return "the job deadline was reached before this host's task list lookup"
    if not failures:
        return None
    last = failures[-1]
    if isinstance(last, CloudEyeTransportError) or len(failures) >= MAX_LOOKUP_FAILURES:
        return f"lookups stopped after {len(failures)} failed in a row, the last: {last}"
    return None


def _task_created_for(
    client: CloudEyeClient,
    project_id: str,
    invocation_type: InvocationType,
    target: str,
    earliest_ms: int,
    deadline: float | None,
) -> InvocationInfo | None:
    instance_id = _instance_of(client, project_id, invocation_type, target, deadline)
    if instance_id is None:
        return None
    return _newest_task_since(
        client, project_id, invocation_type, instance_id, earliest_ms, deadline
    )


def _instance_of(
    client: CloudEyeClient,
    project_id: str,
    invocation_type: InvocationType,
    target: str,
    deadline: float | None,
) -> str | None:
    if invocation_type in INSTANCE_TARGETED:
        return target

    # ROLLBACK and RETRY name an earlier task; its instance is where the new task runs.
    query = ListInvocationsQuery(invocation_id=target, limit=1)
    for task in client.iter_invocations(
        project_id, query, max_pages=1, retry=LOOKUP_RETRY, deadline=deadline
    ):
        return task.instance_id
    return None


def _newest_task_since(
    client: CloudEyeClient,
    project_id: str,
    invocation_type: InvocationType,
    instance_id: str,
    earliest_ms: int,
    deadline: float | None,
) -> InvocationInfo | None:
    query = ListInvocationsQuery(instance_id=instance_id, invocation_type=invocation_type)
    newest: InvocationInfo | None = None
    for task in client.iter_invocations(
        project_id, query, max_pages=LOOKUP_MAX_PAGES, retry=LOOKUP_RETRY, deadline=deadline
    ):
        if task.create_time is None or task.create_time < earliest_ms:
            continue
        if task.instance_id not in (None, instance_id):
            continue
        if newest is None or task.create_time > (newest.create_time or 0):
            newest = task
    return newest
