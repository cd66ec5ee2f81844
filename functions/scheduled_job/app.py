"""ScheduledJobFunction: a job spec delivered by EventBridge Scheduler, run inline."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_fleet.observability import configure_library_logging, logger, metrics
from agent_fleet.runtime import get_runtime
from agent_fleet.triggers.schedule import run_scheduled_job

configure_library_logging()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Run the scheduled job and return its report; raise only when nothing was submitted."""
    return run_scheduled_job(
        event,
        get_runtime(),
        request_id=context.aws_request_id,
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
    )
