"""Builders of valid JSON bodies that a test changes one field of, and a rejection helper."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from agent_fleet.contract import describe_validation_error

CANARY_PASSWORD = "CANARY-PW-5e1c"
"""A password whose appearance in a message, repr or log shows a leak."""

ABSENT: Any = object()
"""Pass as a field value to leave the field out of the body."""


def resource_ids(count: int, prefix: str = "i") -> list[str]:
    """Return ``count`` distinct valid ids such as ``i-00000``, in order."""
    return [f"{prefix}-{index:05d}" for index in range(count)]


def host_body(**fields: Any) -> dict[str, Any]:
    """Return a valid remote host that logs in with the canary password, ``fields`` applied."""
    host: dict[str, Any] = {
        "instance_name": "legacy-db-01",
        "remote_ip": "192.168.0.10",
        "user_name": "root",
        "port": "22",
        "password": CANARY_PASSWORD,
        "remote_use_pem": False,
    }
    host.update(fields)
    return {name: value for name, value in host.items() if value is not ABSENT}


def host_bodies(count: int) -> list[dict[str, Any]]:
    """Return ``count`` valid remote hosts with distinct addresses."""
    return [
        host_body(remote_ip=f"10.{index // 65536}.{index // 256 % 256}.{index % 256}")
        for index in range(count)
    ]


def install_body(**fields: Any) -> dict[str, Any]:
    """Return a valid INSTALL body for two instances, ``fields`` applied."""
    body: dict[str, Any] = {
        "invocation_type": "INSTALL",
        "instance_ids": ["instancexxx001", "instancexxx002"],
    }
    body.update(fields)
    return {name: value for name, value in body.items() if value is not ABSENT}


def remote_install_body(*hosts: dict[str, Any]) -> dict[str, Any]:
    """Return a REMOTE_INSTALL body for ``hosts`` (one default host when none are given)."""
    return {
        "invocation_type": "REMOTE_INSTALL",
        "remote_install_meta": list(hosts) if hosts else [host_body()],
    }


def valid_body(invocation_type: str, host_count: int = 1) -> dict[str, Any]:
    """Return a valid body of ``invocation_type`` with ``host_count`` entries in its host list."""
    if invocation_type in {"ROLLBACK", "RETRY"}:
        return {"invocation_type": invocation_type, "invocation_ids": resource_ids(host_count)}
    if invocation_type == "REMOTE_INSTALL":
        return remote_install_body(*host_bodies(host_count))
    return {"invocation_type": invocation_type, "instance_ids": resource_ids(host_count)}


def rejection(model: type[BaseModel], body: Any) -> str:
    """Validate ``body`` against ``model``, expect a ValidationError, and return its description."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return describe_validation_error(caught.value)


def json_rejection(model: type[BaseModel], text: str) -> str:
    """Validate the JSON ``text`` against ``model``, expect a ValidationError, and describe it."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(text)
    return describe_validation_error(caught.value)
