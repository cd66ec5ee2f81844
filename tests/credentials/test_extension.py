"""ExtensionSecretSource against a stand-in for the Parameters and Secrets extension."""

import pytest
from pydantic import SecretStr

from agent_fleet.credentials import (
    CredentialsConfigurationError,
    ExtensionSecretSource,
    SecretFetchError,
    SecretFormatError,
)
from agent_fleet.credentials.constants import EXTENSION_NOT_READY_ATTEMPTS
from tests.credentials.fakes import FakeExtension
from tests.credentials.servers import Reply, ScriptedServer, scripted_server

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:fleet/cloud+eye=token&x-AbCdEf"


def make_source(server: ScriptedServer, fake: FakeExtension) -> ExtensionSecretSource:
    return ExtensionSecretSource(server.port, session_token=SecretStr(fake.session_token))


def test_extension_returns_secret_string(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """The source returns the SecretString of the extension's GetSecretValue JSON."""
    fake_extension.secrets["fleet/token"] = '{"token": "abc"}'
    source = make_source(extension_server, fake_extension)

    assert source.get_secret_string("fleet/token") == '{"token": "abc"}'

    source.close()


def test_extension_request_carries_token_header_and_encoded_id(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """The request is a GET with the session token header and the id URL-encoded in secretId."""
    fake_extension.secrets[SECRET_ARN] = "value"
    source = make_source(extension_server, fake_extension)

    source.get_secret_string(SECRET_ARN)

    request = extension_server.requests[0]
    assert request.method == "GET"
    assert request.path == "/secretsmanager/get"
    assert request.query == {"secretId": [SECRET_ARN]}
    assert request.headers["x-aws-parameters-secrets-token"] == fake_extension.session_token
    source.close()


def test_extension_port_and_token_from_environ(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """Without arguments the port and token come from the Lambda environment variables."""
    fake_extension.secrets["s"] = "v"
    environ = {
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension_server.port),
        "AWS_SESSION_TOKEN": fake_extension.session_token,
    }
    source = ExtensionSecretSource(environ=environ)

    assert source.port == extension_server.port
    assert source.get_secret_string("s") == "v"
    source.close()


def test_extension_default_port_is_2773() -> None:
    """With neither argument nor variable, the port is the extension's default, 2773."""
    source = ExtensionSecretSource(environ={"AWS_SESSION_TOKEN": "t"})

    assert source.port == 2773
    source.close()


def test_extension_retries_not_ready_answers(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """Three 'not ready to serve traffic' responses are retried until the secret arrives."""
    fake_extension.secrets["s"] = "v"
    fake_extension.not_ready_answers = 3
    source = make_source(extension_server, fake_extension)

    assert source.get_secret_string("s") == "v"
    assert extension_server.request_count == 4
    source.close()


def test_extension_not_ready_beyond_budget_fails(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """An extension that stays not ready fails after the bounded number of attempts."""
    fake_extension.not_ready_answers = 1000
    source = make_source(extension_server, fake_extension)

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string("s")

    assert extension_server.request_count == EXTENSION_NOT_READY_ATTEMPTS
    assert caught.value.status_code == 400
    assert caught.value.retryable
    assert "not ready to serve traffic" in str(caught.value)
    assert "'s'" in str(caught.value)
    source.close()


def test_extension_wrong_token_fails_without_retry(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """A 401 for the token header fails at once and names AWS_SESSION_TOKEN to check."""
    source = ExtensionSecretSource(extension_server.port, session_token=SecretStr("wrong"))

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string("s")

    assert extension_server.request_count == 1
    assert caught.value.status_code == 401
    assert not caught.value.retryable
    assert "AWS_SESSION_TOKEN" in str(caught.value)
    source.close()


def test_extension_missing_secret_names_error_type(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """Secrets Manager's ResourceNotFoundException, passed on by the extension, is reported."""
    source = make_source(extension_server, fake_extension)

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string("fleet/missing")

    assert caught.value.error_type == "ResourceNotFoundException"
    assert caught.value.secret_id == "fleet/missing"
    assert "'fleet/missing'" in str(caught.value)
    assert "ResourceNotFoundException" in str(caught.value)
    assert extension_server.request_count == 1
    source.close()


def test_extension_plain_text_error_type_is_read(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """An error type at the start of a plain-text body is reported as the error type."""
    fake_extension.failure = Reply(
        400, b"AccessDeniedException: User is not authorized to perform GetSecretValue"
    )
    source = make_source(extension_server, fake_extension)

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string("s")

    assert caught.value.error_type == "AccessDeniedException"
    assert "secretsmanager:GetSecretValue" in str(caught.value)
    source.close()


def test_extension_server_errors_are_retried(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> None:
    """A 500 from the extension is retried within the same bounded budget."""
    fake_extension.failure = Reply(500, b"internal error")
    source = make_source(extension_server, fake_extension)

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string("s")

    assert extension_server.request_count == EXTENSION_NOT_READY_ATTEMPTS
    assert caught.value.retryable
    source.close()


def test_extension_binary_secret_is_format_error() -> None:
    """A GetSecretValue response without SecretString raises SecretFormatError."""
    body = {"Name": "bin", "SecretBinary": "AAEC"}
    with scripted_server(lambda request: Reply.json(200, body)) as server:
        source = ExtensionSecretSource(server.port, session_token=SecretStr("t"))

        with pytest.raises(SecretFormatError) as caught:
            source.get_secret_string("bin")

    assert "SecretString" in str(caught.value)
    source.close()


def test_extension_unreachable_fails_after_retries() -> None:
    """A closed port yields a retryable SecretFetchError naming the connection failure."""
    with scripted_server(lambda request: Reply(200)) as server:
        port = server.port
    source = ExtensionSecretSource(port, session_token=SecretStr("t"))

    with pytest.raises(SecretFetchError) as caught:
        source.get_secret_string("s")

    assert caught.value.status_code is None
    assert caught.value.retryable
    assert "ConnectError" in str(caught.value)
    source.close()


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        pytest.param({}, "AWS_SESSION_TOKEN", id="no-session-token"),
        pytest.param(
            {"AWS_SESSION_TOKEN": "t", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "http"},
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
            id="port-not-a-number",
        ),
        pytest.param(
            {"AWS_SESSION_TOKEN": "t", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "70000"},
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
            id="port-out-of-range",
        ),
    ],
)
def test_extension_invalid_settings_raise(environ: dict[str, str], setting: str) -> None:
    """Missing or invalid settings raise CredentialsConfigurationError naming the variable."""
    with pytest.raises(CredentialsConfigurationError) as caught:
        ExtensionSecretSource(environ=environ)

    assert caught.value.setting == setting
    assert setting in str(caught.value)


def test_extension_repr_hides_session_token() -> None:
    """The repr shows the port and not the session token."""
    source = ExtensionSecretSource(2773, session_token=SecretStr("session-secret-value"))

    assert repr(source) == "ExtensionSecretSource(port=2773)"
    source.close()
