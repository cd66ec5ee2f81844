"""Fixtures of the credentials tests: no retry sleeps, canary secrets, a fake extension."""

from collections.abc import Iterator

import pytest
import stamina

from tests.credentials.fakes import FakeExtension
from tests.credentials.servers import ScriptedServer, scripted_server


@pytest.fixture(autouse=True)
def no_retry_sleeps() -> Iterator[None]:
    """Keep each retry policy's attempt count but skip its backoff sleeps."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture
def fake_extension() -> FakeExtension:
    """A stand-in for the Parameters and Secrets extension's behaviour, empty at first."""
    return FakeExtension(session_token="session-token-for-tests")


@pytest.fixture
def extension_server(fake_extension: FakeExtension) -> Iterator[ScriptedServer]:
    """The fake extension, served over HTTP on 127.0.0.1."""
    with scripted_server(fake_extension) as server:
        yield server
