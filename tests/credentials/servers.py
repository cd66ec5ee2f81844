"""A scripted HTTP server on 127.0.0.1 that records requests, for stand-ins of AWS and IAM.

Each test gives it a function that turns a recorded request into a reply,
so one class serves as the Parameters and Secrets extension, a throttling
Secrets Manager or a failing IAM endpoint.
"""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; header names are lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What the server sends back."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: object, headers: dict[str, str] | None = None) -> "Reply":
        """Build a reply with a JSON body."""
        return cls(
            status,
            json.dumps(document).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


Responder = Callable[[RecordedRequest], Reply]


class ScriptedServer:
    """An HTTP/1.1 server on a free 127.0.0.1 port that responds with ``responder``."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:40123``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def request_count(self) -> int:
        """How many requests arrived so far."""
        with self._lock:
            return len(self.requests)

    def _record(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        return self.responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without TCP_NODELAY
            # each response waits about 40 ms for a delayed ACK.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                self._respond()

            def do_POST(self) -> None:
                self._respond()

            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                request = RecordedRequest(
                    method=self.command,
                    path=split.path,
                    query=parse_qs(split.query),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                reply = server._record(request)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output quiet."""

        return Handler

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def scripted_server(responder: Responder) -> Iterator[ScriptedServer]:
    """Run a `ScriptedServer` for the duration of a ``with`` block."""
    server = ScriptedServer(responder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class ReplySequence:
    """A responder that plays replies in order and repeats the last one."""

    def __init__(self, *replies: Reply) -> None:
        self._replies = list(replies)
        self._lock = threading.Lock()
        self._index = 0

    def __call__(self, request: RecordedRequest) -> Reply:
        with self._lock:
            reply = self._replies[min(self._index, len(self._replies) - 1)]
            self._index += 1
            return reply
