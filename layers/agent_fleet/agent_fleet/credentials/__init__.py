"""Credentials for the Cloud Eye API: a secret from AWS, turned into a cached IAM token.

`secret_source_from_environ` picks where the secret is read (the Parameters
and Secrets Lambda Extension, or Secrets Manager over SigV4-signed httpx),
and `TokenProvider` turns the secret into a project-scoped token, cached per
warm container. Errors form one tree under `CredentialsError`; none of them
contains a secret value.
"""

from agent_fleet.credentials.aws import AwsCredentials, region_from_environ, resolve_endpoint_url
from agent_fleet.credentials.exceptions import (
    CredentialsConfigurationError,
    CredentialsError,
    SecretFetchError,
    SecretFormatError,
    TokenExchangeError,
    TokenExpiredError,
)
from agent_fleet.credentials.formats import (
    CredentialsSecret,
    PasswordSecret,
    TokenSecret,
    parse_credentials_secret,
    validate_iam_endpoint,
)
from agent_fleet.credentials.iam import IssuedToken, exchange_password_for_token
from agent_fleet.credentials.redaction import SecretHeaderFilter, install_httpcore_header_redaction
from agent_fleet.credentials.secrets import (
    ExtensionSecretSource,
    SecretsManagerSource,
    SecretSource,
    secret_source_from_environ,
)
from agent_fleet.credentials.tokens import TokenProvider

__all__ = [
    "AwsCredentials",
    "CredentialsConfigurationError",
    "CredentialsError",
    "CredentialsSecret",
    "ExtensionSecretSource",
    "IssuedToken",
    "PasswordSecret",
    "SecretFetchError",
    "SecretFormatError",
    "SecretHeaderFilter",
    "SecretSource",
    "SecretsManagerSource",
    "TokenExchangeError",
    "TokenExpiredError",
    "TokenProvider",
    "TokenSecret",
    "exchange_password_for_token",
    "install_httpcore_header_redaction",
    "parse_credentials_secret",
    "region_from_environ",
    "resolve_endpoint_url",
    "secret_source_from_environ",
    "validate_iam_endpoint",
]
