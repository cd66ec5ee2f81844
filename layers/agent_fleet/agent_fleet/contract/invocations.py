"""Models of ``GET /v3/{project_id}/agent-invocations``, Cloud Eye's task list."""

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from agent_fleet.contract._types import (
    InstanceType,
    InvocationTarget,
    InvocationType,
    ResourceId,
)
from agent_fleet.contract.errors import none_as_empty_list

MAX_PAGE_SIZE = 100
MAX_OFFSET = 2**31 - 1


class ListInvocationsQuery(BaseModel):
    """Filters and paging of a task-list query; Cloud Eye keeps three months of tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    instance_id: ResourceId | None = None
    instance_type: InstanceType | None = None
    invocation_id: ResourceId | None = None
    invocation_type: InvocationType | None = None
    invocation_target: InvocationTarget | None = None
    # NOTE: no public page bounds offset; 2**31 - 1 keeps absurd values from
    # reaching Cloud Eye as a server error instead of a 400 here.
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE

    def to_params(self) -> dict[str, str]:
        """Return the query string parameters, unset filters left out."""
        values: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return {name: str(value) for name, value in values.items()}


class InvocationInfo(BaseModel):
    """One task of the task list; every field is optional."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    invocation_id: str | None = None
    instance_id: str | None = None
    instance_name: str | None = None
    instance_type: str | None = None
    intranet_ips: list[str] | None = None
    elastic_ips: list[str] | None = None
    invocation_type: str | None = None
    invocation_status: str | None = None
    invocation_target: str | None = None
    create_time: int | None = None
    update_time: int | None = None
    current_version: str | None = None
    target_version: str | None = None
    result_msg: str | None = None


class ListInvocationsResponse(BaseModel):
    """One page of the task list and the total count of matching tasks."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    invocations: Annotated[list[InvocationInfo], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )
    count: int | None = None
