"""TokenProvider with secrets from a stand-in extension and tokens from the Cloud Eye emulator."""

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial

import httpx
import pytest
from pydantic import SecretStr

from agent_fleet.credentials import (
    CredentialsConfigurationError,
    ExtensionSecretSource,
    SecretFormatError,
    SecretsManagerSource,
    TokenExchangeError,
    TokenExpiredError,
    TokenProvider,
)
from agent_fleet.credentials.constants import IAM_ATTEMPTS
from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig, IamUser, ManualClock
from tests.credentials.fakes import FakeExtension
from tests.credentials.servers import Reply, ReplySequence, ScriptedServer, scripted_server
from tests.support.localstack import LocalStackServer, free_loopback_port

PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DOMAIN = "acme"
USER = "fleet-bot"
PASSWORD = "correct horse battery staple"
SECRET_ID = "fleet/cloud-eye"
IAM_ROUTE = "POST /v3/auth/tokens"
THREADS = 10


def password_secret(iam_endpoint: str | None, *, password: str = PASSWORD) -> str:
    document = {"domain": DOMAIN, "user": USER, "password": password, "project_id": PROJECT_ID}
    if iam_endpoint is not None:
        document["iam_endpoint"] = iam_endpoint
    return json.dumps(document)


def token_secret(token: str, expires_at: float | None = None) -> str:
    document: dict[str, str] = {"token": token}
    if expires_at is not None:
        document["expires_at"] = datetime.fromtimestamp(expires_at, UTC).isoformat()
    return json.dumps(document)


def make_emulator(
    *, token_ttl_seconds: float = 86_400.0, clock: ManualClock | None = None
) -> CloudEyeEmulator:
    config = EmulatorConfig(
        users=[
            IamUser(domain=DOMAIN, name=USER, password=SecretStr(PASSWORD), project_id=PROJECT_ID)
        ],
        token_ttl_seconds=token_ttl_seconds,
    )
    return CloudEyeEmulator(config, clock=clock)


@pytest.fixture
def clock() -> ManualClock:
    """A clock shared by the emulator and the provider, moved by the test."""
    return ManualClock(start=datetime(2030, 1, 1, tzinfo=UTC).timestamp())


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[CloudEyeEmulator]:
    """The Cloud Eye emulator with one IAM user, on the shared clock."""
    with make_emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def source(
    fake_extension: FakeExtension, extension_server: ScriptedServer
) -> Iterator[ExtensionSecretSource]:
    """An extension source bound to the stand-in extension."""
    source = ExtensionSecretSource(
        extension_server.port, session_token=SecretStr(fake_extension.session_token)
    )
    yield source
    source.close()


def make_provider(
    source: ExtensionSecretSource,
    clock: ManualClock,
    *,
    iam_endpoint: str | None = None,
    refresh_margin_seconds: float = 300.0,
) -> TokenProvider:
    return TokenProvider(
        source,
        SECRET_ID,
        iam_endpoint=iam_endpoint,
        clock=clock,
        refresh_margin_seconds=refresh_margin_seconds,
    )


def tokens_issued(emulator: CloudEyeEmulator) -> int:
    return emulator.counters().tokens_issued


def test_provider_token_secret_is_returned(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A token secret's token is returned as a SecretStr."""
    fake_extension.secrets[SECRET_ID] = token_secret("pre-issued-token", clock() + 86_400)
    provider = make_provider(source, clock)

    token = provider.get_token()

    assert isinstance(token, SecretStr)
    assert token.get_secret_value() == "pre-issued-token"


def test_provider_token_secret_is_cached(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    source: ExtensionSecretSource,
    clock: ManualClock,
) -> None:
    """A second call inside the token's lifetime makes no request to the secret store."""
    fake_extension.secrets[SECRET_ID] = token_secret("pre-issued-token", clock() + 86_400)
    provider = make_provider(source, clock)

    provider.get_token()
    provider.get_token()

    assert extension_server.request_count == 1


def test_provider_token_without_expiry_is_reread(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    source: ExtensionSecretSource,
    clock: ManualClock,
) -> None:
    """A token without expires_at is reused for five minutes, then the secret is read again."""
    fake_extension.secrets[SECRET_ID] = token_secret("first")
    provider = make_provider(source, clock)

    assert provider.get_token().get_secret_value() == "first"
    fake_extension.secrets[SECRET_ID] = token_secret("rotated")
    clock.advance(299)
    assert provider.get_token().get_secret_value() == "first"
    clock.advance(2)
    assert provider.get_token().get_secret_value() == "rotated"
    assert extension_server.request_count == 2


def test_provider_password_secret_token_works_at_cloud_eye(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """Password credentials are exchanged at IAM and the token is accepted by the agent API."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    provider = make_provider(source, clock)

    token = provider.get_token()

    response = httpx.get(
        f"{emulator.url}/v3/{PROJECT_ID}/agent-invocations",
        headers={"X-Auth-Token": token.get_secret_value()},
        timeout=5,
    )
    assert response.status_code == 200
    assert tokens_issued(emulator) == 1
    provider.close()


def test_provider_password_token_is_cached(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """Repeated calls reuse the issued token: one secret read and one IAM exchange."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    provider = make_provider(source, clock)

    first = provider.get_token()
    second = provider.get_token()

    assert first.get_secret_value() == second.get_secret_value()
    assert tokens_issued(emulator) == 1
    assert extension_server.request_count == 1
    provider.close()


def test_provider_refreshes_at_margin_before_expiry(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """With a one-hour token and a 300 s margin, the token is replaced after 3300 s, not before."""
    with make_emulator(token_ttl_seconds=3600, clock=clock) as emulator:
        fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
        provider = make_provider(source, clock, refresh_margin_seconds=300)

        first = provider.get_token().get_secret_value()
        clock.advance(3299)
        assert provider.get_token().get_secret_value() == first
        assert tokens_issued(emulator) == 1

        clock.advance(2)
        assert provider.get_token().get_secret_value() != first
        assert tokens_issued(emulator) == 2
        provider.close()


def test_provider_short_token_refreshes_at_half_life(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A token that lives less than twice the margin is replaced at half its life."""
    with make_emulator(token_ttl_seconds=100, clock=clock) as emulator:
        fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
        provider = make_provider(source, clock, refresh_margin_seconds=300)

        provider.get_token()
        clock.advance(49)
        provider.get_token()
        assert tokens_issued(emulator) == 1

        clock.advance(2)
        provider.get_token()
        assert tokens_issued(emulator) == 2
        provider.close()


def test_provider_stale_token_is_replaced(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """Passing the cached token as stale re-reads the secret and exchanges again."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    provider = make_provider(source, clock)
    rejected = provider.get_token()

    fresh = provider.get_token(stale=rejected)

    assert fresh.get_secret_value() != rejected.get_secret_value()
    assert tokens_issued(emulator) == 2
    assert extension_server.request_count == 2
    provider.close()


def test_provider_stale_after_refresh_returns_newer(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """A stale token that was already replaced returns the newer cached token without a fetch."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    provider = make_provider(source, clock)
    rejected = provider.get_token()
    newer = provider.get_token(stale=rejected)

    again = provider.get_token(stale=rejected)

    assert again.get_secret_value() == newer.get_secret_value()
    assert tokens_issued(emulator) == 2
    provider.close()


def test_provider_expired_token_at_cloud_eye_is_refreshed(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """After Cloud Eye rejects an expired token, the stale refresh yields one it accepts."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    provider = make_provider(source, clock)
    url = f"{emulator.url}/v3/{PROJECT_ID}/agent-invocations"
    token = provider.get_token()
    emulator.expire_tokens()

    rejected = httpx.get(url, headers={"X-Auth-Token": token.get_secret_value()}, timeout=5)
    token = provider.get_token(stale=token)
    accepted = httpx.get(url, headers={"X-Auth-Token": token.get_secret_value()}, timeout=5)

    assert rejected.status_code == 401
    assert accepted.status_code == 200
    provider.close()


def run_in_threads(call: Callable[[], SecretStr]) -> list[str]:
    """Start THREADS threads at once through a barrier and collect their tokens."""
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait(timeout=10)
        try:
            value = call().get_secret_value()
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(value)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


def test_provider_concurrent_first_calls_fetch_once(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """Ten threads asking at once for the first token cause one IAM exchange."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    emulator.faults.latency_seconds = 0.2
    provider = make_provider(source, clock)

    tokens = run_in_threads(provider.get_token)

    assert len(tokens) == THREADS
    assert len(set(tokens)) == 1
    assert tokens_issued(emulator) == 1
    provider.close()


def test_provider_concurrent_stale_refresh_fetches_once(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """Ten threads reporting the same rejected token cause one refresh and share its token."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    provider = make_provider(source, clock)
    rejected = provider.get_token()
    emulator.faults.latency_seconds = 0.2

    tokens = run_in_threads(partial(provider.get_token, stale=rejected))

    assert len(tokens) == THREADS
    assert len(set(tokens)) == 1
    assert tokens[0] != rejected.get_secret_value()
    assert tokens_issued(emulator) == 2
    assert extension_server.request_count == 2
    provider.close()


def test_provider_wrong_password_raises(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """A wrong password raises TokenExchangeError with IAM's status and message, without retries."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url, password="wrong")
    provider = make_provider(source, clock)

    with pytest.raises(TokenExchangeError) as caught:
        provider.get_token()

    error = caught.value
    assert error.status_code == 401
    assert error.error_msg == "The username or password is wrong."
    assert error.endpoint == f"{emulator.url}/v3/auth/tokens"
    assert error.request_id
    assert not error.retryable
    assert "'fleet/cloud-eye'" in str(error)
    assert "Check domain, user and password" in str(error)
    assert emulator.counters().requests_by_route.get(IAM_ROUTE) == 1
    provider.close()


def test_provider_secret_endpoint_overrides_argument(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """The secret's iam_endpoint wins over the constructor's, which here points at a closed port."""
    fake_extension.secrets[SECRET_ID] = password_secret(emulator.url)
    closed = f"http://127.0.0.1:{free_loopback_port()}"
    provider = make_provider(source, clock, iam_endpoint=closed)

    provider.get_token()

    assert tokens_issued(emulator) == 1
    provider.close()


def test_provider_argument_endpoint_used_when_secret_has_none(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    emulator: CloudEyeEmulator,
) -> None:
    """Without an endpoint in the secret, the constructor's iam_endpoint is used."""
    fake_extension.secrets[SECRET_ID] = password_secret(None)
    provider = make_provider(source, clock, iam_endpoint=emulator.url)

    provider.get_token()

    assert tokens_issued(emulator) == 1
    provider.close()


def test_provider_missing_endpoint_raises(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A password secret without any IAM endpoint raises an error saying what to set."""
    fake_extension.secrets[SECRET_ID] = password_secret(None)
    provider = make_provider(source, clock)

    with pytest.raises(CredentialsConfigurationError) as caught:
        provider.get_token()

    assert caught.value.setting == "iam_endpoint"
    assert '"iam_endpoint"' in str(caught.value)
    assert "'fleet/cloud-eye'" in str(caught.value)
    provider.close()


def test_provider_bad_secret_json_raises(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A secret that is not JSON raises SecretFormatError."""
    fake_extension.secrets[SECRET_ID] = "token: abc"
    provider = make_provider(source, clock)

    with pytest.raises(SecretFormatError) as caught:
        provider.get_token()

    assert "not valid JSON" in str(caught.value)
    provider.close()


def test_provider_expired_token_secret_raises(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A token secret whose expires_at has passed raises TokenExpiredError."""
    fake_extension.secrets[SECRET_ID] = token_secret("old-token", clock() - 1)
    provider = make_provider(source, clock)

    with pytest.raises(TokenExpiredError) as caught:
        provider.get_token()

    assert "Store a fresh token" in str(caught.value)
    provider.close()


def test_provider_retries_iam_server_errors(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """Two 503 responses from IAM are retried and the third response's token is used."""
    unavailable = Reply.json(503, {"error_code": "APIGW.0201", "error_msg": "unavailable"})
    issued = Reply.json(
        201,
        {"token": {"expires_at": datetime.fromtimestamp(clock() + 86_400, UTC).isoformat()}},
        {"X-Subject-Token": "issued-after-retries"},
    )
    with scripted_server(ReplySequence(unavailable, unavailable, issued)) as iam:
        fake_extension.secrets[SECRET_ID] = password_secret(iam.url)
        provider = make_provider(source, clock)

        token = provider.get_token()

        assert token.get_secret_value() == "issued-after-retries"
        assert iam.request_count == 3
    request = iam.requests[0]
    assert request.path == "/v3/auth/tokens"
    assert request.query == {"nocatalog": ["true"]}
    assert request.json()["auth"]["scope"] == {"project": {"id": PROJECT_ID}}
    provider.close()


def test_provider_iam_unavailable_exhausts_retries(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """Persistent 503 responses raise a retryable TokenExchangeError after the bounded attempts."""
    unavailable = Reply.json(
        503, {"error_code": "APIGW.0201", "error_msg": "unavailable"}, {"X-Request-Id": "req-503"}
    )
    with scripted_server(ReplySequence(unavailable)) as iam:
        fake_extension.secrets[SECRET_ID] = password_secret(iam.url)
        provider = make_provider(source, clock)

        with pytest.raises(TokenExchangeError) as caught:
            provider.get_token()

        assert iam.request_count == IAM_ATTEMPTS
    assert caught.value.retryable
    assert caught.value.error_code == "APIGW.0201"
    assert caught.value.request_id == "req-503"
    provider.close()


def test_provider_long_retry_after_is_not_waited(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A 429 asking to wait an hour fails at once instead of holding the function."""
    throttled = Reply.json(429, {"error_msg": "too many requests"}, {"Retry-After": "3600"})
    with scripted_server(ReplySequence(throttled)) as iam:
        fake_extension.secrets[SECRET_ID] = password_secret(iam.url)
        provider = make_provider(source, clock)

        with pytest.raises(TokenExchangeError) as caught:
            provider.get_token()

        assert iam.request_count == 1
    assert caught.value.retry_after == 3600
    provider.close()


def test_provider_response_without_token_header_raises(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """A 201 without X-Subject-Token raises TokenExchangeError naming the header."""
    with scripted_server(ReplySequence(Reply.json(201, {"token": {}}))) as iam:
        fake_extension.secrets[SECRET_ID] = password_secret(iam.url)
        provider = make_provider(source, clock)

        with pytest.raises(TokenExchangeError) as caught:
            provider.get_token()

    assert "X-Subject-Token" in str(caught.value)
    provider.close()


def test_provider_failed_refresh_keeps_valid_token(
    fake_extension: FakeExtension,
    extension_server: ScriptedServer,
    source: ExtensionSecretSource,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When a refresh fails before expiry, the cached token is served and retried after 30 s."""
    fake_extension.secrets[SECRET_ID] = token_secret("still-valid", clock() + 3600)
    provider = make_provider(source, clock, refresh_margin_seconds=300)
    provider.get_token()
    fake_extension.failure = Reply.json(400, {"__type": "AccessDeniedException"})
    clock.advance(3400)

    assert provider.get_token().get_secret_value() == "still-valid"
    assert extension_server.request_count == 2
    assert "Token refresh failed" in caplog.text

    clock.advance(10)
    provider.get_token()
    assert extension_server.request_count == 2

    clock.advance(25)
    provider.get_token()
    assert extension_server.request_count == 3


def test_provider_failed_refresh_after_expiry_raises(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """Once the cached token has expired, a failed refresh raises."""
    fake_extension.secrets[SECRET_ID] = token_secret("short", clock() + 600)
    provider = make_provider(source, clock)
    provider.get_token()
    fake_extension.failure = Reply.json(400, {"__type": "AccessDeniedException"})
    clock.advance(601)

    with pytest.raises(Exception, match="AccessDeniedException"):
        provider.get_token()


def test_provider_stale_token_still_in_secret_warns(
    fake_extension: FakeExtension,
    source: ExtensionSecretSource,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A rejected token still in the secret is returned, with a warning to rotate it."""
    fake_extension.secrets[SECRET_ID] = token_secret("revoked", clock() + 86_400)
    provider = make_provider(source, clock)
    rejected = provider.get_token()

    again = provider.get_token(stale=rejected)

    assert again.get_secret_value() == "revoked"
    assert "still contains the token that Cloud Eye rejected" in caplog.text


@pytest.mark.parametrize(
    ("iam_endpoint", "margin", "setting"),
    [
        pytest.param("http://iam.example.com", 300.0, "iam_endpoint", id="plain-http"),
        pytest.param(None, -1.0, "refresh_margin_seconds", id="negative-margin"),
    ],
)
def test_provider_invalid_options_raise(
    source: ExtensionSecretSource, iam_endpoint: str | None, margin: float, setting: str
) -> None:
    """Invalid constructor options raise CredentialsConfigurationError naming the option."""
    with pytest.raises(CredentialsConfigurationError) as caught:
        TokenProvider(source, SECRET_ID, iam_endpoint=iam_endpoint, refresh_margin_seconds=margin)

    assert caught.value.setting == setting
    assert setting in str(caught.value)


def test_provider_repr_hides_token(
    fake_extension: FakeExtension, source: ExtensionSecretSource, clock: ManualClock
) -> None:
    """The repr names the secret and source but not the cached token."""
    fake_extension.secrets[SECRET_ID] = token_secret("visible-only-to-callers", clock() + 86_400)
    provider = make_provider(source, clock)
    provider.get_token()

    text = repr(provider)

    assert "visible-only-to-callers" not in text
    assert "fleet/cloud-eye" in text
    assert "ExtensionSecretSource" in text
    provider.close()


@pytest.mark.localstack
def test_provider_reads_secrets_manager_and_exchanges(localstack: LocalStackServer) -> None:
    """End to end: a password secret in LocalStack's Secrets Manager becomes an emulator token."""
    secret_id = f"fleet/cloud-eye/{uuid.uuid4().hex[:12]}"
    with make_emulator() as emulator:
        with localstack.boto3_client("secretsmanager") as client:
            client.create_secret(Name=secret_id, SecretString=password_secret(emulator.url))
        source = SecretsManagerSource(environ=localstack.aws_environ())
        provider = TokenProvider(source, secret_id)

        token = provider.get_token()

        response = httpx.get(
            f"{emulator.url}/v3/{PROJECT_ID}/agent-invocations",
            headers={"X-Auth-Token": token.get_secret_value()},
            timeout=5,
        )
        assert response.status_code == 200
        provider.close()
        source.close()
