"""A local Cloud Eye emulator: IAM tokens, agent tasks and agent status over real HTTP.

It enforces the published request rules, keeps tasks whose status moves over
time, and injects faults on demand (latency, 5xx, 429 with Retry-After,
dropped connections, expired tokens). Error codes that Huawei does not
publish are the emulator's own choice and are listed in
:mod:`agent_fleet_dev.emulator.codes`.

Example
-------
>>> import httpx
>>> with CloudEyeEmulator() as emulator:
...     response = httpx.post(
...         f"{emulator.url}/v3/project-1/agent-invocations/batch-create",
...         headers={"X-Auth-Token": emulator.issue_token("project-1")},
...         json={"invocation_type": "INSTALL", "instance_ids": ["instancexxx001"]},
...     )
>>> response.status_code
201
"""

from agent_fleet_dev.emulator.cli import add_cli_arguments, config_from_args, emulator_from_args
from agent_fleet_dev.emulator.clock import Clock, ManualClock
from agent_fleet_dev.emulator.config import EmulatorConfig, IamUser
from agent_fleet_dev.emulator.counters import CountersSnapshot
from agent_fleet_dev.emulator.emulator import CloudEyeEmulator
from agent_fleet_dev.emulator.faults import Faults
from agent_fleet_dev.emulator.fleet import (
    Fleet,
    FleetError,
    InstanceProfile,
    default_fleet,
    load_fleet,
)
from agent_fleet_dev.emulator.tasks import Task

__all__ = [
    "Clock",
    "CloudEyeEmulator",
    "CountersSnapshot",
    "EmulatorConfig",
    "Faults",
    "Fleet",
    "FleetError",
    "IamUser",
    "InstanceProfile",
    "ManualClock",
    "Task",
    "add_cli_arguments",
    "config_from_args",
    "default_fleet",
    "emulator_from_args",
    "load_fleet",
]
