"""The two formats of the credentials secret, and their parser.

A secret's ``SecretString`` is a JSON object in one of two shapes:

- `TokenSecret`: ``{"token": "...", "expires_at": "2030-01-01T00:00:00Z"}``, a
  pre-issued project-scoped token (``expires_at`` optional);
- `PasswordSecret`: ``{"domain": "...", "user": "...", "password": "...",
  "project_id": "...", "iam_endpoint": "https://iam.<region>.myhuaweicloud.com"}``,
  IAM password credentials that are exchanged for a token
  (``iam_endpoint`` optional).

Unknown fields are rejected so that a misspelt optional field is reported
instead of ignored. Errors name fields and rules, never values.
"""

import ipaddress
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from agent_fleet.contract.errors import describe_validation_error
from agent_fleet.credentials.exceptions import SecretFormatError

_LOOPBACK_NAMES = frozenset({"localhost"})


def _reject_empty_secret(value: SecretStr) -> SecretStr:
    """Reject an empty or blank secret value without echoing it."""
    if not value.get_secret_value().strip():
        raise ValueError("must not be empty")
    return value


NonEmptySecret = Annotated[SecretStr, AfterValidator(_reject_empty_secret)]
"""A secret value with at least one non-blank character."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
"""An IAM domain or user name."""

ProjectId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")]
"""A Huawei Cloud project id: 1..64 letters, digits and hyphens."""


def validate_iam_endpoint(value: str) -> str:
    """Check an IAM base URL and return it without a trailing slash.

    The password travels to this URL, so it must use https; plain http is
    accepted only for a loopback host (a local emulator). The URL must not
    carry user info, a query or a fragment.

    Raises
    ------
    ValueError
        When a rule is broken; the message names the rule, not the value.
    """
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValueError("must be a URL such as https://iam.eu-west-101.myhuaweicloud.com") from exc

    if url.scheme not in {"http", "https"} or not url.host:
        raise ValueError(
            "must be an https URL with a host, such as https://iam.eu-west-101.myhuaweicloud.com"
        )
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ValueError("must use https; plain http is accepted only for a loopback host")
    if url.userinfo or url.query or url.fragment:
        raise ValueError("must not contain user info, a query or a fragment")
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TokenSecret(BaseModel):
    """A pre-issued Cloud Eye (IAM project-scoped) token stored in the secret."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    token: NonEmptySecret
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _assume_utc(cls, value: datetime | None) -> datetime | None:
        """Read a time without an offset as UTC, as IAM writes its times."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class PasswordSecret(BaseModel):
    """IAM user credentials that `TokenProvider` exchanges for a project-scoped token."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    domain: Name
    user: Name
    password: NonEmptySecret
    project_id: ProjectId
    iam_endpoint: Annotated[str, AfterValidator(validate_iam_endpoint)] | None = None


CredentialsSecret = TokenSecret | PasswordSecret
"""Either format of the credentials secret."""


def parse_credentials_secret(secret_string: str, *, secret_id: str) -> CredentialsSecret:
    """Parse a secret's ``SecretString`` into `TokenSecret` or `PasswordSecret`.

    A ``token`` field selects the token format; a ``password``, ``user`` or
    ``domain`` field selects the password format.

    Parameters
    ----------
    secret_string:
        The secret's value, a JSON object.
    secret_id:
        The secret's name or ARN, for error messages.

    Returns
    -------
    TokenSecret | PasswordSecret
        The validated secret.

    Raises
    ------
    SecretFormatError
        When the value is not JSON, not an object, matches neither or both
        formats, or breaks a field rule. The error lists fields and rules only.
    """
    try:
        document: Any = json.loads(secret_string)
    except json.JSONDecodeError as exc:
        # The decoder's message names the position, never the text. "from
        # None" keeps the decoder error, whose doc attribute contains the whole
        # secret, out of printed tracebacks.
        raise SecretFormatError(
            secret_id, [f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
        ) from None

    if not isinstance(document, dict):
        raise SecretFormatError(
            secret_id, [f"expected a JSON object, got a JSON {_json_type(document)}"]
        )

    has_token = "token" in document
    has_password_fields = any(field in document for field in ("password", "user", "domain"))
    if has_token and has_password_fields:
        raise SecretFormatError(
            secret_id, ["contains both a 'token' field and password fields; keep one format"]
        )
    if not has_token and not has_password_fields:
        raise SecretFormatError(
            secret_id, ["has neither a 'token' field nor 'domain', 'user' and 'password' fields"]
        )

    model: type[TokenSecret] | type[PasswordSecret] = TokenSecret if has_token else PasswordSecret
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        # describe_validation_error keeps only locations and rules, and "from
        # None" keeps the pydantic error, which contains the input, out of
        # printed tracebacks.
        raise SecretFormatError(secret_id, [describe_validation_error(exc)]) from None


def _json_type(value: object) -> str:
    """Name the JSON type of a decoded value."""
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null"
