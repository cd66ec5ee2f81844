"""Find, in Cloud Eye's task list, the tasks a batch-create created when its response was lost.

A task counts as created by the call when it has the call's invocation type,
belongs to the host's instance, and was created after the call started. The
start time is moved back by a margin, because the caller's clock and Cloud
Eye's clock may differ.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent_fleet.cloudeye.client import CloudEyeClient
from agent_fleet.cloudeye.exceptions import CloudEyeError, CloudEyeTransportError
from agent_fleet.contract import (
    INSTANCE_TARGETED,
    INVOCATION_TARGETED,
    InvocationInfo,
    InvocationType,
    ListInvocationsQuery,
)

logger = logging.getLogger(__name__)

MAX_LOOKUP_FAILURES = 3
"""Failed task list lookups after which the rest of a call's hosts are not looked up."""

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
) -> TaskLookup:
    """Look up, for each target, the task a call created for it, if any.

    A host whose lookup fails is recorded in ``unreadable`` and the others are
    still looked up, so that one failing query settles as few hosts as possible.

    Parameters
    ----------
    targets:
        Instance ids, or for ROLLBACK and RETRY the invocation ids of the
        earlier tasks.
    started_at:
        When the call started, in epoch seconds.

    Raises
    ------
    ValueError
        For REMOTE_INSTALL (see :func:`can_reconcile`).
    """
    if not can_reconcile(invocation_type):
        raise ValueError(f"the task list cannot show the hosts of a {invocation_type} task")

    earliest_ms = int((started_at - clock_skew_seconds) * 1000)
    lookup = TaskLookup()
    failures = 0
    for index, target in enumerate(targets):
        try:
            instance_id = _instance_of(client, project_id, invocation_type, target)
            if instance_id is None:
                continue
            task = _newest_task_since(client, project_id, invocation_type, instance_id, earliest_ms)
        except CloudEyeError as exc:
            lookup.unreadable[target] = str(exc)
            failures += 1
            # Each failed lookup has used the whole retry budget. When Cloud Eye
            # is unreachable or keeps failing, the remaining lookups would fail
            # the same way, one budget each, so they are not tried.
            if isinstance(exc, CloudEyeTransportError) or failures >= MAX_LOOKUP_FAILURES:
                reason = f"lookups stopped after {failures} failed ones, the last: {exc}"
                for skipped in targets[index + 1 :]:
                    lookup.unreadable[skipped] = reason
                break
            continue
        if task is not None:
            lookup.found[target] = task

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


def _instance_of(
    client: CloudEyeClient, project_id: str, invocation_type: InvocationType, target: str
) -> str | None:
    if invocation_type in INSTANCE_TARGETED:
        return target

    # ROLLBACK and RETRY name an earlier task; its instance is where the new task runs.
    query = ListInvocationsQuery(invocation_id=target, limit=1)
    for task in client.iter_invocations(project_id, query, max_pages=1):
        return task.instance_id
    return None


def _newest_task_since(
    client: CloudEyeClient,
    project_id: str,
    invocation_type: InvocationType,
    instance_id: str,
    earliest_ms: int,
) -> InvocationInfo | None:
    query = ListInvocationsQuery(instance_id=instance_id, invocation_type=invocation_type)
    newest: InvocationInfo | None = None
    for task in client.iter_invocations(project_id, query):
        if task.create_time is None or task.create_time < earliest_ms:
            continue
        if task.instance_id not in (None, instance_id):
            continue
        if newest is None or task.create_time > (newest.create_time or 0):
            newest = task
    return newest
