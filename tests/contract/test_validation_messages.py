"""Validation messages name the field path and never echo input; models never print passwords."""

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from agent_fleet.contract import (
    BatchCreateInvocationRequest,
    InvocationSpec,
    RemoteInstallHostInfo,
    describe_validation_error,
    format_location,
)
from tests.contract.builders import (
    CANARY_PASSWORD,
    host_body,
    install_body,
    rejection,
    remote_install_body,
)

BOTH_MODELS = [
    pytest.param(BatchCreateInvocationRequest, id="request"),
    pytest.param(InvocationSpec, id="spec"),
]


@pytest.mark.parametrize(
    ("location", "path"),
    [
        pytest.param(("remote_install_meta", 0, "port"), "remote_install_meta[0].port", id="item"),
        pytest.param(("instance_ids", 12), "instance_ids[12]", id="list-index"),
        pytest.param(("invocation_type",), "invocation_type", id="top-level"),
        pytest.param((), "body", id="whole-body"),
    ],
)
def test_format_location_renders_json_path(location: tuple[int | str, ...], path: str) -> None:
    """A pydantic location renders as a JSON path, and the empty location as ``body``."""
    assert format_location(location) == path


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize(
    ("host", "path"),
    [
        pytest.param(host_body(port="0"), "remote_install_meta[0].port", id="port"),
        pytest.param(host_body(remote_ip="1.2.3"), "remote_install_meta[0].remote_ip", id="ip"),
        pytest.param(host_body(user_name=""), "remote_install_meta[0].user_name", id="user"),
        pytest.param(
            host_body(password="x" * 3001), "remote_install_meta[0].password", id="password"
        ),
    ],
)
def test_describe_names_nested_field_path(
    model: type[BaseModel], host: dict[str, Any], path: str
) -> None:
    """An error inside a remote host names the host's index and the field."""
    message = rejection(model, remote_install_body(host))

    assert message.startswith(f"{path}: ")


def test_describe_joins_several_errors() -> None:
    """Each error becomes one ``path: rule`` clause, joined by semicolons."""
    body = remote_install_body(host_body(port="0", user_name=""))

    message = rejection(BatchCreateInvocationRequest, body)

    clauses = message.split("; ")
    assert len(clauses) == 2
    assert clauses[0].startswith("remote_install_meta[0].user_name: ")
    assert clauses[1] == "remote_install_meta[0].port: must be a port number from 1 to 65535"


def test_describe_strips_value_error_prefix() -> None:
    """Rules raised by the models' own validators read without pydantic's ``Value error,``."""
    message = rejection(RemoteInstallHostInfo, host_body(remote_ip="256.0.0.1"))

    assert message == "remote_ip: must be a dotted IPv4 address such as 192.168.0.10"


@pytest.mark.parametrize(
    ("limit", "named"),
    [
        pytest.param(10, 10, id="default-limit"),
        pytest.param(3, 3, id="limit-3"),
    ],
)
def test_describe_summarises_errors_beyond_limit(limit: int, named: int) -> None:
    """Errors beyond ``limit`` are counted, not listed."""
    body = install_body(instance_ids=[f"bad_{index}" for index in range(15)])
    with pytest.raises(ValidationError) as caught:
        BatchCreateInvocationRequest.model_validate(body)

    message = describe_validation_error(caught.value, limit=limit)

    clauses = message.split("; ")
    assert len(clauses) == named + 1
    assert clauses[0].startswith("instance_ids[0]: ")
    assert clauses[-1] == f"and {15 - named} more errors"


# --- the canary password ----------------------------------------------------------

CANARY_PLACEMENTS = [
    pytest.param(
        remote_install_body(host_body(port="0")),
        id="valid-password-bad-port",
    ),
    pytest.param(
        remote_install_body(host_body(remote_ip="999.0.0.1", user_name="u" * 17)),
        id="valid-password-several-errors",
    ),
    pytest.param(
        remote_install_body(host_body(password=CANARY_PASSWORD + "x" * 3000)),
        id="password-too-long",
    ),
    pytest.param(
        remote_install_body(host_body(password=[CANARY_PASSWORD])),
        id="password-wrong-type",
    ),
    pytest.param(
        remote_install_body(host_body(port=CANARY_PASSWORD)),
        id="password-pasted-into-port",
    ),
    pytest.param(
        remote_install_body(host_body(remote_ip=CANARY_PASSWORD)),
        id="password-pasted-into-ip",
    ),
    pytest.param(
        remote_install_body(host_body(user_name=CANARY_PASSWORD + "-root")),
        id="password-pasted-into-user",
    ),
    pytest.param(
        remote_install_body(host_body(secret=CANARY_PASSWORD)),
        id="password-in-unknown-field",
    ),
    pytest.param(install_body(invocation_type=CANARY_PASSWORD), id="password-as-type"),
    pytest.param(install_body(origin=CANARY_PASSWORD), id="password-as-origin"),
    pytest.param(install_body(version=CANARY_PASSWORD * 5), id="password-in-long-version"),
    pytest.param(install_body(instance_ids=[CANARY_PASSWORD + "/x"]), id="password-in-bad-id"),
    pytest.param(
        {**remote_install_body(), "instance_ids": ["ecs-1"]},
        id="valid-password-cross-field-error",
    ),
]


@pytest.mark.parametrize("model", BOTH_MODELS)
@pytest.mark.parametrize("body", CANARY_PLACEMENTS)
def test_describe_omits_canary_password(model: type[BaseModel], body: dict[str, Any]) -> None:
    """No validation message contains the canary, wherever the body carries it."""
    message = rejection(model, body)

    assert message
    assert CANARY_PASSWORD not in message


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_valid_model_hides_canary_in_repr(model: type[BaseModel]) -> None:
    """repr() and str() of a valid request mask the password."""
    request = model.model_validate(remote_install_body())

    assert CANARY_PASSWORD not in repr(request)
    assert CANARY_PASSWORD not in str(request)
    assert "**********" in repr(request)


def test_valid_host_hides_canary_in_repr() -> None:
    """repr() and str() of a single host mask the password."""
    host = RemoteInstallHostInfo.model_validate(host_body())

    assert CANARY_PASSWORD not in repr(host)
    assert CANARY_PASSWORD not in str(host)
    assert CANARY_PASSWORD not in repr(host.password)


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_valid_model_hides_canary_in_plain_dumps(model: type[BaseModel]) -> None:
    """model_dump() and model_dump_json(), as a logger might call them, mask the password."""
    request = model.model_validate(remote_install_body())

    assert CANARY_PASSWORD not in json.dumps(request.model_dump(mode="json"))
    assert CANARY_PASSWORD not in request.model_dump_json()
    assert CANARY_PASSWORD not in str(request.model_dump())


@pytest.mark.parametrize("model", BOTH_MODELS)
def test_to_body_sends_canary_password(model: type[BaseModel]) -> None:
    """to_body() carries the real password, because Cloud Eye must receive it."""
    request = model.model_validate(remote_install_body(host_body(), host_body(port="2222")))
    assert isinstance(request, InvocationSpec)

    body = request.to_body()

    assert [host["password"] for host in body["remote_install_meta"]] == [CANARY_PASSWORD] * 2
    assert CANARY_PASSWORD in json.dumps(body)
    assert body == remote_install_body(host_body(), host_body(port="2222"))
