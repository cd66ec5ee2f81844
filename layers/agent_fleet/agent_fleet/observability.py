"""Logging and metrics shared by the handlers.

The library logs through the standard ``logging`` module under the
``agent_fleet`` name; :func:`configure_library_logging` routes those records
through the handler's powertools Logger, so they come out as JSON with the
same correlation ids. Nothing here logs a token, a password or a whole event.
"""

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from agent_fleet.cloudeye import ClientStatsSnapshot
from agent_fleet.jobs import JobReport, OutcomeStatus

SERVICE_NAME = "agent-fleet"
METRICS_NAMESPACE = "AgentFleet"

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_NAME))
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE),
    service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE_NAME),
)

_HOST_METRICS = {
    OutcomeStatus.SUCCESSFUL: "HostsAccepted",
    OutcomeStatus.ERROR: "HostsRejected",
    OutcomeStatus.FAILED: "HostsFailed",
    OutcomeStatus.UNKNOWN: "HostsUnknown",
    OutcomeStatus.SKIPPED: "HostsSkipped",
}


def configure_library_logging() -> None:
    """Send the library's log records through the powertools Logger's handler and format."""
    copy_config_to_registered_loggers(source_logger=logger, include={"agent_fleet"})


def add_job_metrics(
    report: JobReport, before: ClientStatsSnapshot, after: ClientStatsSnapshot
) -> None:
    """Add one job's host counts and the Cloud Eye call counters it caused."""
    submitted = report.counts.total - report.counts[OutcomeStatus.SKIPPED]
    metrics.add_metric(name="HostsSubmitted", unit=MetricUnit.Count, value=submitted)
    for status, name in _HOST_METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=report.counts[status])

    calls = after.calls - before.calls
    metrics.add_metric(name="ApiCalls", unit=MetricUnit.Count, value=calls)
    metrics.add_metric(
        name="ApiRetries", unit=MetricUnit.Count, value=after.retries - before.retries
    )
    metrics.add_metric(
        name="ApiThrottles", unit=MetricUnit.Count, value=after.throttled - before.throttled
    )
    if calls:
        average = (after.latency_ms_total - before.latency_ms_total) / calls
        metrics.add_metric(name="ApiLatencyAverage", unit=MetricUnit.Milliseconds, value=average)
