"""Field checks that raise a 400 :class:`ApiError` naming the field and the rule.

Messages describe the value (its JSON type, length or item count) but never
repeat it, except for short non-secret values that miss an allowed set.
"""

import json
import re
from collections.abc import Collection, Mapping, Sequence

from agent_fleet_dev.emulator import codes
from agent_fleet_dev.emulator.errors import ApiError
from agent_fleet_dev.emulator.identifiers import ID_MAX_LENGTH, is_valid_id

_DIGITS = re.compile(r"[0-9]+")
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_SHOWN_VALUE_LENGTH = 40

JsonObject = Mapping[str, object]


def invalid(code: str, field: str, rule: str) -> ApiError:
    """Build the 400 error for a field that breaks a rule."""
    return ApiError(400, code, f"Invalid {field}: {rule}.")


def json_type(value: object) -> str:
    """Return the JSON type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shown(value: str) -> str:
    """Quote a non-secret value for a message, shortened to 40 characters."""
    if len(value) > _SHOWN_VALUE_LENGTH:
        return repr(value[:_SHOWN_VALUE_LENGTH] + "...")
    return repr(value)


def parse_json_body(body: bytes) -> object:
    """Decode a request body as JSON.

    Raises
    ------
    ApiError
        400 ``ces.0014`` when the body is empty, not UTF-8 or not JSON.
    """
    if not body.strip():
        raise ApiError(400, codes.CES_BAD_MESSAGE_BODY, "The request body is empty; send JSON.")

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, codes.CES_BAD_MESSAGE_BODY, "The request body is not valid UTF-8."
        ) from exc

    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            codes.CES_BAD_MESSAGE_BODY,
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}.",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ApiError(
            400, codes.CES_BAD_MESSAGE_BODY, f"The request body is not valid JSON: {exc}."
        ) from exc


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def json_object(document: object, where: str, code: str = codes.TASK_WRONG_TYPE) -> JsonObject:
    """Return the value as a JSON object, or raise naming ``where`` and the type received."""
    if not isinstance(document, dict):
        raise invalid(code, where, f"must be a JSON object, got {json_type(document)}")
    return document


def reject_unknown_fields(document: JsonObject, allowed: Collection[str], where: str) -> None:
    """Raise if the object has a field outside ``allowed``."""
    unknown = sorted(set(document) - set(allowed))
    if unknown:
        raise invalid(
            codes.TASK_INVALID_REQUEST,
            where,
            f"unknown field {shown(unknown[0])}; allowed fields are {', '.join(sorted(allowed))}",
        )


def missing(field: str, reason: str = "it is required") -> ApiError:
    """Build the 400 error for a missing field."""
    return ApiError(400, codes.TASK_MISSING_FIELD, f"Missing {field}: {reason}.")


def string(value: object, field: str) -> str:
    """Return the value as a string, or raise if it has another JSON type."""
    if not isinstance(value, str):
        raise invalid(codes.TASK_WRONG_TYPE, field, f"must be a string, got {json_type(value)}")
    return value


def boolean(value: object, field: str) -> bool:
    """Return the value as a boolean, or raise if it has another JSON type."""
    if not isinstance(value, bool):
        raise invalid(codes.TASK_WRONG_TYPE, field, f"must be a boolean, got {json_type(value)}")
    return value


def array(value: object, field: str, minimum: int, maximum: int) -> Sequence[object]:
    """Return the value as an array of ``minimum`` to ``maximum`` items."""
    if not isinstance(value, list):
        raise invalid(codes.TASK_WRONG_TYPE, field, f"must be an array, got {json_type(value)}")
    if not minimum <= len(value) <= maximum:
        raise invalid(
            codes.TASK_OUT_OF_RANGE,
            field,
            f"must have {minimum} to {maximum} items, got {len(value)}",
        )
    return value


def bounded_string(
    value: object, field: str, minimum: int, maximum: int, *, secret: bool = False
) -> str:
    """Return the value as a string of ``minimum`` to ``maximum`` characters.

    For a secret the message leaves out the length received.
    """
    text = string(value, field)
    if not minimum <= len(text) <= maximum:
        received = "" if secret else f", got {len(text)}"
        raise invalid(
            codes.TASK_OUT_OF_RANGE,
            field,
            f"must be {minimum} to {maximum} characters long{received}",
        )
    return text


def choice(value: object, field: str, allowed: Sequence[str]) -> str:
    """Return the value if it is one of ``allowed``."""
    text = string(value, field)
    if text not in allowed:
        raise invalid(
            codes.TASK_VALUE_NOT_ALLOWED,
            field,
            f"must be one of {', '.join(allowed)}, got {shown(text)}",
        )
    return text


def resource_id(value: object, field: str) -> str:
    """Return the value if it is 1 to 64 letters, digits and hyphens."""
    text = bounded_string(value, field, 1, ID_MAX_LENGTH)
    if not is_valid_id(text):
        raise invalid(codes.TASK_BAD_FORMAT, field, "may contain only letters, digits and hyphens")
    return text


def resource_ids(value: object, field: str, maximum: int) -> tuple[str, ...]:
    """Return the value if it is an array of 1 to ``maximum`` valid ids."""
    items = array(value, field, 1, maximum)

    # Fast path for the common valid array; the loop below names the first bad item.
    valid = tuple(item for item in items if isinstance(item, str) and is_valid_id(item))
    if len(valid) == len(items):
        return valid
    return tuple(resource_id(item, f"{field}[{index}]") for index, item in enumerate(items))


def ipv4_address(value: object, field: str) -> str:
    """Return the value if it is a dotted IPv4 address of 1 to 15 digits and dots.

    Octets with leading zeros are rejected because some parsers read them
    as octal.
    """
    text = bounded_string(value, field, 1, 15)
    if _DIGITS_AND_DOTS.fullmatch(text) is None:
        raise invalid(codes.TASK_BAD_FORMAT, field, "may contain only digits and dots")

    octets = text.split(".")
    well_formed = len(octets) == 4 and all(
        octet and (octet == "0" or not octet.startswith("0")) and int(octet) <= 255
        for octet in octets
    )
    if not well_formed:
        raise invalid(
            codes.TASK_BAD_FORMAT,
            field,
            "must be an IPv4 address of four decimal numbers 0 to 255 without leading zeros",
        )
    return text


def port_number(value: object, field: str) -> int:
    """Return the port of a string of 1 to 5 digits whose value is 1 to 65535."""
    text = bounded_string(value, field, 1, 5)
    if _DIGITS.fullmatch(text) is None:
        raise invalid(codes.TASK_BAD_FORMAT, field, "may contain only digits")

    port = int(text)
    if not 1 <= port <= 65_535:
        raise invalid(codes.TASK_OUT_OF_RANGE, field, f"must be 1 to 65535, got {port}")
    return port


def integer_parameter(value: str, field: str, minimum: int, maximum: int) -> int:
    """Return a query parameter as an integer from ``minimum`` to ``maximum``."""
    if _INTEGER.fullmatch(value) is None:
        raise invalid(codes.TASK_BAD_FORMAT, field, "must be a whole number")

    number = int(value)
    if not minimum <= number <= maximum:
        raise invalid(
            codes.TASK_OUT_OF_RANGE, field, f"must be {minimum} to {maximum}, got {number}"
        )
    return number
