"""The Cloud Eye token provider: secret to token, cached per warm container.

A handler creates one `TokenProvider` at module scope. The first
`TokenProvider.get_token` call reads the secret and, for password
credentials, exchanges them at IAM; later calls return the cached token until
shortly before it expires. When Cloud Eye responds 401, the caller passes the
rejected token back as ``stale`` and gets a fresh one.
"""

import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from agent_fleet.credentials.constants import (
    DEFAULT_REFRESH_MARGIN_SECONDS,
    FAILED_REFRESH_BACKOFF_SECONDS,
    UNKNOWN_EXPIRY_REUSE_SECONDS,
)
from agent_fleet.credentials.exceptions import (
    CredentialsConfigurationError,
    CredentialsError,
    TokenExchangeError,
    TokenExpiredError,
)
from agent_fleet.credentials.formats import (
    TokenSecret,
    parse_credentials_secret,
    validate_iam_endpoint,
)
from agent_fleet.credentials.iam import IssuedToken, exchange_password_for_token
from agent_fleet.credentials.redaction import install_httpcore_header_redaction
from agent_fleet.credentials.secrets import SecretSource

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _CachedToken:
    """A token with its expiry and the time to refresh it, in the provider clock's seconds."""

    value: SecretStr
    expires_at: float | None
    refresh_at: float


class TokenProvider:
    """Cloud Eye tokens read from a secret, cached until shortly before they expire.

    Create one per handler module at cold start, and after a 401 response call
    ``get_token(stale=<the rejected token>)``. The provider is thread-safe:
    every call takes one lock, so concurrent callers that find the cache
    empty, expiring or holding a rejected token cause a single fetch, and the
    others wait for its result.

    Parameters
    ----------
    secret_source:
        Where to read the secret, such as `secret_source_from_environ()`.
    secret_id:
        The name or ARN of the secret.
    iam_endpoint:
        The IAM base URL for password secrets that have no ``iam_endpoint``
        of their own, such as ``https://iam.eu-west-101.myhuaweicloud.com``.
    http:
        The client for IAM requests. When None, the provider creates one and
        `close` closes it.
    clock:
        Returns the current time in seconds since the epoch; tests inject their own.
    refresh_margin_seconds:
        How long before its expiry a token is replaced. For a token that lives
        less than twice the margin, the provider refreshes at half its remaining
        life instead.

    Raises
    ------
    CredentialsConfigurationError
        When ``iam_endpoint`` is not an https URL (http only on loopback) or
        the margin is negative.
    """

    def __init__(
        self,
        secret_source: SecretSource,
        secret_id: str,
        *,
        iam_endpoint: str | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        refresh_margin_seconds: float = DEFAULT_REFRESH_MARGIN_SECONDS,
    ) -> None:
        if refresh_margin_seconds < 0:
            raise CredentialsConfigurationError(
                f"Invalid refresh_margin_seconds {refresh_margin_seconds}: "
                "expected 0 or more seconds.",
                setting="refresh_margin_seconds",
            )
        self.iam_endpoint = _checked_iam_endpoint(iam_endpoint) if iam_endpoint else None
        self.secret_source = secret_source
        self.secret_id = secret_id
        self.refresh_margin_seconds = refresh_margin_seconds
        self._clock = clock
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client()
        self._lock = threading.Lock()
        self._cached: _CachedToken | None = None
        install_httpcore_header_redaction()

    def __repr__(self) -> str:
        cached = self._cached
        refresh_at = _isoformat(cached.refresh_at) if cached else None
        return (
            f"TokenProvider(secret_id={self.secret_id!r}, secret_source={self.secret_source!r}, "
            f"iam_endpoint={self.iam_endpoint!r}, refresh_at={refresh_at!r})"
        )

    def get_token(self, *, stale: SecretStr | None = None) -> SecretStr:
        """Return the cached Cloud Eye token, or fetch a new one when it is due for refresh.

        Parameters
        ----------
        stale:
            The token Cloud Eye just rejected with 401. If the cache still
            contains it, the provider reads the secret again and, for password
            credentials, requests a new token from IAM. If another thread already
            replaced it, the newer cached token is returned without a fetch.
            NOTE: through the Parameters and Secrets extension, a re-read may
            return a cached copy of the secret that is up to its TTL old.

        Returns
        -------
        SecretStr
            The token, for the ``X-Auth-Token`` header.

        Raises
        ------
        SecretFetchError
            When the secret cannot be read.
        SecretFormatError
            When the secret is in neither known format.
        TokenExchangeError
            When IAM does not issue a token.
        TokenExpiredError
            When the secret contains a token that has already expired.
        CredentialsConfigurationError
            When a password secret needs an IAM endpoint and none is known.

        When a refresh fails while the cached token is still valid and was not
        rejected, the cached token is returned and the refresh is tried again
        after a short backoff.
        """
        with self._lock:
            now = self._clock()
            cached = self._cached
            rejected = cached is not None and stale is not None and _same_token(cached.value, stale)
            if cached is not None and not rejected and now < cached.refresh_at:
                return cached.value

            try:
                fresh = self._fetch(now)
            except CredentialsError as exc:
                if (
                    cached is None
                    or rejected
                    or cached.expires_at is None
                    or now >= cached.expires_at
                ):
                    raise
                logger.warning(
                    "Token refresh failed; using the cached token until it expires",
                    extra={
                        "secret_id": self.secret_id,
                        "error_type": type(exc).__name__,
                        "expires_at": _isoformat(cached.expires_at),
                    },
                )
                retry_at = min(now + FAILED_REFRESH_BACKOFF_SECONDS, cached.expires_at)
                self._cached = replace(cached, refresh_at=retry_at)
                return cached.value

            if stale is not None and _same_token(fresh.value, stale):
                logger.warning(
                    "The secret still contains the token that Cloud Eye rejected; rotate it",
                    extra={"secret_id": self.secret_id},
                )
            self._cached = fresh
            return fresh.value

    def close(self) -> None:
        """Close the IAM HTTP client if this provider created it."""
        if self._owns_http:
            self._http.close()

    def _fetch(self, now: float) -> _CachedToken:
        """Read the secret, exchange password credentials if needed, and set the refresh time."""
        secret_string = self.secret_source.get_secret_string(self.secret_id)
        secret = parse_credentials_secret(secret_string, secret_id=self.secret_id)

        if isinstance(secret, TokenSecret):
            issued = IssuedToken(value=secret.token, expires_at=secret.expires_at)
            kind = "stored"
            if secret.expires_at is not None and secret.expires_at.timestamp() <= now:
                raise TokenExpiredError(self.secret_id, secret.expires_at)
        else:
            endpoint = secret.iam_endpoint or self.iam_endpoint
            if endpoint is None:
                raise CredentialsConfigurationError(
                    f"Secret {self.secret_id!r} contains IAM password credentials but no "
                    'IAM endpoint is known. Add "iam_endpoint": '
                    '"https://iam.<region>.myhuaweicloud.com" to the secret, or pass '
                    "iam_endpoint to TokenProvider.",
                    setting="iam_endpoint",
                )
            issued = exchange_password_for_token(
                self._http, endpoint, secret, secret_id=self.secret_id
            )
            kind = "issued"
            if issued.expires_at is not None and issued.expires_at.timestamp() <= now:
                raise TokenExchangeError(
                    endpoint,
                    secret_id=self.secret_id,
                    reason=f"IAM issued a token that expires at {issued.expires_at.isoformat()}, "
                    f"which is already past by this machine's clock ({_isoformat(now)})",
                    hint="Check the clock of this machine.",
                )

        cached = self._cache_entry(issued, now)
        logger.info(
            "Cloud Eye token obtained",
            extra={
                "secret_id": self.secret_id,
                "token_kind": kind,
                "expires_at": _isoformat(cached.expires_at),
                "refresh_at": _isoformat(cached.refresh_at),
            },
        )
        return cached

    def _cache_entry(self, issued: IssuedToken, now: float) -> _CachedToken:
        """Cache ``issued`` until the margin before expiry, or half its remaining life."""
        if issued.expires_at is None:
            return _CachedToken(issued.value, None, now + UNKNOWN_EXPIRY_REUSE_SECONDS)

        expires_at = issued.expires_at.timestamp()
        remaining = expires_at - now
        refresh_at = expires_at - min(self.refresh_margin_seconds, remaining / 2)
        return _CachedToken(issued.value, expires_at, refresh_at)


def _checked_iam_endpoint(value: str) -> str:
    """Validate the ``iam_endpoint`` argument and translate the error."""
    try:
        return validate_iam_endpoint(value)
    except ValueError as exc:
        raise CredentialsConfigurationError(
            f"Invalid iam_endpoint {value!r}: {exc}.", setting="iam_endpoint"
        ) from exc


def _same_token(first: SecretStr, second: SecretStr) -> bool:
    """Compare two tokens in constant time."""
    return hmac.compare_digest(
        first.get_secret_value().encode(), second.get_secret_value().encode()
    )


def _isoformat(timestamp: float | None) -> str | None:
    """Render seconds since the epoch as an ISO 8601 UTC time."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
