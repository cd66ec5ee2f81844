"""Batch-create request rules, each checked on both sides of its boundary over HTTP."""

from typing import Any

import httpx
import pytest

from tests.emulator.conftest import BATCH_CREATE, STATIC_TOKEN

ERROR_STATUS = 400


def ids(count: int, prefix: str = "host") -> list[str]:
    return [f"{prefix}-{index:04d}" for index in range(count)]


def remote_host(**fields: Any) -> dict[str, Any]:
    host: dict[str, Any] = {
        "instance_name": "legacy-db-01",
        "remote_ip": "192.168.0.10",
        "user_name": "root",
        "port": "22",
        "password": "s3cret-login-password",
        "remote_use_pem": False,
    }
    host.update(fields)
    return {key: value for key, value in host.items() if value is not ...}


def remote_install(*hosts: Any) -> dict[str, Any]:
    return {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": list(hosts)}


def install(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"invocation_type": "INSTALL", "instance_ids": ["instancexxx001"]}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


ACCEPTED = [
    pytest.param(install(), id="minimal-install"),
    pytest.param(install(instance_ids=ids(1)), id="instance-ids-1-item"),
    pytest.param(install(instance_ids=ids(100)), id="instance-ids-100-items"),
    pytest.param(install(instance_ids=["a"]), id="instance-id-1-char"),
    pytest.param(install(instance_ids=["a" * 64]), id="instance-id-64-chars"),
    pytest.param(install(instance_ids=["Ab-9-z"]), id="instance-id-letters-digits-hyphens"),
    pytest.param({"invocation_type": "UPDATE", "instance_ids": ["h-1"]}, id="update"),
    pytest.param(
        {"invocation_type": "SET_REMOTE_INSTALLER", "instance_ids": ["h-1"]},
        id="set-remote-installer",
    ),
    pytest.param({"invocation_type": "ROLLBACK", "invocation_ids": ["any-id"]}, id="rollback"),
    pytest.param({"invocation_type": "RETRY", "invocation_ids": ids(100)}, id="retry-100-ids"),
    pytest.param(
        {"invocation_type": "RETRY", "invocation_ids": ["i" * 64]}, id="invocation-id-64-chars"
    ),
    pytest.param(install(invocation_target="telescope"), id="target-telescope"),
    pytest.param(install(version_type="BASIC_VERSION"), id="version-type-basic"),
    pytest.param(install(version_type="ADVANCE_VERSION"), id="version-type-advance"),
    pytest.param(install(origin="CES"), id="origin-ces"),
    pytest.param(install(origin="APICOM_BMS"), id="origin-apicom-bms"),
    pytest.param(install(origin="ADMIN_SERVER"), id="origin-admin-server"),
    pytest.param(install(version=""), id="version-0-chars"),
    pytest.param(install(version="v" * 64), id="version-64-chars"),
    pytest.param(install(version=None, origin=None), id="null-means-absent"),
    pytest.param(install(remote_install_meta=[]), id="remote-meta-0-items-for-install"),
    pytest.param(remote_install(remote_host()), id="remote-install-1-host"),
    pytest.param(
        remote_install(*(remote_host(remote_ip=f"10.0.0.{index}") for index in range(100))),
        id="remote-install-100-hosts",
    ),
    pytest.param(remote_install(remote_host(instance_name="n")), id="remote-name-1-char"),
    pytest.param(remote_install(remote_host(instance_name="n" * 128)), id="remote-name-128"),
    pytest.param(remote_install(remote_host(remote_ip="1.2.3.4")), id="remote-ip-7-chars"),
    pytest.param(remote_install(remote_host(remote_ip="192.168.100.200")), id="remote-ip-15-chars"),
    pytest.param(
        remote_install(remote_host(remote_ip="0.0.0.0")),  # noqa: S104 - a value, not a bind
        id="remote-ip-zeros",
    ),
    pytest.param(remote_install(remote_host(remote_ip="255.255.255.255")), id="remote-ip-255"),
    pytest.param(remote_install(remote_host(user_name="u")), id="user-name-1-char"),
    pytest.param(remote_install(remote_host(user_name="u" * 16)), id="user-name-16-chars"),
    pytest.param(remote_install(remote_host(port="1")), id="port-1"),
    pytest.param(remote_install(remote_host(port="65535")), id="port-65535"),
    pytest.param(remote_install(remote_host(password="p")), id="password-1-char"),
    pytest.param(remote_install(remote_host(password="p" * 3000)), id="password-3000-chars"),
    pytest.param(remote_install(remote_host(remote_use_pem=True)), id="use-pem-true"),
    pytest.param(remote_install(remote_host(remote_use_pem=...)), id="use-pem-absent"),
]

REJECTED = [
    pytest.param([], "taskmgr.0001", "request body", id="body-array"),
    pytest.param("INSTALL", "taskmgr.0001", "request body", id="body-string"),
    pytest.param(install(force=True), "taskmgr.0001", "force", id="unknown-field"),
    pytest.param(
        install(invocation_type=...), "taskmgr.0002", "invocation_type", id="type-missing"
    ),
    pytest.param(install(invocation_type=None), "taskmgr.0002", "invocation_type", id="type-null"),
    pytest.param(install(invocation_type=1), "taskmgr.0003", "invocation_type", id="type-number"),
    pytest.param(
        install(invocation_type="install"), "taskmgr.0004", "invocation_type", id="type-lowercase"
    ),
    pytest.param(
        install(invocation_type="SET_REMOTE_INSTALL_HOST"),
        "taskmgr.0004",
        "invocation_type",
        id="type-english-page-spelling",
    ),
    pytest.param(install(instance_ids=...), "taskmgr.0002", "instance_ids", id="install-no-ids"),
    pytest.param({"invocation_type": "UPDATE"}, "taskmgr.0002", "instance_ids", id="update-no-ids"),
    pytest.param(
        {"invocation_type": "SET_REMOTE_INSTALLER"},
        "taskmgr.0002",
        "instance_ids",
        id="set-remote-installer-no-ids",
    ),
    pytest.param(install(instance_ids=[]), "taskmgr.0005", "instance_ids", id="instance-ids-0"),
    pytest.param(
        install(instance_ids=ids(101)), "taskmgr.0005", "instance_ids", id="instance-ids-101"
    ),
    pytest.param(
        install(instance_ids="instancexxx001"), "taskmgr.0003", "instance_ids", id="ids-string"
    ),
    pytest.param(install(instance_ids=[""]), "taskmgr.0005", "instance_ids[0]", id="id-0-chars"),
    pytest.param(
        install(instance_ids=["ok", "a" * 65]), "taskmgr.0005", "instance_ids[1]", id="id-65-chars"
    ),
    pytest.param(
        install(instance_ids=["under_score"]), "taskmgr.0006", "instance_ids[0]", id="id-underscore"
    ),
    pytest.param(install(instance_ids=["a b"]), "taskmgr.0006", "instance_ids[0]", id="id-space"),
    pytest.param(install(instance_ids=[12345]), "taskmgr.0003", "instance_ids[0]", id="id-number"),
    pytest.param(
        {"invocation_type": "ROLLBACK"}, "taskmgr.0002", "invocation_ids", id="rollback-no-ids"
    ),
    pytest.param(
        {"invocation_type": "RETRY", "instance_ids": ["h-1"]},
        "taskmgr.0002",
        "invocation_ids",
        id="retry-no-ids",
    ),
    pytest.param(
        {"invocation_type": "RETRY", "invocation_ids": []},
        "taskmgr.0005",
        "invocation_ids",
        id="invocation-ids-0",
    ),
    pytest.param(
        {"invocation_type": "RETRY", "invocation_ids": ids(101)},
        "taskmgr.0005",
        "invocation_ids",
        id="invocation-ids-101",
    ),
    pytest.param(
        {"invocation_type": "RETRY", "invocation_ids": ["x" * 65]},
        "taskmgr.0005",
        "invocation_ids[0]",
        id="invocation-id-65-chars",
    ),
    pytest.param(
        {"invocation_type": "RETRY", "invocation_ids": ["id/1"]},
        "taskmgr.0006",
        "invocation_ids[0]",
        id="invocation-id-slash",
    ),
    pytest.param(
        install(invocation_target="uniagent"), "taskmgr.0004", "invocation_target", id="target-bad"
    ),
    pytest.param(
        install(invocation_target=1), "taskmgr.0003", "invocation_target", id="target-num"
    ),
    pytest.param(
        install(version_type="PRO"), "taskmgr.0004", "version_type", id="version-type-bad"
    ),
    pytest.param(install(origin="CONSOLE"), "taskmgr.0004", "origin", id="origin-bad"),
    pytest.param(install(version="v" * 65), "taskmgr.0005", "version", id="version-65-chars"),
    pytest.param(install(version=3.1), "taskmgr.0003", "version", id="version-number"),
    pytest.param(
        {"invocation_type": "REMOTE_INSTALL"},
        "taskmgr.0002",
        "remote_install_meta",
        id="remote-install-no-meta",
    ),
    pytest.param(
        remote_install(), "taskmgr.0002", "remote_install_meta", id="remote-install-0-hosts"
    ),
    pytest.param(
        remote_install(*(remote_host(remote_ip=f"10.0.0.{index}") for index in range(101))),
        "taskmgr.0005",
        "remote_install_meta",
        id="remote-install-101-hosts",
    ),
    pytest.param(
        {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": remote_host()},
        "taskmgr.0003",
        "remote_install_meta",
        id="remote-meta-object",
    ),
    pytest.param(
        remote_install("host"), "taskmgr.0003", "remote_install_meta[0]", id="remote-item-string"
    ),
    pytest.param(
        remote_install(remote_host(ssh_key="k")), "taskmgr.0001", "ssh_key", id="remote-unknown"
    ),
    pytest.param(
        remote_install(remote_host(remote_ip=...)),
        "taskmgr.0002",
        "remote_install_meta[0].remote_ip",
        id="remote-ip-missing",
    ),
    pytest.param(
        remote_install(remote_host(instance_name="")),
        "taskmgr.0005",
        "instance_name",
        id="remote-name-0-chars",
    ),
    pytest.param(
        remote_install(remote_host(instance_name="n" * 129)),
        "taskmgr.0005",
        "instance_name",
        id="remote-name-129-chars",
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="")), "taskmgr.0005", "remote_ip", id="ip-0-chars"
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="192.168.100.2001")),
        "taskmgr.0005",
        "remote_ip",
        id="ip-16-chars",
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="10.0.0.a")),
        "taskmgr.0006",
        "remote_ip",
        id="ip-letter",
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="10.0.0")),
        "taskmgr.0006",
        "remote_ip",
        id="ip-3-octets",
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="10.0.0.1.2")),
        "taskmgr.0006",
        "remote_ip",
        id="ip-5-octets",
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="256.0.0.1")), "taskmgr.0006", "remote_ip", id="ip-256"
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="1..2.3")), "taskmgr.0006", "remote_ip", id="ip-empty"
    ),
    pytest.param(
        remote_install(remote_host(remote_ip="01.2.3.4")),
        "taskmgr.0006",
        "remote_ip",
        id="ip-leading-zero",
    ),
    pytest.param(
        remote_install(remote_host(remote_ip=167772161)),
        "taskmgr.0003",
        "remote_ip",
        id="ip-number",
    ),
    pytest.param(
        remote_install(remote_host(user_name="")), "taskmgr.0005", "user_name", id="user-0-chars"
    ),
    pytest.param(
        remote_install(remote_host(user_name="u" * 17)),
        "taskmgr.0005",
        "user_name",
        id="user-17-chars",
    ),
    pytest.param(remote_install(remote_host(port="")), "taskmgr.0005", "port", id="port-0-chars"),
    pytest.param(remote_install(remote_host(port="0")), "taskmgr.0005", "port", id="port-0"),
    pytest.param(
        remote_install(remote_host(port="65536")), "taskmgr.0005", "port", id="port-65536"
    ),
    pytest.param(
        remote_install(remote_host(port="000022")), "taskmgr.0005", "port", id="port-6-chars"
    ),
    pytest.param(remote_install(remote_host(port="22a")), "taskmgr.0006", "port", id="port-letter"),
    pytest.param(remote_install(remote_host(port=22)), "taskmgr.0003", "port", id="port-number"),
    pytest.param(
        remote_install(remote_host(password="")), "taskmgr.0005", "password", id="password-0-chars"
    ),
    pytest.param(
        remote_install(remote_host(password="p" * 3001)),
        "taskmgr.0005",
        "password",
        id="password-3001-chars",
    ),
    pytest.param(
        remote_install(remote_host(remote_use_pem="true")),
        "taskmgr.0003",
        "remote_use_pem",
        id="use-pem-string",
    ),
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_batch_create_accepts_valid_body(api: httpx.Client, body: Any) -> None:
    """A body that meets every rule gets 201 with one item per host."""
    response = api.post(BATCH_CREATE, json=body)

    assert response.status_code == 201, response.text
    assert isinstance(response.json()["invocations"], list)


@pytest.mark.parametrize(("body", "error_code", "field"), REJECTED)
def test_batch_create_rejects_invalid_body(
    api: httpx.Client, body: Any, error_code: str, field: str
) -> None:
    """A body that breaks a rule gets 400 with a taskmgr code naming the field."""
    response = api.post(BATCH_CREATE, json=body)

    assert response.status_code == ERROR_STATUS, response.text
    error = response.json()
    assert error["error_code"] == error_code
    assert field in error["error_msg"]
    assert 1 <= len(error["error_msg"]) <= 256


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b"{'single': 'quotes'}", id="single-quotes"),
        pytest.param(b'{"invocation_type": NaN}', id="nan"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
    ],
)
def test_batch_create_rejects_malformed_json(api: httpx.Client, content: bytes) -> None:
    """A body that is not JSON gets 400 ces.0014 before any rule runs."""
    response = api.post(BATCH_CREATE, content=content, headers={"Content-Type": "application/json"})

    assert response.status_code == ERROR_STATUS
    assert response.json()["error_code"] == "ces.0014"


def test_batch_create_error_hides_password(api: httpx.Client) -> None:
    """An invalid remote-install password is described by its rule, never echoed."""
    password = "hunter2-" + "x" * 3000

    response = api.post(BATCH_CREATE, json=remote_install(remote_host(password=password)))

    assert response.status_code == ERROR_STATUS
    assert "hunter2" not in response.text
    assert "3008" not in response.text


def test_batch_create_creates_nothing_when_invalid(api: httpx.Client, emulator: Any) -> None:
    """A request with one bad id among good ones creates no task at all."""
    response = api.post(BATCH_CREATE, json=install(instance_ids=["good-1", "bad_1"]))

    assert response.status_code == ERROR_STATUS
    assert emulator.tasks() == []


@pytest.mark.parametrize(
    ("project_id", "status", "error_code"),
    [
        pytest.param("p", 201, None, id="1-char"),
        pytest.param("p" * 64, 201, None, id="64-chars"),
        pytest.param("p" * 65, 400, "taskmgr.0005", id="65-chars"),
        pytest.param("proj_1", 400, "taskmgr.0006", id="underscore"),
        pytest.param("", 400, "taskmgr.0005", id="empty"),
    ],
)
def test_batch_create_checks_project_id(
    client: httpx.Client, project_id: str, status: int, error_code: str | None
) -> None:
    """The path's project id must be 1 to 64 letters, digits and hyphens."""
    response = client.post(
        f"/v3/{project_id}/agent-invocations/batch-create",
        json=install(),
        headers={"X-Auth-Token": STATIC_TOKEN},
    )

    assert response.status_code == status, response.text
    if error_code is not None:
        assert response.json()["error_code"] == error_code
        assert "project_id" in response.json()["error_msg"]
