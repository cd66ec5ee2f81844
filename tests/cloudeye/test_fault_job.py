"""A fleet-sized job through every fault the emulator injects at once."""

from collections import Counter

import pytest
import stamina

from agent_fleet.cloudeye import CloudEyeClient, RetryPolicy
from agent_fleet.contract import InvocationSpec, InvocationType
from agent_fleet.credentials import TokenProvider
from agent_fleet.jobs import Job, OutcomeStatus
from agent_fleet.runtime import Runtime
from agent_fleet.settings import Settings
from agent_fleet_dev.emulator import CloudEyeEmulator

from .conftest import PROJECT_ID, SECRET_ID, emulator_config, password_secret

HOSTS = 5_000


@pytest.mark.slow
def test_fault_job_settles_each_host_once() -> None:
    """5xx, 429 bursts, dropped responses and an expiring token lose and double no host."""
    hosts = [f"ecs-{index:05d}" for index in range(HOSTS)]
    config = emulator_config()
    config.faults.update(
        {
            "seed": 2026,
            "error_rate": 0.2,
            "throttle_every": 17,
            "throttle_burst": 3,
            "retry_after_seconds": 0.01,
            "drop_rate": 0.15,
            "expire_tokens_after_requests": 40,
        }
    )

    with CloudEyeEmulator(config) as emulator, stamina.set_testing(True, attempts=6, cap=True):
        settings = Settings(endpoint=emulator.url, token_secret_id=SECRET_ID, max_concurrency=10)
        tokens = TokenProvider(password_secret(emulator), SECRET_ID)
        client = CloudEyeClient(emulator.url, tokens, retry=RetryPolicy(attempts=6))
        runtime = Runtime(settings=settings, client=client)
        spec = InvocationSpec(invocation_type=InvocationType.INSTALL, instance_ids=hosts)

        report = runtime.run_job(Job(job_id="fault-job", project_id=PROJECT_ID, spec=spec))
        counters = emulator.counters()
        client.close()

    assert [outcome.target for outcome in report.outcomes] == hosts
    assert report.counts.total == HOSTS
    assert max(counters.tasks_per_host.values()) == 1

    tasks = counters.tasks_per_host
    for outcome in report.outcomes:
        if outcome.status is OutcomeStatus.SUCCESSFUL:
            assert tasks.get(outcome.target) == 1, outcome
        elif "could not be read" not in (outcome.reason or ""):
            # Only a host whose task list lookup failed may hide a task.
            assert outcome.target not in tasks, outcome

    # Every fault fired, and the job still settled most hosts.
    assert counters.injected_errors > 0
    assert counters.throttled > 0
    assert counters.dropped > 0
    assert counters.tokens_issued >= 2
    statuses = Counter(outcome.status for outcome in report.outcomes)
    assert statuses[OutcomeStatus.SUCCESSFUL] > HOSTS * 0.9
    assert set(statuses) <= {OutcomeStatus.SUCCESSFUL, OutcomeStatus.UNKNOWN, OutcomeStatus.FAILED}
