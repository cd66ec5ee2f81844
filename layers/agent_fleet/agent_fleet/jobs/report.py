"""The report of a job: one outcome per distinct target, the counts and why it stopped."""

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator

from agent_fleet.contract import InvocationType
from agent_fleet.jobs.outcomes import HostOutcome, OutcomeStatus
from agent_fleet.jobs.plan import DuplicateTarget, JobPlan


class StopReason(StrEnum):
    """The reason a job stopped before it sent all of its chunks."""

    ERROR_THRESHOLD_EXCEEDED = "error_threshold_exceeded"
    DEADLINE_REACHED = "deadline_reached"


class OutcomeCounts(BaseModel):
    """The number of hosts per outcome status, zeros included, and their total.

    ``counts[OutcomeStatus.ERROR]`` reads one count. The JSON form is
    ``{"successful": 3, "error": 1, "failed": 0, "unknown": 0, "skipped": 0, "total": 4}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    successful: int = 0
    error: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    total: int = 0

    @model_validator(mode="after")
    def _check_total(self) -> Self:
        parts = sum(self[status] for status in OutcomeStatus)
        if self.total != parts:
            raise ValueError(f"total is {self.total} but the counts per status add up to {parts}")
        return self

    @classmethod
    def tally(cls, outcomes: Iterable[HostOutcome]) -> Self:
        """Count ``outcomes`` by status."""
        return cls.from_mapping(Counter(outcome.status for outcome in outcomes))

    @classmethod
    def from_mapping(cls, counts: Mapping[OutcomeStatus, int]) -> Self:
        """Build the counts from a mapping of status to count, counting 0 for missing statuses."""
        fields = {status.value: counts.get(status, 0) for status in OutcomeStatus}
        return cls(**fields, total=sum(fields.values()))

    def __getitem__(self, status: OutcomeStatus) -> int:
        count: int = getattr(self, OutcomeStatus(status).value)
        return count

    def count_of(self, statuses: Iterable[OutcomeStatus]) -> int:
        """Return the number of hosts whose status is one of ``statuses``."""
        return sum(self[status] for status in set(statuses))


class JobReport(BaseModel):
    """The result of a job: every distinct target exactly once, in input order.

    Build it with :meth:`from_plan`, which checks that invariant.

    Attributes
    ----------
    job_id, project_id, invocation_type:
        From the job.
    outcomes:
        One outcome per distinct target, in input order.
    duplicates:
        The targets the job listed more than once; each was sent at most once.
    counts:
        The number of outcomes per status.
    requests_sent:
        How many batch-create chunks were started, including chunks whose
        submission raised.
    elapsed_seconds:
        The job's run time, measured with the executor's clock.
    stopped_reason:
        None when every chunk was started, otherwise why the rest were skipped.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: str
    project_id: str
    invocation_type: InvocationType
    outcomes: list[HostOutcome]
    duplicates: list[DuplicateTarget]
    counts: OutcomeCounts
    requests_sent: int
    elapsed_seconds: float
    stopped_reason: StopReason | None = None

    @classmethod
    def from_plan(
        cls,
        plan: JobPlan,
        outcomes: Mapping[str, HostOutcome],
        *,
        requests_sent: int,
        elapsed_seconds: float,
        stopped_reason: StopReason | None = None,
    ) -> Self:
        """Build the report of ``plan`` from the outcome of each target.

        Parameters
        ----------
        plan:
            The plan that was executed.
        outcomes:
            The outcome of every distinct target, keyed by target.
        requests_sent, elapsed_seconds, stopped_reason:
            See the class attributes.

        Raises
        ------
        RuntimeError
            If a planned target has no outcome, an outcome names a target that
            was not planned, or a key differs from its outcome's target. Each is
            a bug in the code that collected the outcomes.
        """
        _check_outcomes_match_plan(plan, outcomes)

        ordered = [outcomes[target] for target in plan.targets]
        return cls(
            job_id=plan.job.job_id,
            project_id=plan.job.project_id,
            invocation_type=plan.job.spec.invocation_type,
            outcomes=ordered,
            duplicates=list(plan.duplicates),
            counts=OutcomeCounts.tally(ordered),
            requests_sent=requests_sent,
            elapsed_seconds=elapsed_seconds,
            stopped_reason=stopped_reason,
        )

    @property
    def failed_entirely(self) -> bool:
        """Whether the job failed as a whole, so that running it again may help.

        True when no outcome is ``successful`` or ``error``, so Cloud Eye
        accepted or rejected no host, and at least one outcome is ``failed``.
        The other hosts may be ``unknown`` or ``skipped``. The scheduled
        trigger raises only when this is true and no host is ``unknown``,
        because an unknown host may have been accepted and a retried run
        would send it again.
        """
        reached = self.counts[OutcomeStatus.SUCCESSFUL] + self.counts[OutcomeStatus.ERROR]
        return reached == 0 and self.counts[OutcomeStatus.FAILED] > 0

    @property
    def settled_no_host(self) -> bool:
        """Whether Cloud Eye accepted or rejected no host although some were sent.

        True when no outcome is ``successful`` or ``error`` and at least one is
        ``failed`` or ``unknown``. The HTTP trigger returns a
        gateway error for such a job instead of a 201.
        """
        reached = self.counts[OutcomeStatus.SUCCESSFUL] + self.counts[OutcomeStatus.ERROR]
        unsettled = self.counts[OutcomeStatus.FAILED] + self.counts[OutcomeStatus.UNKNOWN]
        return reached == 0 and unsettled > 0

    def summary(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict for logs, without per-host data.

        The outcomes and the duplicate list are left out, because a fleet-sized
        job has thousands of them. ``duplicate_targets`` counts the targets
        listed more than once and ``duplicate_occurrences`` their extra entries.
        """
        summary = self.model_dump(mode="json", exclude={"outcomes", "duplicates"})
        summary["duplicate_targets"] = len(self.duplicates)
        summary["duplicate_occurrences"] = sum(dup.extra_occurrences for dup in self.duplicates)
        summary["failed_entirely"] = self.failed_entirely
        return summary


def _check_outcomes_match_plan(plan: JobPlan, outcomes: Mapping[str, HostOutcome]) -> None:
    planned = set(plan.targets)
    for target in plan.targets:
        if target not in outcomes:
            raise RuntimeError(
                f"job {plan.job.job_id}: planned target {target!r} has no outcome, "
                "but every distinct target must end with exactly one"
            )

    for key, outcome in outcomes.items():
        if key not in planned:
            raise RuntimeError(
                f"job {plan.job.job_id}: outcome for target {key!r}, "
                "which is not a target of the plan"
            )
        if outcome.target != key:
            raise RuntimeError(
                f"job {plan.job.job_id}: outcome for target {outcome.target!r} is stored "
                f"under the key {key!r}"
            )
