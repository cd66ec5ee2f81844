"""Benchmarks of agent-fleet (not a test): handler init time and a 10,000-host job.

Run with ``make benchmark``. Prints a Markdown table to paste into
docs/benchmarks.md, with the machine it ran on.

- Init: a fresh interpreter imports each handler module (what Lambda does at
  cold start) and reports the time, the median of several runs.
- Job: 10,000 hosts through ``Runtime.run_job`` against the emulator with
  100 ms of latency per call and concurrency 10. 100 calls of 100 ms in
  batches of 10 take 1.0 s at best; the wall time and the peak RSS of the
  process are reported.
"""

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INIT_RUNS = 7
JOB_HOSTS = 10_000
LATENCY_SECONDS = 0.1
CONCURRENCY = 10

_INIT_PROBE = """
import importlib.util, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("handler_app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print((time.perf_counter() - started) * 1000)
"""


_FLOOR_PROBE = """
import time
started = time.perf_counter()
import httpx, pydantic, stamina
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
print((time.perf_counter() - started) * 1000)
"""


def measure_dependency_floor() -> float:
    """Return the median time to import the runtime dependencies alone, in milliseconds."""
    samples = []
    for _ in range(INIT_RUNS):
        output = subprocess.run(
            [sys.executable, "-c", _FLOOR_PROBE], capture_output=True, text=True, check=True
        )
        samples.append(float(output.stdout.strip()))
    return statistics.median(samples)


def measure_init(handler: Path) -> float:
    """Return the median import-and-init time of ``handler`` in milliseconds."""
    env = {
        **os.environ,
        "CLOUD_EYE_ENDPOINT": "http://127.0.0.1:9",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    samples = []
    for _ in range(INIT_RUNS):
        output = subprocess.run(
            [sys.executable, "-c", _INIT_PROBE, str(handler)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        samples.append(float(output.stdout.strip()))
    return statistics.median(samples)


def measure_job() -> dict[str, float]:
    """Run the 10,000-host job in this process and return wall time, ideal time and peak RSS."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    import logging

    logging.getLogger("agent_fleet").setLevel(logging.WARNING)

    from pydantic import SecretStr

    from agent_fleet.cloudeye import CloudEyeClient, RetryPolicy
    from agent_fleet.contract import InvocationSpec, InvocationType
    from agent_fleet.jobs import Job, OutcomeStatus
    from agent_fleet.runtime import Runtime
    from agent_fleet.settings import Settings
    from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig

    token = "benchmark-token"  # noqa: S105 - the emulator's static token, not a secret
    config = EmulatorConfig(static_tokens=[SecretStr(token)])
    config.faults.latency_seconds = LATENCY_SECONDS

    class StaticToken:
        def get_token(self, *, stale: SecretStr | None = None) -> SecretStr:
            return SecretStr(token)

    hosts = [f"ecs-{index:05d}" for index in range(JOB_HOSTS)]
    with CloudEyeEmulator(config) as emulator:
        settings = Settings(
            endpoint=emulator.url,
            token_secret_id="unused",  # noqa: S106 - a secret id, and unused here
            max_concurrency=CONCURRENCY,
        )
        client = CloudEyeClient(emulator.url, StaticToken(), retry=RetryPolicy())
        runtime = Runtime(settings=settings, client=client)
        spec = InvocationSpec(invocation_type=InvocationType.UPDATE, instance_ids=hosts)
        job = Job(job_id="benchmark", project_id="0123456789abcdef0123456789abcdef", spec=spec)

        started = time.perf_counter()
        report = runtime.run_job(job)
        wall = time.perf_counter() - started
        counters = emulator.counters()
        client.close()

    if report.counts[OutcomeStatus.SUCCESSFUL] != JOB_HOSTS:
        raise SystemExit(f"benchmark job did not succeed: {report.summary()}")
    calls = JOB_HOSTS // 100
    ideal = calls / CONCURRENCY * LATENCY_SECONDS
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "wall_seconds": wall,
        "ideal_seconds": ideal,
        "peak_rss_mb": peak_rss_mb,
        "peak_concurrent": counters.peak_concurrent,
        "calls": counters.requests_by_route.get(
            "POST /v3/{project_id}/agent-invocations/batch-create", 0
        ),
    }


def machine() -> str:
    """Describe the machine: processor, cores, memory and Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    """Run both benchmarks and print the results as Markdown and JSON."""
    results: dict[str, object] = {"machine": machine()}
    for name in ("http_api", "scheduled_job"):
        results[f"init_ms_{name}"] = round(measure_init(REPO / "functions" / name / "app.py"), 1)
    results["init_ms_dependencies"] = round(measure_dependency_floor(), 1)
    job = measure_job()
    results.update({key: round(value, 3) for key, value in job.items()})

    print(f"Machine: {results['machine']}")
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| HttpApiFunction import and init | {results['init_ms_http_api']} ms | <= 150 ms |")
    print(
        f"| ScheduledJobFunction import and init | {results['init_ms_scheduled_job']} ms "
        "| <= 150 ms |"
    )
    print(
        f"| httpx, pydantic, stamina and powertools imports alone | "
        f"{results['init_ms_dependencies']} ms | (context) |"
    )
    print(
        f"| 10,000-host job, 100 ms latency, concurrency 10 | {job['wall_seconds']:.2f} s "
        f"(ideal {job['ideal_seconds']:.1f} s, {job['wall_seconds'] / job['ideal_seconds']:.2f}x) "
        "| within 30% of ideal |"
    )
    print(f"| peak RSS of the job process | {job['peak_rss_mb']:.0f} MB | <= 120 MB |")
    calls = f"{job['calls']:.0f} / {job['peak_concurrent']:.0f}"
    print(f"| Cloud Eye calls / peak concurrent | {calls} | 100 / 10 |")
    print()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
