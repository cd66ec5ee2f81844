"""Names, defaults, timeouts and retry bounds of the credentials package."""

from pathlib import Path

import httpx

# Environment variables that select and configure the secret source.
SECRETS_SOURCE_ENV = "AGENT_FLEET_SECRETS_SOURCE"
SECRETS_SOURCE_AUTO = "auto"
SECRETS_SOURCE_EXTENSION = "extension"
SECRETS_SOURCE_SECRETS_MANAGER = "secretsmanager"
SECRETS_SOURCE_CHOICES = (
    SECRETS_SOURCE_AUTO,
    SECRETS_SOURCE_EXTENSION,
    SECRETS_SOURCE_SECRETS_MANAGER,
)

# Environment variables that Lambda sets for the function's execution role.
ACCESS_KEY_ID_ENV = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY_ENV = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 (a name, not a secret)
SESSION_TOKEN_ENV = "AWS_SESSION_TOKEN"  # noqa: S105 (a name, not a secret)
REGION_ENV = "AWS_REGION"
DEFAULT_REGION_ENV = "AWS_DEFAULT_REGION"

# Endpoint overrides, named as the AWS SDKs name them.
SECRETS_MANAGER_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
GLOBAL_ENDPOINT_ENV = "AWS_ENDPOINT_URL"

# AWS Parameters and Secrets Lambda Extension.
EXTENSION_PORT_ENV = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
EXTENSION_DEFAULT_PORT = 2773
EXTENSION_HOST = "localhost"
EXTENSION_SECRET_PATH = "/secretsmanager/get"  # noqa: S105 (a name, not a secret)
EXTENSION_TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 (a name, not a secret)
# Lambda starts every executable in /opt/extensions; the extension's layer
# installs this one.
LAMBDA_EXTENSIONS_DIR = Path("/opt/extensions")
EXTENSION_EXECUTABLE_NAME = "AWSParametersAndSecretsLambdaExtension"

# Secrets Manager, AWS JSON 1.1 protocol.
SECRETS_MANAGER_SERVICE = "secretsmanager"
SECRETS_MANAGER_TARGET = "secretsmanager.GetSecretValue"
AWS_JSON_1_1 = "application/x-amz-json-1.1"
AWS_REQUEST_ID_HEADER = "x-amzn-RequestId"
AWS_ERROR_TYPE_HEADER = "x-amzn-ErrorType"
AWS_THROTTLING_ERRORS = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)

# Huawei Cloud IAM.
IAM_TOKENS_PATH = "/v3/auth/tokens"
IAM_SUBJECT_TOKEN_HEADER = "X-Subject-Token"  # noqa: S105 (a name, not a secret)
IAM_REQUEST_ID_HEADERS = ("X-Request-Id", "X-IAM-Trace-Id", "X-Openstack-Request-Id")

# Timeouts of each HTTP call. The extension runs inside the execution
# environment, so connecting to it is quick, but it may call Secrets Manager
# before it responds.
EXTENSION_TIMEOUT = httpx.Timeout(5.0, connect=1.0)
SECRETS_MANAGER_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
IAM_TIMEOUT = httpx.Timeout(5.0, connect=3.0)

# Retry bounds. A retried call ends at most one backoff wait and one request
# timeout after its retry budget runs out. By estimate from these values, that
# is within 11 s for the extension and 18 s for Secrets Manager or IAM, so a
# token is had, or given up on, within about 30 s: API Gateway's limit.
EXTENSION_NOT_READY_ATTEMPTS = 10
EXTENSION_NOT_READY_TIMEOUT_SECONDS = 5.0
EXTENSION_NOT_READY_WAIT_INITIAL_SECONDS = 0.05
EXTENSION_NOT_READY_WAIT_MAX_SECONDS = 1.0
SECRETS_MANAGER_ATTEMPTS = 3
SECRETS_MANAGER_RETRY_TIMEOUT_SECONDS = 8.0
IAM_ATTEMPTS = 3
IAM_RETRY_TIMEOUT_SECONDS = 8.0
RETRY_WAIT_INITIAL_SECONDS = 0.2
RETRY_WAIT_MAX_SECONDS = 5.0
# The longest Retry-After a retry honours; longer waits fail the call instead.
MAX_RETRY_AFTER_SECONDS = 10.0

# Token cache.
DEFAULT_REFRESH_MARGIN_SECONDS = 300.0
# How long a token whose expiry is unknown is reused before the secret is
# read again, so that a rotated token is picked up.
UNKNOWN_EXPIRY_REUSE_SECONDS = 300.0
# After a failed refresh, how long a still-valid cached token is served
# before the next refresh attempt.
FAILED_REFRESH_BACKOFF_SECONDS = 30.0

# Maximum length of a server's error message kept in an exception.
MAX_SERVER_MESSAGE_CHARS = 300
