"""Fixtures of the trigger tests: one local cloud for the package, reset before each test.

The handlers' runtime (settings, token cache, connection pools) is built once
for the package, as in a warm Lambda container, because each build creates
three TLS contexts and costs about half a second. Tests that change a setting
do it through :func:`setting`, which rebuilds the runtime before and after.
"""

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import stamina

from agent_fleet.runtime import reset_runtime
from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig
from agent_fleet_dev.local_cloud import LocalCloud
from tests.triggers.support import PROJECT

RETRY_ATTEMPTS = 2
"""Attempts per Cloud Eye call in these tests: one retry still runs, without its sleep."""

METRICS_DISABLED_ENV = "POWERTOOLS_METRICS_DISABLED"

# powertools warns on every invocation that adds no metric, such as a
# rejected request, even with metrics disabled.
NO_METRICS_WARNING = "ignore:No application metrics to publish:UserWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Silence the no-metrics warning for the tests of this package only."""
    package = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(package):
            item.add_marker(pytest.mark.filterwarnings(NO_METRICS_WARNING))


@pytest.fixture(scope="package", autouse=True)
def no_retry_sleeps() -> Iterator[None]:
    """Cap retries at RETRY_ATTEMPTS and skip their backoff sleeps for this package only."""
    with stamina.set_testing(True, attempts=RETRY_ATTEMPTS, cap=True):
        yield


@pytest.fixture(scope="package", autouse=True)
def quiet_metrics() -> Iterator[None]:
    """Turn off the EMF documents printed per invocation; the secrets test turns them back on."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(METRICS_DISABLED_ENV, "true")
        yield


@pytest.fixture(scope="package")
def local_cloud() -> Iterator[LocalCloud]:
    """Run the emulator and the secret store on loopback, the environment pointing at them.

    Tasks end at once (``step_seconds=0``), so submitting a host again in a
    later test is not refused as an unfinished task.
    """
    cloud = LocalCloud([PROJECT], EmulatorConfig(step_seconds=0))
    with cloud, cloud.configured_for(PROJECT):
        yield cloud


@pytest.fixture
def cloud(local_cloud: LocalCloud) -> Iterator[LocalCloud]:
    """The package's cloud with no tasks, counters or faults left over from earlier tests."""
    emulator = local_cloud.emulator
    assert emulator is not None
    emulator.reset()
    yield local_cloud
    _wait_until_idle(emulator)
    emulator.reset()


def _wait_until_idle(emulator: CloudEyeEmulator, timeout_seconds: float = 10.0) -> None:
    """Wait for requests a test gave up on (client timeouts) to finish, so none is counted later."""
    deadline = time.monotonic() + timeout_seconds
    while emulator.counters().in_flight and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def setting(cloud: LocalCloud) -> Iterator[Callable[[str, str], None]]:
    """Set an environment variable and rebuild the runtime; both are undone after the test."""
    patch = pytest.MonkeyPatch()

    def set_variable(name: str, value: str) -> None:
        patch.setenv(name, value)
        reset_runtime()

    yield set_variable
    patch.undo()
    reset_runtime()


@pytest.fixture
def own_cloud(local_cloud: LocalCloud) -> Iterator[LocalCloud]:
    """A cloud of the test's own, for tests that break its secrets or its emulator.

    On exit the environment points at the package's cloud again and the
    runtime is rebuilt from it.
    """
    cloud = LocalCloud([PROJECT], EmulatorConfig(step_seconds=0))
    with cloud, cloud.configured_for(PROJECT):
        yield cloud


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on, found by binding it and closing it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
