"""Settings.from_environ: defaults, parsing, endpoint derivation and errors that name variables."""

from typing import Any

import pytest

from agent_fleet.jobs import ErrorThreshold
from agent_fleet.settings import ConfigurationError, Settings

TOKEN_SECRET = "agent-fleet/cloud-eye-token"

BASE_ENVIRON = {
    "CLOUD_EYE_REGION": "ap-southeast-1",
    "CLOUD_EYE_TOKEN_SECRET_ID": TOKEN_SECRET,
}
"""The smallest valid configuration: a region and the id of the secret that contains the token."""

ALL_VARIABLES = [
    "CLOUD_EYE_ENDPOINT",
    "CLOUD_EYE_REGION",
    "CLOUD_EYE_IAM_ENDPOINT",
    "CLOUD_EYE_TOKEN_SECRET_ID",
    "AGENT_FLEET_MAX_CONCURRENCY",
    "AGENT_FLEET_MAX_HOSTS",
    "AGENT_FLEET_MAX_ERRORS",
    "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
    "AGENT_FLEET_RETRY_ATTEMPTS",
    "AGENT_FLEET_RETRY_DEADLINE_SECONDS",
    "AGENT_FLEET_JOB_DEADLINE_SECONDS",
]


def environ_with(**variables: str) -> dict[str, str]:
    """Return the base configuration with ``variables`` added or replaced."""
    return {**BASE_ENVIRON, **variables}


def configuration_error(environ: dict[str, str]) -> str:
    """Read ``environ``, expect ConfigurationError, and return its message."""
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_environ(environ)
    return str(caught.value)


def test_settings_defaults() -> None:
    """With only a region and a token secret, every other setting takes its default."""
    settings = Settings.from_environ(BASE_ENVIRON)

    assert settings.token_secret_id == TOKEN_SECRET
    assert settings.endpoint is None
    assert settings.iam_endpoint is None
    assert settings.max_concurrency == 10
    assert settings.max_hosts == 10_000
    assert settings.max_errors is None
    assert settings.error_threshold is None
    assert settings.request_timeout_seconds == 15.0
    assert settings.retry_attempts == 6
    assert settings.retry_deadline_seconds == 20.0
    assert settings.job_deadline_seconds is None


@pytest.mark.parametrize(
    ("variable", "text", "attribute", "expected"),
    [
        pytest.param(
            "CLOUD_EYE_TOKEN_SECRET_ID",
            "other/secret",
            "token_secret_id",
            "other/secret",
            id="token-secret",
        ),
        pytest.param(
            "CLOUD_EYE_ENDPOINT",
            "http://127.0.0.1:8080",
            "endpoint",
            "http://127.0.0.1:8080",
            id="endpoint",
        ),
        pytest.param(
            "CLOUD_EYE_IAM_ENDPOINT",
            "http://127.0.0.1:8081",
            "iam_endpoint",
            "http://127.0.0.1:8081",
            id="iam-endpoint",
        ),
        pytest.param("AGENT_FLEET_MAX_CONCURRENCY", "1", "max_concurrency", 1, id="concurrency-1"),
        pytest.param(
            "AGENT_FLEET_MAX_CONCURRENCY", "100", "max_concurrency", 100, id="concurrency-100"
        ),
        pytest.param(
            "AGENT_FLEET_MAX_CONCURRENCY", " 25 ", "max_concurrency", 25, id="concurrency-blanks"
        ),
        pytest.param("AGENT_FLEET_MAX_HOSTS", "1", "max_hosts", 1, id="hosts-1"),
        pytest.param("AGENT_FLEET_MAX_HOSTS", "100000", "max_hosts", 100_000, id="hosts-100000"),
        pytest.param("AGENT_FLEET_MAX_ERRORS", "10%", "max_errors", "10%", id="errors-percent"),
        pytest.param("AGENT_FLEET_MAX_ERRORS", "25", "max_errors", "25", id="errors-count"),
        pytest.param("AGENT_FLEET_MAX_ERRORS", "0", "max_errors", "0", id="errors-zero"),
        pytest.param(
            "AGENT_FLEET_MAX_ERRORS", "100%", "max_errors", "100%", id="errors-100-percent"
        ),
        pytest.param(
            "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
            "0.5",
            "request_timeout_seconds",
            0.5,
            id="timeout-fraction",
        ),
        pytest.param(
            "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
            "300",
            "request_timeout_seconds",
            300.0,
            id="timeout-300",
        ),
        pytest.param("AGENT_FLEET_RETRY_ATTEMPTS", "1", "retry_attempts", 1, id="attempts-1"),
        pytest.param("AGENT_FLEET_RETRY_ATTEMPTS", "20", "retry_attempts", 20, id="attempts-20"),
        pytest.param(
            "AGENT_FLEET_RETRY_DEADLINE_SECONDS",
            "0.1",
            "retry_deadline_seconds",
            0.1,
            id="retry-deadline-fraction",
        ),
        pytest.param(
            "AGENT_FLEET_RETRY_DEADLINE_SECONDS",
            "900",
            "retry_deadline_seconds",
            900.0,
            id="retry-deadline-900",
        ),
        pytest.param(
            "AGENT_FLEET_JOB_DEADLINE_SECONDS",
            "0.5",
            "job_deadline_seconds",
            0.5,
            id="job-deadline-fraction",
        ),
        pytest.param(
            "AGENT_FLEET_JOB_DEADLINE_SECONDS",
            "86400",
            "job_deadline_seconds",
            86400.0,
            id="job-deadline-day",
        ),
    ],
)
def test_settings_parses_each_variable(
    variable: str, text: str, attribute: str, expected: Any
) -> None:
    """Each variable is read into its setting, at both ends of its range."""
    settings = Settings.from_environ(environ_with(**{variable: text}))

    assert getattr(settings, attribute) == expected


@pytest.mark.parametrize(
    ("text", "value", "is_percentage"),
    [
        pytest.param("10%", 10, True, id="percent"),
        pytest.param("25", 25, False, id="count"),
    ],
)
def test_settings_error_threshold_parsed(text: str, value: int, is_percentage: bool) -> None:
    """AGENT_FLEET_MAX_ERRORS becomes the job's error threshold."""
    settings = Settings.from_environ(environ_with(AGENT_FLEET_MAX_ERRORS=text))

    assert settings.error_threshold == ErrorThreshold(value=value, is_percentage=is_percentage)


@pytest.mark.parametrize("variable", [name for name in ALL_VARIABLES if "TOKEN" not in name])
@pytest.mark.parametrize("blank", [pytest.param("", id="empty"), pytest.param("  ", id="blanks")])
def test_settings_blank_variable_means_unset(variable: str, blank: str) -> None:
    """A variable set to an empty or blank string reads the same as an absent one."""
    environ = environ_with(CLOUD_EYE_ENDPOINT="http://127.0.0.1:8080")
    without_variable = {name: value for name, value in environ.items() if name != variable}

    settings = Settings.from_environ({**environ, variable: blank})

    assert settings == Settings.from_environ(without_variable)


def test_settings_ignores_unrelated_variables() -> None:
    """Variables of the Lambda runtime and of other programs do not disturb the settings."""
    environ = environ_with(AWS_REGION="eu-west-1", PATH="/usr/bin", AGENT_FLEET_COLOR="blue")

    assert Settings.from_environ(environ) == Settings.from_environ(BASE_ENVIRON)


def test_settings_reads_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an argument, from_environ reads os.environ."""
    for variable in ALL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CLOUD_EYE_REGION", "cn-north-4")
    monkeypatch.setenv("CLOUD_EYE_TOKEN_SECRET_ID", TOKEN_SECRET)
    monkeypatch.setenv("AGENT_FLEET_MAX_CONCURRENCY", "7")

    settings = Settings.from_environ()

    assert settings.region == "cn-north-4"
    assert settings.max_concurrency == 7


# --- invalid values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "text", "field"),
    [
        pytest.param("AGENT_FLEET_MAX_CONCURRENCY", "0", "max_concurrency", id="concurrency-0"),
        pytest.param("AGENT_FLEET_MAX_CONCURRENCY", "101", "max_concurrency", id="concurrency-101"),
        pytest.param(
            "AGENT_FLEET_MAX_CONCURRENCY", "ten", "max_concurrency", id="concurrency-word"
        ),
        pytest.param(
            "AGENT_FLEET_MAX_CONCURRENCY", "2.5", "max_concurrency", id="concurrency-fraction"
        ),
        pytest.param("AGENT_FLEET_MAX_HOSTS", "0", "max_hosts", id="hosts-0"),
        pytest.param("AGENT_FLEET_MAX_HOSTS", "100001", "max_hosts", id="hosts-100001"),
        pytest.param("AGENT_FLEET_MAX_ERRORS", "abc", "max_errors", id="errors-word"),
        pytest.param("AGENT_FLEET_MAX_ERRORS", "101%", "max_errors", id="errors-101-percent"),
        pytest.param("AGENT_FLEET_MAX_ERRORS", "-1", "max_errors", id="errors-negative"),
        pytest.param(
            "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS", "0", "request_timeout_seconds", id="timeout-0"
        ),
        pytest.param(
            "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
            "300.5",
            "request_timeout_seconds",
            id="timeout-over-300",
        ),
        pytest.param(
            "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
            "-1",
            "request_timeout_seconds",
            id="timeout-negative",
        ),
        pytest.param(
            "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
            "nan",
            "request_timeout_seconds",
            id="timeout-nan",
        ),
        pytest.param("AGENT_FLEET_RETRY_ATTEMPTS", "0", "retry_attempts", id="attempts-0"),
        pytest.param("AGENT_FLEET_RETRY_ATTEMPTS", "21", "retry_attempts", id="attempts-21"),
        pytest.param(
            "AGENT_FLEET_RETRY_DEADLINE_SECONDS",
            "0",
            "retry_deadline_seconds",
            id="retry-deadline-0",
        ),
        pytest.param(
            "AGENT_FLEET_RETRY_DEADLINE_SECONDS",
            "901",
            "retry_deadline_seconds",
            id="retry-deadline-901",
        ),
        pytest.param(
            "AGENT_FLEET_JOB_DEADLINE_SECONDS", "0", "job_deadline_seconds", id="job-deadline-0"
        ),
        pytest.param(
            "AGENT_FLEET_JOB_DEADLINE_SECONDS",
            "soon",
            "job_deadline_seconds",
            id="job-deadline-word",
        ),
        pytest.param(
            "AGENT_FLEET_JOB_DEADLINE_SECONDS", "nan", "job_deadline_seconds", id="job-deadline-nan"
        ),
    ],
)
def test_settings_invalid_value_names_variable(variable: str, text: str, field: str) -> None:
    """An invalid value raises ConfigurationError naming the variable, not the Python field."""
    message = configuration_error(environ_with(**{variable: text}))

    assert message.startswith("invalid configuration: ")
    assert f"{variable}: " in message
    assert field not in message


def test_settings_invalid_max_errors_explains_forms() -> None:
    """The error for a bad AGENT_FLEET_MAX_ERRORS lists the accepted forms."""
    message = configuration_error(environ_with(AGENT_FLEET_MAX_ERRORS="abc"))

    assert "AGENT_FLEET_MAX_ERRORS: invalid error threshold 'abc'" in message
    assert "an integer >= 0 or a percentage from 0% to 100%" in message


def test_settings_names_every_invalid_variable() -> None:
    """Several invalid values are all reported in one error."""
    environ = environ_with(
        AGENT_FLEET_MAX_CONCURRENCY="abc",
        AGENT_FLEET_MAX_ERRORS="abc",
        AGENT_FLEET_RETRY_DEADLINE_SECONDS="0",
    )

    message = configuration_error(environ)

    assert "AGENT_FLEET_MAX_CONCURRENCY: " in message
    assert "AGENT_FLEET_MAX_ERRORS: " in message
    assert "AGENT_FLEET_RETRY_DEADLINE_SECONDS: " in message


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({"CLOUD_EYE_REGION": "ap-southeast-1"}, id="absent"),
        pytest.param(environ_with(CLOUD_EYE_TOKEN_SECRET_ID=" "), id="blank"),
    ],
)
def test_settings_token_secret_required(environ: dict[str, str]) -> None:
    """Without CLOUD_EYE_TOKEN_SECRET_ID the error names that variable."""
    message = configuration_error(environ)

    assert "CLOUD_EYE_TOKEN_SECRET_ID: Field required" in message
    assert "token_secret_id" not in message


# --- endpoints and regions --------------------------------------------------------


def test_settings_no_endpoint_no_region_names_both() -> None:
    """Without an endpoint or a region the error names both variables and gives an example."""
    message = configuration_error({"CLOUD_EYE_TOKEN_SECRET_ID": TOKEN_SECRET})

    assert "CLOUD_EYE_ENDPOINT" in message
    assert "CLOUD_EYE_REGION" in message
    assert "ap-southeast-1" in message


@pytest.mark.parametrize(
    ("region", "endpoint", "iam_endpoint"),
    [
        pytest.param(
            "ap-southeast-1",
            "https://ces.ap-southeast-1.myhuaweicloud.com",
            "https://iam.ap-southeast-1.myhuaweicloud.com",
            id="ap-southeast-1",
        ),
        pytest.param(
            "cn-north-4",
            "https://ces.cn-north-4.myhuaweicloud.com",
            "https://iam.cn-north-4.myhuaweicloud.com",
            id="cn-north-4",
        ),
        pytest.param(
            "la-south-2",
            "https://ces.la-south-2.myhuaweicloud.com",
            "https://iam.la-south-2.myhuaweicloud.com",
            id="la-south-2",
        ),
        pytest.param(
            "eu-west-101",
            "https://ces.eu-west-101.myhuaweicloud.eu",
            "https://iam.eu-west-101.myhuaweicloud.eu",
            id="eu-west-101-european-domain",
        ),
    ],
)
def test_settings_region_derives_endpoints(region: str, endpoint: str, iam_endpoint: str) -> None:
    """A region alone gives the Cloud Eye and IAM endpoints of that region."""
    settings = Settings.from_environ(environ_with(CLOUD_EYE_REGION=region))

    assert settings.cloud_eye_endpoint == endpoint
    assert settings.iam_token_endpoint == iam_endpoint


def test_settings_explicit_endpoints_win_over_region() -> None:
    """Explicit endpoints win over the region's, with trailing slashes removed."""
    environ = environ_with(
        CLOUD_EYE_ENDPOINT="http://127.0.0.1:8080/",
        CLOUD_EYE_IAM_ENDPOINT="http://127.0.0.1:8081/",
    )

    settings = Settings.from_environ(environ)

    assert settings.cloud_eye_endpoint == "http://127.0.0.1:8080"
    assert settings.iam_token_endpoint == "http://127.0.0.1:8081"


def test_settings_endpoint_without_region() -> None:
    """An explicit endpoint suffices; without a region the IAM endpoint stays unknown."""
    environ = {"CLOUD_EYE_ENDPOINT": "http://127.0.0.1:8080", "CLOUD_EYE_TOKEN_SECRET_ID": "s"}

    settings = Settings.from_environ(environ)

    assert settings.cloud_eye_endpoint == "http://127.0.0.1:8080"
    assert settings.iam_token_endpoint is None


@pytest.mark.parametrize(
    "region",
    [pytest.param("sa-argentina-1", id="buenos-aires"), pytest.param("sa-peru-1", id="lima")],
)
def test_settings_rejects_unsupported_region(region: str) -> None:
    """Regions without the agent task APIs are rejected, naming the region and the reason."""
    message = configuration_error(environ_with(CLOUD_EYE_REGION=region))

    assert message.endswith(f"the Cloud Eye agent task APIs are not offered in region {region}")


@pytest.mark.parametrize(
    "region",
    [
        pytest.param("AP-SOUTHEAST-1", id="upper-case"),
        pytest.param("ap southeast 1", id="blanks"),
        pytest.param("apsoutheast1", id="no-hyphen"),
        pytest.param("ap-southeast-1.evil.example", id="dots"),
        pytest.param("ap-southeast-1/", id="slash"),
    ],
)
def test_settings_rejects_malformed_region(region: str) -> None:
    """A region that is not a region id is rejected before any host name is built from it."""
    message = configuration_error(environ_with(CLOUD_EYE_REGION=region))

    assert f"invalid Huawei Cloud region {region!r}" in message
    assert "such as ap-southeast-1" in message


@pytest.mark.parametrize(
    "region",
    [pytest.param("sa-peru-1", id="unsupported"), pytest.param("AP-SOUTHEAST-1", id="malformed")],
)
def test_settings_region_error_names_variable(region: str) -> None:
    """An invalid region names CLOUD_EYE_REGION, like every other invalid value."""
    message = configuration_error(environ_with(CLOUD_EYE_REGION=region))

    assert "CLOUD_EYE_REGION" in message


@pytest.mark.parametrize(
    "region",
    [pytest.param("sa-peru-1", id="unsupported"), pytest.param("AP-SOUTHEAST-1", id="malformed")],
)
def test_settings_checks_region_beside_endpoint(region: str) -> None:
    """An invalid region is rejected at cold start even when an explicit endpoint is set."""
    environ = environ_with(CLOUD_EYE_ENDPOINT="http://127.0.0.1:8080", CLOUD_EYE_REGION=region)

    message = configuration_error(environ)

    assert "CLOUD_EYE_REGION" in message
