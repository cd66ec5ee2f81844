"""The Cloud Eye client: the agent APIs, retries, token refresh and lost-response reconciliation."""

from agent_fleet.cloudeye.client import (
    DEFAULT_TIMEOUT,
    BatchCreateAnswer,
    CloudEyeClient,
    TokenSource,
    parse_retry_after,
)
from agent_fleet.cloudeye.endpoints import ces_endpoint, iam_endpoint
from agent_fleet.cloudeye.exceptions import (
    CloudEyeAuthError,
    CloudEyeBadRequest,
    CloudEyeConnectError,
    CloudEyeError,
    CloudEyeForbidden,
    CloudEyeResponseError,
    CloudEyeServerError,
    CloudEyeStatusError,
    CloudEyeThrottled,
    CloudEyeTransportError,
    ResponseLostError,
)
from agent_fleet.cloudeye.reconcile import can_reconcile, find_created_tasks
from agent_fleet.cloudeye.retry import RetryPolicy, is_retryable
from agent_fleet.cloudeye.stats import ClientStats, ClientStatsSnapshot
from agent_fleet.cloudeye.submission import chunk_targets, narrow_request, submit_chunk

__all__ = [
    "DEFAULT_TIMEOUT",
    "BatchCreateAnswer",
    "ClientStats",
    "ClientStatsSnapshot",
    "CloudEyeAuthError",
    "CloudEyeBadRequest",
    "CloudEyeClient",
    "CloudEyeConnectError",
    "CloudEyeError",
    "CloudEyeForbidden",
    "CloudEyeResponseError",
    "CloudEyeServerError",
    "CloudEyeStatusError",
    "CloudEyeThrottled",
    "CloudEyeTransportError",
    "ResponseLostError",
    "RetryPolicy",
    "TokenSource",
    "can_reconcile",
    "ces_endpoint",
    "chunk_targets",
    "find_created_tasks",
    "iam_endpoint",
    "is_retryable",
    "narrow_request",
    "parse_retry_after",
    "submit_chunk",
]
