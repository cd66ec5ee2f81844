"""Canary secrets never appear in exception messages, tracebacks, reprs or log records.

Every test plants canary values where a secret lives (password, token,
secret key, session token), drives one success or error path with every
logger at DEBUG, and searches all text the path produced.
"""

import json
import logging
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from agent_fleet.credentials import (
    AwsCredentials,
    CredentialsError,
    ExtensionSecretSource,
    IssuedToken,
    SecretHeaderFilter,
    SecretsManagerSource,
    TokenProvider,
    parse_credentials_secret,
)
from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig, IamUser, ManualClock
from tests.credentials.fakes import (
    CANARIES,
    CANARY_PASSWORD,
    CANARY_SECRET_KEY,
    CANARY_SESSION_TOKEN,
    CANARY_TOKEN,
    FakeExtension,
)
from tests.credentials.servers import Reply, ReplySequence, ScriptedServer, scripted_server
from tests.support.localstack import LocalStackServer

SECRET_ID = "fleet/canary"
PROJECT_ID = "0a1b2c3d4e5f"
START = datetime(2030, 1, 1, tzinfo=UTC).timestamp()


def exception_texts(exc: BaseException) -> list[str]:
    """The message, repr and formatted traceback of an exception and its causes."""
    texts = ["".join(traceback.format_exception(exc))]
    current: BaseException | None = exc
    while current is not None:
        texts.extend([str(current), repr(current), repr(vars(current))])
        current = current.__cause__
    return texts


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured record's message and extra fields."""
    return [caplog.text] + [repr(vars(record)) for record in caplog.records]


def assert_no_canary(texts: list[str]) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text


@pytest.fixture(autouse=True)
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture every logger at DEBUG, httpx and httpcore included."""
    with caplog.at_level(logging.DEBUG):
        yield


@pytest.fixture
def canary_source(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> Iterator[ExtensionSecretSource]:
    """An extension source whose session token is a canary."""
    fake_extension.session_token = CANARY_SESSION_TOKEN
    source = ExtensionSecretSource(
        extension_server.port, session_token=SecretStr(CANARY_SESSION_TOKEN)
    )
    yield source
    source.close()


def password_secret(iam_endpoint: str | None, password: str = CANARY_PASSWORD) -> str:
    document = {"domain": "acme", "user": "bot", "password": password, "project_id": PROJECT_ID}
    if iam_endpoint:
        document["iam_endpoint"] = iam_endpoint
    return json.dumps(document)


def get_token_error(provider: TokenProvider) -> CredentialsError:
    with pytest.raises(CredentialsError) as caught:
        provider.get_token()
    return caught.value


def test_canary_successful_exchange_and_reprs(
    fake_extension: FakeExtension,
    canary_source: ExtensionSecretSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A successful exchange logs and shows neither the password nor the issued token."""
    config = EmulatorConfig(
        users=[
            IamUser(
                domain="acme",
                name="bot",
                password=SecretStr(CANARY_PASSWORD),
                project_id=PROJECT_ID,
            )
        ]
    )
    with CloudEyeEmulator(config) as emulator:
        fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
        provider = TokenProvider(canary_source, SECRET_ID)

        token = provider.get_token()
        provider.get_token(stale=token)

        secret = parse_credentials_secret(password_secret(emulator.url), secret_id=SECRET_ID)
        assert_no_canary(
            [repr(provider), repr(canary_source), repr(secret), repr(IssuedToken(value=token))]
        )
        provider.close()
    assert_no_canary(log_texts(caplog))
    assert "X-Subject-Token" in caplog.text


def test_canary_wrong_password(
    fake_extension: FakeExtension,
    canary_source: ExtensionSecretSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """IAM's rejection of a wrong password does not echo the password."""
    config = EmulatorConfig(
        users=[
            IamUser(domain="acme", name="bot", password=SecretStr("other"), project_id=PROJECT_ID)
        ]
    )
    with CloudEyeEmulator(config) as emulator:
        fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
        provider = TokenProvider(canary_source, SECRET_ID)

        error = get_token_error(provider)
        provider.close()

    assert_no_canary(exception_texts(error) + log_texts(caplog) + [repr(provider)])


@pytest.mark.parametrize(
    "iam_reply",
    [
        pytest.param(Reply.json(503, {"error_msg": "busy"}), id="server-error-retried"),
        pytest.param(Reply.json(201, {"token": {}}), id="no-token-header"),
        pytest.param(
            Reply.json(
                201,
                {"token": {"expires_at": "2000-01-01T00:00:00Z"}},
                {"X-Subject-Token": CANARY_TOKEN},
            ),
            id="token-already-expired",
        ),
    ],
)
def test_canary_iam_failures(
    fake_extension: FakeExtension,
    canary_source: ExtensionSecretSource,
    caplog: pytest.LogCaptureFixture,
    iam_reply: Reply,
) -> None:
    """IAM failures, retries included, keep the password and any issued token out of all text."""
    with scripted_server(ReplySequence(iam_reply)) as iam:
        fake_extension.secrets[SECRET_ID] = password_secret(iam.url)
        provider = TokenProvider(canary_source, SECRET_ID)

        error = get_token_error(provider)
        provider.close()

    assert_no_canary(exception_texts(error) + log_texts(caplog))


@pytest.mark.parametrize(
    "secret_string",
    [
        pytest.param(CANARY_TOKEN, id="bare-value"),
        pytest.param(f'{{"token": "{CANARY_TOKEN}",}}', id="broken-json"),
        pytest.param(f'["{CANARY_TOKEN}"]', id="array"),
        pytest.param(f'{{"token": "{CANARY_TOKEN}", "password": "{CANARY_PASSWORD}"}}', id="both"),
        pytest.param(
            f'{{"token": "{CANARY_TOKEN}", "expires_at": "{CANARY_TOKEN}"}}', id="bad-expiry"
        ),
        pytest.param(f'{{"token": "{CANARY_TOKEN}", "expires_at": 1e999}}', id="huge-expiry"),
        pytest.param(
            f'{{"domain": "d", "user": "u", "password": "{CANARY_PASSWORD}", '
            f'"project_id": "{CANARY_PASSWORD}!"}}',
            id="bad-project",
        ),
        pytest.param(
            f'{{"domain": "d", "user": "u", "password": "{CANARY_PASSWORD}", "project_id": "p", '
            f'"iam_endpoint": "http://{CANARY_PASSWORD}.example.com"}}',
            id="bad-endpoint",
        ),
        pytest.param(
            f'{{"domain": "d", "user": "u", "password": "{CANARY_PASSWORD}"}}', id="no-endpoint"
        ),
        pytest.param(
            json.dumps({"token": CANARY_TOKEN, "expires_at": "2000-01-01T00:00:00Z"}), id="expired"
        ),
    ],
)
def test_canary_secret_content_errors(
    fake_extension: FakeExtension,
    canary_source: ExtensionSecretSource,
    caplog: pytest.LogCaptureFixture,
    secret_string: str,
) -> None:
    """Every rejection of a secret's content names fields and rules, never the values."""
    fake_extension.secrets[SECRET_ID] = secret_string
    provider = TokenProvider(canary_source, SECRET_ID, clock=lambda: START)

    error = get_token_error(provider)
    provider.close()

    assert_no_canary(exception_texts(error) + log_texts(caplog))


def test_canary_stale_and_failed_refresh_warnings(
    fake_extension: FakeExtension,
    canary_source: ExtensionSecretSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Both warnings, a rejected token still in the secret and a failed refresh, show no token."""
    clock = ManualClock(start=START)
    fake_extension.secrets[SECRET_ID] = json.dumps(
        {"token": CANARY_TOKEN, "expires_at": datetime.fromtimestamp(START + 3600, UTC).isoformat()}
    )
    provider = TokenProvider(canary_source, SECRET_ID, clock=clock)
    token = provider.get_token()
    provider.get_token(stale=token)
    fake_extension.failure = Reply(500, b"internal error")
    clock.advance(3400)

    provider.get_token()
    provider.close()

    assert "still contains the token" in caplog.text
    assert "Token refresh failed" in caplog.text
    assert_no_canary([*log_texts(caplog), repr(provider)])


def test_canary_extension_rejects_session_token(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A rejected extension session token appears in neither the error nor the logs."""
    source = ExtensionSecretSource(
        extension_server.port, session_token=SecretStr(CANARY_SESSION_TOKEN)
    )

    with pytest.raises(CredentialsError) as caught:
        source.get_secret_string(SECRET_ID)
    source.close()

    assert_no_canary(exception_texts(caught.value) + log_texts(caplog) + [repr(source)])


def test_canary_secrets_manager_errors(caplog: pytest.LogCaptureFixture) -> None:
    """Secrets Manager errors, retried ones included, show neither secret key nor session token."""
    credentials = AwsCredentials(
        access_key_id=SecretStr("AKIDEXAMPLE"),
        secret_access_key=SecretStr(CANARY_SECRET_KEY),
        session_token=SecretStr(CANARY_SESSION_TOKEN),
        region="us-east-1",
    )
    failure = Reply.json(500, {"__type": "InternalServiceError", "message": "An error occurred"})
    with scripted_server(ReplySequence(failure)) as server:
        source = SecretsManagerSource(server.url, credentials=credentials, environ={})

        with pytest.raises(CredentialsError) as caught:
            source.get_secret_string(SECRET_ID)
        source.close()

    assert_no_canary(
        exception_texts(caught.value) + log_texts(caplog) + [repr(source), repr(credentials)]
    )


@pytest.mark.localstack
def test_canary_secrets_manager_not_found(
    localstack: LocalStackServer, caplog: pytest.LogCaptureFixture
) -> None:
    """LocalStack's not-found response to a request signed with canary keys leaks no key."""
    environ = {
        **localstack.aws_environ(),
        "AWS_SECRET_ACCESS_KEY": CANARY_SECRET_KEY,
        "AWS_SESSION_TOKEN": CANARY_SESSION_TOKEN,
    }
    source = SecretsManagerSource(environ=environ)

    with pytest.raises(CredentialsError) as caught:
        source.get_secret_string("fleet/canary-missing")
    source.close()

    assert_no_canary(exception_texts(caught.value) + log_texts(caplog) + [repr(source)])


def test_canary_header_filter_masks_httpcore_lines() -> None:
    """The header filter masks secret header values in an httpcore-style line and keeps others."""
    record = logging.LogRecord(
        "httpcore.http11",
        logging.DEBUG,
        __file__,
        1,
        "receive_response_headers.complete return_value=(b'HTTP/1.1', 201, b'Created', "
        f"[(b'X-Subject-Token', b'{CANARY_TOKEN}'), (b'X-Request-Id', b'req-1')])",
        None,
        None,
    )

    kept = SecretHeaderFilter().filter(record)

    assert kept
    assert CANARY_TOKEN not in record.getMessage()
    assert "(b'X-Subject-Token', b'***')" in record.getMessage()
    assert "(b'X-Request-Id', b'req-1')" in record.getMessage()
