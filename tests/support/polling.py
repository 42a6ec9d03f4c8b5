"""Polling with a deadline, for conditions that settle asynchronously (Docker, etcd, a process)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ConditionTimeout(AssertionError):
    """A polled condition did not hold before its deadline."""


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.1,
    message: str = "condition",
) -> T:
    """Call `probe` until it returns something truthy, and return that.

    Args:
        probe: called repeatedly; a falsy result means "not yet".
        timeout: seconds to keep trying.
        interval: seconds between calls.
        message: what was awaited, for the error.

    Returns:
        The first truthy result of `probe`.

    Raises:
        ConditionTimeout: `probe` stayed falsy for `timeout` seconds; carries its last result.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise ConditionTimeout(
                f"timed out after {timeout:.1f} s waiting for {message}; last result: {result!r}"
            )
        time.sleep(interval)
