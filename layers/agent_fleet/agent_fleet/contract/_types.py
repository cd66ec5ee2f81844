"""Field types and enumerations shared by the Cloud Eye agent APIs."""

import re
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

RESOURCE_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"

ResourceId = Annotated[str, StringConstraints(pattern=RESOURCE_ID_PATTERN)]
"""An instance, invocation or project id: 1..64 letters, digits and hyphens."""

_RESOURCE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def is_resource_id(value: str) -> bool:
    """Tell whether ``value`` is a valid :data:`ResourceId`, e.g. before it goes into a URL path."""
    return _RESOURCE_ID.fullmatch(value) is not None


class InvocationType(StrEnum):
    """The kind of agent maintenance task."""

    INSTALL = "INSTALL"
    UPDATE = "UPDATE"
    ROLLBACK = "ROLLBACK"
    RETRY = "RETRY"
    SET_REMOTE_INSTALLER = "SET_REMOTE_INSTALLER"
    REMOTE_INSTALL = "REMOTE_INSTALL"


class InvocationTarget(StrEnum):
    """The agent a task acts on; Cloud Eye accepts only telescope."""

    TELESCOPE = "telescope"


class VersionType(StrEnum):
    """The agent edition an installation or upgrade goes to."""

    BASIC_VERSION = "BASIC_VERSION"
    ADVANCE_VERSION = "ADVANCE_VERSION"


class Origin(StrEnum):
    """The caller of the agent task APIs."""

    CES = "CES"
    APICOM_BMS = "APICOM_BMS"
    ADMIN_SERVER = "ADMIN_SERVER"


class InvocationStatus(StrEnum):
    """The state of a task in Cloud Eye's task list."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    TIMEOUT = "TIMEOUT"
    FAILED = "FAILED"
    SUCCEEDED = "SUCCEEDED"
    CANCELED = "CANCELED"
    ROLLBACKED = "ROLLBACKED"


class InstanceType(StrEnum):
    """The kind of server a task runs on."""

    ECS = "ECS"
    BMS = "BMS"


class RetStatus(StrEnum):
    """The per-host result of a batch-create call."""

    SUCCESSFUL = "successful"
    ERROR = "error"


class UniagentStatus(StrEnum):
    """The state of the uniagent that carries the telescope extension."""

    NONE = "none"
    RUNNING = "running"
    SILENT = "silent"
    UNKNOWN = "unknown"


class ExtensionStatus(StrEnum):
    """The state of an agent extension such as telescope."""

    NONE = "none"
    RUNNING = "running"
    STOPPED = "stopped"
    FAULT = "fault"
    UNKNOWN = "unknown"


INSTANCE_TARGETED = frozenset(
    {InvocationType.INSTALL, InvocationType.UPDATE, InvocationType.SET_REMOTE_INSTALLER}
)
"""Task types whose hosts are named by ``instance_ids``."""

INVOCATION_TARGETED = frozenset({InvocationType.ROLLBACK, InvocationType.RETRY})
"""Task types whose hosts are named by the ``invocation_ids`` of earlier tasks."""
