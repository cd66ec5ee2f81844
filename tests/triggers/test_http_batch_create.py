"""HttpApiFunction's batch-create route against the Cloud Eye emulator over loopback HTTP."""

import json

import pytest

from agent_fleet.settings import ENDPOINT_ENV, MAX_HOSTS_ENV
from agent_fleet_dev.local_cloud import LocalCloud, secret_id_for
from tests.triggers.support import (
    PROJECT,
    PUBLISHED_EXAMPLE,
    SetVariable,
    batch_create_event,
    call_http,
    emulator_of,
    host_ids,
    load_sample,
    password_secret,
)

BATCH_CREATE_ROUTE = "POST /v3/{project_id}/agent-invocations/batch-create"
COUNT_HEADERS = ("successful", "error", "failed", "unknown", "skipped", "hosts", "duplicates")

# A batch-create that fails with 5xx, or whose response is lost, leaves its
# hosts "unknown" whenever the task list cannot show them.


def _count_headers(headers: dict[str, str]) -> dict[str, int]:
    return {name: int(headers[f"x-agent-fleet-{name}"]) for name in COUNT_HEADERS}


def test_batch_create_published_example(cloud: LocalCloud) -> None:
    """The published example returns 201 with one accepted and one rejected host."""
    event = load_sample(PUBLISHED_EXAMPLE)

    reply = call_http(event)

    assert reply.status == 201
    assert list(reply.body) == ["invocations"]
    first, second = reply.body["invocations"]
    assert first["instance_id"] == "instancexxx001"
    assert first["ret_status"] == "successful"
    assert first["invocation_id"]
    assert second["instance_id"] == "instancexxx002"
    assert second["ret_status"] == "error"
    assert second["error_code"] == "invocationmgr.0001"
    assert second["error_msg"] == "do not meet the installation conditions"
    assert "invocation_id" not in second


def test_batch_create_published_example_headers(cloud: LocalCloud) -> None:
    """The job id is the API Gateway request id and the count headers match the items."""
    event = load_sample(PUBLISHED_EXAMPLE)

    reply = call_http(event)

    assert reply.headers["x-agent-fleet-job-id"] == event["requestContext"]["requestId"]
    assert _count_headers(reply.headers) == {
        "successful": 1,
        "error": 1,
        "failed": 0,
        "unknown": 0,
        "skipped": 0,
        "hosts": 2,
        "duplicates": 0,
    }
    assert reply.headers["content-type"] == "application/json"


def test_batch_create_published_example_task_in_emulator(cloud: LocalCloud) -> None:
    """The accepted host's invocation id is the task the emulator created, and only that one."""
    reply = call_http(load_sample(PUBLISHED_EXAMPLE))

    tasks = emulator_of(cloud).tasks()
    assert [task.instance_id for task in tasks] == ["instancexxx001"]
    assert tasks[0].invocation_id == reply.body["invocations"][0]["invocation_id"]


@pytest.mark.slow
def test_batch_create_2500_hosts_in_input_order(cloud: LocalCloud) -> None:
    """The 2,500-host sample returns 201 with every host once, in input order."""
    event = load_sample("http-batch-create-2500-hosts.json")
    requested = json.loads(event["body"])["instance_ids"]

    reply = call_http(event)

    assert reply.status == 201
    items = reply.body["invocations"]
    assert len(items) == 2500
    assert [item["instance_id"] for item in items] == requested
    assert {item["ret_status"] for item in items} == {"successful"}
    assert reply.headers["x-agent-fleet-successful"] == "2500"
    assert reply.headers["x-agent-fleet-hosts"] == "2500"

    counters = emulator_of(cloud).counters()
    assert counters.requests_by_route[BATCH_CREATE_ROUTE] == 25
    assert counters.tasks_created == 2500


def test_batch_create_duplicates_reported_once(cloud: LocalCloud) -> None:
    """A host listed several times gets one item and one task, and the extras are counted."""
    body = {
        "invocation_type": "INSTALL",
        "instance_ids": ["dup-a", "dup-b", "dup-a", "dup-c", "dup-a", "dup-b"],
    }

    reply = call_http(batch_create_event(body))

    assert reply.status == 201
    assert [item["instance_id"] for item in reply.body["invocations"]] == [
        "dup-a",
        "dup-b",
        "dup-c",
    ]
    assert reply.headers["x-agent-fleet-duplicates"] == "3"
    assert reply.headers["x-agent-fleet-hosts"] == "3"
    tasks_per_host = emulator_of(cloud).counters().tasks_per_host
    assert dict(tasks_per_host) == {"dup-a": 1, "dup-b": 1, "dup-c": 1}


def test_batch_create_duplicates_across_chunks(cloud: LocalCloud) -> None:
    """Duplicates that would fall into different 100-host requests are still sent once."""
    hosts = host_ids(150, prefix="spread")
    body = {"invocation_type": "UPDATE", "instance_ids": hosts + hosts[:60]}

    reply = call_http(batch_create_event(body))

    assert reply.status == 201
    assert [item["instance_id"] for item in reply.body["invocations"]] == hosts
    assert reply.headers["x-agent-fleet-duplicates"] == "60"
    tasks_per_host = emulator_of(cloud).counters().tasks_per_host
    assert max(tasks_per_host.values()) == 1
    assert len(tasks_per_host) == 150


def test_batch_create_over_cap_is_413(cloud: LocalCloud, setting: SetVariable) -> None:
    """More hosts than AGENT_FLEET_MAX_HOSTS get a 413 naming the cap before any Cloud Eye call."""
    setting(MAX_HOSTS_ENV, "50")
    body = {"invocation_type": "INSTALL", "instance_ids": host_ids(51)}

    reply = call_http(batch_create_event(body))

    assert reply.status == 413
    assert reply.body["error_code"] == "agentfleet.0413"
    assert "at most 50" in reply.body["error_msg"]
    assert "51" in reply.body["error_msg"]
    assert MAX_HOSTS_ENV in reply.body["error_msg"]
    assert BATCH_CREATE_ROUTE not in emulator_of(cloud).counters().requests_by_route


def test_batch_create_at_cap_is_accepted(cloud: LocalCloud, setting: SetVariable) -> None:
    """Exactly AGENT_FLEET_MAX_HOSTS hosts are accepted."""
    setting(MAX_HOSTS_ENV, "50")
    body = {"invocation_type": "INSTALL", "instance_ids": host_ids(50)}

    reply = call_http(batch_create_event(body))

    assert reply.status == 201
    assert len(reply.body["invocations"]) == 50


def test_batch_create_cloud_eye_5xx_is_503(cloud: LocalCloud) -> None:
    """When every Cloud Eye call fails with 5xx, batch-create returns 503 with Cloud Eye's error."""
    emulator = emulator_of(cloud)
    emulator.faults.error_rate = 1.0

    reply = call_http(load_sample(PUBLISHED_EXAMPLE))

    assert emulator.counters().tasks_created == 0
    assert reply.status == 503
    assert reply.body["error_code"] in {"ces.0007", "APIGW.0502", "APIGW.0503"}
    assert reply.body["error_msg"]
    assert reply.body["request_id"]


def test_batch_create_cloud_eye_5xx_creates_nothing(cloud: LocalCloud) -> None:
    """When every Cloud Eye call fails with 5xx, no host is reported accepted and no task exists."""
    emulator = emulator_of(cloud)
    emulator.faults.error_rate = 1.0

    reply = call_http(load_sample(PUBLISHED_EXAMPLE))

    assert reply.status != 500
    assert emulator.counters().tasks_created == 0
    assert reply.headers["x-agent-fleet-successful"] == "0"
    assert reply.headers["x-agent-fleet-hosts"] == "2"


def test_batch_create_wrong_iam_password_is_502(own_cloud: LocalCloud) -> None:
    """A secret whose password IAM rejects returns 502 without the password."""
    wrong_password = "not-the-operator-password"
    own_cloud.secrets.put(secret_id_for(PROJECT), password_secret(own_cloud, wrong_password))

    reply = call_http(load_sample(PUBLISHED_EXAMPLE))

    assert reply.status == 502
    assert reply.body["error_code"] == "agentfleet.credentials"
    assert "IAM" in reply.body["error_msg"]
    assert "401" in reply.body["error_msg"]
    assert wrong_password not in reply.body["error_msg"]
    assert reply.headers["x-agent-fleet-failed"] == "2"
    assert BATCH_CREATE_ROUTE not in emulator_of(own_cloud).counters().requests_by_route


def test_batch_create_token_for_other_project_is_502(cloud: LocalCloud) -> None:
    """A token scoped to another project gets a 403 from Cloud Eye, returned as 502."""
    event = batch_create_event({"invocation_type": "INSTALL", "instance_ids": ["instancexxx001"]})
    other_path = "/v3/other-project/agent-invocations/batch-create"
    event["rawPath"] = other_path
    event["requestContext"]["http"]["path"] = other_path
    event["pathParameters"] = {"project_id": "other-project"}

    reply = call_http(event)

    assert reply.status == 502
    assert reply.body["error_code"] == "APIGW.0306"
    assert "another project" in reply.body["error_msg"]
    assert reply.body["request_id"]
    assert emulator_of(cloud).counters().tasks_created == 0


def test_batch_create_lost_response_reconciled(cloud: LocalCloud) -> None:
    """A lost response is settled from the task list: hosts are reported once and never resent."""
    emulator = emulator_of(cloud)
    emulator.faults.drop_rate = 1.0
    body = {"invocation_type": "INSTALL", "instance_ids": host_ids(5, prefix="dropped")}

    reply = call_http(batch_create_event(body))

    assert reply.status == 201
    assert {item["ret_status"] for item in reply.body["invocations"]} == {"successful"}
    counters = emulator.counters()
    assert counters.dropped == 1
    assert counters.requests_by_route[BATCH_CREATE_ROUTE] == 1
    assert max(counters.tasks_per_host.values()) == 1
    invocation_ids = {task.invocation_id for task in emulator.tasks()}
    assert {item["invocation_id"] for item in reply.body["invocations"]} == invocation_ids


def test_batch_create_lost_response_unsettled_504(cloud: LocalCloud) -> None:
    """A lost response for hosts missing from the task list returns 504."""
    emulator = emulator_of(cloud)
    emulator.faults.drop_rate = 1.0
    body = {"invocation_type": "INSTALL", "instance_ids": ["instancexxx002"]}

    reply = call_http(batch_create_event(body))

    assert reply.headers["x-agent-fleet-unknown"] == "1"
    assert reply.status == 504
    assert reply.body["error_code"]
    assert reply.body["error_msg"]


def test_batch_create_cloud_eye_unreachable_is_502(
    cloud: LocalCloud, setting: SetVariable, closed_port: int
) -> None:
    """A Cloud Eye endpoint that refuses connections returns 502."""
    setting(ENDPOINT_ENV, f"http://127.0.0.1:{closed_port}")

    reply = call_http(load_sample(PUBLISHED_EXAMPLE))

    assert reply.status == 502
    assert reply.body["error_code"]
    assert reply.headers["x-agent-fleet-failed"] == "2"
