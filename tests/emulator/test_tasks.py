"""Task status over time and the task list: paging, filters and query checks."""

from typing import Any

import httpx
import pytest

from agent_fleet_dev.emulator import CloudEyeEmulator, Fleet, ManualClock
from tests.emulator.conftest import (
    BATCH_CREATE,
    LIST_INVOCATIONS,
    OTHER_PROJECT_ID,
    STATIC_TOKEN,
    STEP_SECONDS,
    install_body,
    make_client,
    make_config,
)


def create(api: httpx.Client, *hosts: str, **fields: Any) -> list[str]:
    response = api.post(BATCH_CREATE, json=install_body(*hosts, **fields))
    assert response.status_code == 201, response.text
    return [item["invocation_id"] for item in response.json()["invocations"]]


def listed(api: httpx.Client, **params: Any) -> dict[str, Any]:
    response = api.get(LIST_INVOCATIONS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_tasks_progress_over_time(api: httpx.Client, clock: ManualClock) -> None:
    """A task is PENDING, then RUNNING after one step, then SUCCEEDED after another."""
    created_ms = round(clock() * 1000)
    (invocation_id,) = create(api, "h-1")

    pending = listed(api, invocation_id=invocation_id)["invocations"][0]
    clock.advance(STEP_SECONDS)
    running = listed(api, invocation_id=invocation_id)["invocations"][0]
    clock.advance(STEP_SECONDS)
    succeeded = listed(api, invocation_id=invocation_id)["invocations"][0]
    clock.advance(100 * STEP_SECONDS)
    later = listed(api, invocation_id=invocation_id)["invocations"][0]

    assert pending["invocation_status"] == "PENDING"
    assert running["invocation_status"] == "RUNNING"
    assert succeeded["invocation_status"] == "SUCCEEDED"
    assert pending["create_time"] == created_ms
    assert pending["update_time"] == created_ms
    assert running["update_time"] == created_ms + 10_000
    assert succeeded["update_time"] == created_ms + 20_000
    assert later == succeeded
    assert "result_msg" not in succeeded


@pytest.mark.parametrize("fleet", [Fleet(fail_instances=frozenset({"broken-1"}))])
def test_tasks_fail_for_failing_hosts(api: httpx.Client, clock: ManualClock) -> None:
    """A host in fail_instances ends FAILED with a result message."""
    create(api, "broken-1", "fine-1")
    clock.advance(2 * STEP_SECONDS)

    invocations = listed(api)["invocations"]

    statuses = {item["instance_id"]: item["invocation_status"] for item in invocations}
    assert statuses == {"broken-1": "FAILED", "fine-1": "SUCCEEDED"}
    failed = next(item for item in invocations if item["instance_id"] == "broken-1")
    assert 1 <= len(failed["result_msg"]) <= 5000


def test_tasks_zero_step_end_at_once(clock: ManualClock) -> None:
    """With step_seconds 0 a task is SUCCEEDED as soon as it exists."""
    emulator = CloudEyeEmulator(make_config(step_seconds=0), clock=clock)
    with emulator, make_client(emulator, headers={"X-Auth-Token": STATIC_TOKEN}) as api:
        create(api, "h-1")

    assert [task.invocation_status for task in emulator.tasks()] == ["SUCCEEDED"]


def test_tasks_list_item_fields(api: httpx.Client) -> None:
    """A listed task carries every InvocationInfo field with the right types."""
    create(api, "instancexxx001", version="3.0.1")

    (item,) = listed(api)["invocations"]

    assert item["instance_id"] == "instancexxx001"
    assert item["instance_name"] == "instancexxx001"
    assert item["instance_type"] == "ECS"
    assert isinstance(item["intranet_ips"], list)
    assert item["elastic_ips"] == []
    assert item["invocation_type"] == "INSTALL"
    assert item["invocation_target"] == "telescope"
    assert isinstance(item["create_time"], int)
    assert item["current_version"] == "1.0.0"
    assert item["target_version"] == "3.0.1"


def test_tasks_list_newest_first_and_paged(api: httpx.Client, clock: ManualClock) -> None:
    """The list is newest first, counts every match and pages by offset and limit."""
    ids = []
    for index in range(5):
        ids += create(api, f"h-{index}")
        clock.advance(1)

    first_page = listed(api, limit=2)
    second_page = listed(api, limit=2, offset=2)
    past_end = listed(api, offset=5)

    newest_first = list(reversed(ids))
    assert first_page["count"] == 5
    assert [item["invocation_id"] for item in first_page["invocations"]] == newest_first[:2]
    assert [item["invocation_id"] for item in second_page["invocations"]] == newest_first[2:4]
    assert past_end == {"invocations": [], "count": 5}


def test_tasks_list_default_limit(api: httpx.Client) -> None:
    """Without a limit the list returns at most 100 tasks and counts all of them."""
    create(api, *(f"a-{index}" for index in range(100)))
    create(api, *(f"b-{index}" for index in range(20)))

    body = listed(api)

    assert body["count"] == 120
    assert len(body["invocations"]) == 100


def test_tasks_list_filters(api: httpx.Client, clock: ManualClock) -> None:
    """Each filter keeps only the tasks that match it."""
    (install_a,) = create(api, "h-a")
    create(api, "h-b")
    clock.advance(2 * STEP_SECONDS)
    update = api.post(BATCH_CREATE, json={"invocation_type": "UPDATE", "instance_ids": ["h-a"]})
    assert update.status_code == 201

    by_instance = listed(api, instance_id="h-a")
    by_type = listed(api, invocation_type="UPDATE")
    by_id = listed(api, invocation_id=install_a)
    by_instance_type = listed(api, instance_type="BMS")
    by_target = listed(api, invocation_target="telescope")
    combined = listed(api, instance_id="h-a", invocation_type="INSTALL")

    assert by_instance["count"] == 2
    assert [item["instance_id"] for item in by_type["invocations"]] == ["h-a"]
    assert [item["invocation_id"] for item in by_id["invocations"]] == [install_a]
    assert by_instance_type["count"] == 0
    assert by_target["count"] == 3
    assert [item["invocation_id"] for item in combined["invocations"]] == [install_a]


def test_tasks_list_other_project(
    api: httpx.Client, client: httpx.Client, emulator: CloudEyeEmulator
) -> None:
    """Tasks of one project are not listed under another."""
    create(api, "h-1")

    response = client.get(
        f"/v3/{OTHER_PROJECT_ID}/agent-invocations",
        headers={"X-Auth-Token": emulator.issue_token(OTHER_PROJECT_ID)},
    )

    assert response.json() == {"invocations": [], "count": 0}


def test_tasks_list_last_three_months(client: httpx.Client, clock: ManualClock) -> None:
    """Tasks older than three months drop out of the list."""
    client.headers["X-Auth-Token"] = STATIC_TOKEN
    create(client, "h-1")

    clock.advance(90 * 24 * 3600)
    within_window = listed(client)
    clock.advance(1)
    beyond_window = listed(client)

    assert within_window["count"] == 1
    assert beyond_window["count"] == 0


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"offset": "0"}, 200, id="offset-0"),
        pytest.param({"offset": "-1"}, 400, id="offset-negative"),
        pytest.param({"offset": "one"}, 400, id="offset-word"),
        pytest.param({"offset": ""}, 400, id="offset-empty"),
        pytest.param({"limit": "1"}, 200, id="limit-1"),
        pytest.param({"limit": "100"}, 200, id="limit-100"),
        pytest.param({"limit": "0"}, 400, id="limit-0"),
        pytest.param({"limit": "101"}, 400, id="limit-101"),
        pytest.param({"limit": "1.5"}, 400, id="limit-fraction"),
        pytest.param({"instance_type": "ECS"}, 200, id="instance-type-ecs"),
        pytest.param({"instance_type": "BMS"}, 200, id="instance-type-bms"),
        pytest.param({"instance_type": "VM"}, 400, id="instance-type-vm"),
        pytest.param({"invocation_type": "RETRY"}, 200, id="invocation-type-retry"),
        pytest.param({"invocation_type": "REBOOT"}, 400, id="invocation-type-reboot"),
        pytest.param({"invocation_target": "telescope"}, 200, id="target-telescope"),
        pytest.param({"invocation_target": "uniagent"}, 400, id="target-uniagent"),
        pytest.param({"instance_id": "a" * 64}, 200, id="instance-id-64"),
        pytest.param({"instance_id": "a" * 65}, 400, id="instance-id-65"),
        pytest.param({"instance_id": "a_b"}, 400, id="instance-id-underscore"),
        pytest.param({"invocation_id": ""}, 400, id="invocation-id-empty"),
        pytest.param({"page": "2"}, 400, id="unknown-parameter"),
        pytest.param([("limit", "5"), ("limit", "6")], 400, id="repeated-parameter"),
    ],
)
def test_tasks_list_checks_query(api: httpx.Client, params: Any, status: int) -> None:
    """Query parameters are checked on both sides of each rule."""
    response = api.get(LIST_INVOCATIONS, params=params)

    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error_code"].startswith("taskmgr.")
