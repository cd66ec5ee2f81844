"""Fixtures that start a Cloud Eye emulator on a free loopback port and talk to it over HTTP."""

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig, Fleet, IamUser, ManualClock

PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
OTHER_PROJECT_ID = "f9e8d7c6b5a4039281706f5e4d3c2b1a"
DOMAIN = "acme"
USER = "fleet-bot"
PASSWORD = "correct horse battery staple"
STATIC_TOKEN = "static-token-for-emulator-tests"
STEP_SECONDS = 10.0
BATCH_CREATE = f"/v3/{PROJECT_ID}/agent-invocations/batch-create"
LIST_INVOCATIONS = f"/v3/{PROJECT_ID}/agent-invocations"
AGENT_STATUS = f"/v3/{PROJECT_ID}/agent-status/batch-query"


def make_config(**overrides: Any) -> EmulatorConfig:
    """Build the tests' usual configuration: one IAM user, one static token, 10-second steps."""
    settings: dict[str, Any] = {
        "users": [
            IamUser(domain=DOMAIN, name=USER, password=SecretStr(PASSWORD), project_id=PROJECT_ID)
        ],
        "static_tokens": [STATIC_TOKEN],
        "step_seconds": STEP_SECONDS,
    }
    settings.update(overrides)
    return EmulatorConfig(**settings)


def password_body(
    *, password: str = PASSWORD, project_id: str = PROJECT_ID, user: str = USER
) -> dict[str, Any]:
    """Build an IAM password-authentication body."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "password": password, "domain": {"name": DOMAIN}}
                },
            },
            "scope": {"project": {"id": project_id}},
        }
    }


def install_body(*instance_ids: str, **fields: Any) -> dict[str, Any]:
    """Build an INSTALL batch-create body for the given hosts."""
    return {"invocation_type": "INSTALL", "instance_ids": list(instance_ids), **fields}


# Each httpx client otherwise builds its own SSL context, and loading the CA
# bundle costs about 0.2 s. The emulator speaks plain HTTP, so one shared
# context is enough.
_SSL_CONTEXT = ssl.create_default_context()


def make_client(emulator: CloudEyeEmulator, **options: Any) -> httpx.Client:
    """Build an HTTP client bound to the emulator."""
    return httpx.Client(base_url=emulator.url, timeout=10.0, verify=_SSL_CONTEXT, **options)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test advances it."""
    return ManualClock(start=datetime(2030, 1, 1, tzinfo=UTC).timestamp())


@pytest.fixture
def fleet() -> Fleet | None:
    """The fleet of the emulator fixture; None keeps the built-in one."""
    return None


@pytest.fixture
def emulator(clock: ManualClock, fleet: Fleet | None) -> Iterator[CloudEyeEmulator]:
    """A started emulator with the usual configuration, stopped after the test."""
    config = make_config() if fleet is None else make_config(fleet=fleet)
    with CloudEyeEmulator(config, clock=clock) as emulator:
        yield emulator


@pytest.fixture
def client(emulator: CloudEyeEmulator) -> Iterator[httpx.Client]:
    """An HTTP client bound to the emulator, without a token."""
    with make_client(emulator) as client:
        yield client


@pytest.fixture
def token(emulator: CloudEyeEmulator) -> str:
    """A token scoped to PROJECT_ID."""
    return emulator.issue_token(PROJECT_ID)


@pytest.fixture
def api(emulator: CloudEyeEmulator, token: str) -> Iterator[httpx.Client]:
    """An HTTP client bound to the emulator that sends a valid token."""
    with make_client(emulator, headers={"X-Auth-Token": token}) as client:
        yield client
