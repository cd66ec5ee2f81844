"""The schedule trigger: an EventBridge Scheduler input that is a whole job spec.

With ``Input`` set, Scheduler delivers only that JSON, after replacing
placeholders such as ``<aws.scheduler.execution-id>`` (used as the job id).
A spec that breaks a rule is logged and counted, not raised: a retry would
fail the same way. The handler raises only when a transient failure left the
whole job unsubmitted. Scheduler invokes the function asynchronously, so the
failed run is then retried by Lambda (the function's maximum retry attempts)
or sent to its failure destination.
"""

from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, StringConstraints, ValidationError, field_validator

from agent_fleet.contract import InvocationSpec, ResourceId, describe_validation_error
from agent_fleet.jobs import ErrorThreshold, Job, JobReport, OutcomeStatus
from agent_fleet.observability import add_job_metrics, logger, metrics
from agent_fleet.runtime import Runtime

UNSUBSTITUTED_EXECUTION_ID = "<aws.scheduler.execution-id>"


class ScheduledJobSpec(InvocationSpec):
    """A batch-create body plus the project, the job id and an optional error threshold."""

    project_id: ResourceId
    job_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    max_errors: Annotated[str, Field(min_length=1, max_length=8)] | None = None

    @field_validator("max_errors")
    @classmethod
    def _check_max_errors(cls, value: str | None) -> str | None:
        if value is not None:
            ErrorThreshold.parse(value)
        return value


class JobNotSubmitted(RuntimeError):
    """No host of the job reached Cloud Eye for a transient reason; the run may be retried."""


def run_scheduled_job(
    event: Any, runtime: Runtime, *, request_id: str, remaining_seconds: Any = None
) -> dict[str, Any]:
    """Validate the schedule's input, run the job and return its report as a dict.

    Raises
    ------
    JobNotSubmitted
        When every host ended ``failed`` or ``unknown`` for want of Cloud Eye.
    """
    try:
        spec = ScheduledJobSpec.model_validate(event)
    except ValidationError as exc:
        message = describe_validation_error(exc)
        logger.error("Scheduled job spec rejected", extra={"error": message})
        metrics.add_metric(name="JobsRejected", unit=MetricUnit.Count, value=1)
        return {"status": "rejected", "error": message}

    job_id = spec.job_id
    if not job_id or job_id == UNSUBSTITUTED_EXECUTION_ID:
        job_id = request_id
    logger.append_keys(job_id=job_id)

    job_spec = InvocationSpec.model_validate(
        {name: getattr(spec, name) for name in InvocationSpec.model_fields}
    )
    job = Job(job_id=job_id, project_id=spec.project_id, spec=job_spec)

    before = runtime.client.stats.snapshot()
    threshold = ErrorThreshold.parse(spec.max_errors) if spec.max_errors else None
    report = runtime.run_job(job, remaining_seconds=remaining_seconds, max_errors=threshold)
    add_job_metrics(report, before, runtime.client.stats.snapshot())
    logger.info("Scheduled job finished", extra={"summary": report.summary()})

    # An unknown host may have been accepted, and a retried job would send it
    # again, so only a job whose hosts all plainly failed raises for a retry.
    if report.failed_entirely and report.counts[OutcomeStatus.UNKNOWN] == 0:
        raise JobNotSubmitted(_not_submitted_message(report))
    return {"status": "completed", **report.model_dump(mode="json")}


def _not_submitted_message(report: JobReport) -> str:
    first = report.outcomes[0]
    return (
        f"job {report.job_id}: no host reached Cloud Eye ({first.status.value}: "
        f"{first.error_code or ''} {first.reason or ''}); the run fails so that it can be "
        "retried (ScheduledJobRetryAttempts) or sent to the failure queue"
    )
