"""The public emulator object: start, stop, control and inspect a local Cloud Eye."""

import ipaddress
import logging
import threading
from types import TracebackType
from typing import Final, Self

from agent_fleet_dev.emulator.clock import Clock, wall_clock
from agent_fleet_dev.emulator.config import EmulatorConfig
from agent_fleet_dev.emulator.counters import CountersSnapshot
from agent_fleet_dev.emulator.faults import Faults
from agent_fleet_dev.emulator.identifiers import ID_RULE, is_valid_id
from agent_fleet_dev.emulator.server import EmulatorHTTPServer
from agent_fleet_dev.emulator.state import EmulatorState
from agent_fleet_dev.emulator.tasks import Task

logger = logging.getLogger(__name__)

DEFAULT_HOST: Final = "127.0.0.1"
# How often serve_forever checks for a stop request, in seconds.
_SHUTDOWN_POLL_SECONDS: Final = 0.01


def require_loopback(host: str) -> str:
    """Return the address to bind for a loopback host name or address.

    ``localhost`` maps to 127.0.0.1.

    Raises
    ------
    ValueError
        If the host is not a loopback address: the admin endpoints need no
        token, so the emulator must not be reachable from other machines.
    """
    if host == "localhost":
        return DEFAULT_HOST
    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise ValueError(
            f"invalid emulator host {host!r}: pass a loopback IP address such as 127.0.0.1"
        ) from exc
    if not address.is_loopback:
        raise ValueError(
            f"emulator host {host} is not a loopback address; use 127.0.0.1 or ::1 "
            "so that only this machine can reach it"
        )
    return host


class CloudEyeEmulator:
    """A local Cloud Eye and IAM over real HTTP on a loopback address.

    Parameters
    ----------
    config:
        Fleet, projects, credentials, timing and faults; defaults apply when None.
    host:
        Loopback address to listen on.
    port:
        Port to listen on; 0 picks a free one, readable from :attr:`port`.
    clock:
        Source of the current time for token lifetimes and task progress;
        pass a :class:`ManualClock` to move tasks along without sleeping.

    Raises
    ------
    ValueError
        If ``host`` is not a loopback address.

    Example
    -------
    >>> with CloudEyeEmulator() as emulator:
    ...     token = emulator.issue_token("project-1")
    ...     emulator.faults.latency_seconds = 0.1
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        if not 0 <= port <= 65_535:
            raise ValueError(f"invalid emulator port {port}: pass 0 to 65535, or 0 for a free port")
        self._bind_host = require_loopback(host)
        self._requested_port = port
        self.config = config or EmulatorConfig()
        self._state = EmulatorState.from_config(self.config, clock or wall_clock)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> Self:
        """Bind the port and serve in a background thread.

        Raises
        ------
        RuntimeError
            If the emulator was started before; create a new one instead.
        OSError
            If the port cannot be bound.
        """
        if self._server is not None or self._stopped:
            raise RuntimeError("this emulator was already started; create a new CloudEyeEmulator")

        self._server = EmulatorHTTPServer((self._bind_host, self._requested_port), self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
            name="cloud-eye-emulator",
            daemon=True,
        )
        self._thread.start()
        logger.debug("Cloud Eye emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and wait for their threads; idempotent."""
        server, self._server = self._server, None
        if server is None:
            return

        self._stopped = True
        server.shutdown()
        self._state.stopping.set()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
        logger.debug("Cloud Eye emulator stopped")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the bound port.

        Raises
        ------
        RuntimeError
            If the emulator is not running.
        """
        return self._running_server().server_port

    @property
    def host(self) -> str:
        """Return the address the emulator listens on."""
        return self._bind_host

    @property
    def url(self) -> str:
        """Return the base URL, such as ``http://127.0.0.1:54321``."""
        host = f"[{self._bind_host}]" if ":" in self._bind_host else self._bind_host
        return f"http://{host}:{self.port}"

    @property
    def faults(self) -> Faults:
        """Return the live faults; set their attributes to change behaviour at once."""
        return self._state.faults

    def expire_tokens(self) -> None:
        """Expire every token issued so far and the static tokens; new tokens work."""
        self._state.tokens.expire_all()

    def issue_token(self, project_id: str) -> str:
        """Issue a token scoped to a project without the IAM exchange.

        Raises
        ------
        ValueError
            If the project id is not 1 to 64 letters, digits and hyphens.
        """
        if not is_valid_id(project_id):
            raise ValueError(f"invalid project id {project_id!r}: it {ID_RULE}")
        return self._state.tokens.issue(project_id).value.get_secret_value()

    def counters(self) -> CountersSnapshot:
        """Return the counters at this moment."""
        return self._state.counters.snapshot()

    def reset_counters(self) -> None:
        """Set every counter to zero."""
        self._state.counters.reset()

    def reset(self) -> None:
        """Forget tasks and counters, restore the starting faults and the static tokens."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        """Return every task of every project as it is now, oldest first."""
        return self._state.tasks.all_tasks()

    def _running_server(self) -> EmulatorHTTPServer:
        if self._server is None:
            raise RuntimeError(
                "the emulator is not running; call start() or use it in a with block"
            )
        return self._server
