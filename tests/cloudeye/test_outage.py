"""A job whose Cloud Eye goes away in the middle."""

import threading

import stamina

from agent_fleet.cloudeye import CloudEyeClient, RetryPolicy
from agent_fleet.contract import InvocationSpec, InvocationType
from agent_fleet.credentials import TokenProvider
from agent_fleet.jobs import Job, JobReport, OutcomeStatus
from agent_fleet.runtime import Runtime
from agent_fleet.settings import Settings
from agent_fleet_dev.emulator import CloudEyeEmulator

from .conftest import PROJECT_ID, SECRET_ID, emulator_config, password_secret

HOSTS = 2_000


def test_outage_mid_job_settles_every_host_once() -> None:
    """Stopping the emulator mid-job ends the job with each host reported once and none doubled."""
    hosts = [f"ecs-{index:05d}" for index in range(HOSTS)]
    config = emulator_config()
    config.faults.latency_seconds = 0.2
    emulator = CloudEyeEmulator(config).start()
    reports: list[JobReport] = []

    with stamina.set_testing(True, attempts=3, cap=True):
        settings = Settings(endpoint=emulator.url, token_secret_id=SECRET_ID, max_concurrency=5)
        tokens = TokenProvider(password_secret(emulator), SECRET_ID)
        client = CloudEyeClient(emulator.url, tokens, retry=RetryPolicy(attempts=3))
        runtime = Runtime(settings=settings, client=client)
        spec = InvocationSpec(invocation_type=InvocationType.INSTALL, instance_ids=hosts)
        job = Job(job_id="outage", project_id=PROJECT_ID, spec=spec)

        worker = threading.Thread(target=lambda: reports.append(runtime.run_job(job)))
        worker.start()
        stopped = threading.Event()
        # Stop once some chunks have landed, while others are in flight.
        while not stopped.is_set():
            if emulator.counters().tasks_created >= 500:
                tasks_before_stop = dict(emulator.counters().tasks_per_host)
                emulator.stop()
                stopped.set()
            stopped.wait(0.01)
        worker.join(timeout=120)
        client.close()

    assert not worker.is_alive()
    (report,) = reports
    assert [outcome.target for outcome in report.outcomes] == hosts
    statuses = {outcome.status for outcome in report.outcomes}
    assert OutcomeStatus.SUCCESSFUL in statuses
    assert statuses & {OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN}
    final_tasks = emulator.tasks()
    per_host: dict[str, int] = {}
    for task in final_tasks:
        per_host[task.instance_id] = per_host.get(task.instance_id, 0) + 1
    assert max(per_host.values()) == 1
    assert len(per_host) >= len(tasks_before_stop)
    for outcome in report.outcomes:
        if outcome.status is OutcomeStatus.SUCCESSFUL:
            assert per_host.get(outcome.target) == 1
