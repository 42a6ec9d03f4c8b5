"""Failpoints: deliberate faults for chaos tests, in the spirit of etcd's gofail.

`MCP_FAILPOINTS="reconcile=NAME[;reconcile=OTHER...]"` makes the container actor of
each named object raise at the start of every pass, so a test can check that one
broken actor is contained (logged, recorded in its status, restarted with back-off)
while every other object carries on. Unset, as in production, nothing happens.
"""

from __future__ import annotations

import os

ENV = "MCP_FAILPOINTS"


class FailpointHit(RuntimeError):
    """Raised where a failpoint is armed."""


def _armed(text: str) -> set[tuple[str, str]]:
    points = set()
    for item in text.split(";"):
        point, sep, subject = item.strip().partition("=")
        if sep and point and subject:
            points.add((point.strip(), subject.strip()))
    return points


_ARMED = _armed(os.environ.get(ENV, ""))


def hit(point: str, subject: str) -> None:
    """Raise `FailpointHit` if `point` is armed for `subject`."""
    if (point, subject) in _ARMED:
        raise FailpointHit(f"failpoint {point} armed for {subject!r} ({ENV})")
