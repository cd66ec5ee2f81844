"""Tokens: the gateway's checks on X-Auth-Token and the IAM password exchange."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from agent_fleet_dev.emulator import CloudEyeEmulator, ManualClock
from tests.emulator.conftest import (
    BATCH_CREATE,
    DOMAIN,
    LIST_INVOCATIONS,
    OTHER_PROJECT_ID,
    PASSWORD,
    PROJECT_ID,
    STATIC_TOKEN,
    USER,
    install_body,
    make_client,
    make_config,
    password_body,
)

IAM_TOKENS = "/v3/auth/tokens"


def gateway_error(response: httpx.Response, status: int, error_code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == error_code
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def parse_time(text: str) -> datetime:
    assert text.endswith("Z")
    return datetime.fromisoformat(text)


def test_token_missing(client: httpx.Client) -> None:
    """A request without X-Auth-Token gets 401 APIGW.0301."""
    response = client.get(LIST_INVOCATIONS)

    gateway_error(response, 401, "APIGW.0301")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-token-the-emulator-issued", id="unknown"),
        pytest.param("x" * 16_385, id="16385-chars"),
    ],
)
def test_token_unknown(client: httpx.Client, token: str) -> None:
    """An unknown or oversized token gets 401 APIGW.0301, and the body omits it."""
    response = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": token})

    gateway_error(response, 401, "APIGW.0301")
    assert token not in response.text


def test_token_expired_by_emulator(
    client: httpx.Client, emulator: CloudEyeEmulator, token: str
) -> None:
    """After expire_tokens() an issued token gets 401 APIGW.0307, and a new one works."""
    emulator.expire_tokens()

    expired = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": token})
    fresh = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": emulator.issue_token(PROJECT_ID)})

    body = gateway_error(expired, 401, "APIGW.0307")
    assert body["error_msg"] == "The token must be updated."
    assert fresh.status_code == 200


def test_token_expired_by_lifetime(client: httpx.Client, clock: ManualClock, token: str) -> None:
    """A token is accepted until its lifetime ends and gets 401 APIGW.0307 after."""
    clock.advance(86_400 - 1)
    before = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": token})
    clock.advance(1)
    after = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": token})

    assert before.status_code == 200
    gateway_error(after, 401, "APIGW.0307")


def test_token_of_other_project(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """A token scoped to another project gets 403 APIGW.0306."""
    other = emulator.issue_token(OTHER_PROJECT_ID)

    response = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": other})

    gateway_error(response, 403, "APIGW.0306")


def test_token_static_any_project(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """A static token works for any project until the token-expiry fault or reset."""
    headers = {"X-Auth-Token": STATIC_TOKEN}

    mine = client.get(LIST_INVOCATIONS, headers=headers)
    other = client.get(f"/v3/{OTHER_PROJECT_ID}/agent-invocations", headers=headers)
    emulator.expire_tokens()
    expired = client.get(LIST_INVOCATIONS, headers=headers)
    emulator.reset()
    restored = client.get(LIST_INVOCATIONS, headers=headers)

    assert mine.status_code == 200
    assert other.status_code == 200
    gateway_error(expired, 401, "APIGW.0307")
    assert restored.status_code == 200


def test_token_project_not_accepted() -> None:
    """With a project list, other projects get 403 APIGW.0306, even with a static token."""
    config = make_config(projects={PROJECT_ID})
    with CloudEyeEmulator(config) as emulator, make_client(emulator) as client:
        headers = {"X-Auth-Token": STATIC_TOKEN}

        listed = client.get(LIST_INVOCATIONS, headers=headers)
        unlisted = client.get(f"/v3/{OTHER_PROJECT_ID}/agent-invocations", headers=headers)

    assert listed.status_code == 200
    gateway_error(unlisted, 403, "APIGW.0306")


def test_iam_exchange_issues_token(client: httpx.Client, clock: ManualClock) -> None:
    """A valid password body gets 201, an X-Subject-Token header and a 24-hour lifetime."""
    response = client.post(IAM_TOKENS, params={"nocatalog": "true"}, json=password_body())

    assert response.status_code == 201, response.text
    token = response.headers["X-Subject-Token"]
    body = response.json()["token"]
    issued_at = parse_time(body["issued_at"])
    expires_at = parse_time(body["expires_at"])
    assert issued_at == datetime.fromtimestamp(clock(), UTC)
    assert expires_at - issued_at == timedelta(hours=24)
    assert body["project"]["id"] == PROJECT_ID
    assert body["methods"] == ["password"]
    assert body["user"] == {"name": USER, "domain": {"name": DOMAIN}}
    assert "catalog" not in body
    assert token not in response.text
    assert PASSWORD not in response.text

    listed = client.get(LIST_INVOCATIONS, headers={"X-Auth-Token": token})
    assert listed.status_code == 200


def test_iam_exchange_catalog(client: httpx.Client) -> None:
    """Without nocatalog=true the token body carries a catalog."""
    response = client.post(IAM_TOKENS, json=password_body())

    assert response.status_code == 201
    assert response.json()["token"]["catalog"] == []


def test_iam_exchange_tokens_differ(client: httpx.Client, emulator: CloudEyeEmulator) -> None:
    """Each exchange issues a new token, and the older one stays valid."""
    first = client.post(IAM_TOKENS, json=password_body()).headers["X-Subject-Token"]
    second = client.post(IAM_TOKENS, json=password_body()).headers["X-Subject-Token"]

    response = client.post(BATCH_CREATE, json=install_body("h-1"), headers={"X-Auth-Token": first})

    assert first != second
    assert response.status_code == 201
    assert emulator.counters().tokens_issued == 2


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(password_body(password="wrong password"), id="wrong-password"),
        pytest.param(password_body(user="someone-else"), id="unknown-user"),
        pytest.param(password_body(project_id=OTHER_PROJECT_ID), id="other-project"),
    ],
)
def test_iam_exchange_rejects_credentials(client: httpx.Client, body: dict[str, Any]) -> None:
    """Wrong credentials get 401 with an IAM error body that repeats no password."""
    response = client.post(IAM_TOKENS, json=body)

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401
    assert error["title"] == "Unauthorized"
    assert "X-Subject-Token" not in response.headers
    assert "wrong password" not in response.text
    assert PASSWORD not in response.text


def without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


def with_value(body: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param([], "auth", id="body-array"),
        pytest.param(without(password_body(), "auth", "scope"), "auth.scope", id="no-scope"),
        pytest.param(
            with_value(password_body(), ["token"], "auth", "identity", "methods"),
            "methods",
            id="token-method",
        ),
        pytest.param(
            with_value(password_body(), ["password", "totp"], "auth", "identity", "methods"),
            "methods",
            id="two-methods",
        ),
        pytest.param(
            without(password_body(), "auth", "identity", "password", "user", "domain"),
            "auth.identity.password.user.domain",
            id="no-domain",
        ),
        pytest.param(
            with_value(password_body(), 42, "auth", "identity", "password", "user", "password"),
            "auth.identity.password.user.password",
            id="password-number",
        ),
        pytest.param(
            with_value(password_body(), {"name": "cn-north-4"}, "auth", "scope", "project"),
            "auth.scope.project.id",
            id="project-by-name",
        ),
        pytest.param(
            with_value(password_body(), "bad_id", "auth", "scope", "project", "id"),
            "auth.scope.project.id",
            id="project-id-underscore",
        ),
    ],
)
def test_iam_exchange_rejects_malformed_body(client: httpx.Client, body: Any, field: str) -> None:
    """A body that is not a password-and-project request gets 400 naming the field."""
    response = client.post(IAM_TOKENS, json=body)

    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["message"]
    assert PASSWORD not in response.text


def test_iam_exchange_rejects_invalid_json(client: httpx.Client) -> None:
    """A body that is not JSON gets 400."""
    response = client.post(
        IAM_TOKENS, content=b"{auth", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400
