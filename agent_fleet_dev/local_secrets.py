"""A stand-in for the AWS Parameters and Secrets Lambda Extension, on 127.0.0.1.

The local runner starts it when no Cloud Eye endpoint is configured, so the
handlers read their token secret through the same code path as in Lambda.
It serves ``GET /secretsmanager/get?secretId=...`` and checks the
``X-Aws-Parameters-Secrets-Token`` header like the real extension.
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 - a header name


class LocalSecretStore:
    """Serve secret strings by id until :meth:`stop`; use as a context manager."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.session_token = secrets.token_urlsafe(24)
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The loopback port the store listens on."""
        return int(self._server.server_address[1])

    def put(self, secret_id: str, value: str) -> None:
        """Store ``value`` as the secret string of ``secret_id``."""
        with self._lock:
            self._secrets[secret_id] = value

    def start(self) -> "LocalSecretStore":
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "LocalSecretStore":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _lookup(self, secret_id: str) -> str | None:
        with self._lock:
            return self._secrets.get(secret_id)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/secretsmanager/get":
                    self._reply(404, {"message": f"no route {url.path}"})
                    return
                if self.headers.get(TOKEN_HEADER) != store.session_token:
                    self._reply(401, {"message": f"missing or wrong {TOKEN_HEADER} header"})
                    return
                secret_id = parse_qs(url.query).get("secretId", [""])[0]
                value = store._lookup(secret_id)
                if value is None:
                    self._reply(
                        400,
                        {
                            "__type": "ResourceNotFoundException",
                            "message": "Secrets Manager can't find the specified secret.",
                        },
                    )
                    return
                self._reply(200, {"Name": secret_id, "ARN": secret_id, "SecretString": value})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                head = (
                    f"HTTP/1.1 {status} {self.responses[status][0]}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n"
                ).encode()
                self.wfile.write(head + payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
