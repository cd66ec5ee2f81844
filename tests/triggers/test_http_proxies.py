"""HttpApiFunction's read routes (task list, agent status), OpenAPI document and unknown routes."""

from typing import Any

import pytest

from agent_fleet.settings import ENDPOINT_ENV, REQUEST_TIMEOUT_ENV
from agent_fleet_dev.local_cloud import LocalCloud
from tests.triggers.support import (
    AGENT_STATUS_PATH,
    LIST_PATH,
    PUBLISHED_EXAMPLE,
    SetVariable,
    batch_create_event,
    call_http,
    emulator_of,
    http_event,
    load_sample,
)

INJECTED_5XX_CODES = {"ces.0007", "APIGW.0502", "APIGW.0503"}


def _list_event(**query: str) -> dict[str, Any]:
    return http_event("GET", LIST_PATH, query=query)


def _status_event(instance_ids: list[str]) -> dict[str, Any]:
    return http_event("POST", AGENT_STATUS_PATH, body={"instance_ids": instance_ids})


READ_ROUTE_SAMPLES = [
    pytest.param("http-list-invocations.json", id="list"),
    pytest.param("http-agent-status.json", id="agent-status"),
]


# -- task list ----------------------------------------------------------------


def test_list_sample_returns_emulator_tasks(cloud: LocalCloud) -> None:
    """The list sample returns the task the published example created, as the emulator has it."""
    created = call_http(load_sample(PUBLISHED_EXAMPLE))
    invocation_id = created.body["invocations"][0]["invocation_id"]

    reply = call_http(load_sample("http-list-invocations.json"))

    assert reply.status == 200
    assert reply.body["count"] == 1
    (task,) = reply.body["invocations"]
    assert task["invocation_id"] == invocation_id
    assert task["instance_id"] == "instancexxx001"
    assert task["invocation_type"] == "INSTALL"
    assert task["invocation_status"] in {"PENDING", "RUNNING", "SUCCEEDED"}


def test_list_pages_with_offset_and_limit(cloud: LocalCloud) -> None:
    """Offset and limit reach Cloud Eye: two pages of two tasks out of three."""
    for instance_id in ("page-a", "page-b", "page-c"):
        body = {"invocation_type": "INSTALL", "instance_ids": [instance_id]}
        assert call_http(batch_create_event(body)).status == 201

    first = call_http(_list_event(limit="2"))
    second = call_http(_list_event(limit="2", offset="2"))

    assert first.status == 200
    assert second.status == 200
    assert first.body["count"] == 3
    assert len(first.body["invocations"]) == 2
    assert len(second.body["invocations"]) == 1
    seen = {task["instance_id"] for task in first.body["invocations"] + second.body["invocations"]}
    assert seen == {"page-a", "page-b", "page-c"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({"limit": "0"}, "limit", id="limit-0"),
        pytest.param({"limit": "101"}, "limit", id="limit-101"),
        pytest.param({"limit": "abc"}, "limit", id="limit-abc"),
        pytest.param({"limit": ""}, "limit", id="limit-empty"),
        pytest.param({"limit": "1,2"}, "limit", id="limit-repeated"),
        pytest.param({"offset": "-1"}, "offset", id="offset-negative"),
        pytest.param({"instance_type": "VM"}, "instance_type", id="instance-type"),
        pytest.param({"invocation_type": "REINSTALL"}, "invocation_type", id="invocation-type"),
        pytest.param({"instance_id": "a/b"}, "instance_id", id="instance-id"),
        pytest.param({"page": "2"}, "page", id="unknown-parameter"),
    ],
)
def test_list_bad_query_is_400(cloud: LocalCloud, query: dict[str, str], field: str) -> None:
    """A query that breaks a rule gets a 400 naming the parameter before any Cloud Eye call."""
    reply = call_http(_list_event(**query))

    assert reply.status == 400
    assert reply.body["error_code"] == "ces.0011"
    assert reply.body["error_msg"].startswith(f"{field}:")
    assert emulator_of(cloud).counters().requests_total == 0


# -- agent status -------------------------------------------------------------


def test_agent_status_sample_returns_states(cloud: LocalCloud) -> None:
    """The agent status sample returns the state of both hosts from the emulator."""
    reply = call_http(load_sample("http-agent-status.json"))

    assert reply.status == 200
    states = {item["instance_id"]: item for item in reply.body["agent_status"]}
    assert set(states) == {"instancexxx001", "instancexxx002"}
    assert states["instancexxx001"]["uniagent_status"] == "running"
    assert states["instancexxx001"]["extensions"][0]["name"] == "telescope"


def test_agent_status_2000_ids_accepted(cloud: LocalCloud) -> None:
    """Exactly 2,000 ids, the contract's maximum, are accepted."""
    ids = [f"status-{index}" for index in range(2000)]

    reply = call_http(_status_event(ids))

    assert reply.status == 200
    assert len(reply.body["agent_status"]) == 2000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"instance_ids": [f"s-{i}" for i in range(2001)]}, "instance_ids", id="2001"),
        pytest.param({"instance_ids": []}, "instance_ids", id="empty"),
        pytest.param({}, "instance_ids", id="missing"),
        pytest.param({"instance_ids": ["a"], "uniagent_status": "up"}, "uniagent_status", id="uni"),
        pytest.param({"instance_ids": ["a"], "extension_name": "x"}, "extension_name", id="ext"),
        pytest.param({"instance_ids": ["a"], "limit": 1}, "limit", id="unknown-field"),
    ],
)
def test_agent_status_bad_body_is_400(cloud: LocalCloud, body: dict[str, Any], field: str) -> None:
    """A status query that breaks a rule gets a 400 naming the field before any Cloud Eye call."""
    reply = call_http(http_event("POST", AGENT_STATUS_PATH, body=body))

    assert reply.status == 400
    assert field in reply.body["error_msg"]
    assert emulator_of(cloud).counters().requests_total == 0


# -- Cloud Eye failures behind the read routes ---------------------------------


@pytest.mark.parametrize("sample", READ_ROUTE_SAMPLES)
def test_proxy_cloud_eye_5xx_is_503(cloud: LocalCloud, sample: str) -> None:
    """A read route whose Cloud Eye calls all fail with 5xx returns 503 with Cloud Eye's error."""
    emulator_of(cloud).faults.error_rate = 1.0

    reply = call_http(load_sample(sample))

    assert reply.status == 503
    assert reply.body["error_code"] in INJECTED_5XX_CODES
    assert "injected by the emulator" in reply.body["error_msg"]
    assert reply.body["request_id"]


@pytest.mark.parametrize("sample", READ_ROUTE_SAMPLES)
def test_proxy_cloud_eye_throttling_is_503(cloud: LocalCloud, sample: str) -> None:
    """A read route that Cloud Eye keeps throttling returns 503 with APIGW.0308."""
    emulator_of(cloud).faults.update(
        {"throttle_every": 1, "throttle_burst": 100, "retry_after_seconds": 0}
    )

    reply = call_http(load_sample(sample))

    assert reply.status == 503
    assert reply.body["error_code"] == "APIGW.0308"
    assert reply.body["request_id"]


@pytest.mark.parametrize("sample", READ_ROUTE_SAMPLES)
def test_proxy_cloud_eye_timeout_is_504(
    cloud: LocalCloud, setting: SetVariable, sample: str
) -> None:
    """A read route whose Cloud Eye responses time out returns 504."""
    setting(REQUEST_TIMEOUT_ENV, "0.2")
    # IAM requests get the latency too, so the token is fetched before the fault.
    assert call_http(load_sample(sample)).status == 200
    emulator_of(cloud).faults.latency_seconds = 1.0

    reply = call_http(load_sample(sample))

    assert reply.status == 504
    assert reply.body["error_code"] == "agentfleet.0504"
    assert "ReadTimeout" in reply.body["error_msg"]


@pytest.mark.parametrize("sample", READ_ROUTE_SAMPLES)
def test_proxy_other_project_is_502(cloud: LocalCloud, sample: str) -> None:
    """A read route for a project outside the token's scope returns 502 with APIGW.0306."""
    event = load_sample(sample)
    path = event["rawPath"].replace(event["pathParameters"]["project_id"], "other-project")
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"project_id": "other-project"}

    reply = call_http(event)

    assert reply.status == 502
    assert reply.body["error_code"] == "APIGW.0306"
    assert reply.body["request_id"]


@pytest.mark.parametrize("sample", READ_ROUTE_SAMPLES)
def test_proxy_cloud_eye_unreachable_is_502(
    cloud: LocalCloud, setting: SetVariable, closed_port: int, sample: str
) -> None:
    """A read route whose Cloud Eye endpoint refuses connections returns 502."""
    setting(ENDPOINT_ENV, f"http://127.0.0.1:{closed_port}")

    reply = call_http(load_sample(sample))

    assert reply.status == 502
    assert reply.body["error_code"] == "agentfleet.0502"
    assert "could not connect" in reply.body["error_msg"]


# -- OpenAPI and unknown routes -----------------------------------------------


def _schema_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        refs = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        for value in node.values():
            refs.extend(_schema_refs(value))
        return refs
    if isinstance(node, list):
        return [ref for item in node for ref in _schema_refs(item)]
    return []


def test_openapi_document(cloud: LocalCloud) -> None:
    """GET /openapi.json returns an OpenAPI 3.1 document with the three routes."""
    reply = call_http(load_sample("http-openapi.json"))

    assert reply.status == 200
    document = reply.body
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert set(document["paths"]) == {
        "/v3/{project_id}/agent-invocations/batch-create",
        "/v3/{project_id}/agent-invocations",
        "/v3/{project_id}/agent-status/batch-query",
    }
    assert set(document["paths"]["/v3/{project_id}/agent-invocations/batch-create"]) == {"post"}
    assert set(document["paths"]["/v3/{project_id}/agent-invocations"]) == {"get"}
    assert set(document["paths"]["/v3/{project_id}/agent-status/batch-query"]) == {"post"}


def test_openapi_operations_complete(cloud: LocalCloud) -> None:
    """Every operation has an id, a project_id path parameter and success and error responses."""
    document = call_http(load_sample("http-openapi.json")).body

    operation_ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            names = {(p["name"], p["in"]) for p in operation["parameters"]}
            assert ("project_id", "path") in names, f"{method} {path}"
            statuses = set(operation["responses"])
            assert statuses & {"200", "201"}, f"{method} {path}"
            assert {"400", "502", "503", "504"} <= statuses, f"{method} {path}"
    assert len(set(operation_ids)) == 3
    batch_create = document["paths"]["/v3/{project_id}/agent-invocations/batch-create"]["post"]
    assert "413" in batch_create["responses"]


def test_openapi_refs_resolve(cloud: LocalCloud) -> None:
    """Every $ref points at a schema under components.schemas."""
    document = call_http(load_sample("http-openapi.json")).body
    schemas = document["components"]["schemas"]

    refs = _schema_refs(document)

    assert refs
    prefix = "#/components/schemas/"
    for ref in refs:
        assert ref.startswith(prefix)
        assert ref.removeprefix(prefix) in schemas


def test_openapi_hides_password_format(cloud: LocalCloud) -> None:
    """The remote-install password is published as a write-only secret string."""
    schemas = call_http(load_sample("http-openapi.json")).body["components"]["schemas"]

    password = schemas["RemoteInstallHostInfo"]["properties"]["password"]

    assert password["type"] == "string"
    assert password.get("format") == "password"
    assert password.get("writeOnly") is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/nowhere", id="unknown-path"),
        pytest.param("GET", "/", id="root"),
        pytest.param("GET", LIST_PATH + "/batch-create", id="wrong-method"),
        pytest.param("DELETE", LIST_PATH, id="delete"),
        pytest.param("POST", "/v3/agent-invocations/batch-create", id="no-project"),
    ],
)
def test_unknown_route_is_404(cloud: LocalCloud, method: str, path: str) -> None:
    """A route the API does not define returns 404 APIGW.0101 naming the method and path."""
    reply = call_http(http_event(method, path))

    assert reply.status == 404
    assert reply.body["error_code"] == "APIGW.0101"
    assert method in reply.body["error_msg"]
    assert path in reply.body["error_msg"]
