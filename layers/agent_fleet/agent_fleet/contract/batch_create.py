"""Models of ``POST /v3/{project_id}/agent-invocations/batch-create``.

Request models enforce every rule of the contract before anything reaches the
network: a model that validates is a body Cloud Eye accepts. Response models
are tolerant on purpose, because the published example and the parameter
table disagree on the shape of a 201 and every field of an item is optional.
"""

import ipaddress
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FieldSerializationInfo,
    SecretStr,
    StrictBool,
    StrictStr,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)

from agent_fleet.contract._types import (
    INSTANCE_TARGETED,
    INVOCATION_TARGETED,
    InvocationTarget,
    InvocationType,
    Origin,
    ResourceId,
    VersionType,
)
from agent_fleet.contract.errors import none_as_empty_list

MAX_HOSTS_PER_REQUEST = 100
"""Cloud Eye accepts at most this many ids or remote hosts in one call."""

REVEAL_SECRETS = "reveal_secrets"
"""Serialization context key; only the Cloud Eye client sets it, to send passwords."""

HOST_LIST_FIELDS = ("instance_ids", "invocation_ids", "remote_install_meta")
"""The body fields that can list a task's hosts; each task type uses one."""

_PORT_PATTERN = r"^[0-9]{1,5}$"
_IPV4_CHARS_PATTERN = r"^[0-9.]{1,15}$"


class RemoteInstallHostInfo(BaseModel):
    """A server that a remote installation task logs in to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instance_name: Annotated[StrictStr, StringConstraints(min_length=1, max_length=128)]
    remote_ip: Annotated[StrictStr, StringConstraints(pattern=_IPV4_CHARS_PATTERN)]
    user_name: Annotated[StrictStr, StringConstraints(min_length=1, max_length=16)]
    port: Annotated[StrictStr, StringConstraints(pattern=_PORT_PATTERN)]
    password: Annotated[SecretStr, Field(min_length=1, max_length=3000)]
    remote_use_pem: StrictBool | None = None

    @field_validator("remote_ip")
    @classmethod
    def _check_ipv4(cls, value: str) -> str:
        try:
            ipaddress.IPv4Address(value)
        except ipaddress.AddressValueError:
            raise ValueError("must be a dotted IPv4 address such as 192.168.0.10") from None
        return value

    @field_validator("port")
    @classmethod
    def _check_port_range(cls, value: str) -> str:
        if not 1 <= int(value) <= 65535:
            raise ValueError("must be a port number from 1 to 65535")
        return value

    @field_serializer("password", when_used="always")
    def _serialize_password(self, value: SecretStr, info: FieldSerializationInfo) -> str:
        context = info.context or {}
        if context.get(REVEAL_SECRETS):
            return value.get_secret_value()
        return str(value)

    @property
    def target_key(self) -> str:
        """The host's identity within a job: its address and port, ``022`` read as ``22``."""
        return f"{self.remote_ip}:{int(self.port)}"


def host_list_field(kind: InvocationType) -> str:
    """Name the body field that lists the hosts of a ``kind`` task."""
    if kind in INVOCATION_TARGETED:
        return "invocation_ids"
    if kind is InvocationType.REMOTE_INSTALL:
        return "remote_install_meta"
    return "instance_ids"


class InvocationSpec(BaseModel):
    """The body fields of a batch-create call without the 100-host limit.

    A job starts from this model: the HTTP trigger accepts Cloud Eye's own body
    with any number of hosts, and the planner splits it into
    :class:`BatchCreateInvocationRequest` chunks.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    invocation_type: InvocationType
    instance_ids: Annotated[list[ResourceId], Field(min_length=1)] | None = None
    invocation_ids: Annotated[list[ResourceId], Field(min_length=1)] | None = None
    invocation_target: InvocationTarget | None = None
    version_type: VersionType | None = None
    origin: Origin | None = None
    version: Annotated[StrictStr, StringConstraints(max_length=64)] | None = None
    remote_install_meta: list[RemoteInstallHostInfo] | None = None

    @model_validator(mode="after")
    def _check_targets_for_type(self) -> Self:
        kind = self.invocation_type
        if kind in INSTANCE_TARGETED and not self.instance_ids:
            raise ValueError(f"instance_ids is required when invocation_type is {kind}")
        if kind in INVOCATION_TARGETED and not self.invocation_ids:
            raise ValueError(f"invocation_ids is required when invocation_type is {kind}")
        if kind is InvocationType.REMOTE_INSTALL and not self.remote_install_meta:
            raise ValueError(
                "remote_install_meta must list at least one host when invocation_type is "
                "REMOTE_INSTALL"
            )
        used = host_list_field(kind)
        for name in HOST_LIST_FIELDS:
            if name != used and getattr(self, name):
                # NOTE: the contract is silent here; a second host list would
                # make it ambiguous which hosts a job reports on, so it is refused.
                raise ValueError(
                    f"{name} must not be set when invocation_type is {kind}, which takes "
                    f"its hosts from {used}"
                )
        return self

    def to_body(self) -> dict[str, Any]:
        """Return the JSON body for Cloud Eye, passwords included, unset fields left out."""
        return self.model_dump(mode="json", exclude_none=True, context={REVEAL_SECRETS: True})


class BatchCreateInvocationRequest(InvocationSpec):
    """One batch-create call: the contract's body, at most 100 hosts."""

    instance_ids: (
        Annotated[list[ResourceId], Field(min_length=1, max_length=MAX_HOSTS_PER_REQUEST)] | None
    ) = None
    invocation_ids: (
        Annotated[list[ResourceId], Field(min_length=1, max_length=MAX_HOSTS_PER_REQUEST)] | None
    ) = None
    remote_install_meta: (
        Annotated[list[RemoteInstallHostInfo], Field(max_length=MAX_HOSTS_PER_REQUEST)] | None
    ) = None


class BatchCreateInvocationInfo(BaseModel):
    """One host's result in a 201 response; every field is optional."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    instance_id: str | None = None
    invocation_id: str | None = None
    ret_status: str | None = None
    error_code: str | None = None
    error_msg: str | None = None


class BatchCreateInvocationResponse(BaseModel):
    """A 201 response, given as ``{"invocations": [...]}`` or as a bare array."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    invocations: Annotated[list[BatchCreateInvocationInfo], BeforeValidator(none_as_empty_list)] = (
        Field(default_factory=list)
    )

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_array(cls, data: Any) -> Any:
        # NOTE: the published example prints the 201 body as a bare array while
        # the parameter table describes an object; both shapes are accepted.
        if isinstance(data, list):
            return {"invocations": data}
        return data
