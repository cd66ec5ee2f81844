"""Issued and static IAM tokens, and the checks the gateway makes on them.

Tokens are kept by their SHA-256 digest, so the store never keeps a token in
clear text after handing it out. Static tokens are accepted for any project.
"""

import enum
import hashlib
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import SecretStr

from agent_fleet_dev.emulator.clock import Clock

# Cloud Eye accepts X-Auth-Token values of 1 to 16,384 characters.
MAX_TOKEN_LENGTH = 16_384


class TokenState(enum.Enum):
    """Outcome of checking a token."""

    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """Result of :meth:`TokenStore.check`.

    ``project_id`` is the token's scope, or None for a static token.
    """

    state: TokenState
    project_id: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token with its lifetime, in epoch seconds."""

    value: SecretStr
    project_id: str
    issued_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class _TokenRecord:
    project_id: str
    serial: int
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenStore:
    """Thread-safe store of tokens.

    Parameters
    ----------
    clock:
        Source of the current time, in epoch seconds.
    ttl_seconds:
        Lifetime of issued tokens.
    static_tokens:
        Pre-issued tokens that never expire by time, only by :meth:`expire_all`.
    """

    def __init__(
        self, clock: Clock, ttl_seconds: float, static_tokens: Iterable[SecretStr]
    ) -> None:
        self._clock = clock
        self._ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._issued: dict[str, _TokenRecord] = {}
        self._static = frozenset(_digest(token.get_secret_value()) for token in static_tokens)
        self._static_expired = False
        self._next_serial = 1
        # Tokens with a serial up to this one were expired by expire_all().
        self._expired_through = 0

    def issue(self, project_id: str) -> IssuedToken:
        """Issue a new token scoped to a project."""
        value = secrets.token_urlsafe(48)
        with self._lock:
            now = self._clock()
            record = _TokenRecord(
                project_id=project_id,
                serial=self._next_serial,
                expires_at=now + self._ttl_seconds,
            )
            self._next_serial += 1
            self._issued[_digest(value)] = record

        return IssuedToken(
            value=SecretStr(value),
            project_id=project_id,
            issued_at=now,
            expires_at=record.expires_at,
        )

    def check(self, token: str) -> TokenCheck:
        """Check a token from an ``X-Auth-Token`` header."""
        digest = _digest(token)
        with self._lock:
            if digest in self._static:
                state = TokenState.EXPIRED if self._static_expired else TokenState.VALID
                return TokenCheck(state)

            record = self._issued.get(digest)
            if record is None:
                return TokenCheck(TokenState.UNKNOWN)

            expired = record.serial <= self._expired_through or self._clock() >= record.expires_at
            state = TokenState.EXPIRED if expired else TokenState.VALID
            return TokenCheck(state, record.project_id)

    def expire_all(self) -> None:
        """Expire every token issued so far and the static tokens; later tokens work."""
        with self._lock:
            self._expired_through = self._next_serial - 1
            self._static_expired = True

    def restore_static(self) -> None:
        """Make the static tokens valid again."""
        with self._lock:
            self._static_expired = False
