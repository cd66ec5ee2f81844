"""Tests of the error threshold: parsing, rounding and when it counts as exceeded."""

import pytest

from agent_fleet.jobs import ErrorThreshold


@pytest.mark.parametrize(
    ("text", "value", "is_percentage"),
    [
        pytest.param("25", 25, False, id="count"),
        pytest.param("0", 0, False, id="zero"),
        pytest.param("10%", 10, True, id="percentage"),
        pytest.param("0%", 0, True, id="zero-percent"),
        pytest.param("100%", 100, True, id="hundred-percent"),
        pytest.param(" 7 ", 7, False, id="surrounding-blanks"),
        pytest.param("007", 7, False, id="leading-zeros"),
    ],
)
def test_error_threshold_parse_accepts_counts_and_percentages(
    text: str, value: int, is_percentage: bool
) -> None:
    """Integers >= 0 and percentages up to 100% parse to their value and kind."""
    threshold = ErrorThreshold.parse(text)

    assert threshold.value == value
    assert threshold.is_percentage is is_percentage


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("-1", id="negative"),
        pytest.param("-5%", id="negative-percentage"),
        pytest.param("101%", id="over-100-percent"),
        pytest.param("", id="empty"),
        pytest.param("ten", id="word"),
        pytest.param("10 %", id="blank-before-percent"),
        pytest.param("1.5", id="decimal"),
        pytest.param("10%%", id="double-percent"),
        pytest.param("%", id="percent-only"),
        pytest.param("1e3", id="exponent"),
        pytest.param("٣", id="non-ascii-digit"),
    ],
)
def test_error_threshold_parse_rejects_invalid_text(text: str) -> None:
    """Anything but an integer >= 0 or a percentage from 0% to 100% raises ValueError."""
    with pytest.raises(ValueError, match="invalid error threshold") as caught:
        ErrorThreshold.parse(text)

    assert repr(text) in str(caught.value)
    assert "an integer >= 0 or a percentage" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "is_percentage"),
    [
        pytest.param(-1, False, id="negative-count"),
        pytest.param(101, True, id="over-100-percent"),
        pytest.param(True, False, id="bool"),
    ],
)
def test_error_threshold_constructor_rejects_invalid_values(
    value: int, is_percentage: bool
) -> None:
    """Direct construction applies the same rules as parsing."""
    with pytest.raises(ValueError, match="invalid error threshold"):
        ErrorThreshold(value=value, is_percentage=is_percentage)


@pytest.mark.parametrize(
    ("text", "target_count", "allowed"),
    [
        pytest.param("3", 50, 3, id="count-ignores-targets"),
        pytest.param("10%", 50, 5, id="exact-percentage"),
        pytest.param("10%", 15, 1, id="percentage-rounds-down"),
        pytest.param("10%", 9, 0, id="percentage-below-one-host"),
        pytest.param("100%", 7, 7, id="all-hosts"),
        pytest.param("0%", 1000, 0, id="zero-percent"),
    ],
)
def test_error_threshold_allowed_errors(text: str, target_count: int, allowed: int) -> None:
    """A count is absolute and a percentage of the targets is rounded down."""
    assert ErrorThreshold.parse(text).allowed_errors(target_count) == allowed


def test_error_threshold_exceeded_only_above_allowed() -> None:
    """Like Systems Manager's MaxErrors, 3 tolerates three errors and is exceeded by the fourth."""
    threshold = ErrorThreshold.parse("3")

    assert not threshold.is_exceeded(3, target_count=50)
    assert threshold.is_exceeded(4, target_count=50)


def test_error_threshold_percentage_of_fifty() -> None:
    """10% of 50 targets tolerates five errors and is exceeded by the sixth."""
    threshold = ErrorThreshold.parse("10%")

    assert not threshold.is_exceeded(5, target_count=50)
    assert threshold.is_exceeded(6, target_count=50)


@pytest.mark.parametrize("text", ["25", "10%", "0", "100%"])
def test_error_threshold_str_round_trips(text: str) -> None:
    """The string form parses back to an equal threshold."""
    threshold = ErrorThreshold.parse(text)

    assert str(threshold) == text
    assert ErrorThreshold.parse(str(threshold)) == threshold
