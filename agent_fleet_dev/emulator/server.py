"""The HTTP/1.1 server: one thread per connection, keep-alive, one socket write per response.

Two details keep loopback latency low. Accepted sockets set ``TCP_NODELAY``,
and each response (status line, headers and body) goes out in a single
write. Without both, Nagle's algorithm delays the second write of a response
until the client's delayed ACK arrives, about 40 ms on Linux.
"""

import email.utils
import json
import logging
import re
import socket
import socketserver
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from agent_fleet_dev.emulator import codes
from agent_fleet_dev.emulator.dispatch import respond
from agent_fleet_dev.emulator.errors import ApiError, bad_request
from agent_fleet_dev.emulator.messages import Request, Response
from agent_fleet_dev.emulator.routes import RouteKind, RouteMatch, match_route
from agent_fleet_dev.emulator.state import EmulatorState

logger = logging.getLogger(__name__)

# Far above the largest valid body (100 remote hosts with 3,000-character passwords).
MAX_BODY_BYTES: Final = 8 * 1024 * 1024
# Idle keep-alive connections close after this many seconds.
IDLE_CONNECTION_TIMEOUT_SECONDS: Final = 120.0
# Threads of open connections get this long to end when the emulator stops.
STOP_JOIN_TIMEOUT_SECONDS: Final = 5.0

_CONTENT_TYPE: Final = "application/json;charset=UTF-8"
_DECIMAL = re.compile(r"[0-9]{1,12}")


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections so it can close them on stop.

    Parameters
    ----------
    address:
        Host and port to bind; port 0 picks a free port.
    state:
        The emulator state the handlers use.
    """

    daemon_threads = True
    # A burst of parallel connects must not overflow the listen backlog,
    # because a dropped SYN costs the client a one-second retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: EmulatorState) -> None:
        self.state = state
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._tracking_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._connection_threads: list[threading.Thread] = []
        super().__init__(address, EmulatorRequestHandler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup that HTTPServer.server_bind makes."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection, turn Nagle's algorithm off and track the socket."""
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._tracking_lock:
            self._connections.add(connection)
        return connection, address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a new daemon thread that :meth:`close_connections` can join."""
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="cloud-eye-emulator-connection",
            daemon=True,
        )
        with self._tracking_lock:
            self._connection_threads = [t for t in self._connection_threads if t.is_alive()]
            self._connection_threads.append(thread)
        thread.start()

    def close_request(self, request: Any) -> None:
        """Close a connection and stop tracking it."""
        with self._tracking_lock:
            self._connections.discard(request)
        super().close_request(request)

    def close_connections(self) -> None:
        """Close every open connection and wait for its thread to end.

        Shutting down the read side first wakes idle keep-alive readers with
        an end of stream, while a request still in progress can write its
        response. Connections whose threads have not ended by the deadline are
        then shut down both ways.
        """
        with self._tracking_lock:
            connections = list(self._connections)
            threads = list(self._connection_threads)

        _shutdown_all(connections, socket.SHUT_RD)
        deadline = time.monotonic() + STOP_JOIN_TIMEOUT_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

        with self._tracking_lock:
            stragglers = list(self._connections)
        _shutdown_all(stragglers, socket.SHUT_RDWR)


def _shutdown_all(connections: list[socket.socket], direction: int) -> None:
    for connection in connections:
        try:
            connection.shutdown(direction)
        except OSError:
            logger.debug("connection was already closed")


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Reads one request at a time from a keep-alive connection and responds to it."""

    protocol_version = "HTTP/1.1"
    server_version = "CloudEyeEmulator"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT_SECONDS
    server: EmulatorHTTPServer

    def do_GET(self) -> None:
        """Handle a GET request."""
        self._handle()

    def do_POST(self) -> None:
        """Handle a POST request."""
        self._handle()

    def do_PUT(self) -> None:
        """Handle a PUT request; no route accepts it."""
        self._handle()

    def do_PATCH(self) -> None:
        """Handle a PATCH request; no route accepts it."""
        self._handle()

    def do_DELETE(self) -> None:
        """Handle a DELETE request; no route accepts it."""
        self._handle()

    def _handle(self) -> None:
        started = time.perf_counter()
        state = self.server.state
        request_id = str(uuid.uuid4())
        target = urlsplit(self.path)
        match = match_route(self.command, target.path)
        kind = None if match.route is None else match.route.kind
        counted = kind is not RouteKind.ADMIN
        concurrent = kind is RouteKind.AGENT

        if counted:
            state.counters.request_started(concurrent=concurrent)
        status: int | None = None
        finished = False
        try:
            response = self._respond(state, match, target.path, target.query, request_id)
            status = None if response.drop else response.status

            # Count the request before writing, so that a client holding the
            # response always finds it in the counters.
            if counted:
                state.counters.request_finished(match.counter_name, status, concurrent=concurrent)
            finished = True

            if response.drop:
                self.close_connection = True
            else:
                self._write(response, request_id)
        finally:
            if counted and not finished:
                state.counters.request_finished(match.counter_name, None, concurrent=concurrent)
            if logger.isEnabledFor(logging.DEBUG):
                _log_request(match.counter_name, status, request_id, started)

    def _respond(
        self, state: EmulatorState, match: RouteMatch, path: str, query: str, request_id: str
    ) -> Response:
        try:
            body = self._read_body()
        except ApiError as exc:
            return Response(exc.status, exc.body(request_id), exc.headers)

        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)

        request = Request(
            method=self.command,
            path=path,
            query=parse_qs(query, keep_blank_values=True),
            headers=headers,
            body=body,
            request_id=request_id,
        )
        try:
            return respond(state, match, request)
        except Exception:
            logger.exception("emulator handler failed", extra={"request_id": request_id})
            error = ApiError(500, codes.CES_INTERNAL_ERROR, "Internal error in the emulator.")
            return Response(500, error.body(request_id))

    def _read_body(self) -> bytes:
        """Read the body by its Content-Length; bodies without one are empty.

        Raises
        ------
        ApiError
            400 for chunked bodies or an invalid Content-Length, 413 for a body
            over the limit. The connection closes afterwards, because the next
            request cannot be found in the stream.
        """
        if self.headers.get("Transfer-Encoding") is not None:
            self.close_connection = True
            raise bad_request(
                "Transfer-Encoding is not supported; send the body with a Content-Length header."
            )

        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        if _DECIMAL.fullmatch(raw_length.strip()) is None:
            self.close_connection = True
            raise bad_request("Content-Length must be a whole number of bytes.")

        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(
                413,
                codes.GATEWAY_BAD_REQUEST,
                f"The request body of {length} bytes exceeds the limit of {MAX_BODY_BYTES} bytes.",
            )

        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
        return body

    def _write(self, response: Response, request_id: str) -> None:
        """Send status line, headers and body in one write."""
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body, separators=(",", ":")).encode()

        lines = [
            f"HTTP/1.1 {response.status} {_reason(response.status)}",
            f"Server: {self.server_version}",
            f"Date: {email.utils.formatdate(usegmt=True)}",
            f"X-Request-Id: {request_id}",
            f"Content-Length: {len(payload)}",
        ]
        if response.body is not None:
            lines.append(f"Content-Type: {_CONTENT_TYPE}")
        lines.extend(f"{name}: {value}" for name, value in response.headers.items())
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")

        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + payload)
        except OSError:
            logger.debug("client closed the connection before the response was written")
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Respond as JSON to a request the HTTP parser rejected, and close the connection."""
        self.close_connection = True
        reason = message or _reason(code)
        if code == HTTPStatus.NOT_IMPLEMENTED:
            error = ApiError(404, codes.GATEWAY_API_NOT_FOUND, f"API not found: {reason}.")
        else:
            error = ApiError(code, codes.GATEWAY_BAD_REQUEST, f"Malformed HTTP request: {reason}.")

        request_id = str(uuid.uuid4())
        self._write(Response(error.status, error.body(request_id)), request_id)

    def log_message(self, format: str, *args: Any) -> None:
        """Send http.server's own messages to the DEBUG log instead of stderr."""
        logger.debug("http.server: " + format, *args)


def _log_request(route: str, status: int | None, request_id: str, started: float) -> None:
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    logger.debug(
        "%s returned %s in %s ms (request id %s)",
        route,
        status,
        elapsed_ms,
        request_id,
        extra={
            "route": route,
            "status": status,
            "request_id": request_id,
            "elapsed_ms": elapsed_ms,
        },
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
