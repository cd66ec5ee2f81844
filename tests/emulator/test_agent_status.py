"""Agent status batch-query: statuses from the fleet and from finished installs."""

from typing import Any

import httpx
import pytest

from agent_fleet_dev.emulator import Fleet, InstanceProfile, ManualClock
from tests.emulator.conftest import AGENT_STATUS, BATCH_CREATE, STEP_SECONDS, install_body

STATUS_FLEET = Fleet(
    instances={
        "bare-1": InstanceProfile(uniagent_status="none"),
        "quiet-1": InstanceProfile(uniagent_status="silent"),
        "sick-1": InstanceProfile(uniagent_status="running", extension_status="fault"),
        "old-1": InstanceProfile(agent_version="0.9.0"),
    }
)


def query(api: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    response = api.post(AGENT_STATUS, json=body)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["agent_status"]
    return entries


def test_agent_status_defaults_to_running(api: httpx.Client) -> None:
    """Hosts the fleet does not describe run uniagent and telescope, in request order."""
    entries = query(api, instance_ids=["h-2", "h-1"])

    assert entries == [
        {
            "instance_id": "h-2",
            "uniagent_status": "running",
            "extensions": [{"name": "telescope", "status": "running", "version": "1.0.0"}],
        },
        {
            "instance_id": "h-1",
            "uniagent_status": "running",
            "extensions": [{"name": "telescope", "status": "running", "version": "1.0.0"}],
        },
    ]


@pytest.mark.parametrize("fleet", [STATUS_FLEET])
def test_agent_status_from_fleet(api: httpx.Client) -> None:
    """A fleet entry sets the statuses, and the telescope status follows the uniagent's."""
    entries = query(api, instance_ids=["bare-1", "quiet-1", "sick-1", "old-1"])

    summary = {
        entry["instance_id"]: (entry["uniagent_status"], entry["extensions"][0]["status"])
        for entry in entries
    }
    assert summary == {
        "bare-1": ("none", "none"),
        "quiet-1": ("silent", "stopped"),
        "sick-1": ("running", "fault"),
        "old-1": ("running", "running"),
    }
    assert "version" not in entries[0]["extensions"][0]
    assert entries[3]["extensions"][0]["version"] == "0.9.0"


@pytest.mark.parametrize("fleet", [STATUS_FLEET])
def test_agent_status_after_install(api: httpx.Client, clock: ManualClock) -> None:
    """A host whose INSTALL succeeded runs telescope at the installed version."""
    created = api.post(BATCH_CREATE, json=install_body("bare-1", version="3.1.0"))
    assert created.status_code == 201

    during = query(api, instance_ids=["bare-1"])
    clock.advance(2 * STEP_SECONDS)
    after = query(api, instance_ids=["bare-1"])

    assert during[0]["uniagent_status"] == "none"
    assert after[0]["uniagent_status"] == "running"
    assert after[0]["extensions"] == [
        {"name": "telescope", "status": "running", "version": "3.1.0"}
    ]


@pytest.mark.parametrize("fleet", [STATUS_FLEET])
def test_agent_status_filters(api: httpx.Client) -> None:
    """The optional filters keep only the hosts whose statuses match."""
    hosts = ["bare-1", "quiet-1", "sick-1", "old-1"]

    by_uniagent = query(api, instance_ids=hosts, uniagent_status="running")
    by_extension = query(
        api, instance_ids=hosts, extension_name="telescope", extension_status="fault"
    )

    assert [entry["instance_id"] for entry in by_uniagent] == ["sick-1", "old-1"]
    assert [entry["instance_id"] for entry in by_extension] == ["sick-1"]


def test_agent_status_repeated_host(api: httpx.Client) -> None:
    """A host named twice is reported once."""
    entries = query(api, instance_ids=["h-1", "h-1"])

    assert [entry["instance_id"] for entry in entries] == ["h-1"]


def test_agent_status_2000_hosts(api: httpx.Client) -> None:
    """The query accepts 2,000 hosts and reports each."""
    hosts = [f"host-{index:04d}" for index in range(2000)]

    entries = query(api, instance_ids=hosts)

    assert len(entries) == 2000


@pytest.mark.parametrize(
    ("body", "error_code", "field"),
    [
        pytest.param({}, "taskmgr.0002", "instance_ids", id="ids-missing"),
        pytest.param({"instance_ids": []}, "taskmgr.0005", "instance_ids", id="ids-0"),
        pytest.param(
            {"instance_ids": [f"h-{index}" for index in range(2001)]},
            "taskmgr.0005",
            "instance_ids",
            id="ids-2001",
        ),
        pytest.param({"instance_ids": ["a_b"]}, "taskmgr.0006", "instance_ids[0]", id="id-bad"),
        pytest.param({"instance_ids": "h-1"}, "taskmgr.0003", "instance_ids", id="ids-string"),
        pytest.param(
            {"instance_ids": ["h-1"], "uniagent_status": "stopped"},
            "taskmgr.0004",
            "uniagent_status",
            id="uniagent-status-bad",
        ),
        pytest.param(
            {"instance_ids": ["h-1"], "extension_name": "uniagent"},
            "taskmgr.0004",
            "extension_name",
            id="extension-name-bad",
        ),
        pytest.param(
            {"instance_ids": ["h-1"], "extension_status": "silent"},
            "taskmgr.0004",
            "extension_status",
            id="extension-status-bad",
        ),
        pytest.param(
            {"instance_ids": ["h-1"], "region": "cn-north-4"},
            "taskmgr.0001",
            "region",
            id="unknown-field",
        ),
        pytest.param(["h-1"], "taskmgr.0001", "request body", id="body-array"),
    ],
)
def test_agent_status_rejects_invalid_query(
    api: httpx.Client, body: Any, error_code: str, field: str
) -> None:
    """An invalid query gets 400 with a taskmgr code naming the field."""
    response = api.post(AGENT_STATUS, json=body)

    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == error_code
    assert field in response.json()["error_msg"]
