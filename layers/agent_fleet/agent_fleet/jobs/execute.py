"""Job execution: send a plan's chunks with bounded concurrency and collect one outcome per host.

The calling thread coordinates: it starts chunks in plan order on a thread
pool, never more than ``max_concurrency`` at once, and records every result
itself, so the bookkeeping needs no locks. Before it starts a chunk it checks
the error threshold and the deadline. Chunks that never start end ``skipped``.
"""

import logging
import math
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from agent_fleet.jobs.outcomes import HostOutcome, OutcomeStatus
from agent_fleet.jobs.plan import Chunk, JobPlan
from agent_fleet.jobs.report import JobReport, OutcomeCounts, StopReason
from agent_fleet.jobs.threshold import ERROR_STATUSES, ErrorThreshold

logger = logging.getLogger(__name__)

DEFAULT_MAX_CONCURRENCY = 10
MAX_CONCURRENCY_LIMIT = 100

PROGRESS_LOG_LINES = 10
"""About how many INFO progress lines a job logs, whatever its number of chunks."""

DEADLINE_REASON = "job deadline reached"

SubmitChunk = Callable[[Chunk], Sequence[HostOutcome]]
"""Sends one chunk to Cloud Eye and returns one outcome per target of the chunk.

It does its own retries and reports Cloud Eye and network failures as
``failed`` or ``unknown`` outcomes instead of raising.
"""


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """The state of a job after one of its chunks finished.

    Skipped chunks produce no event, so when a job stops early the last event
    has ``chunks_done < chunks_total``.
    """

    job_id: str
    chunks_done: int
    chunks_total: int
    hosts_done: int
    hosts_total: int
    counts: OutcomeCounts


@dataclass(frozen=True, slots=True)
class _StopDecision:
    reason: StopReason
    host_reason: str


def execute_plan(
    plan: JobPlan,
    submit: SubmitChunk,
    *,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    max_errors: ErrorThreshold | None = None,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_progress: Callable[[ProgressEvent], None] | None = None,
) -> JobReport:
    """Send the plan's chunks and report one outcome per distinct target.

    Chunks start in plan order. Before each start the job stops if the errors
    so far (hosts whose outcome is ``error``, ``failed`` or ``unknown``) exceed
    ``max_errors``, or if ``clock()`` has reached ``deadline``. Chunks already
    running then finish and the chunks not started end ``skipped``. A chunk
    started before the deadline may finish after it: ``submit`` bounds its own
    time.

    When ``submit`` raises, the chunk's hosts end ``failed`` and the job goes
    on. The reason names only the exception type, because a message may contain
    secrets. Targets that ``submit`` returns no outcome for end ``unknown``.
    Outcomes for targets outside the chunk are dropped with a warning.

    Parameters
    ----------
    plan:
        The plan to execute.
    submit:
        Sends one chunk, as :data:`SubmitChunk` describes. It is called from
        worker threads, up to ``max_concurrency`` calls at once.
    max_concurrency:
        The maximum number of chunks in flight, 1..100.
    max_errors:
        The error threshold, or None to send every chunk whatever the errors.
    deadline:
        A ``clock()`` value at or after which no chunk starts, or None.
    clock:
        A monotonic clock in seconds, for the deadline and ``elapsed_seconds``.
    on_progress:
        Called in the calling thread after each chunk finishes. If it raises,
        the error is logged and the job goes on without further calls.

    Returns
    -------
    JobReport
        Every distinct target exactly once, in input order.

    Raises
    ------
    ValueError
        If ``max_concurrency`` is not an integer from 1 to 100.
    """
    _check_max_concurrency(max_concurrency)

    started_at = clock()
    run = _JobRun(plan, max_errors=max_errors, deadline=deadline, clock=clock)
    run.send_chunks(submit, max_concurrency=max_concurrency, on_progress=on_progress)
    run.skip_unsent_chunks()

    report = JobReport.from_plan(
        plan,
        run.outcomes,
        requests_sent=run.requests_sent,
        elapsed_seconds=clock() - started_at,
        stopped_reason=run.stop.reason if run.stop else None,
    )
    # DEBUG, because the handlers log the report's summary at INFO themselves.
    counts = report.counts
    logger.debug(
        "Job %s finished: %d hosts, %d successful, %d error, %d failed, %d unknown, %d skipped",
        plan.job.job_id,
        counts.total,
        counts.successful,
        counts.error,
        counts.failed,
        counts.unknown,
        counts.skipped,
        extra={"job": report.summary()},
    )
    return report


def _check_max_concurrency(max_concurrency: int) -> None:
    if (
        isinstance(max_concurrency, bool)
        or not isinstance(max_concurrency, int)
        or not 1 <= max_concurrency <= MAX_CONCURRENCY_LIMIT
    ):
        raise ValueError(
            f"invalid max_concurrency {max_concurrency!r}: expected an integer from 1 to "
            f"{MAX_CONCURRENCY_LIMIT}"
        )


class _JobRun:
    """The mutable state of one execution, touched only by the calling thread and so lock-free."""

    def __init__(
        self,
        plan: JobPlan,
        *,
        max_errors: ErrorThreshold | None,
        deadline: float | None,
        clock: Callable[[], float],
    ) -> None:
        self.plan = plan
        self.max_errors = max_errors
        self.deadline = deadline
        self.clock = clock

        self.unsent: deque[Chunk] = deque(plan.chunks)
        self.outcomes: dict[str, HostOutcome] = {}
        self.status_counts: Counter[OutcomeStatus] = Counter()
        self.requests_sent = 0
        self.chunks_done = 0
        self.stop: _StopDecision | None = None

        chunk_count = len(plan.chunks)
        self.log_every = max(1, math.ceil(chunk_count / PROGRESS_LOG_LINES))

    def send_chunks(
        self,
        submit: SubmitChunk,
        *,
        max_concurrency: int,
        on_progress: Callable[[ProgressEvent], None] | None,
    ) -> None:
        """Start chunks in order, at most ``max_concurrency`` in flight, until done or stopped."""
        workers = max(1, min(max_concurrency, len(self.plan.chunks)))
        in_flight: dict[Future[dict[str, HostOutcome]], Chunk] = {}

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="agent-fleet-job") as pool:
            while True:
                while self.unsent and len(in_flight) < max_concurrency and self._may_start():
                    chunk = self.unsent.popleft()
                    future = pool.submit(_run_chunk, chunk, submit, self.plan.job.job_id)
                    in_flight[future] = chunk
                    self.requests_sent += 1

                if not in_flight:
                    return

                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda finished: in_flight[finished].index):
                    in_flight.pop(future)
                    self._record(future.result())
                    on_progress = self._report_progress(on_progress)

    def skip_unsent_chunks(self) -> None:
        """Record every target of the chunks never started as ``skipped``."""
        if not self.unsent:
            return

        reason = self.stop.host_reason if self.stop else "not sent"
        skipped = 0
        for chunk in self.unsent:
            for target in chunk.targets:
                self.outcomes[target] = HostOutcome(
                    target=target, status=OutcomeStatus.SKIPPED, reason=reason
                )
                skipped += 1
        self.status_counts[OutcomeStatus.SKIPPED] += skipped

        logger.warning(
            "Job %s stopped early (%s): %d chunks with %d hosts not sent",
            self.plan.job.job_id,
            reason,
            len(self.unsent),
            skipped,
            extra={"job_id": self.plan.job.job_id},
        )
        self.unsent.clear()

    def _may_start(self) -> bool:
        if self.stop is None:
            self.stop = self._stop_decision()
        return self.stop is None

    def _stop_decision(self) -> _StopDecision | None:
        if self.max_errors is not None:
            errors = sum(self.status_counts[status] for status in ERROR_STATUSES)
            target_count = len(self.plan.targets)
            if self.max_errors.is_exceeded(errors, target_count):
                allowed = self.max_errors.allowed_errors(target_count)
                return _StopDecision(
                    StopReason.ERROR_THRESHOLD_EXCEEDED,
                    f"error threshold {self.max_errors} exceeded: {errors} errors "
                    f"(error, failed or unknown hosts), {allowed} allowed",
                )

        if self.deadline is not None and self.clock() >= self.deadline:
            return _StopDecision(StopReason.DEADLINE_REACHED, DEADLINE_REASON)

        return None

    def _record(self, outcomes: dict[str, HostOutcome]) -> None:
        self.outcomes.update(outcomes)
        self.status_counts.update(outcome.status for outcome in outcomes.values())
        self.chunks_done += 1

    def _report_progress(
        self, on_progress: Callable[[ProgressEvent], None] | None
    ) -> Callable[[ProgressEvent], None] | None:
        """Log and publish progress, then return the callback to use next (None once it raised)."""
        event = ProgressEvent(
            job_id=self.plan.job.job_id,
            chunks_done=self.chunks_done,
            chunks_total=len(self.plan.chunks),
            hosts_done=len(self.outcomes),
            hosts_total=len(self.plan.targets),
            counts=OutcomeCounts.from_mapping(self.status_counts),
        )
        self._log_progress(event)

        if on_progress is None:
            return None
        try:
            on_progress(event)
        except Exception as exc:  # noqa: BLE001 - a progress hook must not lose the job's outcomes
            logger.error(
                "Job %s: on_progress raised %s, so no further progress events are sent",
                self.plan.job.job_id,
                type(exc).__name__,
                extra={"job_id": self.plan.job.job_id},
            )
            return None
        return on_progress

    def _log_progress(self, event: ProgressEvent) -> None:
        is_last = event.chunks_done == event.chunks_total
        if event.chunks_done % self.log_every != 0 and not is_last:
            return
        logger.info(
            "Job %s: %d of %d chunks done, %d of %d hosts",
            event.job_id,
            event.chunks_done,
            event.chunks_total,
            event.hosts_done,
            event.hosts_total,
            extra={"job_id": event.job_id, "counts": event.counts.model_dump()},
        )


def _run_chunk(chunk: Chunk, submit: SubmitChunk, job_id: str) -> dict[str, HostOutcome]:
    """Send one chunk in a worker thread and return exactly one outcome per chunk target."""
    logger.debug("Job %s: sending chunk %d of %d hosts", job_id, chunk.index, len(chunk.targets))
    try:
        returned: object = submit(chunk)
    except Exception as exc:  # noqa: BLE001 - any failure of submit must still give outcomes
        return _outcomes_after_exception(chunk, exc, job_id)

    return _match_outcomes(chunk, returned, job_id)


def _outcomes_after_exception(chunk: Chunk, exc: Exception, job_id: str) -> dict[str, HostOutcome]:
    # The message and the traceback text are not logged, because they may
    # contain secrets such as a token or a validation error's input. The
    # innermost frame's location still shows a developer where to look.
    frames = traceback.extract_tb(exc.__traceback__)
    location = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    exception_type = type(exc).__name__
    logger.error(
        "Job %s: submitting chunk %d raised %s at %s, so its %d hosts are reported failed",
        job_id,
        chunk.index,
        exception_type,
        location,
        len(chunk.targets),
        extra={"job_id": job_id, "chunk_index": chunk.index, "exception_type": exception_type},
    )

    reason = (
        f"submitting the chunk raised {exception_type}, an unexpected error; whether Cloud Eye "
        "received the request is not known"
    )
    return {
        target: HostOutcome(target=target, status=OutcomeStatus.FAILED, reason=reason)
        for target in chunk.targets
    }


def _match_outcomes(chunk: Chunk, returned: object, job_id: str) -> dict[str, HostOutcome]:
    """Return the first returned outcome of each chunk target, or ``unknown`` when there is none."""
    items = list(returned) if isinstance(returned, Iterable) else []
    expected = set(chunk.targets)
    matched: dict[str, HostOutcome] = {}
    dropped = 0
    for item in items:
        if isinstance(item, HostOutcome) and item.target in expected and item.target not in matched:
            matched[item.target] = item
        else:
            dropped += 1

    if dropped:
        logger.warning(
            "Job %s: dropped %d outcomes of chunk %d that name no target of the chunk, "
            "repeat a target or are not HostOutcome objects",
            job_id,
            dropped,
            chunk.index,
            extra={"job_id": job_id, "chunk_index": chunk.index},
        )

    missing = [target for target in chunk.targets if target not in matched]
    if missing:
        logger.warning(
            "Job %s: submit returned no outcome for %d hosts of chunk %d, reported unknown",
            job_id,
            len(missing),
            chunk.index,
            extra={"job_id": job_id, "chunk_index": chunk.index},
        )

    reason = (
        "the submit function returned no outcome for this host, so whether Cloud Eye "
        "received it is not known"
    )
    return {
        target: matched.get(target)
        or HostOutcome(target=target, status=OutcomeStatus.UNKNOWN, reason=reason)
        for target in chunk.targets
    }
