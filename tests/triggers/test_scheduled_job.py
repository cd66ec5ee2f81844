"""ScheduledJobFunction against the Cloud Eye emulator over loopback HTTP."""

from typing import Any

import pytest

from agent_fleet.triggers.schedule import UNSUBSTITUTED_EXECUTION_ID, JobNotSubmitted
from agent_fleet_dev.local_cloud import LocalCloud, secret_id_for
from tests.triggers.support import (
    PROJECT,
    SCHEDULED_FUNCTION,
    emulator_of,
    invoke,
    load_sample,
    local_context,
    password_secret,
)

SMALL_SAMPLE = "scheduled-update-small.json"
BATCH_CREATE_ROUTE = "POST /v3/{project_id}/agent-invocations/batch-create"

# A batch-create that fails with 5xx leaves its hosts "unknown" when the task list
# cannot be read either (cloudeye/submission.py, _settle_from_task_list_then_fail
# falls back to _settle_lost), and JobReport.failed_entirely (jobs/report.py)
# counts only "failed" hosts, so run_scheduled_job returns instead of raising.


def _run(event: Any) -> Any:
    return invoke(SCHEDULED_FUNCTION, event)


def test_scheduled_small_completes(cloud: LocalCloud) -> None:
    """The small sample completes with one successful outcome per host, in input order."""
    event = load_sample(SMALL_SAMPLE)

    report = _run(event)

    assert report["status"] == "completed"
    assert report["job_id"] == event["job_id"]
    assert report["project_id"] == PROJECT
    assert report["invocation_type"] == "UPDATE"
    assert [outcome["target"] for outcome in report["outcomes"]] == event["instance_ids"]
    assert {outcome["status"] for outcome in report["outcomes"]} == {"successful"}
    assert all(outcome["invocation_id"] for outcome in report["outcomes"])
    assert report["counts"] == {
        "successful": 3,
        "error": 0,
        "failed": 0,
        "unknown": 0,
        "skipped": 0,
        "total": 3,
    }
    assert report["requests_sent"] == 1
    assert report["duplicates"] == []
    assert report["stopped_reason"] is None


def test_scheduled_small_tasks_in_emulator(cloud: LocalCloud) -> None:
    """Each reported invocation id is an UPDATE task the emulator holds for that host."""
    report = _run(load_sample(SMALL_SAMPLE))

    tasks = {task.invocation_id: task for task in emulator_of(cloud).tasks()}
    assert len(tasks) == 3
    for outcome in report["outcomes"]:
        task = tasks[outcome["invocation_id"]]
        assert task.instance_id == outcome["target"]
        assert task.invocation_type == "UPDATE"


@pytest.mark.slow
def test_scheduled_2500_hosts_in_25_requests(cloud: LocalCloud) -> None:
    """The 2,500-host sample completes with 2,500 successes sent in 25 requests."""
    event = load_sample("scheduled-update-2500-hosts.json")

    report = _run(event)

    assert report["status"] == "completed"
    assert report["counts"]["successful"] == 2500
    assert report["counts"]["total"] == 2500
    assert report["requests_sent"] == 25
    assert [outcome["target"] for outcome in report["outcomes"]] == event["instance_ids"]
    counters = emulator_of(cloud).counters()
    assert counters.requests_by_route[BATCH_CREATE_ROUTE] == 25
    assert counters.tasks_created == 2500
    assert max(counters.tasks_per_host.values()) == 1


@pytest.mark.parametrize(
    "job_id",
    [
        pytest.param(UNSUBSTITUTED_EXECUTION_ID, id="unsubstituted"),
        pytest.param(None, id="absent"),
    ],
)
def test_scheduled_job_id_falls_back_to_request_id(cloud: LocalCloud, job_id: str | None) -> None:
    """Without a substituted execution id, the job id is the Lambda request id."""
    event = load_sample(SMALL_SAMPLE)
    if job_id is None:
        del event["job_id"]
    else:
        event["job_id"] = job_id
    context = local_context(SCHEDULED_FUNCTION)

    report = invoke(SCHEDULED_FUNCTION, event, context=context)

    assert report["status"] == "completed"
    assert report["job_id"] == context.aws_request_id


def test_scheduled_invalid_spec_rejected(cloud: LocalCloud) -> None:
    """The invalid sample is rejected naming invocation_type, without raising or calling."""
    report = _run(load_sample("scheduled-invalid-spec.json"))

    assert report["status"] == "rejected"
    assert report["error"].startswith("invocation_type:")
    assert "REINSTALL" not in report["error"]
    assert emulator_of(cloud).counters().requests_total == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"project_id": "a/b"}, "project_id", id="project-id"),
        pytest.param({"project_id": None}, "project_id", id="project-id-null"),
        pytest.param({"max_errors": "lots"}, "max_errors", id="max-errors"),
        pytest.param({"job_id": ""}, "job_id", id="job-id-empty"),
        pytest.param({"instance_ids": []}, "instance_ids", id="no-hosts"),
        pytest.param({"schedule": "daily"}, "schedule", id="unknown-field"),
    ],
)
def test_scheduled_bad_field_rejected(
    cloud: LocalCloud, change: dict[str, Any], field: str
) -> None:
    """A spec with one bad field is rejected naming that field."""
    event = load_sample(SMALL_SAMPLE)
    event.update(change)

    report = _run(event)

    assert report["status"] == "rejected"
    assert field in report["error"]
    assert emulator_of(cloud).counters().requests_total == 0


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(None, id="null"),
        pytest.param([], id="array"),
        pytest.param("UPDATE", id="string"),
        pytest.param({}, id="empty-object"),
    ],
)
def test_scheduled_not_a_spec_rejected(cloud: LocalCloud, event: Any) -> None:
    """An input that is not a job spec is rejected, not raised."""
    report = _run(event)

    assert report["status"] == "rejected"
    assert report["error"]


def test_scheduled_all_unknown_does_not_raise(cloud: LocalCloud) -> None:
    """Hosts left unknown by 5xx responses are reported, not retried: a retry could double them."""
    emulator_of(cloud).faults.error_rate = 1.0

    report = _run(load_sample(SMALL_SAMPLE))

    assert report["counts"]["unknown"] == report["counts"]["total"]
    assert all(outcome["http_status"] >= 500 for outcome in report["outcomes"])


def test_scheduled_all_5xx_creates_nothing(cloud: LocalCloud) -> None:
    """When every Cloud Eye call fails with 5xx, no host is reported accepted and no task exists."""
    emulator = emulator_of(cloud)
    emulator.faults.error_rate = 1.0

    try:
        report = _run(load_sample(SMALL_SAMPLE))
    except JobNotSubmitted:
        report = None

    assert emulator.counters().tasks_created == 0
    if report is not None:
        assert report["counts"]["successful"] == 0
        assert report["counts"]["total"] == 3


def test_scheduled_wrong_iam_password_raises(own_cloud: LocalCloud) -> None:
    """A job that reaches no host because IAM refuses the password raises JobNotSubmitted."""
    own_cloud.secrets.put(secret_id_for(PROJECT), password_secret(own_cloud, "wrong-password"))
    event = load_sample(SMALL_SAMPLE)

    with pytest.raises(JobNotSubmitted) as raised:
        _run(event)

    message = str(raised.value)
    assert event["job_id"] in message
    assert "retried (ScheduledJobRetryAttempts)" in message
    assert "wrong-password" not in message


def test_scheduled_rejected_hosts_do_not_raise(cloud: LocalCloud) -> None:
    """A job where Cloud Eye rejects some hosts completes, reporting each host's result."""
    event = load_sample(SMALL_SAMPLE)
    event.update(invocation_type="INSTALL", instance_ids=["instancexxx001", "instancexxx002"])

    report = _run(event)

    assert report["status"] == "completed"
    accepted, rejected = report["outcomes"]
    assert accepted["status"] == "successful"
    assert rejected["status"] == "error"
    assert rejected["error_code"] == "invocationmgr.0001"
    assert rejected["error_msg"] == "do not meet the installation conditions"
    assert report["counts"]["successful"] == 1
    assert report["counts"]["error"] == 1


def test_scheduled_only_rejected_hosts_do_not_raise(cloud: LocalCloud) -> None:
    """A job whose every host Cloud Eye rejects completes: a retry would be rejected again."""
    event = load_sample(SMALL_SAMPLE)
    event.update(invocation_type="INSTALL", instance_ids=["instancexxx002"])

    report = _run(event)

    assert report["status"] == "completed"
    assert report["counts"]["error"] == 1


def test_scheduled_duplicates_sent_once(cloud: LocalCloud) -> None:
    """Duplicate hosts in a spec are reported as duplicates and get one task each."""
    event = load_sample(SMALL_SAMPLE)
    hosts = event["instance_ids"]
    event["instance_ids"] = hosts + hosts[:2]

    report = _run(event)

    assert [outcome["target"] for outcome in report["outcomes"]] == hosts
    assert report["duplicates"] == [
        {"target": hosts[0], "extra_occurrences": 1},
        {"target": hosts[1], "extra_occurrences": 1},
    ]
    assert max(emulator_of(cloud).counters().tasks_per_host.values()) == 1
