"""Job planning: deduplicate a job's targets and split them into batch-create calls.

A :class:`Job` carries an :class:`~agent_fleet.contract.InvocationSpec` with any
number of hosts. :func:`plan_job` turns it into a :class:`JobPlan` whose chunks
are valid :class:`~agent_fleet.contract.BatchCreateInvocationRequest` bodies of
at most 100 hosts each. Planning sends nothing and has no side effects.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from agent_fleet.contract import (
    HOST_LIST_FIELDS,
    MAX_HOSTS_PER_REQUEST,
    BatchCreateInvocationRequest,
    InvocationSpec,
    RemoteInstallHostInfo,
    ResourceId,
    host_list_field,
)

MAX_JOB_ID_LENGTH = 128

target_field = host_list_field
"""The spec field that lists the hosts of an invocation type (see :func:`host_list_field`)."""


class Job(BaseModel):
    """One maintenance job: a Cloud Eye task spec for any number of hosts in one project.

    Attributes
    ----------
    job_id:
        The job's id from its trigger, 1..128 characters. Logs and the report
        carry it.
    project_id:
        The Huawei Cloud project whose hosts the job acts on.
    spec:
        The batch-create body without the 100-host limit; it sets only the
        host list that its ``invocation_type`` uses.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_JOB_ID_LENGTH)]
    project_id: ResourceId
    spec: InvocationSpec


class DuplicateTarget(BaseModel):
    """A target listed more than once in a job. Only its first occurrence is sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str
    extra_occurrences: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """One batch-create call of a plan.

    Attributes
    ----------
    index:
        The chunk's position in the plan, from 0.
    targets:
        The chunk's targets in input order, 1..100 of them.
    request:
        The body to send: the spec's fields with only this chunk's hosts.
    """

    index: int
    targets: tuple[str, ...]
    request: BatchCreateInvocationRequest


@dataclass(frozen=True, slots=True)
class JobPlan:
    """A job split into batch-create calls.

    Attributes
    ----------
    job:
        The job that was planned.
    targets:
        The distinct targets in input order. Concatenating the targets of
        ``chunks`` gives this tuple.
    duplicates:
        The targets listed more than once, in order of first occurrence.
    chunks:
        The calls to make, in plan order.
    """

    job: Job
    targets: tuple[str, ...]
    duplicates: tuple[DuplicateTarget, ...]
    chunks: tuple[Chunk, ...]


def plan_job(job: Job, *, chunk_size: int = MAX_HOSTS_PER_REQUEST) -> JobPlan:
    """Deduplicate the job's targets and split them into chunks of ``chunk_size``.

    A target is an instance id (INSTALL, UPDATE, SET_REMOTE_INSTALLER), an
    invocation id (ROLLBACK, RETRY) or the ``ip:port`` key of a remote host
    (REMOTE_INSTALL). The first occurrence of a target wins: for REMOTE_INSTALL
    a later entry with the same key is dropped even when its other fields differ.

    Parameters
    ----------
    job:
        The job to plan.
    chunk_size:
        The maximum number of targets per batch-create call, 1..100.

    Returns
    -------
    JobPlan
        The distinct targets, the duplicates and the chunks. Every chunk's
        request carries the spec's fields other than the host lists unchanged.

    Raises
    ------
    ValueError
        If ``chunk_size`` is not an integer from 1 to 100.
    """
    _check_chunk_size(chunk_size)

    hosts = _hosts_by_target(job.spec)
    targets = tuple(hosts)
    duplicates = _find_duplicates(job.spec)

    chunks = []
    for index, start in enumerate(range(0, len(targets), chunk_size)):
        chunk_targets = targets[start : start + chunk_size]
        request = _build_request(job.spec, [hosts[target] for target in chunk_targets])
        chunks.append(Chunk(index=index, targets=chunk_targets, request=request))

    return JobPlan(job=job, targets=targets, duplicates=duplicates, chunks=tuple(chunks))


def _check_chunk_size(chunk_size: int) -> None:
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, int)
        or not 1 <= chunk_size <= MAX_HOSTS_PER_REQUEST
    ):
        raise ValueError(
            f"invalid chunk_size {chunk_size!r}: expected an integer from 1 to "
            f"{MAX_HOSTS_PER_REQUEST}, because Cloud Eye accepts at most "
            f"{MAX_HOSTS_PER_REQUEST} hosts per batch-create call"
        )


def _host_entries(spec: InvocationSpec) -> Sequence[str | RemoteInstallHostInfo]:
    entries: Sequence[str | RemoteInstallHostInfo] | None = getattr(
        spec, target_field(spec.invocation_type)
    )
    return entries or ()


def _key_of(entry: str | RemoteInstallHostInfo) -> str:
    if isinstance(entry, RemoteInstallHostInfo):
        return entry.target_key
    return entry


def _hosts_by_target(spec: InvocationSpec) -> dict[str, str | RemoteInstallHostInfo]:
    """Map each distinct target to its first entry, in input order."""
    hosts: dict[str, str | RemoteInstallHostInfo] = {}
    for entry in _host_entries(spec):
        hosts.setdefault(_key_of(entry), entry)
    return hosts


def _find_duplicates(spec: InvocationSpec) -> tuple[DuplicateTarget, ...]:
    occurrences = Counter(_key_of(entry) for entry in _host_entries(spec))
    return tuple(
        DuplicateTarget(target=target, extra_occurrences=count - 1)
        for target, count in occurrences.items()
        if count > 1
    )


def _build_request(
    spec: InvocationSpec, entries: list[str | RemoteInstallHostInfo]
) -> BatchCreateInvocationRequest:
    # The spec's fields are copied as objects, not dumped, so remote-install
    # passwords stay SecretStr. Pydantic accepts model instances as they are.
    fields: dict[str, Any] = {
        name: getattr(spec, name) for name in spec.model_fields_set if name not in HOST_LIST_FIELDS
    }
    fields["invocation_type"] = spec.invocation_type
    fields[target_field(spec.invocation_type)] = entries
    return BatchCreateInvocationRequest.model_validate(fields)
