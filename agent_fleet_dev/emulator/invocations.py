"""Agent tasks: creating them in batches and listing them.

Batch-create returns one item per host, in request order:

- INSTALL, UPDATE and SET_REMOTE_INSTALLER: one task per instance id, unless
  the fleet rejects the host.
- ROLLBACK and RETRY: one new task per known invocation id, for that task's
  host. An unknown id gets an error item that carries the requested id as
  ``invocation_id``, so the caller can match it.
- REMOTE_INSTALL: one task per remote_install_meta entry, for an instance id
  derived from the remote address (``remote-`` and a UUID), so the same
  address always maps to the same id.

A host that already has an unfinished task of the same type gets an error
item instead of a second task.
"""

import dataclasses
import uuid
from typing import Final

from agent_fleet_dev.emulator import codes
from agent_fleet_dev.emulator.state import EmulatorState
from agent_fleet_dev.emulator.tasks import TaskFilter, TaskSpec
from agent_fleet_dev.emulator.validation import BatchCreateRequest, ListQuery, RemoteHost

_REMOTE_ID_NAMESPACE: Final = uuid.UUID("8f0d3b52-6d1e-4c3a-9a53-2f6a3c1e7b10")

BatchItem = dict[str, str]


def create_invocations(
    state: EmulatorState, project_id: str, request: BatchCreateRequest
) -> list[BatchItem]:
    """Create the tasks of a valid batch-create request and return its items in order."""
    if request.invocation_type in ("ROLLBACK", "RETRY"):
        plans = [
            _plan_resubmission(state, project_id, request, invocation_id)
            for invocation_id in request.invocation_ids
        ]
    elif request.invocation_type == "REMOTE_INSTALL":
        plans = [_plan_remote(state, project_id, request, host) for host in request.remote_hosts]
    else:
        plans = [
            _plan_instance(state, project_id, request, instance_id)
            for instance_id in request.instance_ids
        ]

    specs = [plan for plan in plans if isinstance(plan, TaskSpec)]
    new_ids = state.tasks.create_many(specs)
    state.counters.tasks_created(
        spec.instance_id for spec, new_id in zip(specs, new_ids, strict=True) if new_id is not None
    )

    remaining_ids = iter(new_ids)
    return [
        _created_item(plan, next(remaining_ids)) if isinstance(plan, TaskSpec) else plan
        for plan in plans
    ]


def _created_item(spec: TaskSpec, invocation_id: str | None) -> BatchItem:
    if invocation_id is None:
        return _error_item(
            codes.ITEM_TASK_UNFINISHED, codes.TASK_UNFINISHED_MESSAGE, instance_id=spec.instance_id
        )
    return {
        "instance_id": spec.instance_id,
        "invocation_id": invocation_id,
        "ret_status": "successful",
    }


def _plan_instance(
    state: EmulatorState, project_id: str, request: BatchCreateRequest, instance_id: str
) -> TaskSpec | BatchItem:
    profile = state.fleet.profile(instance_id)
    if not profile.eligible:
        return _error_item(profile.error_code, profile.error_msg, instance_id=instance_id)

    return TaskSpec(
        project_id=project_id,
        instance_id=instance_id,
        instance_name=profile.name or instance_id,
        instance_type=profile.instance_type,
        intranet_ips=profile.addresses(instance_id),
        elastic_ips=tuple(profile.elastic_ips),
        invocation_type=request.invocation_type,
        invocation_target=request.invocation_target or "telescope",
        current_version=profile.agent_version or state.fleet.agent_version,
        target_version=request.version or state.fleet.latest_version,
        fails=state.fleet.fails(instance_id),
    )


def _plan_resubmission(
    state: EmulatorState, project_id: str, request: BatchCreateRequest, invocation_id: str
) -> TaskSpec | BatchItem:
    original = state.tasks.spec_of(project_id, invocation_id)
    if original is None:
        return _error_item(
            codes.ITEM_INVOCATION_NOT_FOUND,
            codes.INVOCATION_NOT_FOUND_MESSAGE,
            invocation_id=invocation_id,
        )

    # A rollback returns to the version the original task started from; a
    # retry aims again at the version the original task aimed at.
    if request.invocation_type == "ROLLBACK":
        target = original.current_version
    else:
        target = original.target_version

    return dataclasses.replace(
        original,
        invocation_type=request.invocation_type,
        current_version=_fleet_version(state, original.instance_id),
        target_version=target,
        fails=state.fleet.fails(original.instance_id),
    )


def _plan_remote(
    state: EmulatorState, project_id: str, request: BatchCreateRequest, host: RemoteHost
) -> TaskSpec | BatchItem:
    instance_id = remote_instance_id(host.remote_ip)
    profile = state.fleet.profile(instance_id)
    if not profile.eligible:
        return _error_item(profile.error_code, profile.error_msg, instance_id=instance_id)

    return TaskSpec(
        project_id=project_id,
        instance_id=instance_id,
        instance_name=host.instance_name,
        instance_type=profile.instance_type,
        intranet_ips=(host.remote_ip,),
        elastic_ips=(),
        invocation_type=request.invocation_type,
        invocation_target=request.invocation_target or "telescope",
        current_version=profile.agent_version or state.fleet.agent_version,
        target_version=request.version or state.fleet.latest_version,
        fails=state.fleet.fails(instance_id),
    )


def _fleet_version(state: EmulatorState, instance_id: str) -> str:
    """Return the version the fleet gives a host; the task store replaces it after installs."""
    return state.fleet.profile(instance_id).agent_version or state.fleet.agent_version


def remote_instance_id(remote_ip: str) -> str:
    """Return the stable instance id of a remote installation target."""
    return f"remote-{uuid.uuid5(_REMOTE_ID_NAMESPACE, remote_ip)}"


def _error_item(
    error_code: str,
    error_msg: str,
    *,
    instance_id: str | None = None,
    invocation_id: str | None = None,
) -> BatchItem:
    item: BatchItem = {}
    if instance_id is not None:
        item["instance_id"] = instance_id
    if invocation_id is not None:
        item["invocation_id"] = invocation_id
    item.update(ret_status="error", error_code=error_code, error_msg=error_msg)
    return item


def list_invocations(state: EmulatorState, project_id: str, query: ListQuery) -> dict[str, object]:
    """Return one page of the project's tasks, newest first, and the count of all matches."""
    task_filter = TaskFilter(
        instance_id=query.instance_id,
        instance_type=query.instance_type,
        invocation_id=query.invocation_id,
        invocation_type=query.invocation_type,
        invocation_target=query.invocation_target,
    )
    page, count = state.tasks.page(project_id, task_filter, query.offset, query.limit)
    return {"invocations": [task.to_invocation_info() for task in page], "count": count}
