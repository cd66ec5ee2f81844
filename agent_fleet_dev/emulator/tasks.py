"""Agent tasks (invocations): storage and their status over time.

A task is PENDING for ``step_seconds`` after it is created, then RUNNING for
another ``step_seconds``, then SUCCEEDED, or FAILED for hosts the fleet marks
as failing. The status is computed from the creation time whenever a task is
read, so a test moves tasks along by advancing a manual clock.
"""

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from agent_fleet_dev.emulator.clock import Clock

PENDING: Final = "PENDING"
RUNNING: Final = "RUNNING"
SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
UNFINISHED_STATUSES: Final = frozenset({PENDING, RUNNING})

FAILURE_MESSAGE: Final = (
    "The agent task failed (emulated: the host is in the fleet's fail_instances)."
)

# Task types that leave telescope installed and running when they succeed.
INSTALLING_TYPES: Final = frozenset({"INSTALL", "UPDATE", "REMOTE_INSTALL", "ROLLBACK", "RETRY"})

# Cloud Eye lists only tasks from the last three months.
LIST_WINDOW_SECONDS: Final = 90 * 24 * 3600


# NOTE: TaskSpec and _TaskRecord are not frozen because frozen dataclasses are
# several times slower to build, and a 10,000-host benchmark builds 10,000 of
# each in the client's process. Nothing mutates them after creation.
@dataclass(slots=True)
class TaskSpec:
    """The host, type and versions of a new task; the store adds the id and the times."""

    project_id: str
    instance_id: str
    instance_name: str
    instance_type: str
    intranet_ips: tuple[str, ...]
    elastic_ips: tuple[str, ...]
    invocation_type: str
    invocation_target: str
    current_version: str
    target_version: str
    fails: bool


@dataclass(frozen=True, slots=True)
class Task:
    """One agent task as seen at the moment it was read (Cloud Eye's InvocationInfo)."""

    project_id: str
    invocation_id: str
    instance_id: str
    instance_name: str
    instance_type: str
    intranet_ips: tuple[str, ...]
    elastic_ips: tuple[str, ...]
    invocation_type: str
    invocation_status: str
    invocation_target: str
    create_time: int
    """Creation time in epoch milliseconds."""

    update_time: int
    """Time of the last status change in epoch milliseconds."""

    current_version: str
    target_version: str
    result_msg: str | None

    @property
    def finished(self) -> bool:
        """Whether the task has reached a final status."""
        return self.invocation_status not in UNFINISHED_STATUSES

    def to_invocation_info(self) -> dict[str, object]:
        """Return the task as an InvocationInfo JSON object."""
        info: dict[str, object] = {
            "invocation_id": self.invocation_id,
            "instance_id": self.instance_id,
            "instance_name": self.instance_name,
            "instance_type": self.instance_type,
            "intranet_ips": list(self.intranet_ips),
            "elastic_ips": list(self.elastic_ips),
            "invocation_type": self.invocation_type,
            "invocation_status": self.invocation_status,
            "invocation_target": self.invocation_target,
            "create_time": self.create_time,
            "update_time": self.update_time,
            "current_version": self.current_version,
            "target_version": self.target_version,
        }
        if self.result_msg is not None:
            info["result_msg"] = self.result_msg
        return info


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Conditions of the task list; None matches anything."""

    instance_id: str | None = None
    instance_type: str | None = None
    invocation_id: str | None = None
    invocation_type: str | None = None
    invocation_target: str | None = None

    def matches(self, record: "_TaskRecord") -> bool:
        """Return whether a stored task meets every condition."""
        spec = record.spec
        pairs = (
            (self.instance_id, spec.instance_id),
            (self.instance_type, spec.instance_type),
            (self.invocation_id, record.invocation_id),
            (self.invocation_type, spec.invocation_type),
            (self.invocation_target, spec.invocation_target),
        )
        return all(expected is None or expected == actual for expected, actual in pairs)


@dataclass(slots=True)
class _TaskRecord:
    spec: TaskSpec
    invocation_id: str
    created_at: float

    def steps_taken(self, now: float, step_seconds: float) -> int:
        if step_seconds <= 0:
            return 2
        return max(0, min(2, int((now - self.created_at) // step_seconds)))

    def unfinished(self, now: float, step_seconds: float) -> bool:
        return self.steps_taken(now, step_seconds) < 2

    def succeeded(self, now: float, step_seconds: float) -> bool:
        return not self.spec.fails and self.steps_taken(now, step_seconds) == 2

    def at(self, now: float, step_seconds: float) -> Task:
        steps_taken = self.steps_taken(now, step_seconds)
        if steps_taken == 0:
            status = PENDING
        elif steps_taken == 1:
            status = RUNNING
        else:
            status = FAILED if self.spec.fails else SUCCEEDED

        updated_at = self.created_at + steps_taken * max(step_seconds, 0.0)
        spec = self.spec
        return Task(
            project_id=spec.project_id,
            invocation_id=self.invocation_id,
            instance_id=spec.instance_id,
            instance_name=spec.instance_name,
            instance_type=spec.instance_type,
            intranet_ips=spec.intranet_ips,
            elastic_ips=spec.elastic_ips,
            invocation_type=spec.invocation_type,
            invocation_status=status,
            invocation_target=spec.invocation_target,
            create_time=_epoch_ms(self.created_at),
            update_time=_epoch_ms(updated_at),
            current_version=spec.current_version,
            target_version=spec.target_version,
            result_msg=FAILURE_MESSAGE if status == FAILED else None,
        )


def _epoch_ms(seconds: float) -> int:
    return round(seconds * 1000)


def new_invocation_id(generator: random.Random) -> str:
    """Return a random id in the 8-4-4-4-12 hex layout of a UUID.

    The ids need to be unique, not unpredictable, so a seeded generator is
    enough, and it is several times cheaper than ``uuid.uuid4()``.
    """
    digits = f"{generator.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class TaskStore:
    """Thread-safe store of every task the emulator created.

    Parameters
    ----------
    clock:
        Source of the current time, in epoch seconds.
    step_seconds:
        Time each of the two status steps takes; 0 makes tasks final at once.
    """

    def __init__(self, clock: Clock, step_seconds: float) -> None:
        self._clock = clock
        self._step_seconds = step_seconds
        self._lock = threading.Lock()
        self._records: list[_TaskRecord] = []
        self._by_id: dict[tuple[str, str], _TaskRecord] = {}
        self._by_instance: dict[tuple[str, str], list[_TaskRecord]] = {}
        self._ids = random.Random()

    def create_many(self, specs: Sequence[TaskSpec]) -> list[str | None]:
        """Create one task per spec unless its host has an unfinished task of the same type.

        Checks and creations happen under one lock, so of two concurrent
        requests for the same host and type only one creates a task, and a
        host named twice in one call gets one task. When the host's history
        has a successful installing task, the newest one's target version
        replaces the spec's ``current_version``.

        Returns
        -------
        list[str | None]
            The new invocation id per spec, in order, or None where the host
            already had an unfinished task of that type.
        """
        created: list[str | None] = []
        with self._lock:
            now = self._clock()
            for spec in specs:
                created.append(self._create(spec, now))
        return created

    def _create(self, spec: TaskSpec, now: float) -> str | None:
        key = (spec.project_id, spec.instance_id)
        history = self._by_instance.setdefault(key, [])
        if history:
            for record in history:
                same_type = record.spec.invocation_type == spec.invocation_type
                if same_type and record.unfinished(now, self._step_seconds):
                    return None

            installed = self._installed_version(history, now)
            if installed is not None:
                spec.current_version = installed

        record = _TaskRecord(spec=spec, invocation_id=new_invocation_id(self._ids), created_at=now)
        self._records.append(record)
        self._by_id[(spec.project_id, record.invocation_id)] = record
        history.append(record)
        return record.invocation_id

    def spec_of(self, project_id: str, invocation_id: str) -> TaskSpec | None:
        """Return what a task of the project was created for, or None."""
        with self._lock:
            record = self._by_id.get((project_id, invocation_id))
            return None if record is None else record.spec

    def installed_version(self, project_id: str, instance_id: str) -> str | None:
        """Return the target version of the host's newest SUCCEEDED installing task, or None."""
        with self._lock:
            history = self._by_instance.get((project_id, instance_id), [])
            return self._installed_version(history, self._clock())

    def _installed_version(self, history: list[_TaskRecord], now: float) -> str | None:
        for record in reversed(history):
            installing = record.spec.invocation_type in INSTALLING_TYPES
            if installing and record.succeeded(now, self._step_seconds):
                return record.spec.target_version
        return None

    def all_tasks(self) -> list[Task]:
        """Return every task of every project, oldest first."""
        with self._lock:
            now = self._clock()
            return [record.at(now, self._step_seconds) for record in self._records]

    def page(
        self, project_id: str, task_filter: TaskFilter, offset: int, limit: int
    ) -> tuple[list[Task], int]:
        """Return one page of the project's matching tasks of the last three months.

        Returns
        -------
        tuple[list[Task], int]
            The tasks from ``offset``, at most ``limit`` of them, newest
            first, and the number of all matching tasks.
        """
        with self._lock:
            now = self._clock()
            oldest = now - LIST_WINDOW_SECONDS
            matching = [
                record
                for record in reversed(self._candidates(project_id, task_filter))
                if record.created_at >= oldest and task_filter.matches(record)
            ]
            page = matching[offset : offset + limit]
            return [record.at(now, self._step_seconds) for record in page], len(matching)

    def _candidates(self, project_id: str, task_filter: TaskFilter) -> list[_TaskRecord]:
        """Return the records worth filtering, oldest first, using an index when one fits."""
        if task_filter.invocation_id is not None:
            record = self._by_id.get((project_id, task_filter.invocation_id))
            return [] if record is None else [record]
        if task_filter.instance_id is not None:
            return self._by_instance.get((project_id, task_filter.instance_id), [])
        return [record for record in self._records if record.spec.project_id == project_id]

    def clear(self) -> None:
        """Forget every task."""
        with self._lock:
            self._records.clear()
            self._by_id.clear()
            self._by_instance.clear()
