"""Tests of job execution: concurrency, error threshold, deadline and outcome bookkeeping."""

import logging
import threading
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_fleet.jobs import (
    DEADLINE_REASON,
    Chunk,
    ErrorThreshold,
    HostOutcome,
    JobPlan,
    OutcomeStatus,
    ProgressEvent,
    StopReason,
    execute_plan,
    plan_job,
)
from tests.jobs.factories import (
    FakeClock,
    RuleSubmitter,
    install_spec,
    instance_ids,
    make_job,
    remote_host,
    remote_install_spec,
)


def plan_for(ids: list[str], chunk_size: int) -> JobPlan:
    """Return an INSTALL plan of ``ids`` in chunks of ``chunk_size``."""
    return plan_job(make_job(install_spec(ids)), chunk_size=chunk_size)


def plan_of(count: int, chunk_size: int) -> JobPlan:
    """Return an INSTALL plan of ``count`` distinct ids ``i-0000``, ``i-0001``..."""
    return plan_for(instance_ids(count), chunk_size)


def every_fifth_is_error(target: str) -> OutcomeStatus:
    """Return ``error`` for ids whose number is a multiple of five, else ``successful``."""
    number = int(target.removeprefix("i-"))
    return OutcomeStatus.ERROR if number % 5 == 0 else OutcomeStatus.SUCCESSFUL


class LeakyError(Exception):
    """An exception whose message contains a secret, as a careless client might raise."""


def test_execute_plan_outcomes_in_input_order() -> None:
    """Every distinct target gets the outcome submit returned, in input order."""
    ids = ["i-c", "i-a", "i-c", "i-b", "i-d", "i-a"]
    plan = plan_for(ids, chunk_size=2)
    submitter = RuleSubmitter()

    report = execute_plan(plan, submitter)

    assert [item.target for item in report.outcomes] == ["i-c", "i-a", "i-b", "i-d"]
    assert all(item.status is OutcomeStatus.SUCCESSFUL for item in report.outcomes)
    assert report.outcomes[0].invocation_id == "inv-i-c"
    assert report.requests_sent == 2
    assert report.counts.total == 4
    assert report.stopped_reason is None
    assert len(report.duplicates) == 2


def test_execute_plan_starts_chunks_in_plan_order() -> None:
    """With one worker the chunks are sent strictly in plan order."""
    plan = plan_of(35, chunk_size=5)
    submitter = RuleSubmitter()

    execute_plan(plan, submitter, max_concurrency=1)

    assert submitter.called_chunks == list(range(7))


def test_execute_plan_never_exceeds_max_concurrency() -> None:
    """No more than max_concurrency submit calls run at the same time."""
    plan = plan_of(60, chunk_size=3)
    submitter = RuleSubmitter(delay=0.005)

    report = execute_plan(plan, submitter, max_concurrency=3)

    assert submitter.max_in_flight <= 3
    assert sorted(submitter.called_chunks) == list(range(20))
    assert report.counts.successful == 60


def test_execute_plan_runs_chunks_concurrently() -> None:
    """max_concurrency calls do run at once: a barrier for three parties is passed every time."""
    barrier = threading.Barrier(3, timeout=10)
    plan = plan_of(18, chunk_size=2)

    def submit_after_barrier(chunk: Chunk) -> list[HostOutcome]:
        barrier.wait()
        return [RuleSubmitter().outcome_for(target) for target in chunk.targets]

    report = execute_plan(plan, submit_after_barrier, max_concurrency=3)

    assert report.counts.successful == 18
    assert report.counts.failed == 0


def test_execute_plan_threshold_count_stops() -> None:
    """With max_errors 3 the job stops after the chunk that brings the fourth error."""
    plan = plan_of(50, chunk_size=10)
    submitter = RuleSubmitter(every_fifth_is_error)

    report = execute_plan(plan, submitter, max_concurrency=1, max_errors=ErrorThreshold.parse("3"))

    assert submitter.called_chunks == [0, 1]
    assert report.requests_sent == 2
    assert report.stopped_reason is StopReason.ERROR_THRESHOLD_EXCEEDED
    assert report.counts.successful == 16
    assert report.counts.error == 4
    assert report.counts.skipped == 30
    assert report.counts.total == 50

    skipped = [item for item in report.outcomes if item.status is OutcomeStatus.SKIPPED]
    assert [item.target for item in skipped] == instance_ids(50)[20:]
    assert skipped[0].reason is not None
    assert "error threshold 3 exceeded" in skipped[0].reason
    assert "4 errors" in skipped[0].reason


def test_execute_plan_threshold_percentage_stops() -> None:
    """With max_errors 10% of 50 hosts the job stops after the sixth error."""
    plan = plan_of(50, chunk_size=10)
    submitter = RuleSubmitter(every_fifth_is_error)

    report = execute_plan(
        plan, submitter, max_concurrency=1, max_errors=ErrorThreshold.parse("10%")
    )

    assert report.requests_sent == 3
    assert report.counts.error == 6
    assert report.counts.skipped == 20
    assert report.outcomes[-1].reason is not None
    assert "error threshold 10% exceeded: 6 errors" in report.outcomes[-1].reason
    assert "5 allowed" in report.outcomes[-1].reason


def test_execute_plan_threshold_reached_not_exceeded() -> None:
    """Errors equal to the threshold do not stop the job."""
    plan = plan_of(50, chunk_size=10)
    submitter = RuleSubmitter(every_fifth_is_error)

    report = execute_plan(plan, submitter, max_concurrency=1, max_errors=ErrorThreshold.parse("10"))

    assert report.requests_sent == 5
    assert report.counts.error == 10
    assert report.counts.skipped == 0
    assert report.stopped_reason is None


def test_execute_plan_threshold_zero_stops_early() -> None:
    """max_errors 0 stops the job after the first chunk with any error."""
    plan = plan_of(20, chunk_size=4)

    def error_from_i_0006(target: str) -> OutcomeStatus:
        failing = target >= "i-0006"
        return OutcomeStatus.ERROR if failing else OutcomeStatus.SUCCESSFUL

    report = execute_plan(
        plan,
        RuleSubmitter(error_from_i_0006),
        max_concurrency=1,
        max_errors=ErrorThreshold.parse("0"),
    )

    assert report.requests_sent == 2
    assert report.counts.successful == 6
    assert report.counts.error == 2
    assert report.counts.skipped == 12


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(OutcomeStatus.FAILED, id="failed"),
        pytest.param(OutcomeStatus.UNKNOWN, id="unknown"),
    ],
)
def test_execute_plan_threshold_counts_failed_unknown(status: OutcomeStatus) -> None:
    """Failed and unknown hosts count as errors against the threshold."""
    plan = plan_of(9, chunk_size=3)

    report = execute_plan(
        plan,
        RuleSubmitter(lambda target: status),
        max_concurrency=1,
        max_errors=ErrorThreshold.parse("2"),
    )

    assert report.requests_sent == 1
    assert report.counts[status] == 3
    assert report.counts.skipped == 6


def test_execute_plan_threshold_ignores_successes() -> None:
    """A job of only successful hosts never stops on a zero threshold."""
    plan = plan_of(9, chunk_size=3)

    report = execute_plan(plan, RuleSubmitter(), max_errors=ErrorThreshold.parse("0"))

    assert report.requests_sent == 3
    assert report.stopped_reason is None


def test_execute_plan_deadline_skips_unstarted_chunks() -> None:
    """Once the clock reaches the deadline no chunk starts and the rest are skipped."""
    clock = FakeClock(now=100.0)
    plan = plan_of(50, chunk_size=10)
    inner = RuleSubmitter()

    def submit_taking_ten_seconds(chunk: Chunk) -> list[HostOutcome]:
        clock.advance(10.0)
        return inner(chunk)

    report = execute_plan(
        plan, submit_taking_ten_seconds, max_concurrency=1, deadline=125.0, clock=clock
    )

    assert inner.called_chunks == [0, 1, 2]
    assert report.requests_sent == 3
    assert report.stopped_reason is StopReason.DEADLINE_REACHED
    assert report.counts.successful == 30
    assert report.counts.skipped == 20
    assert report.outcomes[30].reason == DEADLINE_REASON
    assert report.elapsed_seconds == 30.0


def test_execute_plan_deadline_already_passed_sends_nothing() -> None:
    """A deadline in the past skips every host and sends no request."""
    clock = FakeClock(now=50.0)
    submitter = RuleSubmitter()

    report = execute_plan(plan_of(12, chunk_size=5), submitter, deadline=50.0, clock=clock)

    assert submitter.called_chunks == []
    assert report.requests_sent == 0
    assert report.counts.skipped == 12
    assert report.stopped_reason is StopReason.DEADLINE_REACHED
    assert report.failed_entirely is False


def test_execute_plan_submit_raises_reports_failed(caplog: pytest.LogCaptureFixture) -> None:
    """A chunk whose submit raises ends failed with only the exception type, and the job goes on."""
    plan = plan_of(9, chunk_size=3)
    inner = RuleSubmitter()

    def submit_failing_second_chunk(chunk: Chunk) -> list[HostOutcome]:
        if chunk.index == 1:
            raise LeakyError("token=MIIsecret-token-value")
        return inner(chunk)

    with caplog.at_level(logging.DEBUG, logger="agent_fleet.jobs"):
        report = execute_plan(plan, submit_failing_second_chunk, max_concurrency=1)

    statuses = [item.status for item in report.outcomes]
    assert (
        statuses
        == [OutcomeStatus.SUCCESSFUL] * 3
        + [OutcomeStatus.FAILED] * 3
        + [OutcomeStatus.SUCCESSFUL] * 3
    )
    assert report.requests_sent == 3

    failed = report.outcomes[3]
    assert failed.reason is not None
    assert "LeakyError" in failed.reason
    assert "MIIsecret" not in failed.model_dump_json()
    assert "LeakyError" in caplog.text
    assert "MIIsecret" not in caplog.text


def test_execute_plan_submit_raising_everywhere_fails_entirely() -> None:
    """When every submit call raises, the report is failed_entirely and nothing is lost."""
    plan = plan_of(7, chunk_size=3)

    def submit_always_raising(chunk: Chunk) -> list[HostOutcome]:
        raise ConnectionError("refused")

    report = execute_plan(plan, submit_always_raising)

    assert report.counts.failed == 7
    assert report.failed_entirely is True


def test_execute_plan_missing_outcome_becomes_unknown(caplog: pytest.LogCaptureFixture) -> None:
    """A target that submit returns no outcome for ends unknown with a reason."""
    plan = plan_of(6, chunk_size=3)
    inner = RuleSubmitter()

    def submit_dropping_i_0004(chunk: Chunk) -> list[HostOutcome]:
        return [item for item in inner(chunk) if item.target != "i-0004"]

    with caplog.at_level(logging.WARNING, logger="agent_fleet.jobs"):
        report = execute_plan(plan, submit_dropping_i_0004)

    missed = report.outcomes[4]
    assert missed.target == "i-0004"
    assert missed.status is OutcomeStatus.UNKNOWN
    assert missed.reason is not None
    assert "no outcome" in missed.reason
    assert report.counts.unknown == 1
    assert report.counts.successful == 5
    assert "reported unknown" in caplog.text


def test_execute_plan_drops_extra_and_repeated_outcomes(caplog: pytest.LogCaptureFixture) -> None:
    """Outcomes for targets outside the chunk, and a target's second outcome, are dropped."""
    plan = plan_of(4, chunk_size=2)
    inner = RuleSubmitter()

    def submit_with_extras(chunk: Chunk) -> list[HostOutcome]:
        outcomes = inner(chunk)
        stray = HostOutcome(target="i-9999", status=OutcomeStatus.SUCCESSFUL)
        repeated = HostOutcome(target=chunk.targets[0], status=OutcomeStatus.ERROR)
        return [*outcomes, stray, repeated]

    with caplog.at_level(logging.WARNING, logger="agent_fleet.jobs"):
        report = execute_plan(plan, submit_with_extras)

    assert [item.target for item in report.outcomes] == instance_ids(4)
    assert report.counts.successful == 4
    assert report.counts.total == 4
    assert "dropped 2 outcomes" in caplog.text


@pytest.mark.parametrize(
    "max_concurrency",
    [
        pytest.param(0, id="zero"),
        pytest.param(101, id="over-100"),
        pytest.param(-3, id="negative"),
        pytest.param(True, id="bool"),
    ],
)
def test_execute_plan_rejects_invalid_max_concurrency(max_concurrency: int) -> None:
    """max_concurrency outside 1..100 raises ValueError naming the value."""
    submitter = RuleSubmitter()

    with pytest.raises(ValueError, match="max_concurrency") as caught:
        execute_plan(plan_of(3, chunk_size=1), submitter, max_concurrency=max_concurrency)

    assert repr(max_concurrency) in str(caught.value)
    assert submitter.called_chunks == []


def test_execute_plan_reports_progress_after_each_chunk() -> None:
    """on_progress receives one event per finished chunk with the running counts."""
    events: list[ProgressEvent] = []
    plan = plan_of(25, chunk_size=10)

    execute_plan(
        plan, RuleSubmitter(every_fifth_is_error), max_concurrency=1, on_progress=events.append
    )

    assert [event.chunks_done for event in events] == [1, 2, 3]
    assert [event.hosts_done for event in events] == [10, 20, 25]
    assert {event.chunks_total for event in events} == {3}
    assert {event.hosts_total for event in events} == {25}
    assert [event.counts.error for event in events] == [2, 4, 5]
    assert events[-1].counts.total == 25
    assert events[-1].job_id == "job-test-1"


def test_execute_plan_survives_failing_progress_hook(caplog: pytest.LogCaptureFixture) -> None:
    """A progress hook that raises is logged once and dropped, and the job completes."""
    calls: list[int] = []

    def broken_hook(event: ProgressEvent) -> None:
        calls.append(event.chunks_done)
        raise KeyError("boom")

    with caplog.at_level(logging.ERROR, logger="agent_fleet.jobs"):
        report = execute_plan(plan_of(9, chunk_size=3), RuleSubmitter(), on_progress=broken_hook)

    assert calls == [1]
    assert report.counts.successful == 9
    assert caplog.text.count("on_progress raised KeyError") == 1


def test_execute_plan_remote_install_reports_by_address() -> None:
    """REMOTE_INSTALL outcomes are keyed by ip:port and duplicates are sent once."""
    hosts = [
        remote_host("10.0.0.1"),
        remote_host("10.0.0.2"),
        remote_host("10.0.0.1", name="again"),
        remote_host("10.0.0.1", "2222"),
    ]
    plan = plan_job(make_job(remote_install_spec(hosts)), chunk_size=2)
    submitter = RuleSubmitter()

    report = execute_plan(plan, submitter)

    assert [item.target for item in report.outcomes] == [
        "10.0.0.1:22",
        "10.0.0.2:22",
        "10.0.0.1:2222",
    ]
    assert report.counts.successful == 3
    assert report.requests_sent == 2


def test_execute_plan_logs_progress_modestly(caplog: pytest.LogCaptureFixture) -> None:
    """A 100-chunk job logs about ten INFO progress lines, not one per chunk."""
    plan = plan_of(100, chunk_size=1)

    with caplog.at_level(logging.INFO, logger="agent_fleet.jobs"):
        execute_plan(plan, RuleSubmitter())

    progress_lines = [record for record in caplog.records if "chunks done" in record.getMessage()]
    assert 1 <= len(progress_lines) <= 11


OUTCOME_CHOICES = [
    OutcomeStatus.SUCCESSFUL,
    OutcomeStatus.ERROR,
    OutcomeStatus.FAILED,
    OutcomeStatus.UNKNOWN,
]


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(st.sampled_from(instance_ids(40)), min_size=1, max_size=120),
    chunk_size=st.integers(min_value=1, max_value=15),
    max_concurrency=st.integers(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=2**16),
    threshold=st.none() | st.integers(min_value=0, max_value=30).map(str),
)
def test_execute_plan_one_outcome_per_target_property(
    ids: list[str], chunk_size: int, max_concurrency: int, seed: int, threshold: str | None
) -> None:
    """For random outcome rules, raising chunks and dropped hosts, each target ends exactly once."""
    plan = plan_for(ids, chunk_size=chunk_size)

    def rule(target: str) -> OutcomeStatus:
        return OUTCOME_CHOICES[zlib.crc32(f"{seed}:{target}".encode()) % len(OUTCOME_CHOICES)]

    inner = RuleSubmitter(rule)

    def unreliable_submit(chunk: Chunk) -> list[HostOutcome]:
        behaviour = (seed + chunk.index) % 7
        if behaviour == 0:
            raise RuntimeError("chunk failed")
        outcomes = inner(chunk)
        if behaviour == 1:
            return outcomes[1:]
        return outcomes

    report = execute_plan(
        plan,
        unreliable_submit,
        max_concurrency=max_concurrency,
        max_errors=ErrorThreshold.parse(threshold) if threshold is not None else None,
    )

    distinct = list(dict.fromkeys(ids))
    assert [item.target for item in report.outcomes] == distinct
    assert report.counts.total == len(distinct)
    for status in OutcomeStatus:
        expected = sum(1 for item in report.outcomes if item.status is status)
        assert report.counts[status] == expected
    assert inner.max_in_flight <= max_concurrency
    if report.stopped_reason is None:
        assert report.counts.skipped == 0
        assert report.requests_sent == len(plan.chunks)
    else:
        assert report.counts.skipped > 0
