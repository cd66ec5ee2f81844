"""The OpenAPI 3.1 document of the HTTP trigger, built from the contract models."""

import functools
from typing import Any

from pydantic import BaseModel

from agent_fleet import __version__
from agent_fleet.contract import (
    AgentStatusQuery,
    AgentStatusResponse,
    BatchCreateInvocationResponse,
    ErrorBody,
    InvocationSpec,
    ListInvocationsResponse,
)

_COMPONENTS: dict[str, type[BaseModel]] = {
    "InvocationSpec": InvocationSpec,
    "BatchCreateInvocationResponse": BatchCreateInvocationResponse,
    "ListInvocationsResponse": ListInvocationsResponse,
    "AgentStatusQuery": AgentStatusQuery,
    "AgentStatusResponse": AgentStatusResponse,
    "ErrorBody": ErrorBody,
}

_PROJECT_ID = {
    "name": "project_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,64}$"},
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_content(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(name)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    descriptions = {
        400: "Invalid request: error_msg names the field and the rule",
        413: "More hosts than AGENT_FLEET_MAX_HOSTS",
        502: "Cloud Eye refused the call or could not be reached",
        503: "Cloud Eye was throttling or failing after retries",
        504: "Cloud Eye's response did not come back in time",
    }
    return {
        str(status): {"description": descriptions[status], **_json_content("ErrorBody")}
        for status in statuses
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI document; built once per container."""
    schemas: dict[str, Any] = {}
    for name, model in _COMPONENTS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema

    list_parameters = [
        _PROJECT_ID,
        *(
            {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
            for name, kind in (
                ("instance_id", "string"),
                ("instance_type", "string"),
                ("invocation_id", "string"),
                ("invocation_type", "string"),
                ("invocation_target", "string"),
                ("offset", "integer"),
                ("limit", "integer"),
            )
        ),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "agent-fleet",
            "version": __version__,
            "description": (
                "Cloud Eye's agent maintenance APIs with any number of hosts per batch-create. "
                "Calls are signed with AWS SigV4 (API Gateway IAM authorization)."
            ),
        },
        "paths": {
            "/v3/{project_id}/agent-invocations/batch-create": {
                "post": {
                    "operationId": "batchCreateAgentInvocations",
                    "summary": "Create agent tasks for any number of hosts, 100 per Cloud Eye call",
                    "parameters": [_PROJECT_ID],
                    "requestBody": {"required": True, **_json_content("InvocationSpec")},
                    "responses": {
                        "201": {
                            "description": (
                                "One item per distinct host in input order; counts in "
                                "X-Agent-Fleet-* headers"
                            ),
                            **_json_content("BatchCreateInvocationResponse"),
                        },
                        **_errors(400, 413, 502, 503, 504),
                    },
                }
            },
            "/v3/{project_id}/agent-invocations": {
                "get": {
                    "operationId": "listAgentInvocations",
                    "summary": "One page of Cloud Eye's task list",
                    "parameters": list_parameters,
                    "responses": {
                        "200": {
                            "description": "A page",
                            **_json_content("ListInvocationsResponse"),
                        },
                        **_errors(400, 502, 503, 504),
                    },
                }
            },
            "/v3/{project_id}/agent-status/batch-query": {
                "post": {
                    "operationId": "batchQueryAgentStatus",
                    "summary": "Agent state of up to 2,000 instances",
                    "parameters": [_PROJECT_ID],
                    "requestBody": {"required": True, **_json_content("AgentStatusQuery")},
                    "responses": {
                        "200": {"description": "States", **_json_content("AgentStatusResponse")},
                        **_errors(400, 502, 503, 504),
                    },
                }
            },
        },
        "components": {"schemas": schemas},
    }
