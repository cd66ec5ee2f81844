"""Fixtures for the Cloud Eye client tests: an emulator and a client bound to it."""

import json
from collections.abc import Iterator

import pytest
import stamina
from pydantic import SecretStr

from agent_fleet.cloudeye import CloudEyeClient, RetryPolicy
from agent_fleet.credentials import TokenProvider
from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig, IamUser

PROJECT_ID = "0123456789abcdef0123456789abcdef"
SECRET_ID = "test/cloud-eye"
PASSWORD = "CANARY-IAM-PASSWORD-c41d"


class DictSecretSource:
    """A secrets store in memory, used in place of AWS, which tests cannot reach."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.reads = 0

    def get_secret_string(self, secret_id: str) -> str:
        self.reads += 1
        return self.values[secret_id]


def password_secret(emulator: CloudEyeEmulator) -> DictSecretSource:
    """A store holding IAM password credentials of the emulator's test user."""
    secret = {
        "domain": "test-domain",
        "user": "operator",
        "password": PASSWORD,
        "project_id": PROJECT_ID,
        "iam_endpoint": emulator.url,
    }
    return DictSecretSource({SECRET_ID: json.dumps(secret)})


def emulator_config(**overrides: object) -> EmulatorConfig:
    """An emulator configuration with the test IAM user and instant task completion."""
    user = IamUser(
        domain="test-domain", name="operator", password=SecretStr(PASSWORD), project_id=PROJECT_ID
    )
    return EmulatorConfig.model_validate({"users": [user], "step_seconds": 0, **overrides})


@pytest.fixture
def emulator() -> Iterator[CloudEyeEmulator]:
    """A fresh emulator on a free loopback port."""
    with CloudEyeEmulator(emulator_config()) as running:
        yield running


@pytest.fixture
def client(emulator: CloudEyeEmulator) -> Iterator[CloudEyeClient]:
    """A client of the emulator with real IAM token exchange and no retry sleeps."""
    tokens = TokenProvider(password_secret(emulator), SECRET_ID)
    with (
        stamina.set_testing(True, attempts=6, cap=True),
        CloudEyeClient(emulator.url, tokens, retry=RetryPolicy(attempts=6)) as bound,
    ):
        yield bound
