"""Validation of agent API requests, written by hand from Cloud Eye's published rules.

This module deliberately shares no code with the product's models, so that
the emulator checks the product instead of repeating its mistakes. Invalid
requests get 400 with a ``taskmgr.*`` code (listed in
:mod:`agent_fleet_dev.emulator.codes`) and a message naming the field and the
rule. Malformed JSON gets ``ces.0014``.

Two choices go beyond the published pages. JSON ``null`` counts as an absent
field. Unknown fields are rejected, so that a misspelt field in the product
fails here instead of being ignored.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from agent_fleet_dev.emulator import checks, codes

INVOCATION_TYPES: Final = (
    "INSTALL",
    "UPDATE",
    "ROLLBACK",
    "RETRY",
    "SET_REMOTE_INSTALLER",
    "REMOTE_INSTALL",
)
TYPES_NEEDING_INSTANCE_IDS: Final = frozenset({"INSTALL", "UPDATE", "SET_REMOTE_INSTALLER"})
TYPES_NEEDING_INVOCATION_IDS: Final = frozenset({"ROLLBACK", "RETRY"})
INVOCATION_TARGETS: Final = ("telescope",)
VERSION_TYPES: Final = ("BASIC_VERSION", "ADVANCE_VERSION")
ORIGINS: Final = ("CES", "APICOM_BMS", "ADMIN_SERVER")
INSTANCE_TYPES: Final = ("ECS", "BMS")
UNIAGENT_STATUSES: Final = ("none", "running", "silent", "unknown")
EXTENSION_NAMES: Final = ("telescope",)
EXTENSION_STATUSES: Final = ("none", "running", "stopped", "fault", "unknown")

MAX_TASK_IDS: Final = 100
MAX_REMOTE_HOSTS: Final = 100
MAX_STATUS_QUERY_IDS: Final = 2_000
MAX_LIST_LIMIT: Final = 100
# NOTE: Cloud Eye states no upper bound for offset; the int32 range is an assumption.
MAX_LIST_OFFSET: Final = 2**31 - 1

_BATCH_CREATE_FIELDS: Final = frozenset(
    {
        "invocation_type",
        "instance_ids",
        "invocation_ids",
        "invocation_target",
        "version_type",
        "origin",
        "version",
        "remote_install_meta",
    }
)
_REMOTE_HOST_FIELDS: Final = frozenset(
    {"instance_name", "remote_ip", "user_name", "port", "password", "remote_use_pem"}
)
_STATUS_QUERY_FIELDS: Final = frozenset(
    {"instance_ids", "uniagent_status", "extension_name", "extension_status"}
)
_LIST_PARAMETERS: Final = frozenset(
    {
        "instance_id",
        "instance_type",
        "invocation_id",
        "invocation_type",
        "invocation_target",
        "offset",
        "limit",
    }
)


@dataclass(frozen=True, slots=True)
class RemoteHost:
    """One remote_install_meta entry. The password is checked and then dropped."""

    instance_name: str
    remote_ip: str
    user_name: str
    port: int
    remote_use_pem: bool


@dataclass(frozen=True, slots=True)
class BatchCreateRequest:
    """A valid batch-create body; absent lists are empty, absent strings None."""

    invocation_type: str
    instance_ids: tuple[str, ...]
    invocation_ids: tuple[str, ...]
    invocation_target: str | None
    version_type: str | None
    origin: str | None
    version: str | None
    remote_hosts: tuple[RemoteHost, ...]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Valid query parameters of the task list."""

    instance_id: str | None = None
    instance_type: str | None = None
    invocation_id: str | None = None
    invocation_type: str | None = None
    invocation_target: str = "telescope"
    offset: int = 0
    limit: int = MAX_LIST_LIMIT


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """A valid agent status query."""

    instance_ids: tuple[str, ...]
    uniagent_status: str | None
    extension_name: str | None
    extension_status: str | None


def validate_project_id(value: str) -> str:
    """Return the path's project id if it is 1 to 64 letters, digits and hyphens."""
    return checks.resource_id(value, "project_id")


def validate_batch_create(document: object) -> BatchCreateRequest:
    """Check a decoded batch-create body against every published rule.

    Raises
    ------
    ApiError
        400 with a ``taskmgr.*`` code naming the first invalid field.
    """
    body = checks.json_object(document, "request body", codes.TASK_INVALID_REQUEST)
    checks.reject_unknown_fields(body, _BATCH_CREATE_FIELDS, "request body")

    raw_type = body.get("invocation_type")
    if raw_type is None:
        raise checks.missing("invocation_type")
    invocation_type = checks.choice(raw_type, "invocation_type", INVOCATION_TYPES)

    instance_ids = _optional_ids(body, "instance_ids")
    if not instance_ids and invocation_type in TYPES_NEEDING_INSTANCE_IDS:
        raise checks.missing(
            "instance_ids", f"it is required when invocation_type is {invocation_type}"
        )

    invocation_ids = _optional_ids(body, "invocation_ids")
    if not invocation_ids and invocation_type in TYPES_NEEDING_INVOCATION_IDS:
        raise checks.missing(
            "invocation_ids", f"it is required when invocation_type is {invocation_type}"
        )

    remote_hosts = _remote_hosts(body.get("remote_install_meta"))
    if not remote_hosts and invocation_type == "REMOTE_INSTALL":
        raise checks.missing(
            "remote_install_meta",
            "at least one host is required when invocation_type is REMOTE_INSTALL",
        )

    return BatchCreateRequest(
        invocation_type=invocation_type,
        instance_ids=instance_ids,
        invocation_ids=invocation_ids,
        invocation_target=_optional_choice(body, "invocation_target", INVOCATION_TARGETS),
        version_type=_optional_choice(body, "version_type", VERSION_TYPES),
        origin=_optional_choice(body, "origin", ORIGINS),
        version=_optional_version(body),
        remote_hosts=remote_hosts,
    )


def _optional_ids(body: checks.JsonObject, field: str) -> tuple[str, ...]:
    value = body.get(field)
    if value is None:
        return ()
    return checks.resource_ids(value, field, MAX_TASK_IDS)


def _optional_choice(body: checks.JsonObject, field: str, allowed: Sequence[str]) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    return checks.choice(value, field, allowed)


def _optional_version(body: checks.JsonObject) -> str | None:
    value = body.get("version")
    if value is None:
        return None
    return checks.bounded_string(value, "version", 0, 64)


def _remote_hosts(value: object) -> tuple[RemoteHost, ...]:
    if value is None:
        return ()
    items = checks.array(value, "remote_install_meta", 0, MAX_REMOTE_HOSTS)
    return tuple(
        _remote_host(item, f"remote_install_meta[{index}]") for index, item in enumerate(items)
    )


def _remote_host(value: object, where: str) -> RemoteHost:
    """Check one RemoteInstallHostInfo.

    NOTE: Cloud Eye marks every field optional, but no installation can work
    without address, port and credentials, so the emulator requires all but
    remote_use_pem, which defaults to false (password login).
    """
    entry = checks.json_object(value, where)
    checks.reject_unknown_fields(entry, _REMOTE_HOST_FIELDS, where)

    for field in ("instance_name", "remote_ip", "user_name", "port", "password"):
        if entry.get(field) is None:
            raise checks.missing(f"{where}.{field}")

    instance_name = checks.bounded_string(entry["instance_name"], f"{where}.instance_name", 1, 128)
    remote_ip = checks.ipv4_address(entry["remote_ip"], f"{where}.remote_ip")
    user_name = checks.bounded_string(entry["user_name"], f"{where}.user_name", 1, 16)
    port = checks.port_number(entry["port"], f"{where}.port")
    checks.bounded_string(entry["password"], f"{where}.password", 1, 3_000, secret=True)

    raw_use_pem = entry.get("remote_use_pem")
    use_pem = (
        False if raw_use_pem is None else checks.boolean(raw_use_pem, f"{where}.remote_use_pem")
    )

    return RemoteHost(
        instance_name=instance_name,
        remote_ip=remote_ip,
        user_name=user_name,
        port=port,
        remote_use_pem=use_pem,
    )


def validate_list_query(parameters: Mapping[str, Sequence[str]]) -> ListQuery:
    """Check the query parameters of the task list.

    Parameters
    ----------
    parameters:
        Every value of every parameter, as ``urllib.parse.parse_qs`` returns
        them with ``keep_blank_values=True``.

    Raises
    ------
    ApiError
        400 for an unknown or repeated parameter or an invalid value.
    """
    for name, values in parameters.items():
        if name not in _LIST_PARAMETERS:
            raise checks.invalid(
                codes.TASK_INVALID_REQUEST,
                "query",
                f"unknown parameter {checks.shown(name)}; allowed parameters are "
                f"{', '.join(sorted(_LIST_PARAMETERS))}",
            )
        if len(values) > 1:
            raise checks.invalid(
                codes.TASK_INVALID_REQUEST, name, f"must be given once, got {len(values)} values"
            )

    def single(name: str) -> str | None:
        values = parameters.get(name)
        return values[0] if values else None

    instance_id = single("instance_id")
    instance_type = single("instance_type")
    invocation_id = single("invocation_id")
    invocation_type = single("invocation_type")
    invocation_target = single("invocation_target")
    offset = single("offset")
    limit = single("limit")

    return ListQuery(
        instance_id=None if instance_id is None else checks.resource_id(instance_id, "instance_id"),
        instance_type=(
            None
            if instance_type is None
            else checks.choice(instance_type, "instance_type", INSTANCE_TYPES)
        ),
        invocation_id=(
            None if invocation_id is None else checks.resource_id(invocation_id, "invocation_id")
        ),
        invocation_type=(
            None
            if invocation_type is None
            else checks.choice(invocation_type, "invocation_type", INVOCATION_TYPES)
        ),
        invocation_target=(
            "telescope"
            if invocation_target is None
            else checks.choice(invocation_target, "invocation_target", INVOCATION_TARGETS)
        ),
        offset=0
        if offset is None
        else checks.integer_parameter(offset, "offset", 0, MAX_LIST_OFFSET),
        limit=(
            MAX_LIST_LIMIT
            if limit is None
            else checks.integer_parameter(limit, "limit", 1, MAX_LIST_LIMIT)
        ),
    )


def validate_status_query(document: object) -> StatusQuery:
    """Check a decoded agent status query body.

    Raises
    ------
    ApiError
        400 with a ``taskmgr.*`` code naming the first invalid field.
    """
    body = checks.json_object(document, "request body", codes.TASK_INVALID_REQUEST)
    checks.reject_unknown_fields(body, _STATUS_QUERY_FIELDS, "request body")

    raw_ids = body.get("instance_ids")
    if raw_ids is None:
        raise checks.missing("instance_ids")

    return StatusQuery(
        instance_ids=checks.resource_ids(raw_ids, "instance_ids", MAX_STATUS_QUERY_IDS),
        uniagent_status=_optional_choice(body, "uniagent_status", UNIAGENT_STATUSES),
        extension_name=_optional_choice(body, "extension_name", EXTENSION_NAMES),
        extension_status=_optional_choice(body, "extension_status", EXTENSION_STATUSES),
    )
