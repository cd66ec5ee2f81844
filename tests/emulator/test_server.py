"""The HTTP layer: keep-alive speed, unknown routes, malformed requests, start and stop."""

import http.client
import json
import logging
import socket
import threading
import time

import httpx
import pytest

from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig
from tests.emulator.conftest import (
    LIST_INVOCATIONS,
    PASSWORD,
    PROJECT_ID,
    STATIC_TOKEN,
    install_body,
    make_client,
    password_body,
)

KEEP_ALIVE_REQUESTS = 20
# Nagle's algorithm meeting delayed ACKs stalls about 40 ms per response; the
# bound sits well below that and far above a healthy loopback round trip.
MAX_AVERAGE_SECONDS = 0.020


def raw_exchange(emulator: CloudEyeEmulator, data: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65_536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_server_keep_alive_is_fast(emulator: CloudEyeEmulator) -> None:
    """Sequential requests on one keep-alive connection average well under 40 ms."""
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    headers = {"X-Auth-Token": STATIC_TOKEN, "Content-Type": "application/json"}
    body = json.dumps({"instance_ids": ["h-1", "h-2"]})
    connection.request("POST", f"/v3/{PROJECT_ID}/agent-status/batch-query", body, headers)
    connection.getresponse().read()
    first_socket = connection.sock

    started = time.perf_counter()
    for _ in range(KEEP_ALIVE_REQUESTS):
        connection.request("POST", f"/v3/{PROJECT_ID}/agent-status/batch-query", body, headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    average = (time.perf_counter() - started) / KEEP_ALIVE_REQUESTS
    connection.close()

    assert connection.sock is None or connection.sock is first_socket
    assert average < MAX_AVERAGE_SECONDS


def test_server_reuses_one_connection(emulator: CloudEyeEmulator) -> None:
    """HTTP/1.1 responses keep the connection open for the next request."""
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)

    connection.request("GET", LIST_INVOCATIONS, headers={"X-Auth-Token": STATIC_TOKEN})
    first = connection.getresponse()
    first.read()
    first_socket = connection.sock
    connection.request("GET", LIST_INVOCATIONS, headers={"X-Auth-Token": STATIC_TOKEN})
    second = connection.getresponse()
    second.read()

    assert first.getheader("Connection") == "keep-alive"
    assert connection.sock is first_socket
    assert second.status == 200
    connection.close()


def test_server_unknown_route(client: httpx.Client) -> None:
    """An unknown path gets 404 APIGW.0101 with a JSON body and request id."""
    response = client.get("/v3/agent-invocations")

    assert response.status_code == 404
    body = response.json()
    assert body["error_code"] == "APIGW.0101"
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_server_wrong_method(client: httpx.Client) -> None:
    """A known path with another method gets 404 naming the accepted method."""
    response = client.delete(f"/v3/{PROJECT_ID}/agent-invocations/batch-create")

    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"
    assert "accepts POST" in response.json()["error_msg"]


def test_server_unsupported_method(emulator: CloudEyeEmulator) -> None:
    """A method that http.server does not dispatch gets a JSON 404."""
    raw_response = raw_exchange(emulator, b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n")

    head, _, body = raw_response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404")
    assert json.loads(body)["error_code"] == "APIGW.0101"


def test_server_malformed_request_line(emulator: CloudEyeEmulator) -> None:
    """A request line that is not HTTP gets a JSON 400, and the connection closes."""
    raw_response = raw_exchange(emulator, b"HELLO\r\n\r\n")

    head, _, body = raw_response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"Connection: close" in head
    assert json.loads(body)["error_code"] == "APIGW.0201"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param(b"Transfer-Encoding: chunked\r\n", b"400", id="chunked"),
        pytest.param(b"Content-Length: ten\r\n", b"400", id="length-word"),
        pytest.param(b"Content-Length: 99999999999\r\n", b"413", id="length-too-large"),
    ],
)
def test_server_rejects_unusable_body(
    emulator: CloudEyeEmulator, headers: bytes, status: bytes
) -> None:
    """A body the server cannot frame is rejected and the connection closed."""
    request = (
        f"POST /v3/{PROJECT_ID}/agent-invocations/batch-create HTTP/1.1\r\n".encode()
        + b"Host: x\r\n"
        + headers
        + b"\r\n"
    )

    raw_response = raw_exchange(emulator, request)

    assert raw_response.startswith(b"HTTP/1.1 " + status)
    assert b"Connection: close" in raw_response


def test_server_rejects_non_loopback_host() -> None:
    """The emulator refuses to listen on an address other machines can reach."""
    for host in ("0.0.0.0", "10.1.2.3", "example.com"):  # noqa: S104 - rejected, never bound
        with pytest.raises(ValueError, match="loopback"):
            CloudEyeEmulator(host=host)


def test_server_localhost_binds_loopback() -> None:
    """The host name localhost binds 127.0.0.1."""
    with CloudEyeEmulator(host="localhost") as emulator:
        assert emulator.url == f"http://127.0.0.1:{emulator.port}"


def test_server_lifecycle_errors() -> None:
    """The port is unknown before start, and a stopped emulator cannot start again."""
    emulator = CloudEyeEmulator()

    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.port
    emulator.start()
    emulator.stop()
    emulator.stop()

    with pytest.raises(RuntimeError, match="already started"):
        emulator.start()


def test_server_stop_closes_idle_connections(emulator: CloudEyeEmulator) -> None:
    """stop() closes keep-alive connections, so their threads end."""
    connection = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
    connection.sendall(b"GET /_emulator/counters HTTP/1.1\r\nHost: x\r\n\r\n")
    assert connection.recv(65_536).startswith(b"HTTP/1.1 200")

    emulator.stop()

    assert connection.recv(65_536) == b""
    connection.close()
    assert not [t for t in threading.enumerate() if t.name == "cloud-eye-emulator-connection"]


def test_server_stop_cuts_latency_short(emulator: CloudEyeEmulator) -> None:
    """A request sleeping in injected latency gets its response when the emulator stops."""
    emulator.faults.latency_seconds = 600
    statuses: list[int] = []

    def list_tasks() -> None:
        with make_client(emulator, headers={"X-Auth-Token": STATIC_TOKEN}) as client:
            statuses.append(client.get(LIST_INVOCATIONS).status_code)

    thread = threading.Thread(target=list_tasks)
    thread.start()
    while emulator.counters().in_flight == 0:
        time.sleep(0.01)

    emulator.stop()
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert statuses == [200]


def test_server_logs_no_secrets(
    client: httpx.Client, caplog: pytest.LogCaptureFixture, emulator: CloudEyeEmulator
) -> None:
    """Debug logs of token exchanges and agent calls contain neither passwords nor tokens."""
    caplog.set_level(logging.DEBUG, logger="agent_fleet_dev.emulator")

    exchange = client.post("/v3/auth/tokens", json=password_body())
    token = exchange.headers["X-Subject-Token"]
    client.post(
        f"/v3/{PROJECT_ID}/agent-invocations/batch-create",
        json=install_body("h-1"),
        headers={"X-Auth-Token": token},
    )
    client.post("/v3/auth/tokens", json=password_body(password="wrong-" + PASSWORD))

    assert caplog.records
    assert token not in caplog.text
    assert PASSWORD not in caplog.text


def test_server_repr_hides_secrets() -> None:
    """The configuration's repr masks IAM passwords and static tokens."""
    config = EmulatorConfig.model_validate(
        {
            "users": [{"domain": "d", "name": "n", "password": PASSWORD, "project_id": PROJECT_ID}],
            "static_tokens": [STATIC_TOKEN],
        }
    )

    assert PASSWORD not in repr(config)
    assert STATIC_TOKEN not in repr(config)
