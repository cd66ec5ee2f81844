"""Pydantic models of the three Cloud Eye agent APIs.

Request models hold every range, enumeration and cross-field rule of the
contract; response models accept anything Cloud Eye may plausibly send.
"""

from agent_fleet.contract._types import (
    INSTANCE_TARGETED,
    INVOCATION_TARGETED,
    RESOURCE_ID_PATTERN,
    ExtensionStatus,
    InstanceType,
    InvocationStatus,
    InvocationTarget,
    InvocationType,
    Origin,
    ResourceId,
    RetStatus,
    UniagentStatus,
    VersionType,
    is_resource_id,
)
from agent_fleet.contract.agent_status import (
    MAX_STATUS_INSTANCES,
    AgentStatusInfo,
    AgentStatusQuery,
    AgentStatusResponse,
    ExtensionInfo,
)
from agent_fleet.contract.batch_create import (
    HOST_LIST_FIELDS,
    MAX_HOSTS_PER_REQUEST,
    BatchCreateInvocationInfo,
    BatchCreateInvocationRequest,
    BatchCreateInvocationResponse,
    InvocationSpec,
    RemoteInstallHostInfo,
    host_list_field,
)
from agent_fleet.contract.errors import ErrorBody, describe_validation_error, format_location
from agent_fleet.contract.invocations import (
    MAX_PAGE_SIZE,
    InvocationInfo,
    ListInvocationsQuery,
    ListInvocationsResponse,
)

__all__ = [
    "HOST_LIST_FIELDS",
    "INSTANCE_TARGETED",
    "INVOCATION_TARGETED",
    "MAX_HOSTS_PER_REQUEST",
    "MAX_PAGE_SIZE",
    "MAX_STATUS_INSTANCES",
    "RESOURCE_ID_PATTERN",
    "AgentStatusInfo",
    "AgentStatusQuery",
    "AgentStatusResponse",
    "BatchCreateInvocationInfo",
    "BatchCreateInvocationRequest",
    "BatchCreateInvocationResponse",
    "ErrorBody",
    "ExtensionInfo",
    "ExtensionStatus",
    "InstanceType",
    "InvocationInfo",
    "InvocationSpec",
    "InvocationStatus",
    "InvocationTarget",
    "InvocationType",
    "ListInvocationsQuery",
    "ListInvocationsResponse",
    "Origin",
    "RemoteInstallHostInfo",
    "ResourceId",
    "RetStatus",
    "UniagentStatus",
    "VersionType",
    "describe_validation_error",
    "format_location",
    "host_list_field",
    "is_resource_id",
]
