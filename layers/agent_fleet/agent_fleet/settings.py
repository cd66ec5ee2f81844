"""Settings of the handlers, read once per cold start from environment variables.

Precedence is explicit argument, then environment variable, then default.
"""

import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent_fleet.cloudeye.endpoints import ces_endpoint, iam_endpoint
from agent_fleet.jobs import ErrorThreshold

ENDPOINT_ENV = "CLOUD_EYE_ENDPOINT"
REGION_ENV = "CLOUD_EYE_REGION"
IAM_ENDPOINT_ENV = "CLOUD_EYE_IAM_ENDPOINT"
TOKEN_SECRET_ENV = "CLOUD_EYE_TOKEN_SECRET_ID"  # noqa: S105 - a variable name
MAX_CONCURRENCY_ENV = "AGENT_FLEET_MAX_CONCURRENCY"
MAX_HOSTS_ENV = "AGENT_FLEET_MAX_HOSTS"
MAX_ERRORS_ENV = "AGENT_FLEET_MAX_ERRORS"
REQUEST_TIMEOUT_ENV = "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS"
RETRY_ATTEMPTS_ENV = "AGENT_FLEET_RETRY_ATTEMPTS"
RETRY_DEADLINE_ENV = "AGENT_FLEET_RETRY_DEADLINE_SECONDS"
JOB_DEADLINE_ENV = "AGENT_FLEET_JOB_DEADLINE_SECONDS"

_ENV_BY_FIELD = {
    "endpoint": ENDPOINT_ENV,
    "region": REGION_ENV,
    "iam_endpoint": IAM_ENDPOINT_ENV,
    "token_secret_id": TOKEN_SECRET_ENV,
    "max_concurrency": MAX_CONCURRENCY_ENV,
    "max_hosts": MAX_HOSTS_ENV,
    "max_errors": MAX_ERRORS_ENV,
    "request_timeout_seconds": REQUEST_TIMEOUT_ENV,
    "retry_attempts": RETRY_ATTEMPTS_ENV,
    "retry_deadline_seconds": RETRY_DEADLINE_ENV,
    "job_deadline_seconds": JOB_DEADLINE_ENV,
}


class ConfigurationError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


class Settings(BaseModel):
    """Settings every handler needs to reach Cloud Eye and to bound a job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str | None = None
    region: str | None = None
    iam_endpoint: str | None = None
    token_secret_id: Annotated[str, Field(min_length=1)]
    max_concurrency: Annotated[int, Field(ge=1, le=100)] = 10
    max_hosts: Annotated[int, Field(ge=1, le=100_000)] = 10_000
    max_errors: str | None = None
    request_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 15.0
    retry_attempts: Annotated[int, Field(ge=1, le=20)] = 6
    retry_deadline_seconds: Annotated[float, Field(gt=0, le=900)] = 20.0
    job_deadline_seconds: Annotated[float, Field(gt=0)] | None = None

    @field_validator("max_errors")
    @classmethod
    def _check_max_errors(cls, value: str | None) -> str | None:
        if value:
            ErrorThreshold.parse(value)
        return value or None

    @property
    def cloud_eye_endpoint(self) -> str:
        """The explicit endpoint, or the one of the region."""
        if self.endpoint:
            return self.endpoint.rstrip("/")
        if self.region:
            return ces_endpoint(self.region)
        raise ConfigurationError(
            f"no Cloud Eye endpoint: set {ENDPOINT_ENV} to a URL or {REGION_ENV} to a region "
            "such as ap-southeast-1"
        )

    @property
    def iam_token_endpoint(self) -> str | None:
        """Where password secrets are exchanged for tokens, when known."""
        if self.iam_endpoint:
            return self.iam_endpoint.rstrip("/")
        if self.region:
            return iam_endpoint(self.region)
        return None

    @property
    def error_threshold(self) -> ErrorThreshold | None:
        """The parsed :attr:`max_errors`."""
        return ErrorThreshold.parse(self.max_errors) if self.max_errors else None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read the settings from ``environ`` (default: the process environment).

        Raises
        ------
        ConfigurationError
            Naming each invalid or missing variable and its rule.
        """
        environ = os.environ if environ is None else environ
        values = {
            field: environ[variable]
            for field, variable in _ENV_BY_FIELD.items()
            if environ.get(variable, "").strip()
        }
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            clauses = []
            for error in exc.errors(include_input=False, include_url=False):
                field = str(error["loc"][0]) if error["loc"] else ""
                message = error["msg"].removeprefix("Value error, ")
                clauses.append(f"{_ENV_BY_FIELD.get(field, field)}: {message}")
            raise ConfigurationError(f"invalid configuration: {'; '.join(clauses)}") from exc

        # Fail at cold start, not at the first call, when an endpoint cannot be derived.
        if settings.region:
            try:
                ces_endpoint(settings.region)
            except ValueError as exc:
                raise ConfigurationError(f"{REGION_ENV}: {exc}") from exc
        _ = settings.cloud_eye_endpoint
        return settings
