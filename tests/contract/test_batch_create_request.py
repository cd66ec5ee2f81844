"""Batch-create request rules, each checked on both sides of its boundary.

``BatchCreateInvocationRequest`` is one Cloud Eye call (at most 100 hosts);
``InvocationSpec`` is the same body without the 100-host limit, which a job
starts from. Rules shared by both run against both models.
"""

import json
from typing import Any

import pytest
from pydantic import BaseModel

from agent_fleet.contract import (
    BatchCreateInvocationRequest,
    InvocationSpec,
    InvocationTarget,
    InvocationType,
    Origin,
    VersionType,
)
from tests.contract.builders import (
    ABSENT,
    host_body,
    install_body,
    json_rejection,
    rejection,
    remote_install_body,
    resource_ids,
    valid_body,
)

BOTH_MODELS = [
    pytest.param(BatchCreateInvocationRequest, id="request"),
    pytest.param(InvocationSpec, id="spec"),
]

ID_TARGETED = [
    pytest.param("INSTALL", "instance_ids", id="install"),
    pytest.param("UPDATE", "instance_ids", id="update"),
    pytest.param("SET_REMOTE_INSTALLER", "instance_ids", id="set-remote-installer"),
    pytest.param("ROLLBACK", "invocation_ids", id="rollback"),
    pytest.param("RETRY", "invocation_ids", id="retry"),
]


# --- invocation_type ------------------------------------------------------------


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize("invocation_type", [member.value for member in InvocationType])
def test_invocation_type_accepts_each_value(model: type[BaseModel], invocation_type: str) -> None:
    """Each of the six task types validates and is sent back under its own name."""
    request = model.model_validate(valid_body(invocation_type))

    assert isinstance(request, InvocationSpec)
    assert request.invocation_type is InvocationType(invocation_type)
    assert request.to_body()["invocation_type"] == invocation_type


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "invocation_type",
    [
        pytest.param("install", id="lower-case"),
        pytest.param("Install", id="title-case"),
        pytest.param(" INSTALL", id="leading-blank"),
        pytest.param("SET_REMOTE_INSTALL_HOST", id="english-page-spelling"),
        pytest.param("UNINSTALL", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param(None, id="null"),
        pytest.param(1, id="number"),
        pytest.param(["INSTALL"], id="list"),
    ],
)
def test_invocation_type_rejects_other_values(model: type[BaseModel], invocation_type: Any) -> None:
    """Anything but the six upper-case names is rejected at invocation_type."""
    message = rejection(model, install_body(invocation_type=invocation_type))

    assert message.startswith("invocation_type: ")


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_invocation_type_is_required(model: type[BaseModel]) -> None:
    """A body without invocation_type is rejected and names the missing field."""
    message = rejection(model, install_body(invocation_type=ABSENT))

    assert message == "invocation_type: Field required"


# --- host id lists --------------------------------------------------------------


@pytest.mark.parametrize("count", [pytest.param(1, id="1-id"), pytest.param(100, id="100-ids")])
@pytest.mark.parametrize(("invocation_type", "field"), ID_TARGETED)
def test_request_id_list_accepts_1_to_100(invocation_type: str, field: str, count: int) -> None:
    """One call takes from 1 to 100 ids in the list its task type uses."""
    body = {"invocation_type": invocation_type, field: resource_ids(count)}

    request = BatchCreateInvocationRequest.model_validate(body)

    assert getattr(request, field) == resource_ids(count)
    assert request.to_body()[field] == resource_ids(count)


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(0, id="0-ids"),
        pytest.param(101, id="101-ids"),
    ],
)
@pytest.mark.parametrize(("invocation_type", "field"), ID_TARGETED)
def test_request_id_list_rejects_0_and_101(invocation_type: str, field: str, count: int) -> None:
    """One call with no ids or with 101 ids is rejected at the list's field."""
    body = {"invocation_type": invocation_type, field: resource_ids(count)}

    message = rejection(BatchCreateInvocationRequest, body)

    assert message.startswith(f"{field}: ")


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(1, id="1-id"),
        pytest.param(100, id="100-ids"),
        pytest.param(101, id="101-ids"),
        pytest.param(5000, id="5000-ids"),
    ],
)
@pytest.mark.parametrize(("invocation_type", "field"), ID_TARGETED)
def test_spec_id_list_has_no_upper_limit(invocation_type: str, field: str, count: int) -> None:
    """A job spec takes any number of ids, because the planner splits it into calls."""
    body = {"invocation_type": invocation_type, field: resource_ids(count)}

    spec = InvocationSpec.model_validate(body)

    assert len(getattr(spec, field)) == count


@pytest.mark.parametrize(("invocation_type", "field"), ID_TARGETED)
def test_spec_id_list_rejects_empty_list(invocation_type: str, field: str) -> None:
    """A job spec still needs at least one id."""
    message = rejection(InvocationSpec, {"invocation_type": invocation_type, field: []})

    assert message.startswith(f"{field}: ")


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "resource_id",
    [
        pytest.param("a", id="1-char"),
        pytest.param("a" * 64, id="64-chars"),
        pytest.param("instancexxx001", id="letters-digits"),
        pytest.param("9f1c-22AB-4d", id="mixed-case-hyphens"),
        pytest.param("-", id="hyphen-only"),
    ],
)
@pytest.mark.parametrize(("invocation_type", "field"), ID_TARGETED)
def test_id_pattern_accepts_letters_digits_hyphens(
    model: type[BaseModel], invocation_type: str, field: str, resource_id: str
) -> None:
    """Ids of 1 to 64 ASCII letters, digits and hyphens are accepted."""
    body = {"invocation_type": invocation_type, field: ["first-id", resource_id]}

    request = model.model_validate(body)

    assert getattr(request, field) == ["first-id", resource_id]


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "resource_id",
    [
        pytest.param("a" * 65, id="65-chars"),
        pytest.param("", id="empty"),
        pytest.param("ecs/123", id="slash"),
        pytest.param("../etc", id="path-traversal"),
        pytest.param("ecs_123", id="underscore"),
        pytest.param("ecs 123", id="space"),
        pytest.param("ecs-123\n", id="trailing-newline"),
        pytest.param("ecs.123", id="dot"),
        pytest.param("ïnstance", id="non-ascii-letter"),
        pytest.param("\uff11\uff12\uff13", id="full-width-digits"),
        pytest.param("٣٤", id="arabic-indic-digits"),
        pytest.param(12345, id="number"),
        pytest.param(None, id="null"),
    ],
)
@pytest.mark.parametrize(("invocation_type", "field"), ID_TARGETED)
def test_id_pattern_rejects_other_ids(
    model: type[BaseModel], invocation_type: str, field: str, resource_id: Any
) -> None:
    """A bad id is rejected at its own index, after a good one at index 0."""
    body = {"invocation_type": invocation_type, field: ["first-id", resource_id]}

    message = rejection(model, body)

    assert message.startswith(f"{field}[1]: ")


# --- cross-field rules ----------------------------------------------------------


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("body", "required"),
    [
        pytest.param({"invocation_type": "INSTALL"}, "instance_ids", id="install-no-list"),
        pytest.param({"invocation_type": "UPDATE"}, "instance_ids", id="update-no-list"),
        pytest.param(
            {"invocation_type": "SET_REMOTE_INSTALLER"},
            "instance_ids",
            id="set-remote-installer-no-list",
        ),
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": None},
            "instance_ids",
            id="install-null-list",
        ),
        pytest.param({"invocation_type": "ROLLBACK"}, "invocation_ids", id="rollback-no-list"),
        pytest.param({"invocation_type": "RETRY"}, "invocation_ids", id="retry-no-list"),
        pytest.param(
            {"invocation_type": "RETRY", "invocation_ids": None},
            "invocation_ids",
            id="retry-null-list",
        ),
    ],
)
def test_cross_field_requires_list_of_type(
    model: type[BaseModel], body: dict[str, Any], required: str
) -> None:
    """A task type without the id list it takes its hosts from is rejected, naming that list."""
    message = rejection(model, body)

    assert message == (
        f"body: {required} is required when invocation_type is {body['invocation_type']}"
    )


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"invocation_type": "REMOTE_INSTALL"}, id="absent"),
        pytest.param({"invocation_type": "REMOTE_INSTALL", "remote_install_meta": None}, id="null"),
        pytest.param({"invocation_type": "REMOTE_INSTALL", "remote_install_meta": []}, id="empty"),
    ],
)
def test_cross_field_remote_install_needs_hosts(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    """REMOTE_INSTALL without at least one host in remote_install_meta is rejected."""
    message = rejection(model, body)

    assert message.startswith("body: remote_install_meta must list at least one host")


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("body", "unused", "used"),
    [
        pytest.param(
            install_body(invocation_ids=["task-1"]),
            "invocation_ids",
            "instance_ids",
            id="install-with-invocation-ids",
        ),
        pytest.param(
            install_body(remote_install_meta=[host_body()]),
            "remote_install_meta",
            "instance_ids",
            id="install-with-remote-hosts",
        ),
        pytest.param(
            {**valid_body("UPDATE"), "invocation_ids": ["task-1"]},
            "invocation_ids",
            "instance_ids",
            id="update-with-invocation-ids",
        ),
        pytest.param(
            {**valid_body("SET_REMOTE_INSTALLER"), "remote_install_meta": [host_body()]},
            "remote_install_meta",
            "instance_ids",
            id="set-remote-installer-with-remote-hosts",
        ),
        pytest.param(
            {**valid_body("ROLLBACK"), "instance_ids": ["ecs-1"]},
            "instance_ids",
            "invocation_ids",
            id="rollback-with-instance-ids",
        ),
        pytest.param(
            {**valid_body("RETRY"), "remote_install_meta": [host_body()]},
            "remote_install_meta",
            "invocation_ids",
            id="retry-with-remote-hosts",
        ),
        pytest.param(
            {**remote_install_body(), "instance_ids": ["ecs-1"]},
            "instance_ids",
            "remote_install_meta",
            id="remote-install-with-instance-ids",
        ),
        pytest.param(
            {**remote_install_body(), "invocation_ids": ["task-1"]},
            "invocation_ids",
            "remote_install_meta",
            id="remote-install-with-invocation-ids",
        ),
    ],
)
def test_cross_field_rejects_unused_host_list(
    model: type[BaseModel], body: dict[str, Any], unused: str, used: str
) -> None:
    """A host list that the task type does not take its hosts from is rejected."""
    message = rejection(model, body)

    assert message.startswith(f"body: {unused} must not be set when invocation_type is ")
    assert message.endswith(f"which takes its hosts from {used}")


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(install_body(invocation_ids=None, remote_install_meta=None), id="install"),
        pytest.param({**valid_body("RETRY"), "instance_ids": None}, id="retry"),
        pytest.param({**remote_install_body(), "instance_ids": None}, id="remote-install"),
    ],
)
def test_cross_field_null_unused_list_means_absent(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    """A JSON null in a list the type does not use counts as absent and is left out of the body."""
    request = model.model_validate(body)

    assert isinstance(request, InvocationSpec)
    assert set(request.to_body()) == {name for name, value in body.items() if value is not None}


# --- optional enumerations and version -----------------------------------------


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        pytest.param("invocation_target", "telescope", InvocationTarget.TELESCOPE, id="telescope"),
        pytest.param(
            "version_type", "BASIC_VERSION", VersionType.BASIC_VERSION, id="basic-version"
        ),
        pytest.param(
            "version_type", "ADVANCE_VERSION", VersionType.ADVANCE_VERSION, id="advance-version"
        ),
        pytest.param("origin", "CES", Origin.CES, id="origin-ces"),
        pytest.param("origin", "APICOM_BMS", Origin.APICOM_BMS, id="origin-apicom-bms"),
        pytest.param("origin", "ADMIN_SERVER", Origin.ADMIN_SERVER, id="origin-admin-server"),
    ],
)
def test_optional_enum_accepts_each_value(
    model: type[BaseModel], field: str, value: str, expected: object
) -> None:
    """Each documented value of invocation_target, version_type and origin is accepted."""
    request = model.model_validate(install_body(**{field: value}))

    assert getattr(request, field) is expected
    assert isinstance(request, InvocationSpec)
    assert request.to_body()[field] == value


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("invocation_target", "TELESCOPE", id="target-upper-case"),
        pytest.param("invocation_target", "uniagent", id="target-uniagent"),
        pytest.param("invocation_target", "", id="target-empty"),
        pytest.param("version_type", "basic_version", id="version-type-lower-case"),
        pytest.param("version_type", "PREMIUM_VERSION", id="version-type-unknown"),
        pytest.param("origin", "ces", id="origin-lower-case"),
        pytest.param("origin", "CONSOLE", id="origin-unknown"),
        pytest.param("origin", "", id="origin-empty"),
    ],
)
def test_optional_enum_rejects_other_values(model: type[BaseModel], field: str, value: str) -> None:
    """Values outside the documented enumerations are rejected at their field."""
    message = rejection(model, install_body(**{field: value}))

    assert message.startswith(f"{field}: ")


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_optional_fields_left_out_when_unset(model: type[BaseModel]) -> None:
    """Unset optional fields are absent from the body, not sent as null."""
    request = model.model_validate(install_body())

    assert isinstance(request, InvocationSpec)
    assert request.to_body() == install_body()


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "version",
    [
        pytest.param("", id="0-chars"),
        pytest.param("3.2.1", id="semantic"),
        pytest.param("v" * 64, id="64-chars"),
    ],
)
def test_version_accepts_0_to_64_chars(model: type[BaseModel], version: str) -> None:
    """A version of 0 to 64 characters is accepted and sent as given."""
    request = model.model_validate(install_body(version=version))

    assert isinstance(request, InvocationSpec)
    assert request.to_body()["version"] == version


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_version_rejects_65_chars(model: type[BaseModel]) -> None:
    """A version of 65 characters is rejected at version."""
    message = rejection(model, install_body(version="v" * 65))

    assert message.startswith("version: ")


# --- remote_install_meta --------------------------------------------------------


@pytest.mark.parametrize("count", [pytest.param(1, id="1-host"), pytest.param(100, id="100-hosts")])
def test_request_remote_hosts_accepts_1_to_100(count: int) -> None:
    """One REMOTE_INSTALL call takes from 1 to 100 hosts."""
    request = BatchCreateInvocationRequest.model_validate(valid_body("REMOTE_INSTALL", count))

    assert request.remote_install_meta is not None
    assert len(request.remote_install_meta) == count
    assert len(request.to_body()["remote_install_meta"]) == count


def test_request_remote_hosts_rejects_101() -> None:
    """One REMOTE_INSTALL call with 101 hosts is rejected at remote_install_meta."""
    body = valid_body("REMOTE_INSTALL", 101)

    message = rejection(BatchCreateInvocationRequest, body)

    assert message.startswith("remote_install_meta: ")


@pytest.mark.parametrize(
    "count", [pytest.param(101, id="101-hosts"), pytest.param(1000, id="1000-hosts")]
)
def test_spec_remote_hosts_has_no_upper_limit(count: int) -> None:
    """A job spec takes any number of remote hosts, because the planner splits it."""
    spec = InvocationSpec.model_validate(valid_body("REMOTE_INSTALL", count))

    assert spec.remote_install_meta is not None
    assert len(spec.remote_install_meta) == count


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_remote_hosts_error_names_item_path(model: type[BaseModel]) -> None:
    """A bad field of the second host is reported at its JSON path."""
    body = remote_install_body(host_body(), host_body(remote_ip="10.0.0.256"))

    message = rejection(model, body)

    assert message.startswith("remote_install_meta[1].remote_ip: ")


# --- JSON types and unknown fields ----------------------------------------------


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("body", "path"),
    [
        pytest.param(install_body(instance_ids="instancexxx001"), "instance_ids", id="ids-string"),
        pytest.param(install_body(instance_ids={"id": "a"}), "instance_ids", id="ids-object"),
        pytest.param(install_body(instance_ids=[1, "a"]), "instance_ids[0]", id="id-number"),
        pytest.param(install_body(instance_ids=[["a"]]), "instance_ids[0]", id="id-list"),
        pytest.param(
            {"invocation_type": "RETRY", "invocation_ids": "task-1"},
            "invocation_ids",
            id="invocation-ids-string",
        ),
        pytest.param(install_body(version=3.1), "version", id="version-number"),
        pytest.param(install_body(version=True), "version", id="version-bool"),
        pytest.param(install_body(origin=1), "origin", id="origin-number"),
        pytest.param(
            install_body(invocation_target=["telescope"]),
            "invocation_target",
            id="target-list",
        ),
        pytest.param(
            {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": host_body()},
            "remote_install_meta",
            id="remote-hosts-object",
        ),
        pytest.param(
            {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": "10.0.0.1"},
            "remote_install_meta",
            id="remote-hosts-string",
        ),
        pytest.param(
            {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": ["10.0.0.1"]},
            "remote_install_meta[0]",
            id="remote-host-string",
        ),
        pytest.param(
            remote_install_body(host_body(port=22)),
            "remote_install_meta[0].port",
            id="port-number",
        ),
        pytest.param(
            remote_install_body(host_body(remote_use_pem="true")),
            "remote_install_meta[0].remote_use_pem",
            id="use-pem-string",
        ),
    ],
)
def test_json_types_rejects_wrong_type(
    model: type[BaseModel], body: dict[str, Any], path: str
) -> None:
    """A JSON value of the wrong type is rejected at its path, not converted."""
    message = json_rejection(model, json.dumps(body))

    assert message.startswith(f"{path}: ")


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[]", id="array"),
        pytest.param('"INSTALL"', id="string"),
        pytest.param("null", id="null"),
        pytest.param("42", id="number"),
    ],
)
def test_json_types_rejects_non_object_body(model: type[BaseModel], text: str) -> None:
    """A body that is not a JSON object is rejected at the body itself."""
    message = json_rejection(model, text)

    assert message.startswith("body: ")


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("body", "path"),
    [
        pytest.param(install_body(instance_id="ecs-1"), "instance_id", id="singular-typo"),
        pytest.param(install_body(project_id="p-1"), "project_id", id="path-parameter"),
        pytest.param(install_body(force=True), "force", id="unknown-flag"),
        pytest.param(
            remote_install_body(host_body(ssh_key="k")),
            "remote_install_meta[0].ssh_key",
            id="remote-host-field",
        ),
    ],
)
def test_extra_fields_rejected(model: type[BaseModel], body: dict[str, Any], path: str) -> None:
    """An unknown field is rejected at its path instead of being dropped silently."""
    message = rejection(model, body)

    assert message == f"{path}: Extra inputs are not permitted"
