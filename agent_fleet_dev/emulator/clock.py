"""Clocks that drive token lifetimes and task progress."""

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""A function that returns the current time in seconds since the Unix epoch."""

wall_clock: Clock = time.time


class ManualClock:
    """A clock that moves only when :meth:`advance` is called.

    Tests pass it to the emulator so that task status changes and token
    expiry happen without sleeping.

    Parameters
    ----------
    start:
        Initial time in seconds since the Unix epoch; 2023-11-14T22:13:20Z
        by default.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Raises
        ------
        ValueError
            If ``seconds`` is negative, because time must not run backwards.
        """
        if seconds < 0:
            raise ValueError(f"cannot move the clock back by {seconds} s; pass seconds >= 0")
        with self._lock:
            self._now += seconds
