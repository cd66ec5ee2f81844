"""Injected faults: latency, 5xx, throttling, dropped connections and token expiry."""

import time

import httpx
import pytest
from pydantic import ValidationError

from agent_fleet_dev.emulator import CloudEyeEmulator, Faults
from tests.emulator.conftest import (
    AGENT_STATUS,
    BATCH_CREATE,
    LIST_INVOCATIONS,
    PROJECT_ID,
    install_body,
    make_client,
    make_config,
    password_body,
)

LATENCY_SECONDS = 0.3


def test_faults_latency_delays_agent_api(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """With latency set, an agent API response takes at least that long."""
    emulator.faults.latency_seconds = LATENCY_SECONDS

    started = time.perf_counter()
    response = api.get(LIST_INVOCATIONS)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert elapsed >= LATENCY_SECONDS * 0.9


def test_faults_latency_delays_iam(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """With latency set, an IAM token response takes at least that long."""
    emulator.faults.latency_seconds = LATENCY_SECONDS

    started = time.perf_counter()
    response = client.post("/v3/auth/tokens", json=password_body())
    elapsed = time.perf_counter() - started

    assert response.status_code == 201
    assert elapsed >= LATENCY_SECONDS * 0.9


def test_faults_error_rate_creates_nothing(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """With error_rate 1.0 every agent API response is a 5xx and no task is created."""
    emulator.faults.error_rate = 1.0

    responses = [
        api.post(BATCH_CREATE, json=install_body("h-1", "h-2")),
        api.get(LIST_INVOCATIONS),
        api.post(AGENT_STATUS, json={"instance_ids": ["h-1"]}),
    ]

    for response in responses:
        assert response.status_code in {500, 502, 503}
        body = response.json()
        assert body["error_code"]
        assert body["error_msg"]
    assert emulator.tasks() == []
    assert emulator.counters().injected_errors == 3


def test_faults_error_rate_zero(api: httpx.Client) -> None:
    """With error_rate 0 no response is a 5xx."""
    statuses = {api.get(LIST_INVOCATIONS).status_code for _ in range(20)}

    assert statuses == {200}


def statuses_with_seed(seed: int) -> list[int]:
    faults = Faults(error_rate=0.5, seed=seed)
    with CloudEyeEmulator(make_config(faults=faults)) as emulator:
        token = emulator.issue_token(PROJECT_ID)
        with make_client(emulator, headers={"X-Auth-Token": token}) as client:
            return [client.get(LIST_INVOCATIONS).status_code for _ in range(30)]


def test_faults_seed_reproduces_errors() -> None:
    """Two emulators with the same seed inject the same errors in the same order."""
    first = statuses_with_seed(7)
    second = statuses_with_seed(7)

    assert first == second
    assert 200 in first
    assert set(first) - {200}


def test_faults_throttle_bursts(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """Every third request starts a burst of two 429 APIGW.0308 responses with Retry-After."""
    emulator.faults.update({"throttle_every": 3, "throttle_burst": 2, "retry_after_seconds": 0.25})

    responses = [api.get(LIST_INVOCATIONS) for _ in range(8)]

    statuses = [response.status_code for response in responses]
    assert statuses == [200, 200, 429, 429, 200, 429, 429, 200]
    throttled = responses[2]
    assert throttled.headers["Retry-After"] == "0.25"
    assert throttled.json()["error_code"] == "APIGW.0308"
    assert emulator.counters().throttled == 4


def test_faults_throttle_whole_seconds(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """A whole-second Retry-After is sent as an integer."""
    emulator.faults.update({"throttle_every": 1, "throttle_burst": 1})

    response = api.post(BATCH_CREATE, json=install_body("h-1"))

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert emulator.tasks() == []


def test_faults_drop_creates_tasks(emulator: CloudEyeEmulator, token: str) -> None:
    """A dropped batch-create creates its tasks, then closes the connection without a response."""
    emulator.faults.drop_rate = 1.0

    with make_client(emulator, headers={"X-Auth-Token": token}) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(BATCH_CREATE, json=install_body("h-1", "h-2"))
        listed = client.get(LIST_INVOCATIONS)

    assert [task.instance_id for task in emulator.tasks()] == ["h-1", "h-2"]
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    counters = emulator.counters()
    assert counters.dropped == 1
    assert counters.tasks_per_host == {"h-1": 1, "h-2": 1}


def test_faults_drop_spares_invalid_requests(api: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """The drop fault only closes connections after a successful batch-create."""
    emulator.faults.drop_rate = 1.0

    invalid = api.post(BATCH_CREATE, json={"invocation_type": "INSTALL"})

    assert invalid.status_code == 400
    assert emulator.counters().dropped == 0


def test_faults_expire_tokens_after_requests(
    client: httpx.Client, emulator: CloudEyeEmulator, token: str
) -> None:
    """After N agent API requests the tokens issued so far expire, and later ones work."""
    emulator.faults.expire_tokens_after_requests = 2
    headers = {"X-Auth-Token": token}

    first = client.get(LIST_INVOCATIONS, headers=headers)
    second = client.get(LIST_INVOCATIONS, headers=headers)
    third = client.get(LIST_INVOCATIONS, headers=headers)
    renewed = client.post("/v3/auth/tokens", json=password_body()).headers["X-Subject-Token"]
    fourth = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": renewed})
    fifth = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": renewed})

    assert [first.status_code, second.status_code] == [200, 200]
    assert third.status_code == 401
    assert third.json()["error_code"] == "APIGW.0307"
    assert [fourth.status_code, fifth.status_code] == [200, 200]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("error_rate", 1.5, id="error-rate-above-1"),
        pytest.param("drop_rate", -0.1, id="drop-rate-negative"),
        pytest.param("latency_seconds", -1, id="latency-negative"),
        pytest.param("throttle_every", -1, id="throttle-every-negative"),
        pytest.param("response_shape", "list", id="shape-unknown"),
    ],
)
def test_faults_reject_invalid_value(field: str, value: object) -> None:
    """An invalid fault value raises ValidationError and leaves the old value."""
    faults = Faults()

    with pytest.raises(ValidationError):
        setattr(faults, field, value)

    assert getattr(faults, field) == Faults.model_fields[field].default


def test_faults_update_is_all_or_nothing() -> None:
    """An update with one invalid value changes nothing."""
    faults = Faults()

    with pytest.raises(ValidationError):
        faults.update({"latency_seconds": 0.5, "error_rate": 2})

    assert faults.latency_seconds == 0


def test_faults_deep_copy() -> None:
    """A deep copy of a configuration copies the fault settings, not the live object."""
    faults = Faults(error_rate=0.5, seed=3)

    copied = make_config(faults=faults).model_copy(deep=True).faults

    assert copied is not faults
    assert copied.settings() == faults.settings()
