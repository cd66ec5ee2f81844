"""AWS credentials from the Lambda environment, SigV4 signing and endpoint resolution.

The handlers are boto3-free, so this module does the small part of an AWS SDK
that they need. It reads the execution role's credentials from the environment
variables that Lambda sets, and signs httpx requests with httpx-auth's
``AWS4Auth``. It resolves a service endpoint with the SDKs' precedence: the
argument, then ``AWS_ENDPOINT_URL_<SERVICE>``, then ``AWS_ENDPOINT_URL``, then
the public regional endpoint.
"""

import os
import re
from collections.abc import Mapping
from typing import Self

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from agent_fleet.credentials.constants import (
    ACCESS_KEY_ID_ENV,
    DEFAULT_REGION_ENV,
    GLOBAL_ENDPOINT_ENV,
    REGION_ENV,
    SECRET_ACCESS_KEY_ENV,
    SESSION_TOKEN_ENV,
)
from agent_fleet.credentials.exceptions import CredentialsConfigurationError

# Region names such as us-east-1, eu-central-2, us-gov-west-1 or cn-north-1.
# Checking them keeps a bad value from turning the default endpoint into
# another host name.
_REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class AwsCredentials(BaseModel):
    """The AWS credentials and region that sign requests to AWS services.

    Every key is a `SecretStr`, so the ``repr`` of the model masks them.
    Lambda keeps the execution role's credentials valid for the lifetime of
    the execution environment, so reading them once at cold start is enough.
    """

    model_config = ConfigDict(frozen=True)

    access_key_id: SecretStr
    secret_access_key: SecretStr
    session_token: SecretStr | None = None
    region: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Self:
        """Read the credentials from ``AWS_ACCESS_KEY_ID`` and its companions.

        Parameters
        ----------
        environ:
            The environment to read; ``os.environ`` by default.

        Returns
        -------
        AwsCredentials
            The access key, secret key, session token (when set) and region.

        Raises
        ------
        CredentialsConfigurationError
            When a key or the region is missing, or the region is not a valid
            region name.
        """
        missing = [
            name for name in (ACCESS_KEY_ID_ENV, SECRET_ACCESS_KEY_ENV) if not environ.get(name)
        ]
        if missing:
            raise CredentialsConfigurationError(
                f"Missing AWS credentials: {' and '.join(missing)} not set. Lambda sets them "
                "for the function's execution role; elsewhere, export them.",
                setting=missing[0],
            )

        session_token = environ.get(SESSION_TOKEN_ENV) or None
        return cls(
            access_key_id=SecretStr(environ[ACCESS_KEY_ID_ENV]),
            secret_access_key=SecretStr(environ[SECRET_ACCESS_KEY_ENV]),
            session_token=SecretStr(session_token) if session_token else None,
            region=region_from_environ(environ),
        )

    def sigv4_auth(self, service: str) -> httpx.Auth:
        """Build the httpx ``auth`` that signs requests to ``service`` with SigV4.

        Parameters
        ----------
        service:
            The signing name of the service, such as ``secretsmanager`` or ``sqs``.
        """
        session_token = self.session_token.get_secret_value() if self.session_token else None
        # NOTE: imported here because httpx-auth loads its OAuth2 modules too,
        # which costs cold-start time in functions that read the secret
        # through the extension and never sign a request.
        from httpx_auth import AWS4Auth

        auth: httpx.Auth = AWS4Auth(
            access_id=self.access_key_id.get_secret_value(),
            secret_key=self.secret_access_key.get_secret_value(),
            region=self.region,
            service=service,
            security_token=session_token,
        )
        return auth


def region_from_environ(environ: Mapping[str, str] = os.environ) -> str:
    """Return the region from ``AWS_REGION``, else ``AWS_DEFAULT_REGION``.

    Raises
    ------
    CredentialsConfigurationError
        When neither is set, or the value is not a region name such as ``eu-west-1``.
    """
    region = environ.get(REGION_ENV) or environ.get(DEFAULT_REGION_ENV)
    if not region:
        raise CredentialsConfigurationError(
            f"Missing AWS region: set {REGION_ENV} (Lambda sets it) or {DEFAULT_REGION_ENV}.",
            setting=REGION_ENV,
        )
    if not _REGION_PATTERN.match(region):
        raise CredentialsConfigurationError(
            f"Invalid AWS region {region!r} in {REGION_ENV} or {DEFAULT_REGION_ENV}: "
            "expected a region name such as 'eu-west-1'.",
            setting=REGION_ENV,
        )
    return region


def resolve_endpoint_url(
    explicit: str | None,
    environ: Mapping[str, str],
    *,
    service_env: str,
    default: str,
) -> str:
    """Pick a service endpoint URL.

    The precedence is the argument, then ``service_env``, then
    ``AWS_ENDPOINT_URL``, then ``default``.

    Parameters
    ----------
    explicit:
        The endpoint passed by the caller, or None.
    environ:
        The environment to read.
    service_env:
        The service's own override variable, such as ``AWS_ENDPOINT_URL_SECRETS_MANAGER``.
    default:
        The public endpoint, used when nothing overrides it.

    Returns
    -------
    str
        The endpoint URL without a trailing slash.

    Raises
    ------
    CredentialsConfigurationError
        When the chosen value is not an http or https URL with a host.
    """
    for value, setting in (
        (explicit, "endpoint_url"),
        (environ.get(service_env), service_env),
        (environ.get(GLOBAL_ENDPOINT_ENV), GLOBAL_ENDPOINT_ENV),
    ):
        if value:
            return _validate_endpoint_url(value, setting)
    return default


def _validate_endpoint_url(value: str, setting: str) -> str:
    """Return ``value`` without a trailing slash if it is an http(s) URL with a host."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise CredentialsConfigurationError(
            f"Invalid endpoint URL in {setting}: {exc}. Expected a URL such as 'http://127.0.0.1:4566'.",
            setting=setting,
        ) from exc

    if url.scheme not in {"http", "https"} or not url.host:
        raise CredentialsConfigurationError(
            f"Invalid endpoint URL {value!r} in {setting}: expected an http or https URL "
            "with a host, such as 'http://127.0.0.1:4566'.",
            setting=setting,
        )
    return value.rstrip("/")
