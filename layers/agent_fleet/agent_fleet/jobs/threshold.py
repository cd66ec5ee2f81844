"""The error threshold of a job, in the manner of AWS Systems Manager's MaxErrors.

A threshold is an absolute count (``"25"``) or a percentage of the job's
distinct targets (``"10%"``). Once the number of errors exceeds it, no new
chunk starts, but chunks already running finish. With a threshold of 3 the job
starts no chunk after the fourth error, and with 10% of 50 targets none after
the sixth, as the Systems Manager API reference describes MaxErrors.
"""

import re
from dataclasses import dataclass
from typing import Self

from agent_fleet.jobs.outcomes import OutcomeStatus

ERROR_STATUSES = frozenset({OutcomeStatus.ERROR, OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN})
"""The outcomes that count as errors against the threshold."""

_ACCEPTED_FORMS = "an integer >= 0 or a percentage from 0% to 100% such as 10%"
_THRESHOLD_PATTERN = re.compile(r"(?P<number>[0-9]+)(?P<percent>%?)")


@dataclass(frozen=True, slots=True)
class ErrorThreshold:
    """The number of errors a job tolerates before it starts no new chunk.

    Attributes
    ----------
    value:
        The count, or the percentage when ``is_percentage`` is true.
    is_percentage:
        Whether ``value`` is a percentage of the job's distinct targets.
    """

    value: int
    is_percentage: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise ValueError(f"invalid error threshold {self.value!r}: expected {_ACCEPTED_FORMS}")
        if self.is_percentage and self.value > 100:
            raise ValueError(f"invalid error threshold {str(self)!r}: expected {_ACCEPTED_FORMS}")

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse a threshold written as ``"25"`` or ``"10%"``, ignoring surrounding blanks.

        Raises
        ------
        ValueError
            If ``text`` is not an integer >= 0 or a percentage from 0% to 100%.
        """
        match = _THRESHOLD_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"invalid error threshold {text!r}: expected {_ACCEPTED_FORMS}")

        return cls(value=int(match["number"]), is_percentage=bool(match["percent"]))

    def allowed_errors(self, target_count: int) -> int:
        """Return how many errors a job of ``target_count`` distinct targets tolerates.

        A percentage is rounded down, so 10% of 15 targets allows 1 error. This
        errs towards stopping early, because each error is a host left behind.
        """
        if not self.is_percentage:
            return self.value
        return self.value * target_count // 100

    def is_exceeded(self, error_count: int, target_count: int) -> bool:
        """Tell whether ``error_count`` errors exceed the threshold for ``target_count`` targets."""
        return error_count > self.allowed_errors(target_count)

    def __str__(self) -> str:
        return f"{self.value}%" if self.is_percentage else str(self.value)
