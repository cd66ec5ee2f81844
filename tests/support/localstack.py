"""Start LocalStack on the host, on a free loopback port, for the test session.

No Docker engine runs where these tests run, so LocalStack's Python runtime
starts directly from its own virtual environment (``make localstack``
installs it into ``.localstack/venv``). The server binds 127.0.0.1 only,
keeps its state in a temporary folder and writes its output to a log file.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pytest_localstack.session import RunningSession

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCALSTACK_PYTHON_ENV = "AGENT_FLEET_LOCALSTACK_PYTHON"
DEFAULT_LOCALSTACK_PYTHON = REPO_ROOT / ".localstack" / "venv" / "bin" / "python"

LOCALSTACK_REGION = "us-east-1"
SERVICES = ("secretsmanager", "sqs")
# LocalStack accepts any credentials and does not verify signatures.
LOCALSTACK_ACCESS_KEY_ID = "test"
LOCALSTACK_SECRET_ACCESS_KEY = "test"

STARTUP_TIMEOUT_SECONDS = 60.0
HEALTH_POLL_INTERVAL_SECONDS = 0.2
HEALTH_REQUEST_TIMEOUT = httpx.Timeout(2.0)
SERVICES_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
LOG_TAIL_CHARS = 2000


class LocalStackError(RuntimeError):
    """LocalStack is not installed, or did not start in time."""


@dataclass(frozen=True)
class LocalStackServer:
    """A running LocalStack and the settings that reach it.

    ``session`` is pytest-localstack's `RunningSession`, connected to this
    server's port; it creates boto3 clients bound to it.
    """

    endpoint_url: str
    port: int
    log_path: Path
    session: Any = field(repr=False)
    region: str = LOCALSTACK_REGION
    access_key_id: str = LOCALSTACK_ACCESS_KEY_ID
    secret_access_key: str = field(default=LOCALSTACK_SECRET_ACCESS_KEY, repr=False)

    def aws_environ(self) -> dict[str, str]:
        """Return the AWS environment variables of a process that talks to this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }

    @contextmanager
    def boto3_client(self, service_name: str) -> Iterator[Any]:
        """Yield a boto3 client bound to this server, such as for "secretsmanager", and close it."""
        client = self.session.boto3.client(service_name)
        try:
            yield client
        finally:
            client.close()


def localstack_python(environ: Mapping[str, str] = os.environ) -> Path:
    """Return LocalStack's interpreter.

    ``AGENT_FLEET_LOCALSTACK_PYTHON`` names it (relative paths start at the
    repository root); without it, ``.localstack/venv/bin/python`` is used.

    Raises
    ------
    LocalStackError
        When the interpreter does not exist, with the command that installs it.
    """
    configured = environ.get(LOCALSTACK_PYTHON_ENV)
    python = Path(configured) if configured else DEFAULT_LOCALSTACK_PYTHON
    if not python.is_absolute():
        python = REPO_ROOT / python
    if not python.exists():
        raise LocalStackError(
            f"LocalStack's Python {python} does not exist. Run `make localstack` to install "
            f"LocalStack into .localstack/venv, or set {LOCALSTACK_PYTHON_ENV} to its interpreter."
        )
    return python


def free_loopback_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def localstack_environ(port: int, filesystem_root: Path) -> dict[str, str]:
    """Return the environment that runs LocalStack on the host, bound to 127.0.0.1:``port``."""
    address = f"127.0.0.1:{port}"
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LOCALSTACK_", "VIRTUAL_ENV", "PYTHON"))
    }
    environ.update(
        {
            # A /.dockerenv file exists on these machines although no Docker runs.
            "OVERRIDE_IN_DOCKER": "0",
            "GATEWAY_LISTEN": address,
            # The default server ignores the host part and binds every interface.
            "GATEWAY_SERVER": "hypercorn",
            "LOCALSTACK_HOST": address,
            "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
            "SERVICES": ",".join(SERVICES),
            "SQS_ENDPOINT_STRATEGY": "path",
            "FILESYSTEM_ROOT": str(filesystem_root),
        }
    )
    return environ


@contextmanager
def run_localstack(python: Path, workdir: Path) -> Iterator[LocalStackServer]:
    """Start LocalStack, wait until it is healthy, yield it, then stop it.

    Parameters
    ----------
    python:
        The interpreter of LocalStack's virtual environment.
    workdir:
        A folder for LocalStack's state (``filesystem``) and its log (``localstack.log``).

    Raises
    ------
    LocalStackError
        When the server exits or is not healthy within 60 s; the message
        points at the log.
    """
    port = free_loopback_port()
    filesystem_root = workdir / "filesystem"
    filesystem_root.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "localstack.log"
    session = RunningSession(
        "127.0.0.1",
        services=dict.fromkeys(SERVICES, port),
        region_name=LOCALSTACK_REGION,
    )
    server = LocalStackServer(
        endpoint_url=f"http://127.0.0.1:{port}", port=port, log_path=log_path, session=session
    )

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(python), "-m", "localstack.runtime.main"],
            env=localstack_environ(port, filesystem_root),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(process, server)
            # The first call to a service loads it, which takes seconds more;
            # the session's checks make that call once here.
            session.start(timeout=SERVICES_TIMEOUT_SECONDS)
            yield server
        finally:
            _stop(process)


def _wait_until_healthy(process: subprocess.Popen[bytes], server: LocalStackServer) -> None:
    """Poll ``/_localstack/health`` until it returns 200, the process exits, or time runs out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    health_url = f"{server.endpoint_url}/_localstack/health"
    with httpx.Client(timeout=HEALTH_REQUEST_TIMEOUT, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalStackError(
                    f"LocalStack exited with status {process.returncode} before it was healthy. "
                    f"See its log {server.log_path}:\n{_log_tail(server.log_path)}"
                )
            try:
                if client.get(health_url).status_code == httpx.codes.OK:
                    return
            except httpx.TransportError:
                pass
            time.sleep(HEALTH_POLL_INTERVAL_SECONDS)

    raise LocalStackError(
        f"LocalStack did not respond at {health_url} within {STARTUP_TIMEOUT_SECONDS:.0f} s. "
        f"See its log {server.log_path}:\n{_log_tail(server.log_path)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Send SIGTERM, wait a bounded time, then kill the process."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _log_tail(log_path: Path) -> str:
    """Return the end of the log, for error messages."""
    try:
        return log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
    except OSError as exc:
        return f"(the log could not be read: {exc})"
