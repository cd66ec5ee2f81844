"""The emulated fleet: which hosts accept agent tasks, which fail, and their agent status.

A fleet file is JSON::

    {
      "instances": {
        "instancexxx001": {"name": "web-01", "eligible": true},
        "instancexxx002": {"eligible": false, "error_code": "invocationmgr.0001",
                           "error_msg": "do not meet the installation conditions"}
      },
      "unlisted": "eligible",
      "fail_instances": ["instancexxx003"]
    }

Hosts missing from ``instances`` follow ``unlisted``, so fleets of thousands
of hosts need no file. Tasks of hosts in ``fail_instances`` end FAILED.
"""

import importlib.resources
import json
import zlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent_fleet_dev.emulator import codes
from agent_fleet_dev.emulator.identifiers import ResourceId

UniAgentStatus = Literal["none", "running", "silent", "unknown"]
ExtensionStatus = Literal["none", "running", "stopped", "fault", "unknown"]

# Extension status implied by a uniagent status when a fleet entry sets none:
# a silent agent had telescope killed, and a lost heartbeat hides both.
_IMPLIED_EXTENSION_STATUS: dict[str, ExtensionStatus] = {
    "none": "none",
    "running": "running",
    "silent": "stopped",
    "unknown": "unknown",
}

# NOTE: placeholders, not real telescope releases; only their difference matters.
DEFAULT_AGENT_VERSION = "1.0.0"
DEFAULT_LATEST_VERSION = "2.0.0"

_DEFAULT_FLEET_RESOURCE = "default_fleet.json"


class FleetError(ValueError):
    """A fleet file cannot be read or does not match the fleet format."""


class InstanceProfile(BaseModel):
    """Behaviour of one host; every field has a default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    """Instance name reported in tasks; defaults to the instance id."""

    eligible: bool = True
    """Whether batch-create accepts the host; rejected hosts get an error item."""

    error_code: str = Field(default=codes.ITEM_NOT_ELIGIBLE, pattern=r"^invocationmgr\.\d{4}$")
    error_msg: str = Field(default=codes.NOT_ELIGIBLE_MESSAGE, min_length=1, max_length=128)

    instance_type: Literal["ECS", "BMS"] = "ECS"
    intranet_ips: list[str] | None = Field(default=None, max_length=10)
    """Private addresses; by default one 10.x.y.z address derived from the id."""

    elastic_ips: list[str] = Field(default_factory=list, max_length=10)

    agent_version: str | None = Field(default=None, max_length=64)
    """Telescope version before any task; defaults to the fleet's agent_version."""

    uniagent_status: UniAgentStatus = "running"
    extension_status: ExtensionStatus | None = None
    """Telescope status; by default implied by uniagent_status."""

    def addresses(self, instance_id: str) -> tuple[str, ...]:
        """Return the private addresses, or one derived from the id when unset."""
        if self.intranet_ips is not None:
            return tuple(self.intranet_ips)
        return (derived_intranet_ip(instance_id),)

    def resolved_extension_status(self) -> ExtensionStatus:
        """Return the telescope status, implied from the uniagent status when unset."""
        if self.extension_status is not None:
            return self.extension_status
        return _IMPLIED_EXTENSION_STATUS[self.uniagent_status]


class Fleet(BaseModel):
    """The hosts the emulator describes, and the policy for all other hosts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instances: dict[ResourceId, InstanceProfile] = Field(default_factory=dict)
    unlisted: Literal["eligible", "reject"] = "eligible"
    """Policy for hosts missing from ``instances``."""

    fail_instances: frozenset[ResourceId] = frozenset()
    """Hosts whose tasks end FAILED instead of SUCCEEDED."""

    agent_version: str = Field(default=DEFAULT_AGENT_VERSION, min_length=1, max_length=64)
    """Telescope version of hosts that set none."""

    latest_version: str = Field(default=DEFAULT_LATEST_VERSION, min_length=1, max_length=64)
    """Target version of tasks whose request gives no ``version``."""

    def profile(self, instance_id: str) -> InstanceProfile:
        """Return the profile of a host, built from ``unlisted`` when it is not listed."""
        listed = self.instances.get(instance_id)
        if listed is not None:
            return listed
        return _UNLISTED_ELIGIBLE if self.unlisted == "eligible" else _UNLISTED_REJECTED

    def fails(self, instance_id: str) -> bool:
        """Return whether tasks of the host end FAILED."""
        return instance_id in self.fail_instances


_UNLISTED_ELIGIBLE = InstanceProfile()
_UNLISTED_REJECTED = InstanceProfile(eligible=False)


def derived_intranet_ip(instance_id: str) -> str:
    """Derive a stable 10.x.y.z address from an instance id."""
    checksum = zlib.crc32(instance_id.encode())
    return f"10.{checksum >> 16 & 0xFF}.{checksum >> 8 & 0xFF}.{checksum % 254 + 1}"


def load_fleet(path: str | Path) -> Fleet:
    """Read a fleet from a JSON file.

    Parameters
    ----------
    path:
        File in the fleet format described in this module's docstring.

    Raises
    ------
    FleetError
        If the file cannot be read, is not JSON, or does not match the format;
        the message names the file and the invalid fields.
    """
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FleetError(f"cannot read fleet file {file_path}: {exc.strerror}") from exc

    try:
        return Fleet.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'file'}: {error['msg']}"
            for error in exc.errors(include_input=False)
        )
        raise FleetError(
            f"invalid fleet file {file_path}: {problems}; see the fleet format "
            "in the agent_fleet_dev.emulator.fleet module docstring"
        ) from exc


def default_fleet() -> Fleet:
    """Return the built-in fleet of the published example.

    ``instancexxx001`` is eligible, ``instancexxx002`` is rejected with
    "do not meet the installation conditions", and unlisted hosts are eligible.
    """
    resource = importlib.resources.files(__package__).joinpath(_DEFAULT_FLEET_RESOURCE)
    return Fleet.model_validate(json.loads(resource.read_text(encoding="utf-8")))
