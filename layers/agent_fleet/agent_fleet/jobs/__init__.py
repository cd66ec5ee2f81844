"""Job planning and execution: from one job to one outcome per distinct target.

:func:`plan_job` deduplicates a job's targets and splits them into batch-create
chunks of at most 100 hosts. :func:`execute_plan` sends the chunks with bounded
concurrency, an optional error threshold and deadline, and returns a
:class:`JobReport` with exactly one :class:`HostOutcome` per distinct target.
"""

from agent_fleet.jobs.execute import (
    DEADLINE_REASON,
    DEFAULT_MAX_CONCURRENCY,
    MAX_CONCURRENCY_LIMIT,
    ProgressEvent,
    SubmitChunk,
    execute_plan,
)
from agent_fleet.jobs.outcomes import HostOutcome, OutcomeStatus
from agent_fleet.jobs.plan import (
    MAX_JOB_ID_LENGTH,
    Chunk,
    DuplicateTarget,
    Job,
    JobPlan,
    plan_job,
    target_field,
)
from agent_fleet.jobs.report import JobReport, OutcomeCounts, StopReason
from agent_fleet.jobs.threshold import ERROR_STATUSES, ErrorThreshold

__all__ = [
    "DEADLINE_REASON",
    "DEFAULT_MAX_CONCURRENCY",
    "ERROR_STATUSES",
    "MAX_CONCURRENCY_LIMIT",
    "MAX_JOB_ID_LENGTH",
    "Chunk",
    "DuplicateTarget",
    "ErrorThreshold",
    "HostOutcome",
    "Job",
    "JobPlan",
    "JobReport",
    "OutcomeCounts",
    "OutcomeStatus",
    "ProgressEvent",
    "StopReason",
    "SubmitChunk",
    "execute_plan",
    "plan_job",
    "target_field",
]
