"""parse_credentials_secret: the two secret formats and the errors for anything else."""

from datetime import UTC, datetime

import pytest

from agent_fleet.credentials import (
    PasswordSecret,
    SecretFormatError,
    TokenSecret,
    parse_credentials_secret,
    validate_iam_endpoint,
)

PASSWORD_SECRET = (
    '{"domain": "acme", "user": "fleet-bot", "password": "pw", "project_id": "0a1b2c3d4e5f",'
    ' "iam_endpoint": "https://iam.eu-west-101.myhuaweicloud.com/"}'
)


def test_format_token_secret_parses() -> None:
    """A token secret yields TokenSecret with its expiry as an aware datetime."""
    secret = parse_credentials_secret(
        '{"token": "abc", "expires_at": "2030-01-02T03:04:05.000000Z"}', secret_id="s"
    )

    assert isinstance(secret, TokenSecret)
    assert secret.token.get_secret_value() == "abc"
    assert secret.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_format_token_without_offset_is_utc() -> None:
    """An expiry without a UTC offset is read as UTC."""
    secret = parse_credentials_secret(
        '{"token": "abc", "expires_at": "2030-01-02T03:04:05"}', secret_id="s"
    )

    assert isinstance(secret, TokenSecret)
    assert secret.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_format_password_secret_parses() -> None:
    """A password secret yields PasswordSecret with the endpoint's trailing slash removed."""
    secret = parse_credentials_secret(PASSWORD_SECRET, secret_id="s")

    assert isinstance(secret, PasswordSecret)
    assert secret.domain == "acme"
    assert secret.user == "fleet-bot"
    assert secret.password.get_secret_value() == "pw"
    assert secret.project_id == "0a1b2c3d4e5f"
    assert secret.iam_endpoint == "https://iam.eu-west-101.myhuaweicloud.com"


@pytest.mark.parametrize(
    ("secret_string", "expected_parts"),
    [
        pytest.param("token=abc", ["not valid JSON", "line 1 column 1"], id="not-json"),
        pytest.param('["abc"]', ["expected a JSON object, got a JSON array"], id="array"),
        pytest.param('"abc"', ["got a JSON string"], id="string"),
        pytest.param('{"api_key": "abc"}', ["neither a 'token' field"], id="unknown-format"),
        pytest.param(
            '{"token": "abc", "password": "pw"}', ["both a 'token' field"], id="both-formats"
        ),
        pytest.param('{"token": "  "}', ["token: must not be empty"], id="blank-token"),
        pytest.param(
            '{"token": "abc", "expires_at": "tomorrow"}',
            ["expires_at: Input should be"],
            id="bad-expiry",
        ),
        pytest.param(
            '{"token": "abc", "expiry": "2030-01-01T00:00:00Z"}',
            ["expiry: Extra inputs are not permitted"],
            id="misspelt-field",
        ),
        pytest.param(
            '{"domain": "acme", "user": "bot", "password": "pw"}',
            ["project_id: Field required"],
            id="no-project",
        ),
        pytest.param(
            '{"domain": "acme", "user": "bot", "password": "pw", "project_id": "has space"}',
            ["project_id: String should match pattern"],
            id="bad-project",
        ),
        pytest.param(
            '{"domain": "acme", "user": "bot", "password": "", "project_id": "p1"}',
            ["password: must not be empty"],
            id="empty-password",
        ),
        pytest.param(
            '{"domain": "acme", "user": "bot", "password": "pw", "project_id": "p1",'
            ' "iam_endpoint": "http://iam.example.com"}',
            ["iam_endpoint: must use https"],
            id="plain-http-endpoint",
        ),
    ],
)
def test_format_invalid_secret_raises(secret_string: str, expected_parts: list[str]) -> None:
    """Each invalid secret raises SecretFormatError naming the secret, the field and the rule."""
    with pytest.raises(SecretFormatError) as caught:
        parse_credentials_secret(secret_string, secret_id="fleet/cloud-eye")

    message = str(caught.value)
    assert caught.value.secret_id == "fleet/cloud-eye"
    assert "'fleet/cloud-eye'" in message
    for part in expected_parts:
        assert part in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("https://iam.myhuaweicloud.com", "https://iam.myhuaweicloud.com", id="https"),
        pytest.param("http://127.0.0.1:8080/", "http://127.0.0.1:8080", id="loopback-http"),
        pytest.param("http://localhost:8080", "http://localhost:8080", id="localhost-http"),
        pytest.param("http://[::1]:8080", "http://[::1]:8080", id="ipv6-loopback-http"),
    ],
)
def test_format_iam_endpoint_accepted(value: str, expected: str) -> None:
    """https endpoints, and http on loopback hosts, are accepted without a trailing slash."""
    assert validate_iam_endpoint(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("http://10.0.0.1", id="http-private-address"),
        pytest.param("ftp://iam.myhuaweicloud.com", id="ftp"),
        pytest.param("https://user:pw@iam.myhuaweicloud.com", id="user-info"),
        pytest.param("https://iam.myhuaweicloud.com/?a=1", id="query"),
        pytest.param("iam.myhuaweicloud.com", id="no-scheme"),
    ],
)
def test_format_iam_endpoint_rejected(value: str) -> None:
    """Endpoints that would send the password in clear or carry extra parts are rejected."""
    with pytest.raises(ValueError, match="must"):
        validate_iam_endpoint(value)
