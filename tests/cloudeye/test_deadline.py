"""A job under 5xx responses stops starting work at its deadline and still reports every host."""

from agent_fleet.cloudeye import CloudEyeClient, RetryPolicy
from agent_fleet.contract import InvocationSpec, InvocationType
from agent_fleet.credentials import TokenProvider
from agent_fleet.jobs import Job, OutcomeStatus
from agent_fleet.runtime import Runtime
from agent_fleet.settings import Settings
from agent_fleet_dev.emulator import CloudEyeEmulator

from .conftest import PROJECT_ID, SECRET_ID, emulator_config, password_secret

HOSTS = 2_500


def test_deadline_bounds_job_under_errors() -> None:
    """With 5xx responses and a short deadline, late chunks are skipped and no host is doubled."""
    hosts = [f"ecs-{index:05d}" for index in range(HOSTS)]
    config = emulator_config()
    config.faults.update({"seed": 11, "error_rate": 0.3, "latency_seconds": 0.05})

    with CloudEyeEmulator(config) as emulator:
        settings = Settings(
            endpoint=emulator.url,
            token_secret_id=SECRET_ID,
            max_concurrency=4,
            job_deadline_seconds=1.0,
        )
        tokens = TokenProvider(password_secret(emulator), SECRET_ID)
        client = CloudEyeClient(
            emulator.url, tokens, retry=RetryPolicy(wait_initial=0.01, wait_max=0.05)
        )
        runtime = Runtime(settings=settings, client=client)
        spec = InvocationSpec(invocation_type=InvocationType.UPDATE, instance_ids=hosts)

        report = runtime.run_job(Job(job_id="deadline", project_id=PROJECT_ID, spec=spec))
        tasks = emulator.counters().tasks_per_host
        client.close()

    assert [outcome.target for outcome in report.outcomes] == hosts
    assert max(tasks.values()) == 1
    skipped = [o for o in report.outcomes if o.status is OutcomeStatus.SKIPPED]
    assert skipped
    assert all(o.reason == "job deadline reached" for o in skipped)
    assert report.stopped_reason is not None
