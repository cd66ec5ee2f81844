"""Counters and the admin endpoints that control the emulator from another process."""

import threading

import httpx

from agent_fleet_dev.emulator import CloudEyeEmulator
from tests.emulator.conftest import (
    AGENT_STATUS,
    BATCH_CREATE,
    LIST_INVOCATIONS,
    install_body,
    make_client,
    password_body,
)

BATCH_CREATE_ROUTE = "POST /v3/{project_id}/agent-invocations/batch-create"
LIST_ROUTE = "GET /v3/{project_id}/agent-invocations"
PARALLEL_REQUESTS = 5


def test_counters_count_requests(
    api: httpx.Client, client: httpx.Client, emulator: CloudEyeEmulator
) -> None:
    """Requests are counted in total, per route and per status."""
    api.post(BATCH_CREATE, json=install_body("h-1", "h-2"))
    api.post(BATCH_CREATE, json=install_body("h-1"))
    api.get(LIST_INVOCATIONS)
    client.get(LIST_INVOCATIONS)
    client.post("/v3/auth/tokens", json=password_body())
    client.get("/nowhere")

    counters = emulator.counters()

    assert counters.requests_total == 6
    assert counters.requests_by_route == {
        BATCH_CREATE_ROUTE: 2,
        LIST_ROUTE: 2,
        "POST /v3/auth/tokens": 1,
        "unknown": 1,
    }
    assert counters.requests_by_status == {201: 3, 200: 1, 401: 1, 404: 1}
    assert counters.tasks_per_host == {"h-1": 1, "h-2": 1}
    assert counters.tasks_created == 2
    assert counters.tokens_issued == 1
    assert counters.in_flight == 0


def test_counters_peak_concurrency(emulator: CloudEyeEmulator, token: str) -> None:
    """Slow requests in flight at once raise the peak to their number."""
    emulator.faults.latency_seconds = 0.5
    statuses: list[int] = []

    def list_tasks() -> None:
        with make_client(emulator, headers={"X-Auth-Token": token}) as client:
            statuses.append(client.get(LIST_INVOCATIONS).status_code)

    threads = [threading.Thread(target=list_tasks) for _ in range(PARALLEL_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * PARALLEL_REQUESTS
    assert emulator.counters().peak_concurrent == PARALLEL_REQUESTS


def test_counters_sequential_peak_is_one(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """Requests sent one after another never overlap."""
    for _ in range(5):
        api.post(AGENT_STATUS, json={"instance_ids": ["h-1"]})

    assert emulator.counters().peak_concurrent == 1


def test_counters_reset(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """reset_counters() sets every counter to zero but keeps the tasks."""
    api.post(BATCH_CREATE, json=install_body("h-1"))

    emulator.reset_counters()

    counters = emulator.counters()
    assert counters.requests_total == 0
    assert counters.requests_by_route == {}
    assert counters.tasks_per_host == {}
    assert counters.peak_concurrent == 0
    assert len(emulator.tasks()) == 1


def test_admin_counters_endpoint(
    api: httpx.Client, client: httpx.Client, emulator: CloudEyeEmulator
) -> None:
    """GET /_emulator/counters returns the counters as JSON and is not counted itself."""
    api.post(BATCH_CREATE, json=install_body("h-1"))

    first = client.get("/_emulator/counters")
    second = client.get("/_emulator/counters")

    assert first.status_code == 200
    assert first.json() == second.json()
    body = first.json()
    assert body["requests_total"] == 1
    assert body["requests_by_status"] == {"201": 1}
    assert body["tasks_per_host"] == {"h-1": 1}
    assert body["peak_concurrent"] == 1
    assert first.headers["X-Request-Id"]


def test_admin_faults_endpoint(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """POST /_emulator/faults changes the named faults and returns all of them."""
    response = client.post("/_emulator/faults", json={"error_rate": 1.0, "response_shape": "array"})

    assert response.status_code == 200
    assert response.json()["error_rate"] == 1.0
    assert response.json()["latency_seconds"] == 0
    assert emulator.faults.error_rate == 1.0
    assert emulator.faults.response_shape == "array"
    assert client.get("/_emulator/faults").json() == response.json()


def test_admin_faults_rejects_invalid(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """An invalid faults change gets 400 and changes nothing."""
    responses = [
        client.post("/_emulator/faults", json={"error_rate": 2, "latency_seconds": 1}),
        client.post("/_emulator/faults", json={"chaos": True}),
        client.post("/_emulator/faults", json=[1]),
        client.post("/_emulator/faults", content=b"{"),
    ]

    for response in responses:
        assert response.status_code == 400
        assert response.json()["error_code"] == "emulator.0001"
    assert emulator.faults.latency_seconds == 0
    assert emulator.faults.error_rate == 0


def test_admin_expire_tokens_endpoint(client: httpx.Client, token: str) -> None:
    """POST /_emulator/expire-tokens expires the tokens issued so far."""
    response = client.post("/_emulator/expire-tokens")

    listed = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": token})

    assert response.status_code == 200
    assert listed.status_code == 401
    assert listed.json()["error_code"] == "APIGW.0307"


def test_admin_reset_endpoint(
    api: httpx.Client, client: httpx.Client, emulator: CloudEyeEmulator
) -> None:
    """POST /_emulator/reset forgets tasks and counters and restores the starting faults."""
    api.post(BATCH_CREATE, json=install_body("h-1"))
    emulator.faults.error_rate = 1.0

    response = client.post("/_emulator/reset")

    assert response.status_code == 200
    assert emulator.tasks() == []
    assert emulator.counters().requests_total == 0
    assert emulator.faults.error_rate == 0
    assert api.get(LIST_INVOCATIONS).status_code == 200


def test_admin_tasks_endpoint(api: httpx.Client, client: httpx.Client) -> None:
    """GET /_emulator/tasks lists every task with its project."""
    created = api.post(BATCH_CREATE, json=install_body("h-1")).json()["invocations"][0]

    body = client.get("/_emulator/tasks").json()

    assert body["count"] == 1
    assert body["tasks"][0]["invocation_id"] == created["invocation_id"]
    assert body["tasks"][0]["project_id"]


def test_admin_endpoints_skip_faults(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """Admin endpoints respond normally while every agent API call fails."""
    emulator.faults.update({"error_rate": 1.0, "throttle_every": 1, "throttle_burst": 5})

    response = client.get("/_emulator/counters")

    assert response.status_code == 200
