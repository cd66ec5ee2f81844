"""``make demo``: the main job end to end on the built-in emulator.

1. The published batch-create example goes through HttpApiFunction and is
   gets a 201: instancexxx001 successful, instancexxx002 rejected.
2. A scheduled UPDATE of 2,500 hosts goes through ScheduledJobFunction in
   25 Cloud Eye calls; its counts and a sample of outcomes are printed.

Both run the real handlers in-process against the emulator on 127.0.0.1.
"""

import os

# Quiet the handlers' JSON logs and EMF metrics unless the user asked for them.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

import json
import sys
import time
from collections import Counter
from typing import Any

from agent_fleet_dev import runner
from agent_fleet_dev.emulator import EmulatorConfig, Faults
from agent_fleet_dev.local_cloud import LocalCloud

HTTP_EVENT = runner.REPO_ROOT / "events" / "http-batch-create-published-example.json"
SCHEDULED_EVENT = runner.REPO_ROOT / "events" / "scheduled-update-2500-hosts.json"
SAMPLE_SIZE = 5
LATENCY_SECONDS = 0.05
"""Emulated Cloud Eye response time, so that the calls visibly overlap."""


def _show_http_example(cloud: LocalCloud, event: dict[str, Any]) -> None:
    project_id = runner.project_of(event) or ""
    print(f"1. Published example through HttpApiFunction ({HTTP_EVENT.name})")
    print(f"   POST {event['rawPath']}")
    print(f"   body: {event['body']}")
    with cloud.configured_for(project_id):
        reply = runner.invoke(runner.find_function("HttpApiFunction"), event)

    print(f"   -> HTTP {reply['statusCode']}")
    headers = {name.lower(): value for name, value in reply.get("headers", {}).items()}
    print(f"   job id: {headers.get('x-agent-fleet-job-id')}")
    counts = ("hosts", "successful", "error", "failed", "unknown", "skipped", "duplicates")
    print(
        "   counts: "
        + ", ".join(f"{name} {headers.get(f'x-agent-fleet-{name}')}" for name in counts)
    )
    body = json.loads(reply["body"])
    for item in body.get("invocations", []):
        detail = item.get("invocation_id") or f"{item.get('error_code')}: {item.get('error_msg')}"
        print(f"   {item['instance_id']:<16} {item['ret_status']:<11} {detail}")
    print()


def _show_scheduled_job(cloud: LocalCloud, event: dict[str, Any]) -> None:
    hosts = len(event.get("instance_ids", []))
    print(
        f"2. Scheduled {event['invocation_type']} of {hosts:,} hosts through ScheduledJobFunction"
    )
    print(f"   ({SCHEDULED_EVENT.name}, version {event.get('version')})")
    before = cloud.emulator.counters() if cloud.emulator else None
    started = time.perf_counter()
    with cloud.configured_for(event["project_id"]):
        report = runner.invoke(runner.find_function("ScheduledJobFunction"), event)
    elapsed = time.perf_counter() - started

    counts = Counter(outcome["status"] for outcome in report["outcomes"])
    print(f"   -> {report['status']} in {elapsed:.2f} s, {report['requests_sent']} Cloud Eye calls")
    print("   " + ", ".join(f"{status} {count:,}" for status, count in sorted(counts.items())))
    for outcome in report["outcomes"][:SAMPLE_SIZE]:
        print(f"   {outcome['target']:<24} {outcome['status']:<11} {outcome.get('invocation_id')}")
    print(f"   ... and {len(report['outcomes']) - SAMPLE_SIZE:,} more")
    if before is not None and cloud.emulator is not None:
        after = cloud.emulator.counters()
        tasks = sum(after.tasks_per_host.values()) - sum(before.tasks_per_host.values())
        print(
            f"   emulator: {tasks:,} tasks created, peak {after.peak_concurrent} "
            "concurrent requests"
        )


def main() -> int:
    """Run both parts of the demo and return the exit status."""
    http_event = runner.load_event(HTTP_EVENT)
    scheduled_event = runner.load_event(SCHEDULED_EVENT)
    projects = [runner.project_of(http_event) or "", scheduled_event["project_id"]]

    config = EmulatorConfig(faults=Faults(latency_seconds=LATENCY_SECONDS))
    with LocalCloud(projects, config) as cloud:
        print(
            f"Cloud Eye emulator on {cloud.url} ({LATENCY_SECONDS * 1000:.0f} ms per call); "
            f"local secret store on port {cloud.secrets.port}"
        )
        print()
        _show_http_example(cloud, http_event)
        _show_scheduled_job(cloud, scheduled_event)
    return 0


if __name__ == "__main__":
    sys.exit(main())
