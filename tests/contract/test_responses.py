"""Response models accept every shape Cloud Eye may plausibly send and keep what they understand."""

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from agent_fleet.contract import (
    AgentStatusResponse,
    BatchCreateInvocationInfo,
    BatchCreateInvocationResponse,
    ErrorBody,
    ListInvocationsResponse,
)

PUBLISHED_ITEMS = [
    {"instance_id": "instancexxx001", "ret_status": "successful"},
    {
        "instance_id": "instancexxx002",
        "ret_status": "error",
        "error_msg": "do not meet the installation conditions",
    },
]
"""The items of the 201 example in Cloud Eye's batch-create reference."""

EXPECTED_ITEMS = [
    BatchCreateInvocationInfo(instance_id="instancexxx001", ret_status="successful"),
    BatchCreateInvocationInfo(
        instance_id="instancexxx002",
        ret_status="error",
        error_msg="do not meet the installation conditions",
    ),
]


# --- batch-create 201 -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"invocations": PUBLISHED_ITEMS}, id="object"),
        pytest.param(PUBLISHED_ITEMS, id="bare-array"),
    ],
)
def test_batch_create_response_accepts_both_shapes(body: Any) -> None:
    """The 201 parses the same from the documented object and from the example's bare array."""
    response = BatchCreateInvocationResponse.model_validate_json(json.dumps(body))

    assert response.invocations == EXPECTED_ITEMS


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{}", id="empty-object"),
        pytest.param('{"invocations": []}', id="empty-list-in-object"),
        pytest.param("[]", id="empty-bare-array"),
    ],
)
def test_batch_create_response_accepts_empty_body(text: str) -> None:
    """An empty 201 parses to no items instead of failing."""
    response = BatchCreateInvocationResponse.model_validate_json(text)

    assert response.invocations == []


def test_batch_create_response_keeps_full_item() -> None:
    """Every documented item field is kept."""
    item = {
        "instance_id": "ecs-1",
        "invocation_id": "task-1",
        "ret_status": "error",
        "error_code": "invocationmgr.0001",
        "error_msg": "do not meet the installation conditions",
    }

    response = BatchCreateInvocationResponse.model_validate({"invocations": [item]})

    assert response.invocations[0].model_dump() == item


def test_batch_create_response_accepts_items_missing_fields() -> None:
    """Items with fields missing, or with none at all, parse with those fields unset."""
    body = [{}, {"invocation_id": "task-2"}, {"instance_id": "ecs-3", "ret_status": None}]

    response = BatchCreateInvocationResponse.model_validate(body)

    assert response.invocations == [
        BatchCreateInvocationInfo(),
        BatchCreateInvocationInfo(invocation_id="task-2"),
        BatchCreateInvocationInfo(instance_id="ecs-3"),
    ]


def test_batch_create_response_ignores_unknown_fields() -> None:
    """Unknown fields at the top level and in items are dropped, not rejected."""
    body = {
        "invocations": [{**PUBLISHED_ITEMS[0], "host_name": "web-01", "detail": {"a": 1}}],
        "request_id": "req-1",
        "count": 1,
    }

    response = BatchCreateInvocationResponse.model_validate(body)

    assert response.invocations == EXPECTED_ITEMS[:1]
    assert "host_name" not in response.invocations[0].model_dump()


def test_batch_create_response_keeps_unknown_ret_status() -> None:
    """A ret_status outside successful/error is kept for the caller to judge, not rejected."""
    response = BatchCreateInvocationResponse.model_validate([{"ret_status": "partial"}])

    assert response.invocations[0].ret_status == "partial"


def test_batch_create_response_error_body_has_no_items() -> None:
    """An error body read as a 201 yields no items, so no host is taken as accepted."""
    body = {"error_code": "taskmgr.0001", "error_msg": "invalid request"}

    response = BatchCreateInvocationResponse.model_validate(body)

    assert response.invocations == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('"created"', id="string"),
        pytest.param("201", id="number"),
        pytest.param("null", id="null"),
        pytest.param('{"invocations": {"instance_id": "ecs-1"}}', id="invocations-object"),
        pytest.param('["ecs-1"]', id="array-of-strings"),
    ],
)
def test_batch_create_response_rejects_unusable_body(text: str) -> None:
    """A body with no readable items raises ValidationError instead of passing as empty."""
    with pytest.raises(ValidationError):
        BatchCreateInvocationResponse.model_validate_json(text)


# --- error bodies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"error_code": "taskmgr.0001", "error_msg": "invalid parameter"},
            ErrorBody(error_code="taskmgr.0001", error_msg="invalid parameter"),
            id="cloud-eye",
        ),
        pytest.param(
            {"error_code": "APIGW.0308", "error_msg": "throttled", "request_id": "r-1"},
            ErrorBody(error_code="APIGW.0308", error_msg="throttled", request_id="r-1"),
            id="api-gateway",
        ),
        pytest.param(
            {"error_code": "ces.0014", "error_msg": "bad body", "encoded_authorization": "x"},
            ErrorBody(error_code="ces.0014", error_msg="bad body"),
            id="unknown-field",
        ),
        pytest.param({}, ErrorBody(), id="empty"),
    ],
)
def test_error_body_parses_known_shapes(body: dict[str, Any], expected: ErrorBody) -> None:
    """Cloud Eye and API gateway error bodies parse; unknown fields are dropped."""
    assert ErrorBody.model_validate(body) == expected


# --- task list and agent status ---------------------------------------------------


def test_list_response_keeps_documented_fields() -> None:
    """A task-list page keeps every documented field and the total count."""
    item = {
        "invocation_id": "task-1",
        "instance_id": "ecs-1",
        "instance_name": "web-01",
        "instance_type": "ECS",
        "intranet_ips": ["192.168.0.10"],
        "elastic_ips": [],
        "invocation_type": "INSTALL",
        "invocation_status": "SUCCEEDED",
        "invocation_target": "telescope",
        "create_time": 1_700_000_000_000,
        "update_time": 1_700_000_060_000,
        "current_version": "3.2.0",
        "target_version": "3.2.1",
        "result_msg": "installed",
    }

    response = ListInvocationsResponse.model_validate({"invocations": [item], "count": 41})

    assert response.count == 41
    assert response.invocations[0].model_dump() == item


@pytest.mark.parametrize(
    ("body", "count", "items"),
    [
        pytest.param({}, None, 0, id="empty-object"),
        pytest.param({"count": 0, "invocations": []}, 0, 0, id="empty-page"),
        pytest.param({"invocations": [{}], "extra": True}, None, 1, id="bare-item-extra-field"),
    ],
)
def test_list_response_tolerates_sparse_bodies(
    body: dict[str, Any], count: int | None, items: int
) -> None:
    """Missing fields, empty items and unknown fields parse without error."""
    response = ListInvocationsResponse.model_validate(body)

    assert response.count == count
    assert len(response.invocations) == items


def test_agent_status_response_keeps_extensions() -> None:
    """Status items keep their extensions, including extension fields not yet documented."""
    body = {
        "agent_status": [
            {
                "instance_id": "ecs-1",
                "uniagent_status": "running",
                "extensions": [{"name": "telescope", "status": "fault", "pid": 42}],
                "extra": "dropped",
            },
            {"instance_id": "ecs-2"},
        ]
    }

    response = AgentStatusResponse.model_validate(body)

    first, second = response.agent_status
    assert first.uniagent_status == "running"
    assert first.extensions[0].name == "telescope"
    assert first.extensions[0].status == "fault"
    assert first.extensions[0].model_dump()["pid"] == 42
    assert second.extensions == []


def test_agent_status_response_accepts_empty_object() -> None:
    """An empty status body parses to no items."""
    assert AgentStatusResponse.model_validate({}).agent_status == []


@pytest.mark.parametrize(
    ("model", "body"),
    [
        pytest.param(BatchCreateInvocationResponse, {"invocations": None}, id="batch-create"),
        pytest.param(ListInvocationsResponse, {"count": 0, "invocations": None}, id="task-list"),
        pytest.param(AgentStatusResponse, {"agent_status": None}, id="agent-status"),
        pytest.param(
            AgentStatusResponse,
            {"agent_status": [{"instance_id": "ecs-1", "extensions": None}]},
            id="agent-extensions",
        ),
    ],
)
def test_response_null_list_means_empty(model: type[BaseModel], body: dict[str, Any]) -> None:
    """A list field sent as JSON null parses like an absent one, as an empty list."""
    response = model.model_validate(body)

    assert response == model.model_validate(_without_nulls(body))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
