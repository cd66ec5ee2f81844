"""Cloud Eye's error body and the rendering of validation errors.

Validation messages name the field and the rule and never echo the input,
because the input may hold a remote-install password.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class ErrorBody(BaseModel):
    """The body of a 4xx or 5xx response from Cloud Eye or its API gateway."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    error_code: str | None = None
    error_msg: str | None = None
    request_id: str | None = None


def none_as_empty_list(value: Any) -> Any:
    """Read a JSON ``null`` list as an empty one; response models use it to stay tolerant."""
    return [] if value is None else value


def format_location(location: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as a JSON path such as ``remote_install_meta[0].port``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path:
            path += f".{part}"
        else:
            path = str(part)
    return path or "body"


def describe_validation_error(exc: ValidationError, *, limit: int = 10) -> str:
    """Summarise a validation error as ``field: rule`` clauses, without input values.

    Parameters
    ----------
    exc:
        The error pydantic raised.
    limit:
        How many errors to name before summarising the rest as a count.
    """
    clauses = []
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    for error in errors[:limit]:
        message = error["msg"].removeprefix("Value error, ")
        clauses.append(f"{format_location(error['loc'])}: {message}")
    if len(errors) > limit:
        clauses.append(f"and {len(errors) - limit} more errors")
    return "; ".join(clauses)
