"""Batch-create responses: per-host items, task types, fleet decisions and body shapes."""

import re
import uuid

import httpx
import pytest

from agent_fleet_dev.emulator import CloudEyeEmulator, Fleet, InstanceProfile, ManualClock
from tests.emulator.conftest import BATCH_CREATE, PROJECT_ID, STEP_SECONDS, install_body

ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")


def items_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 201, response.text
    items: list[dict[str, str]] = response.json()["invocations"]
    return items


def test_batch_create_published_example(api: httpx.Client) -> None:
    """The published request gets one accepted and one rejected host, in request order."""
    response = api.post(
        BATCH_CREATE,
        json={
            "instance_ids": ["instancexxx001", "instancexxx002"],
            "invocation_type": "INSTALL",
            "invocation_target": "telescope",
        },
    )

    accepted, rejected = items_of(response)
    assert accepted["instance_id"] == "instancexxx001"
    assert accepted["ret_status"] == "successful"
    assert ID_PATTERN.fullmatch(accepted["invocation_id"])
    assert "error_code" not in accepted
    assert rejected == {
        "instance_id": "instancexxx002",
        "ret_status": "error",
        "error_code": "invocationmgr.0001",
        "error_msg": "do not meet the installation conditions",
    }


def test_batch_create_array_shape(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """With response_shape "array" the 201 body is a bare list of items."""
    emulator.faults.response_shape = "array"

    response = api.post(BATCH_CREATE, json=install_body("instancexxx001", "instancexxx002"))

    assert response.status_code == 201
    body = response.json()
    assert isinstance(body, list)
    assert [item["ret_status"] for item in body] == ["successful", "error"]


def test_batch_create_keeps_request_order(api: httpx.Client) -> None:
    """Items follow the request order, whatever each host's outcome."""
    hosts = ["zeta-1", "instancexxx002", "alpha-2", "instancexxx002", "mid-3"]

    items = items_of(api.post(BATCH_CREATE, json=install_body(*hosts)))

    assert [item["instance_id"] for item in items] == hosts


def test_batch_create_headers(api: httpx.Client) -> None:
    """The response carries a UUID X-Request-Id and a JSON content type."""
    response = api.post(BATCH_CREATE, json=install_body("instancexxx001"))

    assert uuid.UUID(response.headers["X-Request-Id"])
    assert response.headers["Content-Type"].startswith("application/json")


def test_batch_create_records_tasks(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """Every accepted host gets one PENDING task with the fleet's details."""
    items = items_of(api.post(BATCH_CREATE, json=install_body("web-1", "web-2", version="3.2.1")))

    tasks = emulator.tasks()
    assert [task.invocation_id for task in tasks] == [item["invocation_id"] for item in items]
    first = tasks[0]
    assert first.project_id == PROJECT_ID
    assert first.instance_id == "web-1"
    assert first.instance_name == "web-1"
    assert first.instance_type == "ECS"
    assert first.intranet_ips[0].startswith("10.")
    assert first.invocation_type == "INSTALL"
    assert first.invocation_target == "telescope"
    assert first.invocation_status == "PENDING"
    assert first.target_version == "3.2.1"
    assert first.current_version == "1.0.0"


def test_batch_create_duplicate_host_in_one_request(api: httpx.Client) -> None:
    """A host named twice in one request gets one task and one unfinished-task error."""
    first, second = items_of(api.post(BATCH_CREATE, json=install_body("dup-1", "dup-1")))

    assert first["ret_status"] == "successful"
    assert second["ret_status"] == "error"
    assert second["error_code"] == "invocationmgr.0002"
    assert second["error_msg"] == "a task is already running"


def test_batch_create_rejects_host_with_unfinished_task(
    api: httpx.Client, clock: ManualClock
) -> None:
    """A host with a PENDING or RUNNING task of the same type is rejected until it ends."""
    items_of(api.post(BATCH_CREATE, json=install_body("busy-1")))

    (while_pending,) = items_of(api.post(BATCH_CREATE, json=install_body("busy-1")))
    clock.advance(STEP_SECONDS)
    (while_running,) = items_of(api.post(BATCH_CREATE, json=install_body("busy-1")))
    clock.advance(STEP_SECONDS)
    (after_end,) = items_of(api.post(BATCH_CREATE, json=install_body("busy-1")))

    assert while_pending["error_code"] == "invocationmgr.0002"
    assert while_running["error_code"] == "invocationmgr.0002"
    assert after_end["ret_status"] == "successful"


def test_batch_create_allows_other_type_while_busy(api: httpx.Client) -> None:
    """An unfinished INSTALL does not block an UPDATE of the same host."""
    items_of(api.post(BATCH_CREATE, json=install_body("host-1")))

    (update,) = items_of(
        api.post(BATCH_CREATE, json={"invocation_type": "UPDATE", "instance_ids": ["host-1"]})
    )

    assert update["ret_status"] == "successful"


def test_batch_create_update_starts_from_installed_version(
    api: httpx.Client, clock: ManualClock, emulator: CloudEyeEmulator
) -> None:
    """An UPDATE after a successful INSTALL starts from the version that INSTALL left."""
    items_of(api.post(BATCH_CREATE, json=install_body("host-1", version="2.5.0")))
    clock.advance(2 * STEP_SECONDS)

    items_of(
        api.post(
            BATCH_CREATE,
            json={"invocation_type": "UPDATE", "instance_ids": ["host-1"], "version": "2.6.0"},
        )
    )

    update = emulator.tasks()[-1]
    assert update.current_version == "2.5.0"
    assert update.target_version == "2.6.0"


def test_batch_create_rollback_and_retry(
    api: httpx.Client, clock: ManualClock, emulator: CloudEyeEmulator
) -> None:
    """ROLLBACK and RETRY create new tasks for the hosts of known invocations, in order."""
    first, second = items_of(api.post(BATCH_CREATE, json=install_body("h-a", "h-b", version="9")))
    clock.advance(2 * STEP_SECONDS)

    rollback_items = items_of(
        api.post(
            BATCH_CREATE,
            json={
                "invocation_type": "ROLLBACK",
                "invocation_ids": [second["invocation_id"], "no-such-task", first["invocation_id"]],
            },
        )
    )
    retry_items = items_of(
        api.post(
            BATCH_CREATE,
            json={"invocation_type": "RETRY", "invocation_ids": [first["invocation_id"]]},
        )
    )

    rollback_b, unknown, rollback_a = rollback_items
    assert rollback_b["instance_id"] == "h-b"
    assert rollback_b["ret_status"] == "successful"
    assert rollback_b["invocation_id"] != second["invocation_id"]
    assert unknown == {
        "invocation_id": "no-such-task",
        "ret_status": "error",
        "error_code": "invocationmgr.0003",
        "error_msg": "invocation not found",
    }
    assert rollback_a["instance_id"] == "h-a"
    assert retry_items[0]["instance_id"] == "h-a"

    by_id = {task.invocation_id: task for task in emulator.tasks()}
    assert by_id[rollback_b["invocation_id"]].invocation_type == "ROLLBACK"
    assert by_id[rollback_b["invocation_id"]].target_version == "1.0.0"
    assert by_id[retry_items[0]["invocation_id"]].invocation_type == "RETRY"
    assert by_id[retry_items[0]["invocation_id"]].target_version == "9"


def test_batch_create_rollback_ignores_other_project(
    emulator: CloudEyeEmulator, api: httpx.Client
) -> None:
    """A ROLLBACK cannot name a task of another project."""
    (item,) = items_of(api.post(BATCH_CREATE, json=install_body("h-1")))
    other_token = emulator.issue_token("other-project")

    response = api.post(
        "/v3/other-project/agent-invocations/batch-create",
        json={"invocation_type": "ROLLBACK", "invocation_ids": [item["invocation_id"]]},
        headers={"X-Auth-Token": other_token},
    )

    assert items_of(response)[0]["error_code"] == "invocationmgr.0003"


def test_batch_create_remote_install(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """REMOTE_INSTALL creates one task per host entry, with an id stable per address."""
    hosts = [
        {
            "instance_name": f"legacy-{index}",
            "remote_ip": f"192.168.1.{index}",
            "user_name": "root",
            "port": "22",
            "password": "login-password-never-returned",
            "remote_use_pem": False,
        }
        for index in (1, 2)
    ]
    body = {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": hosts}

    first, second = items_of(api.post(BATCH_CREATE, json=body))
    again = items_of(api.post(BATCH_CREATE, json=body))

    assert first["ret_status"] == "successful"
    assert ID_PATTERN.fullmatch(first["instance_id"])
    assert first["instance_id"] != second["instance_id"]
    assert [item["instance_id"] for item in again] == [first["instance_id"], second["instance_id"]]
    assert {item["error_code"] for item in again} == {"invocationmgr.0002"}
    task = emulator.tasks()[0]
    assert task.instance_name == "legacy-1"
    assert task.intranet_ips == ("192.168.1.1",)
    assert "login-password-never-returned" not in repr(emulator.tasks())


def test_batch_create_set_remote_installer(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """SET_REMOTE_INSTALLER creates one task per instance id."""
    items = items_of(
        api.post(
            BATCH_CREATE,
            json={"invocation_type": "SET_REMOTE_INSTALLER", "instance_ids": ["jump-1", "jump-2"]},
        )
    )

    assert [item["instance_id"] for item in items] == ["jump-1", "jump-2"]
    assert {task.invocation_type for task in emulator.tasks()} == {"SET_REMOTE_INSTALLER"}


@pytest.mark.parametrize(
    "fleet",
    [
        Fleet(
            instances={
                "known-1": InstanceProfile(name="db-primary", intranet_ips=["172.16.0.5"]),
                "legacy-1": InstanceProfile(
                    eligible=False, error_code="invocationmgr.0042", error_msg="unsupported OS"
                ),
            },
            unlisted="reject",
        )
    ],
)
def test_batch_create_follows_fleet_file(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """Listed hosts follow their entry, and unlisted hosts follow the fleet's policy."""
    known, legacy, unlisted = items_of(
        api.post(BATCH_CREATE, json=install_body("known-1", "legacy-1", "stranger-1"))
    )

    assert known["ret_status"] == "successful"
    assert legacy["error_code"] == "invocationmgr.0042"
    assert legacy["error_msg"] == "unsupported OS"
    assert unlisted["error_code"] == "invocationmgr.0001"
    assert unlisted["error_msg"] == "do not meet the installation conditions"
    (task,) = emulator.tasks()
    assert task.instance_name == "db-primary"
    assert task.intranet_ips == ("172.16.0.5",)


def test_batch_create_accepts_unlisted_hosts(api: httpx.Client) -> None:
    """Unlisted hosts of the built-in fleet are accepted, so large fleets need no file."""
    for batch in range(3):
        hosts = [f"fleet-{batch}-{index:03d}" for index in range(100)]

        items = items_of(api.post(BATCH_CREATE, json=install_body(*hosts)))

        assert {item["ret_status"] for item in items} == {"successful"}
