"""Models of ``POST /v3/{project_id}/agent-status/batch-query``."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from agent_fleet.contract._types import ExtensionStatus, ResourceId, UniagentStatus
from agent_fleet.contract.errors import none_as_empty_list

MAX_STATUS_INSTANCES = 2000


class AgentStatusQuery(BaseModel):
    """The body of an agent status query: up to 2,000 instances and optional filters."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    instance_ids: Annotated[list[ResourceId], Field(min_length=1, max_length=MAX_STATUS_INSTANCES)]
    uniagent_status: UniagentStatus | None = None
    extension_name: Literal["telescope"] | None = None
    extension_status: ExtensionStatus | None = None

    def to_body(self) -> dict[str, Any]:
        """Return the JSON body, unset filters left out."""
        return self.model_dump(mode="json", exclude_none=True)


class ExtensionInfo(BaseModel):
    """An agent extension on one host; the item fields are not confirmed publicly."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    name: str | None = None
    status: str | None = None
    version: str | None = None


class AgentStatusInfo(BaseModel):
    """The uniagent and extension state of one host."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    instance_id: str | None = None
    uniagent_status: str | None = None
    extensions: Annotated[list[ExtensionInfo], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )


class AgentStatusResponse(BaseModel):
    """The response to an agent status query."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    agent_status: Annotated[list[AgentStatusInfo], BeforeValidator(none_as_empty_list)] = Field(
        default_factory=list
    )
