"""metav1.Time for the controllers' plans: read a stored timestamp, write `now`.

A stored `metav1.Time` is RFC 3339 to the second in UTC; an absent or unreadable one is
Go's zero time, which sorts before every other and which `is_zero` names. Pure: the
plans take `now` as an argument and never read a clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcp.kinds.apimachinery import rfc3339 as rfc3339  # what the plans write

ZERO = datetime.min.replace(tzinfo=UTC)


def parse(value: Any) -> datetime:
    """A stored timestamp, or `ZERO` when it is absent or unreadable."""
    if not isinstance(value, str) or not value:
        return ZERO
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ZERO
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def is_zero(moment: datetime) -> bool:
    return moment == ZERO


def nanoseconds(later: datetime, earlier: datetime) -> int:
    """`later.Sub(earlier)` as Go's time.Duration counts it, in nanoseconds."""
    delta = later - earlier
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
