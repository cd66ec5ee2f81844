"""The HTTP trigger: Cloud Eye's own agent APIs, with any number of hosts per batch-create.

``POST /v3/{project_id}/agent-invocations/batch-create`` takes Cloud Eye's
body with up to ``AGENT_FLEET_MAX_HOSTS`` hosts and responds like Cloud Eye:
201 with ``{"invocations": [...]}``, one item per distinct host in input
order, so existing clients work unchanged. The job id and the counts travel
in ``X-Agent-Fleet-*`` headers. The two read APIs are proxied after the same
validation.
"""

import binascii
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from pydantic import ValidationError

from agent_fleet.cloudeye import CloudEyeError
from agent_fleet.contract import (
    AgentStatusQuery,
    InvocationSpec,
    ListInvocationsQuery,
    describe_validation_error,
    is_resource_id,
)
from agent_fleet.credentials import CredentialsError
from agent_fleet.jobs import HostOutcome, Job, JobReport, OutcomeStatus
from agent_fleet.observability import add_job_metrics, logger
from agent_fleet.runtime import get_runtime
from agent_fleet.settings import ConfigurationError
from agent_fleet.triggers import errors
from agent_fleet.triggers.openapi import openapi_document

JOB_ID_HEADER = "X-Agent-Fleet-Job-Id"
COUNT_HEADER_PREFIX = "X-Agent-Fleet-"
MAX_ITEM_MESSAGE = 128
"""Cloud Eye's limit on an item's ``error_msg``; longer reasons are cut."""

_ITEM_CODES = {
    OutcomeStatus.FAILED: errors.HOST_FAILED,
    OutcomeStatus.UNKNOWN: errors.HOST_UNKNOWN,
    OutcomeStatus.SKIPPED: errors.HOST_SKIPPED,
}

app = APIGatewayHttpResolver()


class BadRequest(Exception):
    """The request breaks a rule; the response is 400 in Cloud Eye's error shape."""

    def __init__(self, message: str, *, error_code: str = errors.INVALID_REQUEST) -> None:
        super().__init__(message)
        self.error_code = error_code


class TooManyHosts(Exception):
    """The body names more hosts than the configured cap; the response is 413."""


# -- routes ------------------------------------------------------------------


@app.post("/v3/<project_id>/agent-invocations/batch-create")
def batch_create(project_id: str) -> Response[str]:
    """Run one batch-create job of any size and respond like Cloud Eye."""
    _check_project_id(project_id)
    spec = _parse_body(InvocationSpec)
    runtime = get_runtime()
    host_count = _host_count(spec)
    if host_count > runtime.settings.max_hosts:
        raise TooManyHosts(
            f"the body names {host_count} hosts; this endpoint accepts at most "
            f"{runtime.settings.max_hosts} per call (AGENT_FLEET_MAX_HOSTS)"
        )

    job_id = app.current_event.request_context.request_id or "local"
    job = Job(job_id=job_id, project_id=project_id, spec=spec)
    logger.append_keys(job_id=job_id)
    before = runtime.client.stats.snapshot()
    report = runtime.run_job(job, remaining_seconds=_remaining_seconds())
    add_job_metrics(report, before, runtime.client.stats.snapshot())
    logger.info("Job finished", extra={"summary": report.summary()})

    headers = _report_headers(report)
    if report.settled_no_host:
        return _job_failure_response(report, headers)
    body = {"invocations": [_item(outcome) for outcome in report.outcomes]}
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


@app.get("/v3/<project_id>/agent-invocations")
def list_invocations(project_id: str) -> Response[str]:
    """Proxy one page of Cloud Eye's task list after validating the query."""
    _check_project_id(project_id)
    params: dict[str, Any] = dict(app.current_event.query_string_parameters or {})
    try:
        query = ListInvocationsQuery.model_validate(params)
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc)) from exc
    page = get_runtime().client.list_invocations(project_id, query)
    return _json(200, page.model_dump(mode="json", exclude_none=True))


@app.post("/v3/<project_id>/agent-status/batch-query")
def query_agent_status(project_id: str) -> Response[str]:
    """Proxy an agent status query after validating the body."""
    _check_project_id(project_id)
    query = _parse_body(AgentStatusQuery)
    answer = get_runtime().client.query_agent_status(project_id, query)
    return _json(200, answer.model_dump(mode="json", exclude_none=True))


@app.get("/openapi.json")
def openapi() -> Response[str]:
    """Publish the OpenAPI document of this API."""
    return _json(200, openapi_document())


# -- error handlers -----------------------------------------------------------


@app.not_found
def not_found(_exc: Exception) -> Response[str]:
    """Return 404 for unknown routes, in Cloud Eye's gateway shape."""
    event = app.current_event
    return errors.error_response(
        404, errors.NOT_FOUND, f"no route for {event.request_context.http.method} {event.path}"
    )


@app.exception_handler(BadRequest)
def bad_request(exc: BadRequest) -> Response[str]:
    """Return 400 naming the field and the rule."""
    return errors.error_response(400, exc.error_code, str(exc))


@app.exception_handler(TooManyHosts)
def too_many_hosts(exc: TooManyHosts) -> Response[str]:
    """Return 413 stating the cap."""
    return errors.error_response(413, errors.TOO_MANY_HOSTS, str(exc))


@app.exception_handler(CloudEyeError)
def cloud_eye_failure(exc: CloudEyeError) -> Response[str]:
    """Return 502, 503 or 504 with Cloud Eye's code, message and request id."""
    logger.warning("Cloud Eye call failed", extra={"error": type(exc).__name__})
    return errors.cloud_eye_failure_response(exc)


@app.exception_handler(CredentialsError)
def credentials_failure(exc: CredentialsError) -> Response[str]:
    """Return 502 when no Cloud Eye token could be had; the message contains no secret."""
    logger.error("Could not get a Cloud Eye token", extra={"error": str(exc)})
    return errors.error_response(502, errors.UPSTREAM_FAILED, str(exc))


@app.exception_handler(ConfigurationError)
def configuration_failure(exc: ConfigurationError) -> Response[str]:
    """Return 500 naming the setting to fix: the deployment, not the caller, is at fault."""
    logger.error("Invalid configuration", extra={"error": str(exc)})
    return errors.error_response(500, errors.CONFIGURATION, str(exc))


# -- helpers -------------------------------------------------------------------


def _check_project_id(project_id: str) -> None:
    if not is_resource_id(project_id):
        raise BadRequest("project_id: must be 1 to 64 letters, digits and hyphens")


def _parse_body[ModelT: (InvocationSpec, AgentStatusQuery)](model: type[ModelT]) -> ModelT:
    try:
        raw = app.current_event.decoded_body
    except (binascii.Error, ValueError) as exc:
        # ValueError covers UnicodeDecodeError: base64 that is not UTF-8 text.
        raise BadRequest(
            "body: isBase64Encoded is true but the body is not base64 of UTF-8 text",
            error_code=errors.BAD_MESSAGE_BODY,
        ) from exc
    if not raw:
        raise BadRequest("body: a JSON object is required", error_code=errors.BAD_MESSAGE_BODY)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"body: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            error_code=errors.BAD_MESSAGE_BODY,
        ) from exc
    except RecursionError as exc:
        raise BadRequest(
            "body: JSON nested too deeply to read", error_code=errors.BAD_MESSAGE_BODY
        ) from exc
    except ValueError as exc:
        # Python refuses to convert integers of more than 4,300 digits.
        raise BadRequest(
            "body: contains a number too large to read", error_code=errors.BAD_MESSAGE_BODY
        ) from exc
    if not isinstance(data, dict):
        raise BadRequest(
            f"body: must be a JSON object, got a JSON {_json_type(data)}",
            error_code=errors.BAD_MESSAGE_BODY,
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc)) from exc


def _json_type(value: object) -> str:
    names = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _host_count(spec: InvocationSpec) -> int:
    return max(
        len(spec.instance_ids or []),
        len(spec.invocation_ids or []),
        len(spec.remote_install_meta or []),
    )


def _remaining_seconds() -> Callable[[], float] | None:
    """Return a reader of the invocation's time left, when a Lambda context is present."""
    context = app.lambda_context
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None

    def remaining() -> float:
        millis: int = context.get_remaining_time_in_millis()
        return millis / 1000

    return remaining


def _item(outcome: HostOutcome) -> dict[str, Any]:
    """Render an outcome as a Cloud Eye item; agent-fleet's own outcomes become errors."""
    item: dict[str, Any] = {"instance_id": outcome.instance_id or outcome.target}
    if outcome.invocation_id:
        item["invocation_id"] = outcome.invocation_id
    if outcome.status is OutcomeStatus.SUCCESSFUL:
        item["ret_status"] = "successful"
    else:
        item["ret_status"] = "error"
        item["error_code"] = outcome.error_code or _ITEM_CODES.get(outcome.status)
        message = outcome.error_msg or outcome.reason or outcome.status.value
        item["error_msg"] = message[:MAX_ITEM_MESSAGE]
    item["outcome"] = outcome.status.value
    if outcome.target != item["instance_id"]:
        item["target"] = outcome.target
    return item


def _report_headers(report: JobReport) -> dict[str, str]:
    headers = {JOB_ID_HEADER: report.job_id}
    for status in OutcomeStatus:
        headers[f"{COUNT_HEADER_PREFIX}{status.value.capitalize()}"] = str(report.counts[status])
    headers[f"{COUNT_HEADER_PREFIX}Hosts"] = str(report.counts.total)
    headers[f"{COUNT_HEADER_PREFIX}Duplicates"] = str(
        sum(duplicate.extra_occurrences for duplicate in report.duplicates)
    )
    return headers


def _job_failure_response(report: JobReport, headers: dict[str, str]) -> Response[str]:
    """Build the 502, 503 or 504 of a job that reached no host, from its first failure."""
    first = next(
        outcome
        for outcome in report.outcomes
        if outcome.status in (OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN)
    )
    http_status = first.http_status
    if http_status == 504 or (first.status is OutcomeStatus.UNKNOWN and http_status is None):
        status = 504
    elif http_status is not None and (http_status == 429 or http_status >= 500):
        status = 503
    else:
        status = 502
    code = first.error_code or errors.UPSTREAM_FAILED
    message = first.error_msg or first.reason or "Cloud Eye accepted no host of the job"
    return errors.error_response(
        status, code, message, request_id=first.request_id, headers=headers
    )


def _json(status_code: int, body: Any) -> Response[str]:
    return Response(
        status_code=status_code, content_type=content_types.APPLICATION_JSON, body=json.dumps(body)
    )
