"""SecretsManagerSource against LocalStack, and its retries against a scripted stand-in."""

import uuid

import pytest
from pydantic import SecretStr

from agent_fleet.credentials import (
    AwsCredentials,
    CredentialsConfigurationError,
    SecretFetchError,
    SecretFormatError,
    SecretsManagerSource,
)
from agent_fleet.credentials.constants import SECRETS_MANAGER_ATTEMPTS
from tests.credentials.servers import Reply, ReplySequence, scripted_server
from tests.support.localstack import LocalStackServer

TEST_CREDENTIALS = AwsCredentials(
    access_key_id=SecretStr("AKIDEXAMPLE"),
    secret_access_key=SecretStr("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    session_token=SecretStr("session-token-example"),
    region="us-east-1",
)


def unique_name(prefix: str) -> str:
    return f"{prefix}/{uuid.uuid4().hex[:12]}"


@pytest.mark.localstack
def test_secrets_manager_reads_secret_by_name(localstack: LocalStackServer) -> None:
    """A secret created with boto3 reads back through the SigV4-signed httpx path."""
    name = unique_name("fleet/token")
    value = '{"token": "abc", "expires_at": "2030-01-01T00:00:00Z"}'
    with localstack.boto3_client("secretsmanager") as client:
        client.create_secret(Name=name, SecretString=value)
    source = SecretsManagerSource(environ=localstack.aws_environ())

    assert source.get_secret_string(name) == value
    source.close()


@pytest.mark.localstack
def test_secrets_manager_reads_secret_by_arn(localstack: LocalStackServer) -> None:
    """A secret also reads back by its ARN."""
    name = unique_name("fleet/password")
    with localstack.boto3_client("secretsmanager") as client:
        created = client.create_secret(Name=name, SecretString="by-arn")
    source = SecretsManagerSource(environ=localstack.aws_environ())

    assert source.get_secret_string(created["ARN"]) == "by-arn"
    source.close()


@pytest.mark.localstack
def test_secrets_manager_reads_current_version(localstack: LocalStackServer) -> None:
    """After PutSecretValue the source returns the new current version."""
    name = unique_name("fleet/rotated")
    with localstack.boto3_client("secretsmanager") as client:
        client.create_secret(Name=name, SecretString="first")
        client.put_secret_value(SecretId=name, SecretString="second")
    source = SecretsManagerSource(environ=localstack.aws_environ())

    assert source.get_secret_string(name) == "second"
    source.close()


@pytest.mark.localstack
def test_secrets_manager_missing_secret_raises(localstack: LocalStackServer) -> None:
    """A missing secret raises SecretFetchError with the id, status, error type and request id."""
    name = unique_name("fleet/missing")
    source = SecretsManagerSource(environ=localstack.aws_environ())

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string(name)

    error = caught.value
    assert error.secret_id == name
    assert error.status_code == 400
    assert error.error_type == "ResourceNotFoundException"
    assert error.request_id
    assert not error.retryable
    assert repr(name) in str(error)
    assert "ResourceNotFoundException" in str(error)
    assert error.request_id in str(error)
    source.close()


@pytest.mark.localstack
def test_secrets_manager_binary_secret_is_format_error(localstack: LocalStackServer) -> None:
    """A binary-only secret raises SecretFormatError naming SecretString."""
    name = unique_name("fleet/binary")
    with localstack.boto3_client("secretsmanager") as client:
        client.create_secret(Name=name, SecretBinary=b"\x00\x01")
    source = SecretsManagerSource(environ=localstack.aws_environ())

    with pytest.raises(SecretFormatError) as caught:
        source.get_secret_string(name)

    assert "SecretString" in str(caught.value)
    source.close()


def test_secrets_manager_request_shape() -> None:
    """The request is an AWS JSON 1.1 POST with the GetSecretValue target and a SigV4 header."""
    body = {"Name": "s", "SecretString": "v"}
    with scripted_server(lambda request: Reply.json(200, body)) as server:
        source = SecretsManagerSource(server.url, credentials=TEST_CREDENTIALS, environ={})
        source.get_secret_string("fleet/token")

    request = server.requests[0]
    assert request.method == "POST"
    assert request.path == "/"
    assert request.headers["content-type"] == "application/x-amz-json-1.1"
    assert request.headers["x-amz-target"] == "secretsmanager.GetSecretValue"
    assert request.headers["x-amz-security-token"] == "session-token-example"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/secretsmanager/aws4_request" in request.headers["authorization"]
    assert request.json() == {"SecretId": "fleet/token"}
    source.close()


def test_secrets_manager_retries_throttling() -> None:
    """Two ThrottlingException responses are retried and the third response's secret returned."""
    throttled = Reply.json(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
    success = Reply.json(200, {"Name": "s", "SecretString": "v"})
    with scripted_server(ReplySequence(throttled, throttled, success)) as server:
        source = SecretsManagerSource(server.url, credentials=TEST_CREDENTIALS, environ={})

        assert source.get_secret_string("s") == "v"
        assert server.request_count == 3
    source.close()


def test_secrets_manager_server_errors_exhaust_retries() -> None:
    """Persistent 500 responses fail after the bounded attempts with a retryable error."""
    failure = Reply.json(
        500,
        {"__type": "InternalServiceError", "message": "An error occurred"},
        {"x-amzn-RequestId": "req-500"},
    )
    with scripted_server(ReplySequence(failure)) as server:
        source = SecretsManagerSource(server.url, credentials=TEST_CREDENTIALS, environ={})

        with pytest.raises(SecretFetchError) as caught:
            source.get_secret_string("s")

        assert server.request_count == SECRETS_MANAGER_ATTEMPTS
    assert caught.value.retryable
    assert caught.value.error_type == "InternalServiceError"
    assert caught.value.request_id == "req-500"
    source.close()


def test_secrets_manager_access_denied_is_not_retried() -> None:
    """AccessDeniedException fails at once and names the permission to grant."""
    denied = Reply.json(
        400,
        {"__type": "com.amazonaws.secretsmanager#AccessDeniedException", "Message": "denied"},
    )
    with scripted_server(ReplySequence(denied)) as server:
        source = SecretsManagerSource(server.url, credentials=TEST_CREDENTIALS, environ={})

        with pytest.raises(SecretFetchError) as caught:
            source.get_secret_string("s")

        assert server.request_count == 1
    assert caught.value.error_type == "AccessDeniedException"
    assert "secretsmanager:GetSecretValue" in str(caught.value)
    source.close()


def test_secrets_manager_error_type_header_fallback() -> None:
    """Without a JSON body, the x-amzn-ErrorType header gives the error type."""
    reply = Reply(403, b"", {"x-amzn-ErrorType": "UnrecognizedClientException:http://internal/"})
    with scripted_server(ReplySequence(reply)) as server:
        source = SecretsManagerSource(server.url, credentials=TEST_CREDENTIALS, environ={})

        with pytest.raises(SecretFetchError) as caught:
            source.get_secret_string("s")

    assert caught.value.error_type == "UnrecognizedClientException"
    source.close()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param(
            {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:1/", "AWS_ENDPOINT_URL": "x"},
            "http://127.0.0.1:1",
            id="service-variable-first",
        ),
        pytest.param(
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:2"}, "http://127.0.0.1:2", id="global-variable"
        ),
        pytest.param({}, "https://secretsmanager.us-east-1.amazonaws.com", id="public-default"),
    ],
)
def test_secrets_manager_endpoint_precedence(environ: dict[str, str], expected: str) -> None:
    """The endpoint comes from the service variable, then AWS_ENDPOINT_URL, then the default."""
    source = SecretsManagerSource(credentials=TEST_CREDENTIALS, environ=environ)

    assert source.endpoint_url == expected
    source.close()


def test_secrets_manager_endpoint_argument_wins() -> None:
    """An explicit endpoint_url overrides every environment variable."""
    environ = {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:1"}
    source = SecretsManagerSource(
        "http://127.0.0.1:3", credentials=TEST_CREDENTIALS, environ=environ
    )

    assert source.endpoint_url == "http://127.0.0.1:3"
    source.close()


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        pytest.param({"AWS_REGION": "us-east-1"}, "AWS_ACCESS_KEY_ID", id="no-keys"),
        pytest.param(
            {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "AWS_REGION", id="no-region"
        ),
        pytest.param(
            {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_REGION": "evil.com/x"},
            "AWS_REGION",
            id="invalid-region",
        ),
        pytest.param(
            {
                "AWS_ACCESS_KEY_ID": "a",
                "AWS_SECRET_ACCESS_KEY": "b",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "AWS_ENDPOINT_URL": "ftp://127.0.0.1",
            },
            "AWS_ENDPOINT_URL",
            id="invalid-endpoint",
        ),
    ],
)
def test_secrets_manager_invalid_settings_raise(environ: dict[str, str], setting: str) -> None:
    """Missing credentials, region or a bad endpoint raise an error naming the variable."""
    with pytest.raises(CredentialsConfigurationError) as caught:
        SecretsManagerSource(environ=environ)

    assert caught.value.setting == setting
    assert setting in str(caught.value)


def test_secrets_manager_repr_hides_keys() -> None:
    """The repr of the source and of its credentials shows no key."""
    source = SecretsManagerSource("http://127.0.0.1:1", credentials=TEST_CREDENTIALS, environ={})

    for text in (repr(source), repr(TEST_CREDENTIALS)):
        assert "AKIDEXAMPLE" not in text
        assert "EXAMPLEKEY" not in text
        assert "session-token-example" not in text
    source.close()
