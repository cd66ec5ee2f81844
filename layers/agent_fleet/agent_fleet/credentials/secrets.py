"""Secret sources: where the handlers read the secret that contains Cloud Eye credentials.

Two sources implement the `SecretSource` protocol:

- `ExtensionSecretSource` reads through the AWS Parameters and Secrets Lambda
  Extension, which caches secrets inside the execution environment;
- `SecretsManagerSource` calls Secrets Manager's ``GetSecretValue`` directly,
  signed with SigV4.

`secret_source_from_environ` picks one at cold start. Both return the secret's
``SecretString`` and never log it.
"""

import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import httpx
import stamina
from pydantic import SecretStr

from agent_fleet.credentials._secret_responses import (
    EXTENSION_SOURCE_NAME,
    SECRETS_MANAGER_SOURCE_NAME,
    aws_status_error,
    extension_status_error,
    log_call,
    secret_string_from,
    transport_error,
)
from agent_fleet.credentials.aws import AwsCredentials, resolve_endpoint_url
from agent_fleet.credentials.constants import (
    AWS_JSON_1_1,
    EXTENSION_DEFAULT_PORT,
    EXTENSION_EXECUTABLE_NAME,
    EXTENSION_HOST,
    EXTENSION_NOT_READY_ATTEMPTS,
    EXTENSION_NOT_READY_TIMEOUT_SECONDS,
    EXTENSION_NOT_READY_WAIT_INITIAL_SECONDS,
    EXTENSION_NOT_READY_WAIT_MAX_SECONDS,
    EXTENSION_PORT_ENV,
    EXTENSION_SECRET_PATH,
    EXTENSION_TIMEOUT,
    EXTENSION_TOKEN_HEADER,
    LAMBDA_EXTENSIONS_DIR,
    RETRY_WAIT_INITIAL_SECONDS,
    RETRY_WAIT_MAX_SECONDS,
    SECRETS_MANAGER_ATTEMPTS,
    SECRETS_MANAGER_ENDPOINT_ENV,
    SECRETS_MANAGER_RETRY_TIMEOUT_SECONDS,
    SECRETS_MANAGER_SERVICE,
    SECRETS_MANAGER_TARGET,
    SECRETS_MANAGER_TIMEOUT,
    SECRETS_SOURCE_AUTO,
    SECRETS_SOURCE_CHOICES,
    SECRETS_SOURCE_ENV,
    SECRETS_SOURCE_EXTENSION,
    SECRETS_SOURCE_SECRETS_MANAGER,
    SESSION_TOKEN_ENV,
)
from agent_fleet.credentials.exceptions import (
    CredentialsConfigurationError,
    SecretFetchError,
)
from agent_fleet.credentials.redaction import install_httpcore_header_redaction

logger = logging.getLogger(__name__)


class SecretSource(Protocol):
    """Anything that returns the ``SecretString`` of a secret by its name or ARN."""

    def get_secret_string(self, secret_id: str) -> str:
        """Return the secret's string value.

        Raises
        ------
        SecretFetchError
            When the store does not return the secret.
        SecretFormatError
            When the secret has no string value.
        """
        ...


class ExtensionSecretSource:
    """Read secrets through the AWS Parameters and Secrets Lambda Extension.

    The extension listens on ``localhost`` inside the execution environment,
    caches each secret for up to ``SECRETS_MANAGER_TTL`` seconds (300 by
    default), and authenticates callers by the ``X-Aws-Parameters-Secrets-Token``
    header, which must carry the function's ``AWS_SESSION_TOKEN``. During
    init it may respond HTTP 400 "not ready to serve traffic"; that response,
    connection errors, 429 and 5xx are retried within a few seconds.

    Parameters
    ----------
    port:
        The extension's port; else ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``; else 2773.
    session_token:
        The value of the token header; else ``AWS_SESSION_TOKEN``.
    environ:
        The environment to read the defaults from.
    http:
        The client to send requests with. When None, the source creates one
        and `close` closes it.

    Raises
    ------
    CredentialsConfigurationError
        When the port is not a number from 1 to 65535, or no session token is known.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        session_token: SecretStr | None = None,
        environ: Mapping[str, str] = os.environ,
        http: httpx.Client | None = None,
    ) -> None:
        self.port = port if port is not None else _port_from_environ(environ)
        if not 1 <= self.port <= 65535:
            raise CredentialsConfigurationError(
                f"Invalid extension port {self.port} (the port argument or "
                f"{EXTENSION_PORT_ENV}): expected 1 to 65535.",
                setting=EXTENSION_PORT_ENV,
            )

        token = (
            session_token.get_secret_value() if session_token else environ.get(SESSION_TOKEN_ENV)
        )
        if not token:
            raise CredentialsConfigurationError(
                f"Missing {SESSION_TOKEN_ENV}: the Parameters and Secrets Lambda Extension "
                f"requires it in the {EXTENSION_TOKEN_HEADER} header. Lambda sets it; "
                "elsewhere, export it or use the Secrets Manager source.",
                setting=SESSION_TOKEN_ENV,
            )
        self._session_token = SecretStr(token)
        install_httpcore_header_redaction()

        # A client of our own ignores proxy variables: the token header must
        # go straight to the extension.
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(trust_env=False)

    def __repr__(self) -> str:
        return f"ExtensionSecretSource(port={self.port})"

    def get_secret_string(self, secret_id: str) -> str:
        """Return the ``SecretString`` of ``secret_id`` as the extension serves it.

        Raises
        ------
        SecretFetchError
            When the extension responds with an error, stays not ready, or cannot
            be reached within the retry budget.
        SecretFormatError
            When the secret has no ``SecretString`` (a binary secret).
        """
        url = httpx.URL(
            f"http://{EXTENSION_HOST}:{self.port}{EXTENSION_SECRET_PATH}",
            params={"secretId": secret_id},
        )
        for attempt in stamina.retry_context(
            on=_is_retryable,
            attempts=EXTENSION_NOT_READY_ATTEMPTS,
            timeout=EXTENSION_NOT_READY_TIMEOUT_SECONDS,
            wait_initial=EXTENSION_NOT_READY_WAIT_INITIAL_SECONDS,
            wait_max=EXTENSION_NOT_READY_WAIT_MAX_SECONDS,
        ):
            with attempt:
                return self._get_once(url, secret_id)

        raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover

    def close(self) -> None:
        """Close the HTTP client if this source created it."""
        if self._owns_http:
            self._http.close()

    def _get_once(self, url: httpx.URL, secret_id: str) -> str:
        """Send one request to the extension and return the secret string."""
        started = time.monotonic()
        try:
            response = self._http.get(
                url,
                headers={EXTENSION_TOKEN_HEADER: self._session_token.get_secret_value()},
                timeout=EXTENSION_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            raise transport_error(secret_id, EXTENSION_SOURCE_NAME, exc) from exc

        log_call(EXTENSION_SOURCE_NAME, secret_id, response, started)
        if response.status_code == httpx.codes.OK:
            return secret_string_from(response, secret_id, EXTENSION_SOURCE_NAME)
        raise extension_status_error(response, secret_id)


class SecretsManagerSource:
    """Read secrets with Secrets Manager's ``GetSecretValue`` API, signed with SigV4.

    The request uses the AWS JSON 1.1 protocol: a POST to the service endpoint
    with ``X-Amz-Target: secretsmanager.GetSecretValue``. Throttling, 5xx
    responses and network errors are retried a few times with backoff.

    Parameters
    ----------
    endpoint_url:
        The service endpoint; else ``AWS_ENDPOINT_URL_SECRETS_MANAGER``; else
        ``AWS_ENDPOINT_URL``; else ``https://secretsmanager.<region>.amazonaws.com``.
    credentials:
        The credentials to sign with; else read from ``environ`` by
        `AwsCredentials.from_environ`.
    environ:
        The environment to read the defaults from.
    http:
        The client to send requests with. When None, the source creates one
        and `close` closes it.

    Raises
    ------
    CredentialsConfigurationError
        When credentials or region are missing, or an endpoint URL is invalid.
    """

    def __init__(
        self,
        endpoint_url: str | None = None,
        *,
        credentials: AwsCredentials | None = None,
        environ: Mapping[str, str] = os.environ,
        http: httpx.Client | None = None,
    ) -> None:
        self._credentials = (
            credentials if credentials is not None else AwsCredentials.from_environ(environ)
        )
        self.region = self._credentials.region
        self.endpoint_url = resolve_endpoint_url(
            endpoint_url,
            environ,
            service_env=SECRETS_MANAGER_ENDPOINT_ENV,
            default=f"https://secretsmanager.{self.region}.amazonaws.com",
        )
        self._auth = self._credentials.sigv4_auth(SECRETS_MANAGER_SERVICE)
        install_httpcore_header_redaction()
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client()

    def __repr__(self) -> str:
        return f"SecretsManagerSource(endpoint_url={self.endpoint_url!r}, region={self.region!r})"

    def get_secret_string(self, secret_id: str) -> str:
        """Return the ``SecretString`` of the current version of ``secret_id``.

        Raises
        ------
        SecretFetchError
            When Secrets Manager responds with an error, or the transient
            failures outlast the retries. It carries the AWS error type and
            request id.
        SecretFormatError
            When the secret has no ``SecretString`` (a binary secret).
        """
        for attempt in stamina.retry_context(
            on=_is_retryable,
            attempts=SECRETS_MANAGER_ATTEMPTS,
            timeout=SECRETS_MANAGER_RETRY_TIMEOUT_SECONDS,
            wait_initial=RETRY_WAIT_INITIAL_SECONDS,
            wait_max=RETRY_WAIT_MAX_SECONDS,
        ):
            with attempt:
                return self._get_once(secret_id)

        raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover

    def close(self) -> None:
        """Close the HTTP client if this source created it."""
        if self._owns_http:
            self._http.close()

    def _get_once(self, secret_id: str) -> str:
        """Send one signed ``GetSecretValue`` request and return the secret string."""
        started = time.monotonic()
        try:
            response = self._http.post(
                f"{self.endpoint_url}/",
                content=json.dumps({"SecretId": secret_id}).encode(),
                headers={"Content-Type": AWS_JSON_1_1, "X-Amz-Target": SECRETS_MANAGER_TARGET},
                auth=self._auth,
                timeout=SECRETS_MANAGER_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            raise transport_error(secret_id, SECRETS_MANAGER_SOURCE_NAME, exc) from exc

        log_call(SECRETS_MANAGER_SOURCE_NAME, secret_id, response, started)
        if response.status_code == httpx.codes.OK:
            return secret_string_from(response, secret_id, SECRETS_MANAGER_SOURCE_NAME)
        raise aws_status_error(response, secret_id, SECRETS_MANAGER_SOURCE_NAME)


def secret_source_from_environ(
    environ: Mapping[str, str] = os.environ,
    http: httpx.Client | None = None,
    *,
    extensions_dir: Path = LAMBDA_EXTENSIONS_DIR,
) -> SecretSource:
    """Choose the secret source for this execution environment.

    ``AGENT_FLEET_SECRETS_SOURCE`` decides: ``extension`` forces the extension,
    ``secretsmanager`` forces the direct API, and ``auto`` (the default) uses
    the extension when its executable is installed in ``extensions_dir``. The
    function never probes the extension's port, because a probe during init
    could hit the extension before it is ready.

    Parameters
    ----------
    environ:
        The environment to read settings from.
    http:
        A client for the source to share, or None for a client of its own.
    extensions_dir:
        The folder Lambda runs extensions from; tests point it at a temporary folder.

    Raises
    ------
    CredentialsConfigurationError
        When ``AGENT_FLEET_SECRETS_SOURCE`` has another value, or the chosen
        source lacks a setting.
    """
    choice = (
        environ.get(SECRETS_SOURCE_ENV, SECRETS_SOURCE_AUTO).strip().lower() or SECRETS_SOURCE_AUTO
    )
    if choice not in SECRETS_SOURCE_CHOICES:
        raise CredentialsConfigurationError(
            f"Invalid {SECRETS_SOURCE_ENV} value {choice!r}: "
            f"expected one of {', '.join(SECRETS_SOURCE_CHOICES)}.",
            setting=SECRETS_SOURCE_ENV,
        )

    if choice == SECRETS_SOURCE_AUTO:
        extension_installed = (extensions_dir / EXTENSION_EXECUTABLE_NAME).is_file()
        choice = SECRETS_SOURCE_EXTENSION if extension_installed else SECRETS_SOURCE_SECRETS_MANAGER

    logger.debug("Secret source chosen", extra={"secret_source": choice})
    if choice == SECRETS_SOURCE_EXTENSION:
        return ExtensionSecretSource(environ=environ, http=http)
    return SecretsManagerSource(environ=environ, http=http)


def _port_from_environ(environ: Mapping[str, str]) -> int:
    """Return the extension port from the environment, or the default port."""
    value = environ.get(EXTENSION_PORT_ENV)
    if not value:
        return EXTENSION_DEFAULT_PORT
    try:
        return int(value)
    except ValueError as exc:
        raise CredentialsConfigurationError(
            f"Invalid {EXTENSION_PORT_ENV} value {value!r}: expected a port number such as 2773.",
            setting=EXTENSION_PORT_ENV,
        ) from exc


def _is_retryable(exc: Exception) -> bool:
    """Tell stamina whether a failed attempt is worth another one."""
    return isinstance(exc, SecretFetchError) and exc.retryable
