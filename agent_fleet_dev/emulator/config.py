"""Emulator configuration: fleet, accepted projects, credentials, clock speeds and faults."""

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agent_fleet_dev.emulator.faults import Faults
from agent_fleet_dev.emulator.fleet import Fleet, default_fleet
from agent_fleet_dev.emulator.identifiers import ResourceId


class IamUser(BaseModel):
    """An IAM user who may exchange a password for a token scoped to one project."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: str = Field(min_length=1)
    """Account (domain) name."""

    name: str = Field(min_length=1)
    """IAM user name."""

    password: SecretStr
    project_id: ResourceId
    """The project the user can scope tokens to."""


class EmulatorConfig(BaseModel):
    """Everything an emulator starts with; every field has a default.

    ``faults`` is the live fault object: the emulator reads it on every
    request, so changing its attributes later takes effect at once.
    """

    model_config = ConfigDict(extra="forbid")

    fleet: Fleet = Field(default_factory=default_fleet)
    projects: set[ResourceId] | None = None
    """Project ids the agent APIs accept; None accepts any valid id."""

    users: list[IamUser] = Field(default_factory=list)
    static_tokens: list[SecretStr] = Field(default_factory=list)
    """Tokens accepted for any project without an IAM exchange, until expired by a fault."""

    token_ttl_seconds: float = Field(default=86_400.0, gt=0)
    """Lifetime of tokens issued by the IAM endpoint; Huawei IAM issues 24-hour tokens."""

    step_seconds: float = Field(default=1.0, ge=0)
    """Time a task spends PENDING, and then RUNNING, before it ends; 0 ends tasks at once."""

    faults: Faults = Field(default_factory=Faults)
