"""The identifier format that Cloud Eye uses for project, instance and invocation ids."""

import re
from typing import Annotated, Final

from pydantic import StringConstraints

ID_MAX_LENGTH: Final = 64
ID_PATTERN: Final = re.compile(r"[A-Za-z0-9-]{1,64}")
ID_RULE: Final = "must be 1 to 64 characters of letters, digits and hyphens"

ResourceId = Annotated[
    str, StringConstraints(min_length=1, max_length=ID_MAX_LENGTH, pattern=r"^[A-Za-z0-9-]+$")
]
"""A project, instance or invocation id: 1 to 64 letters, digits and hyphens."""


def is_valid_id(value: str) -> bool:
    """Return whether a string is a valid project, instance or invocation id."""
    return ID_PATTERN.fullmatch(value) is not None
