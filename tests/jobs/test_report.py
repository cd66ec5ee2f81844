"""Tests of the job report: its invariant check, counts, summary and failed_entirely."""

import json

import pytest
from pydantic import ValidationError

from agent_fleet.contract import InvocationType
from agent_fleet.jobs import (
    DuplicateTarget,
    HostOutcome,
    JobPlan,
    JobReport,
    OutcomeCounts,
    OutcomeStatus,
    StopReason,
    plan_job,
)
from tests.jobs.factories import PROJECT_ID, install_spec, make_job


def small_plan() -> JobPlan:
    """Return a plan of three distinct targets, one of them listed twice."""
    return plan_job(make_job(install_spec(["i-a", "i-b", "i-a", "i-c"])), chunk_size=2)


def outcome(target: str, status: OutcomeStatus = OutcomeStatus.SUCCESSFUL) -> HostOutcome:
    """Return an outcome of ``status`` for ``target``."""
    return HostOutcome(target=target, status=status)


def report_with(*statuses: OutcomeStatus) -> JobReport:
    """Return a report whose targets ``i-0``, ``i-1``, ... end with ``statuses``."""
    targets = [f"i-{number}" for number in range(len(statuses))]
    plan = plan_job(make_job(install_spec(targets)))
    outcomes = {
        target: outcome(target, status) for target, status in zip(targets, statuses, strict=True)
    }
    return JobReport.from_plan(plan, outcomes, requests_sent=1, elapsed_seconds=0.5)


def test_job_report_from_plan_orders_outcomes_by_input() -> None:
    """Outcomes follow the plan's target order, whatever the mapping's order."""
    plan = small_plan()
    outcomes = {target: outcome(target) for target in reversed(plan.targets)}

    report = JobReport.from_plan(plan, outcomes, requests_sent=2, elapsed_seconds=1.25)

    assert [item.target for item in report.outcomes] == ["i-a", "i-b", "i-c"]
    assert report.job_id == "job-test-1"
    assert report.project_id == PROJECT_ID
    assert report.invocation_type is InvocationType.INSTALL
    assert report.duplicates == [DuplicateTarget(target="i-a", extra_occurrences=1)]
    assert report.requests_sent == 2
    assert report.elapsed_seconds == 1.25
    assert report.stopped_reason is None


def test_job_report_from_plan_rejects_missing_target() -> None:
    """A planned target without an outcome raises RuntimeError naming the target."""
    plan = small_plan()
    outcomes = {"i-a": outcome("i-a"), "i-c": outcome("i-c")}

    with pytest.raises(RuntimeError, match="'i-b' has no outcome"):
        JobReport.from_plan(plan, outcomes, requests_sent=2, elapsed_seconds=0.0)


def test_job_report_from_plan_rejects_unplanned_target() -> None:
    """An outcome for a target the plan lacks raises RuntimeError naming the target."""
    plan = small_plan()
    outcomes = {target: outcome(target) for target in (*plan.targets, "i-zzz")}

    with pytest.raises(RuntimeError, match="'i-zzz', which is not a target of the plan"):
        JobReport.from_plan(plan, outcomes, requests_sent=2, elapsed_seconds=0.0)


def test_job_report_from_plan_rejects_mismatched_key() -> None:
    """An outcome stored under another target's key raises RuntimeError naming both."""
    plan = small_plan()
    outcomes = {target: outcome(target) for target in plan.targets}
    outcomes["i-b"] = outcome("i-c")

    with pytest.raises(RuntimeError, match="'i-c' is stored under the key 'i-b'"):
        JobReport.from_plan(plan, outcomes, requests_sent=2, elapsed_seconds=0.0)


def test_job_report_counts_every_status() -> None:
    """Counts list every status, zeros included, and their total."""
    report = report_with(
        OutcomeStatus.SUCCESSFUL,
        OutcomeStatus.SUCCESSFUL,
        OutcomeStatus.ERROR,
        OutcomeStatus.SKIPPED,
    )

    assert report.counts.model_dump() == {
        "successful": 2,
        "error": 1,
        "failed": 0,
        "unknown": 0,
        "skipped": 1,
        "total": 4,
    }
    assert report.counts[OutcomeStatus.ERROR] == 1
    assert report.counts.count_of([OutcomeStatus.ERROR, OutcomeStatus.SKIPPED]) == 2


def test_outcome_counts_rejects_wrong_total() -> None:
    """A total that differs from the sum of the counts is invalid."""
    with pytest.raises(ValidationError, match="total is 5"):
        OutcomeCounts(successful=1, error=1, total=5)


def test_outcome_counts_from_mapping_fills_missing_statuses() -> None:
    """Statuses missing from the mapping count zero."""
    counts = OutcomeCounts.from_mapping({OutcomeStatus.FAILED: 3})

    assert counts.failed == 3
    assert counts.successful == 0
    assert counts.total == 3


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([OutcomeStatus.FAILED], True, id="all-failed"),
        pytest.param([OutcomeStatus.FAILED, OutcomeStatus.SKIPPED], True, id="failed-then-skipped"),
        pytest.param([OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN], True, id="failed-and-unknown"),
        pytest.param([OutcomeStatus.UNKNOWN], False, id="only-unknown"),
        pytest.param([OutcomeStatus.SKIPPED], False, id="only-skipped"),
        pytest.param([OutcomeStatus.FAILED, OutcomeStatus.SUCCESSFUL], False, id="one-accepted"),
        pytest.param([OutcomeStatus.FAILED, OutcomeStatus.ERROR], False, id="one-rejected"),
        pytest.param([OutcomeStatus.SUCCESSFUL], False, id="all-accepted"),
    ],
)
def test_job_report_failed_entirely(statuses: list[OutcomeStatus], expected: bool) -> None:
    """failed_entirely holds when Cloud Eye settled no host and at least one host failed."""
    assert report_with(*statuses).failed_entirely is expected


def test_job_report_summary_leaves_out_per_host_data() -> None:
    """The summary is JSON-ready, has the counts and stop reason, and no per-host lists."""
    plan = plan_job(make_job(install_spec(["i-a", "i-a", "i-a", "i-b", "i-b"])))
    outcomes = {
        "i-a": outcome("i-a", OutcomeStatus.FAILED),
        "i-b": outcome("i-b", OutcomeStatus.SKIPPED),
    }
    report = JobReport.from_plan(
        plan,
        outcomes,
        requests_sent=1,
        elapsed_seconds=2.0,
        stopped_reason=StopReason.ERROR_THRESHOLD_EXCEEDED,
    )

    summary = report.summary()

    assert "outcomes" not in summary
    assert "duplicates" not in summary
    assert summary["duplicate_targets"] == 2
    assert summary["duplicate_occurrences"] == 3
    assert summary["counts"]["failed"] == 1
    assert summary["counts"]["total"] == 2
    assert summary["stopped_reason"] == "error_threshold_exceeded"
    assert summary["failed_entirely"] is True
    assert summary["invocation_type"] == "INSTALL"
    assert json.loads(json.dumps(summary)) == summary
