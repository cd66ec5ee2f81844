"""HttpApiFunction's responses to invalid requests: a 4xx naming the field, never a 500."""

import base64
import json
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_fleet_dev.local_cloud import LocalCloud
from tests.triggers.support import (
    AGENT_STATUS_PATH,
    BATCH_CREATE_PATH,
    HTTP_FUNCTION,
    LIST_PATH,
    HttpReply,
    batch_create_event,
    call_http,
    emulator_of,
    http_event,
    invoke,
    load_sample,
)

REMOTE_PASSWORD = "sample-remote-password"
"""A remote-install password that must never come back in a reply."""

VALID_REMOTE_HOST = {
    "instance_name": "legacy-db-01",
    "remote_ip": "192.168.0.10",
    "user_name": "root",
    "port": "22",
    "password": REMOTE_PASSWORD,
    "remote_use_pem": False,
}


def assert_client_error(reply: HttpReply, status: int = 400) -> None:
    """Check a 4xx in Cloud Eye's error shape."""
    assert reply.status == status
    assert isinstance(reply.body, dict)
    assert isinstance(reply.body.get("error_code"), str)
    assert isinstance(reply.body.get("error_msg"), str)
    assert reply.body["error_msg"]


# -- the invalid sample events ------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "fields"),
    [
        pytest.param("http-batch-create-invalid-json.json", ["body", "JSON"], id="invalid-json"),
        pytest.param("http-batch-create-not-an-object.json", ["body", "object"], id="not-object"),
        pytest.param("http-batch-create-bad-enum.json", ["invocation_type"], id="bad-enum"),
        pytest.param(
            "http-batch-create-missing-instance-ids.json",
            ["instance_ids"],
            id="missing-instance-ids",
        ),
        pytest.param(
            "http-batch-create-bad-instance-id.json",
            ["instance_ids[1]", "instance_ids[2]"],
            id="bad-instance-id",
        ),
        pytest.param(
            "http-batch-create-bad-remote-meta.json",
            ["remote_install_meta[0].remote_ip", "remote_install_meta[0].port"],
            id="bad-remote-meta",
        ),
        pytest.param("http-batch-create-empty-list.json", ["instance_ids"], id="empty-list"),
        pytest.param(
            "http-batch-create-wrong-types.json", ["instance_ids", "version"], id="wrong-types"
        ),
    ],
)
def test_batch_create_invalid_sample_is_400(
    cloud: LocalCloud, sample: str, fields: list[str]
) -> None:
    """Each invalid sample event gets a 400 naming the offending field before any Cloud Eye call."""
    reply = call_http(load_sample(sample))

    assert_client_error(reply)
    for field in fields:
        assert field in reply.body["error_msg"]
    assert emulator_of(cloud).counters().requests_total == 0


def test_batch_create_remote_meta_password_not_echoed(cloud: LocalCloud) -> None:
    """The invalid remote-install sample's password is not in the 400 body."""
    event = load_sample("http-batch-create-bad-remote-meta.json")
    password = json.loads(event["body"])["remote_install_meta"][0]["password"]

    reply = call_http(event)

    assert reply.status == 400
    assert password not in json.dumps(reply.body)


# -- generated bad bodies -----------------------------------------------------


def _deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("event_fields", "expected"),
    [
        pytest.param({"body": None}, "body", id="no-body"),
        pytest.param({"body": ""}, "body", id="empty"),
        pytest.param({"body": "   "}, "body", id="blank"),
        pytest.param({"body": "null"}, "null", id="null"),
        pytest.param({"body": "42"}, "number", id="number"),
        pytest.param({"body": '"INSTALL"'}, "string", id="string"),
        pytest.param({"body": "true"}, "boolean", id="boolean"),
        pytest.param({"body": "{"}, "JSON", id="truncated"),
        pytest.param({"body": "{'a': 1}"}, "JSON", id="single-quotes"),
        pytest.param({"body": '{"a": 1} {"b": 2}'}, "JSON", id="two-documents"),
        pytest.param(
            {"body": json.dumps({"wide": list(range(200_000))})}, "wide", id="huge-wide-body"
        ),
        pytest.param(
            {"body": _deep_array(100_000)},
            "body",
            id="huge-nested-array",
        ),
        pytest.param(
            {"body": '{"a":' * 50_000 + "1" + "}" * 50_000},
            "body",
            id="huge-nested-object",
        ),
        pytest.param(
            {"body": base64.b64encode(b"\xff\xfe{\x00}").decode(), "isBase64Encoded": True},
            "body",
            id="base64-not-utf8",
        ),
        pytest.param(
            {"body": "not base64!", "isBase64Encoded": True},
            "body",
            id="base64-invalid",
        ),
    ],
)
def test_batch_create_bad_body_is_400(
    cloud: LocalCloud, event_fields: dict[str, Any], expected: str
) -> None:
    """A body that is missing, not JSON or not an object gets a 400 saying so."""
    event = batch_create_event({})
    event.update(event_fields)
    if event.get("body") is None:
        event.pop("body")

    reply = call_http(event)

    assert_client_error(reply)
    assert expected in reply.body["error_msg"]


def test_batch_create_base64_body_is_decoded(cloud: LocalCloud) -> None:
    """A base64-encoded JSON body, as API Gateway sends binary media, is accepted."""
    body = {"invocation_type": "INSTALL", "instance_ids": ["instancexxx001"]}
    event = batch_create_event(body)
    event["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    event["isBase64Encoded"] = True

    reply = call_http(event)

    assert reply.status == 201
    assert reply.body["invocations"][0]["ret_status"] == "successful"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"invocation_type": 1, "instance_ids": ["a"]}, "invocation_type", id="type"),
        pytest.param({"invocation_type": "INSTALL", "instance_ids": "a"}, "instance_ids", id="ids"),
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": [7]}, "instance_ids[0]", id="id-item"
        ),
        pytest.param(
            {"invocation_type": "RETRY", "invocation_ids": {"a": 1}},
            "invocation_ids",
            id="invocation-ids",
        ),
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": ["a"], "invocation_target": ["x"]},
            "invocation_target",
            id="target",
        ),
        pytest.param(
            {"invocation_type": "UPDATE", "instance_ids": ["a"], "version_type": 2},
            "version_type",
            id="version-type",
        ),
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": ["a"], "origin": True},
            "origin",
            id="origin",
        ),
        pytest.param(
            {"invocation_type": "UPDATE", "instance_ids": ["a"], "version": 3.2},
            "version",
            id="version",
        ),
        pytest.param(
            {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": "host"},
            "remote_install_meta",
            id="remote-meta",
        ),
        pytest.param(
            {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": [42]},
            "remote_install_meta[0]",
            id="remote-meta-item",
        ),
        *(
            pytest.param(
                {
                    "invocation_type": "REMOTE_INSTALL",
                    "remote_install_meta": [{**VALID_REMOTE_HOST, name: value}],
                },
                f"remote_install_meta[0].{name}",
                id=f"remote-{name}",
            )
            for name, value in (
                ("instance_name", 5),
                ("remote_ip", 10),
                ("user_name", ["root"]),
                ("port", 22),
                ("password", 1234),
                ("remote_use_pem", "yes"),
            )
        ),
    ],
)
def test_batch_create_wrong_type_names_field(
    cloud: LocalCloud, body: dict[str, Any], field: str
) -> None:
    """A wrong JSON type in any field gets a 400 naming that field."""
    reply = call_http(batch_create_event(body))

    assert_client_error(reply)
    assert field in reply.body["error_msg"]
    assert REMOTE_PASSWORD not in reply.body["error_msg"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": ["a"], "dry_run": True},
            "dry_run",
            id="top-level",
        ),
        pytest.param(
            {
                "invocation_type": "REMOTE_INSTALL",
                "remote_install_meta": [{**VALID_REMOTE_HOST, "ssh_key": "x"}],
            },
            "remote_install_meta[0].ssh_key",
            id="remote-host",
        ),
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": ["a"], "invocation_ids": ["b"]},
            "invocation_ids",
            id="second-host-list",
        ),
    ],
)
def test_batch_create_extra_field_is_400(
    cloud: LocalCloud, body: dict[str, Any], field: str
) -> None:
    """A field the contract does not define gets a 400 naming it."""
    reply = call_http(batch_create_event(body))

    assert_client_error(reply)
    assert field in reply.body["error_msg"]


@pytest.mark.parametrize(
    "project_id",
    [
        pytest.param("a" * 65, id="65-chars"),
        pytest.param("a%2Fb", id="encoded-slash"),
        pytest.param("a%2F..%2Fb", id="encoded-traversal"),
        pytest.param("proj_1", id="underscore"),
        pytest.param("proj%00", id="encoded-nul"),
    ],
)
@pytest.mark.parametrize("route", ["batch-create", "list", "agent-status"])
def test_bad_project_id_is_400(cloud: LocalCloud, project_id: str, route: str) -> None:
    """A project id that breaks the rule of 1 to 64 letters, digits and hyphens gets a 400."""
    paths = {
        "batch-create": (
            "POST",
            BATCH_CREATE_PATH,
            {"invocation_type": "INSTALL", "instance_ids": ["a"]},
        ),
        "list": ("GET", LIST_PATH, None),
        "agent-status": ("POST", AGENT_STATUS_PATH, {"instance_ids": ["a"]}),
    }
    method, path, body = paths[route]
    path = path.replace(path.split("/")[2], project_id)

    reply = call_http(http_event(method, path, body=body))

    assert_client_error(reply)
    assert "project_id" in reply.body["error_msg"]
    assert emulator_of(cloud).counters().requests_total == 0


# -- random bodies --------------------------------------------------------------

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_IDS = st.from_regex(r"[A-Za-z0-9-]{1,64}", fullmatch=True) | st.text(max_size=70)
_REMOTE_HOSTS = st.fixed_dictionaries(
    {},
    optional={
        "instance_name": st.text(max_size=130) | _JSON_SCALARS,
        "remote_ip": st.sampled_from(["10.0.0.1", "300.1.2.3", "1.2.3", "a.b.c.d", ""]),
        "user_name": st.text(max_size=18),
        "port": st.sampled_from(["22", "0", "65535", "65536", "022", "", "x"]) | _JSON_SCALARS,
        "password": st.text(max_size=10) | _JSON_SCALARS,
        "remote_use_pem": _JSON_SCALARS,
        "extra": _JSON_SCALARS,
    },
)
_FIELD_VALUES = {
    "invocation_type": st.sampled_from(
        ["INSTALL", "UPDATE", "ROLLBACK", "RETRY", "SET_REMOTE_INSTALLER", "REMOTE_INSTALL"]
    )
    | _JSON_VALUES,
    "instance_ids": st.lists(_IDS, max_size=5) | _JSON_VALUES,
    "invocation_ids": st.lists(_IDS, max_size=5) | _JSON_VALUES,
    "invocation_target": st.sampled_from(["telescope", "TELESCOPE", ""]) | _JSON_VALUES,
    "version_type": st.sampled_from(["BASIC_VERSION", "ADVANCE_VERSION"]) | _JSON_VALUES,
    "origin": st.sampled_from(["CES", "APICOM_BMS", "ADMIN_SERVER"]) | _JSON_VALUES,
    "version": st.text(max_size=70) | _JSON_VALUES,
    "remote_install_meta": st.lists(_REMOTE_HOSTS, max_size=3) | _JSON_VALUES,
}
_SPEC_LIKE_BODIES = st.fixed_dictionaries({}, optional=_FIELD_VALUES)
_VALID_IDS = st.from_regex(r"[A-Za-z0-9-]{1,64}", fullmatch=True)
_VALID_REMOTE_HOSTS = st.fixed_dictionaries(
    {
        "instance_name": st.text(min_size=1, max_size=128),
        "remote_ip": st.ip_addresses(v=4).map(str),
        "user_name": st.text(min_size=1, max_size=16),
        "port": st.integers(min_value=1, max_value=65535).map(str),
        "password": st.text(min_size=1, max_size=40),
    },
    optional={"remote_use_pem": st.booleans()},
)
_VALID_OPTIONAL_FIELDS = {
    "invocation_target": st.just("telescope"),
    "version_type": st.sampled_from(["BASIC_VERSION", "ADVANCE_VERSION"]),
    "origin": st.sampled_from(["CES", "APICOM_BMS", "ADMIN_SERVER"]),
    "version": st.text(max_size=64),
}


_HOST_LIST_OF = {
    "INSTALL": "instance_ids",
    "UPDATE": "instance_ids",
    "SET_REMOTE_INSTALLER": "instance_ids",
    "ROLLBACK": "invocation_ids",
    "RETRY": "invocation_ids",
    "REMOTE_INSTALL": "remote_install_meta",
}


@st.composite
def _valid_bodies_with_one_change(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid batch-create body, then maybe replace or add one field with any JSON value."""
    kind = draw(st.sampled_from(sorted(_HOST_LIST_OF)))
    host_list = _HOST_LIST_OF[kind]
    hosts = _VALID_REMOTE_HOSTS if host_list == "remote_install_meta" else _VALID_IDS
    body: dict[str, Any] = {
        "invocation_type": kind,
        host_list: draw(st.lists(hosts, min_size=1, max_size=5)),
    }
    body.update(draw(st.fixed_dictionaries({}, optional=_VALID_OPTIONAL_FIELDS)))
    body.update(
        draw(st.dictionaries(st.sampled_from(sorted(_FIELD_VALUES)), _JSON_VALUES, max_size=1))
    )
    return body


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_JSON_VALUES | _SPEC_LIKE_BODIES | _valid_bodies_with_one_change())
def test_batch_create_random_body_never_500(cloud: LocalCloud, body: Any) -> None:
    """Any JSON body gets a 201, 400 or 413, and a 4xx has Cloud Eye's error shape."""
    reply = invoke(HTTP_FUNCTION, batch_create_event(body))
    hypothesis.event(f"HTTP {reply['statusCode']}")

    assert reply["statusCode"] in {201, 400, 413}
    decoded = json.loads(reply["body"])
    if reply["statusCode"] == 201:
        hosts = int(reply["headers"]["X-Agent-Fleet-Hosts"])
        assert len(decoded["invocations"]) == hosts
    else:
        assert isinstance(decoded["error_code"], str)
        assert isinstance(decoded["error_msg"], str)
