"""HttpApiFunction: Cloud Eye's agent APIs behind API Gateway (HTTP API, payload 2.0)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_fleet.observability import configure_library_logging, logger, metrics
from agent_fleet.triggers.http_api import app

configure_library_logging()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route the request to the batch-create, task list or agent status handler."""
    return app.resolve(event, context)
