"""Capped exponential backoff, as plain arithmetic (no clock, no trio): easy to test."""

from __future__ import annotations

from dataclasses import dataclass


def doubling(base: float, cap: float, step: int) -> float:
    """base, 2*base, 4*base... for step 0, 1, 2..., never more than `cap`."""
    return min(cap, base * 2.0**step)


@dataclass
class Backoff:
    """Delays base, 2*base, 4*base... up to `cap`; `reset()` after a success."""

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0

    def next_delay(self) -> float:
        delay = doubling(self.base, self.cap, self.attempt)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
