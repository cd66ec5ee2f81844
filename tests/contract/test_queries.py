"""Task-list and agent-status query rules, each checked on both sides of its boundary."""

from typing import Any

import pytest

from agent_fleet.contract import (
    AgentStatusQuery,
    ExtensionStatus,
    InstanceType,
    InvocationType,
    ListInvocationsQuery,
    UniagentStatus,
)
from tests.contract.builders import rejection, resource_ids

# --- ListInvocationsQuery ---------------------------------------------------------


def test_list_query_defaults_to_first_full_page() -> None:
    """Without arguments the query requests the first 100 tasks and sets no filters."""
    query = ListInvocationsQuery()

    assert query.offset == 0
    assert query.limit == 100
    assert query.to_params() == {"offset": "0", "limit": "100"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("offset", 0, id="offset-0"),
        pytest.param("offset", 1_000_000, id="offset-large"),
        pytest.param("limit", 1, id="limit-1"),
        pytest.param("limit", 100, id="limit-100"),
    ],
)
def test_list_query_accepts_paging_limits(field: str, value: int) -> None:
    """offset takes any value from 0 and limit any value from 1 to 100."""
    query = ListInvocationsQuery.model_validate({field: value})

    assert getattr(query, field) == value
    assert query.to_params()[field] == str(value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("offset", -1, id="offset-negative"),
        pytest.param("limit", 0, id="limit-0"),
        pytest.param("limit", 101, id="limit-101"),
        pytest.param("limit", -5, id="limit-negative"),
        pytest.param("limit", 1.5, id="limit-fraction"),
        pytest.param("offset", "ten", id="offset-word"),
    ],
)
def test_list_query_rejects_paging_out_of_range(field: str, value: Any) -> None:
    """A negative offset, a limit outside 1..100 or a non-integer is rejected at its field."""
    message = rejection(ListInvocationsQuery, {field: value})

    assert message.startswith(f"{field}: ")


def test_list_query_to_params_renders_filters_as_strings() -> None:
    """Every set filter becomes a string parameter; enumerations send their wire value."""
    query = ListInvocationsQuery(
        instance_id="ecs-1",
        instance_type=InstanceType.BMS,
        invocation_id="task-1",
        invocation_type=InvocationType.ROLLBACK,
        invocation_target="telescope",
        offset=200,
        limit=50,
    )

    assert query.to_params() == {
        "instance_id": "ecs-1",
        "instance_type": "BMS",
        "invocation_id": "task-1",
        "invocation_type": "ROLLBACK",
        "invocation_target": "telescope",
        "offset": "200",
        "limit": "50",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("instance_id", "ecs/1", id="instance-id-slash"),
        pytest.param("instance_id", "a" * 65, id="instance-id-65-chars"),
        pytest.param("invocation_id", "", id="invocation-id-empty"),
        pytest.param("invocation_id", "task 1", id="invocation-id-space"),
        pytest.param("instance_type", "ecs", id="instance-type-lower-case"),
        pytest.param("instance_type", "VM", id="instance-type-unknown"),
        pytest.param("invocation_type", "install", id="invocation-type-lower-case"),
        pytest.param("invocation_target", "uniagent", id="target-unknown"),
    ],
)
def test_list_query_rejects_invalid_filter(field: str, value: str) -> None:
    """Filters follow the same id pattern and enumerations as the request bodies."""
    message = rejection(ListInvocationsQuery, {field: value})

    assert message.startswith(f"{field}: ")


def test_list_query_rejects_unknown_parameter() -> None:
    """An unknown parameter is rejected instead of being dropped."""
    message = rejection(ListInvocationsQuery, {"page": 2})

    assert message == "page: Extra inputs are not permitted"


# --- AgentStatusQuery -------------------------------------------------------------


@pytest.mark.parametrize("count", [pytest.param(1, id="1-id"), pytest.param(2000, id="2000-ids")])
def test_status_query_accepts_1_to_2000_ids(count: int) -> None:
    """A status query takes from 1 to 2,000 instance ids."""
    query = AgentStatusQuery.model_validate({"instance_ids": resource_ids(count)})

    assert query.to_body() == {"instance_ids": resource_ids(count)}


@pytest.mark.parametrize("count", [pytest.param(0, id="0-ids"), pytest.param(2001, id="2001-ids")])
def test_status_query_rejects_0_and_2001_ids(count: int) -> None:
    """A status query with no ids or with 2,001 ids is rejected at instance_ids."""
    message = rejection(AgentStatusQuery, {"instance_ids": resource_ids(count)})

    assert message.startswith("instance_ids: ")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="absent"),
        pytest.param({"instance_ids": "ecs-1"}, id="string"),
        pytest.param({"instance_ids": ["ecs-1", "ecs_2"]}, id="bad-id"),
    ],
)
def test_status_query_rejects_bad_instance_ids(body: dict[str, Any]) -> None:
    """instance_ids is required, is a list, and follows the id pattern."""
    message = rejection(AgentStatusQuery, body)

    assert message.startswith("instance_ids")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(
            pytest.param("uniagent_status", member.value, id=f"uniagent-{member.value}")
            for member in UniagentStatus
        ),
        *(
            pytest.param("extension_status", member.value, id=f"extension-{member.value}")
            for member in ExtensionStatus
        ),
        pytest.param("extension_name", "telescope", id="extension-name-telescope"),
    ],
)
def test_status_query_accepts_each_filter_value(field: str, value: str) -> None:
    """Each documented filter value is accepted and sent as given."""
    query = AgentStatusQuery.model_validate({"instance_ids": ["ecs-1"], field: value})

    assert query.to_body() == {"instance_ids": ["ecs-1"], field: value}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("uniagent_status", "RUNNING", id="uniagent-upper-case"),
        pytest.param("uniagent_status", "stopped", id="uniagent-extension-only-value"),
        pytest.param("uniagent_status", "", id="uniagent-empty"),
        pytest.param("extension_status", "silent", id="extension-uniagent-only-value"),
        pytest.param("extension_status", "down", id="extension-unknown"),
        pytest.param("extension_name", "uniagent", id="extension-name-unknown"),
        pytest.param("extension_name", "Telescope", id="extension-name-title-case"),
    ],
)
def test_status_query_rejects_other_filter_values(field: str, value: str) -> None:
    """Filter values outside each documented enumeration are rejected at their field."""
    message = rejection(AgentStatusQuery, {"instance_ids": ["ecs-1"], field: value})

    assert message.startswith(f"{field}: ")


def test_status_query_rejects_unknown_field() -> None:
    """An unknown body field is rejected instead of being dropped."""
    message = rejection(AgentStatusQuery, {"instance_ids": ["ecs-1"], "status": "running"})

    assert message == "status: Extra inputs are not permitted"
