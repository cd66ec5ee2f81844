"""Canary secrets through both handlers: none may appear in a reply, a log line or an error.

Each test plants distinctive values: an IAM password, a remote-install
password or a Cloud Eye token. It drives success and failure paths with logs
at DEBUG and metrics on. Then it searches everything the handlers produced:
return values, exception messages and tracebacks, stdout and stderr, the
powertools Logger's JSON output and every log record with its extra fields.
"""

import io
import json
import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr

from agent_fleet import observability
from agent_fleet.runtime import reset_runtime
from agent_fleet.settings import ENDPOINT_ENV, IAM_ENDPOINT_ENV, TOKEN_SECRET_ENV
from agent_fleet_dev import runner
from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig, IamUser
from agent_fleet_dev.local_cloud import LocalCloud
from agent_fleet_dev.local_secrets import LocalSecretStore
from tests.triggers.support import (
    AGENT_STATUS_PATH,
    HTTP_FUNCTION,
    PROJECT,
    PUBLISHED_EXAMPLE,
    SCHEDULED_FUNCTION,
    batch_create_event,
    function_spec,
    http_event,
    invoke,
    load_sample,
)

CANARY_IAM_PASSWORD = "CANARY-IAM-PASSWORD-3b9f"
CANARY_WRONG_IAM_PASSWORD = "CANARY-WRONG-IAM-PASSWORD-7c21"
CANARY_REMOTE_PASSWORD = "CANARY-REMOTE-PASSWORD-51de"
CANARY_TOKEN = "CANARY-TOKEN-a94e0c6d2f"
CANARIES = (CANARY_IAM_PASSWORD, CANARY_WRONG_IAM_PASSWORD, CANARY_REMOTE_PASSWORD, CANARY_TOKEN)

IAM_DOMAIN = "canary-domain"
IAM_USER = "canary-operator"
PASSWORD_SECRET = "canary/iam-password"
WRONG_PASSWORD_SECRET = "canary/iam-wrong-password"
TOKEN_SECRET = "canary/static-token"

REMOTE_HOST = {
    "instance_name": "legacy-db-01",
    "remote_ip": "192.168.0.10",
    "user_name": "root",
    "port": "22",
    "password": CANARY_REMOTE_PASSWORD,
    "remote_use_pem": False,
}
REMOTE_INSTALL = {"invocation_type": "REMOTE_INSTALL", "remote_install_meta": [REMOTE_HOST]}
BAD_PORT_REMOTE_INSTALL = {
    "invocation_type": "REMOTE_INSTALL",
    "remote_install_meta": [{**REMOTE_HOST, "port": "70000"}],
}


SelectSecret = Callable[[str], None]
"""The ``use_secret`` fixture: point the handlers at one of the canary secrets."""


@dataclass
class CanaryCloud:
    """An emulator that accepts the canary credentials, and a secret store that contains them."""

    emulator: CloudEyeEmulator
    secrets: LocalSecretStore
    environment: dict[str, str]


class RecordCollector(logging.Handler):
    """Keep every log record it receives, at any level."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Capture:
    """Everything the handlers produced in one test, gathered as text to search."""

    log_stream: io.StringIO
    collector: RecordCollector
    caplog: pytest.LogCaptureFixture
    capfd: pytest.CaptureFixture[str]
    outputs: list[str] = field(default_factory=list)
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def run(self, logical_id: str, event: Any) -> Any:
        """Invoke a handler, keeping its return value or its exception and traceback."""
        try:
            result = invoke(logical_id, event)
        except Exception as exc:  # noqa: BLE001 - every failure's text is searched
            self.outputs.append(repr(exc))
            self.outputs.append("".join(traceback.format_exception(exc)))
            return exc
        self.outputs.append(json.dumps(result, default=repr))
        return result

    def texts(self) -> dict[str, str]:
        """Return each captured channel by name, from the start of the test."""
        out, err = self.capfd.readouterr()
        self.stdout.append(out)
        self.stderr.append(err)
        records = self.collector.records + self.caplog.records
        return {
            "return values and exceptions": "\n".join(self.outputs),
            "stdout": "".join(self.stdout),
            "stderr": "".join(self.stderr),
            "powertools logger output": self.log_stream.getvalue(),
            "log record attributes": "\n".join(
                json.dumps(record.__dict__, default=repr) for record in records
            ),
            "log record messages": "\n".join(record.getMessage() for record in records),
            "pytest log capture": self.caplog.text,
        }

    def assert_no_canary(self) -> None:
        """Fail naming the channel and the canary if any canary was captured."""
        for channel, text in self.texts().items():
            for canary in CANARIES:
                assert canary not in text, f"{canary} found in {channel}"


@pytest.fixture
def canary_cloud(local_cloud: LocalCloud) -> Iterator[CanaryCloud]:
    """Run an emulator and a secret store whose only credentials are the canaries."""
    config = EmulatorConfig(
        step_seconds=0,
        users=[
            IamUser(
                domain=IAM_DOMAIN,
                name=IAM_USER,
                password=SecretStr(CANARY_IAM_PASSWORD),
                project_id=PROJECT,
            )
        ],
        static_tokens=[SecretStr(CANARY_TOKEN)],
    )
    with CloudEyeEmulator(config) as emulator, LocalSecretStore() as secrets:
        password_secret = {
            "domain": IAM_DOMAIN,
            "user": IAM_USER,
            "password": CANARY_IAM_PASSWORD,
            "project_id": PROJECT,
            "iam_endpoint": emulator.url,
        }
        secrets.put(PASSWORD_SECRET, json.dumps(password_secret))
        wrong_secret = {**password_secret, "password": CANARY_WRONG_IAM_PASSWORD}
        secrets.put(WRONG_PASSWORD_SECRET, json.dumps(wrong_secret))
        secrets.put(TOKEN_SECRET, json.dumps({"token": CANARY_TOKEN}))
        environment = {
            ENDPOINT_ENV: emulator.url,
            IAM_ENDPOINT_ENV: emulator.url,
            "AGENT_FLEET_SECRETS_SOURCE": "extension",
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(secrets.port),
            "AWS_SESSION_TOKEN": secrets.session_token,
        }
        yield CanaryCloud(emulator=emulator, secrets=secrets, environment=environment)


@pytest.fixture
def capture(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> Iterator[Capture]:
    """Log at DEBUG with metrics on, and capture every channel the handlers write to."""
    # Importing a handler module replaces the library logger's handlers
    # (configure_library_logging), so both are imported before any is added.
    for logical_id in (HTTP_FUNCTION, SCHEDULED_FUNCTION):
        runner.load_handler(function_spec(logical_id))

    patch = pytest.MonkeyPatch()
    patch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    patch.setenv("POWERTOOLS_METRICS_DISABLED", "false")

    # The Logger read POWERTOOLS_LOG_LEVEL at import and its handler keeps the
    # stdout of that moment, so both are set here directly.
    powertools_logger = observability.logger
    library_logger = logging.getLogger("agent_fleet")
    saved_levels = (powertools_logger.log_level, library_logger.level)
    powertools_logger.setLevel("DEBUG")
    library_logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = powertools_logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    saved_stream = handler.setStream(stream)
    caplog.set_level(logging.DEBUG)

    # The library logger does not propagate to the root logger, where
    # pytest's own handler sits, so the collector listens on both.
    collector = RecordCollector()
    root_logger = logging.getLogger()
    library_logger.addHandler(collector)
    root_logger.addHandler(collector)

    yield Capture(log_stream=stream, collector=collector, caplog=caplog, capfd=capfd)

    root_logger.removeHandler(collector)
    library_logger.removeHandler(collector)
    if saved_stream is not None:
        handler.setStream(saved_stream)
    powertools_logger.setLevel(saved_levels[0])
    library_logger.setLevel(saved_levels[1])
    patch.undo()


@pytest.fixture
def use_secret(canary_cloud: CanaryCloud) -> Iterator[SelectSecret]:
    """Point the handlers at the canary cloud with a given secret; undone after the test."""
    patch = pytest.MonkeyPatch()
    for name, value in canary_cloud.environment.items():
        patch.setenv(name, value)

    def select(secret_id: str) -> None:
        patch.setenv(TOKEN_SECRET_ENV, secret_id)
        reset_runtime()

    yield select
    patch.undo()
    reset_runtime()


def _status(reply: Any) -> int | None:
    return reply.get("statusCode") if isinstance(reply, dict) else None


def test_secrets_iam_password_never_leaks(
    canary_cloud: CanaryCloud, use_secret: SelectSecret, capture: Capture
) -> None:
    """The IAM password stays out of every output on success, on 5xx and on rejection."""
    use_secret(PASSWORD_SECRET)
    accepted = capture.run(HTTP_FUNCTION, load_sample(PUBLISHED_EXAMPLE))
    scheduled = capture.run(SCHEDULED_FUNCTION, load_sample("scheduled-update-small.json"))
    canary_cloud.emulator.faults.error_rate = 1.0
    capture.run(HTTP_FUNCTION, load_sample(PUBLISHED_EXAMPLE))
    capture.run(SCHEDULED_FUNCTION, load_sample("scheduled-update-small.json"))
    capture.run(HTTP_FUNCTION, load_sample("http-list-invocations.json"))
    canary_cloud.emulator.faults.error_rate = 0.0

    use_secret(WRONG_PASSWORD_SECRET)
    refused = capture.run(HTTP_FUNCTION, load_sample(PUBLISHED_EXAMPLE))
    not_submitted = capture.run(SCHEDULED_FUNCTION, load_sample("scheduled-update-small.json"))
    capture.run(HTTP_FUNCTION, load_sample("http-agent-status.json"))

    assert _status(accepted) == 201
    assert scheduled["status"] == "completed"
    assert _status(refused) == 502
    assert isinstance(not_submitted, Exception)
    assert canary_cloud.emulator.counters().tokens_issued >= 1
    texts = capture.texts()
    assert '"level":"DEBUG"' in texts["powertools logger output"]
    assert "Cloud Eye call" in texts["powertools logger output"]
    capture.assert_no_canary()


def test_secrets_remote_password_never_leaks(
    canary_cloud: CanaryCloud, use_secret: SelectSecret, capture: Capture
) -> None:
    """The remote-install password stays out of every output, valid, invalid or failing."""
    use_secret(PASSWORD_SECRET)
    scheduled_spec = {**load_sample("scheduled-update-small.json"), **REMOTE_INSTALL}
    scheduled_spec.pop("instance_ids")
    scheduled_spec.pop("version_type")
    bad_scheduled_spec = {**scheduled_spec, **BAD_PORT_REMOTE_INSTALL}

    accepted = capture.run(HTTP_FUNCTION, batch_create_event(REMOTE_INSTALL))
    invalid = capture.run(HTTP_FUNCTION, batch_create_event(BAD_PORT_REMOTE_INSTALL))
    scheduled = capture.run(SCHEDULED_FUNCTION, scheduled_spec)
    rejected = capture.run(SCHEDULED_FUNCTION, bad_scheduled_spec)
    canary_cloud.emulator.faults.error_rate = 1.0
    capture.run(HTTP_FUNCTION, batch_create_event(REMOTE_INSTALL))
    capture.run(SCHEDULED_FUNCTION, scheduled_spec)
    canary_cloud.emulator.faults.error_rate = 0.0
    canary_cloud.emulator.faults.drop_rate = 1.0
    capture.run(HTTP_FUNCTION, batch_create_event(REMOTE_INSTALL))

    assert _status(accepted) == 201
    assert _status(invalid) == 400
    assert "remote_install_meta[0].port" in json.loads(invalid["body"])["error_msg"]
    assert scheduled["status"] == "completed"
    assert scheduled["counts"]["successful"] == 1
    assert rejected["status"] == "rejected"
    assert "port" in rejected["error"]
    capture.assert_no_canary()


def test_secrets_token_never_leaks(
    canary_cloud: CanaryCloud, use_secret: SelectSecret, capture: Capture
) -> None:
    """A stored token stays out of every output on success, on 5xx and when Cloud Eye rejects it."""
    use_secret(TOKEN_SECRET)
    accepted = capture.run(HTTP_FUNCTION, load_sample(PUBLISHED_EXAMPLE))
    listed = capture.run(HTTP_FUNCTION, load_sample("http-list-invocations.json"))
    status = capture.run(
        HTTP_FUNCTION, http_event("POST", AGENT_STATUS_PATH, body={"instance_ids": ["a"]})
    )
    canary_cloud.emulator.faults.error_rate = 1.0
    capture.run(HTTP_FUNCTION, load_sample(PUBLISHED_EXAMPLE))
    capture.run(HTTP_FUNCTION, load_sample("http-list-invocations.json"))
    canary_cloud.emulator.faults.error_rate = 0.0
    canary_cloud.emulator.expire_tokens()
    expired = capture.run(HTTP_FUNCTION, load_sample(PUBLISHED_EXAMPLE))
    expired_list = capture.run(HTTP_FUNCTION, load_sample("http-list-invocations.json"))
    not_submitted = capture.run(SCHEDULED_FUNCTION, load_sample("scheduled-update-small.json"))

    assert _status(accepted) == 201
    assert _status(listed) == 200
    assert _status(status) == 200
    assert _status(expired) == 502
    assert _status(expired_list) == 502
    assert isinstance(not_submitted, Exception)
    capture.assert_no_canary()
