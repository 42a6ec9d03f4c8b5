"""When a finished Job is deleted: kube-controller-manager's ttlafterfinished controller
(processTTL, needsCleanup, timeLeft, jobFinishTime). A Job with `ttlSecondsAfterFinished`
whose Complete or Failed condition is True is deleted that many seconds after the
condition's lastTransitionTime; one already being deleted is left alone. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mcp.controllers.jobs.spec import integer
from mcp.engine.pods.conditions import dict_of, dicts_of
from mcp.model import parse_time

COMPLETE, FAILED = "Complete", "Failed"


@dataclass(frozen=True)
class Expiry:
    """What ttlSecondsAfterFinished asks of a Job (ttlafterfinished's processTTL)."""

    delete: bool = False
    after: float | None = None  # seconds until it expires, when it is yet to


def finished(job: dict[str, Any]) -> str | None:
    """IsJobFinished: `Complete` or `Failed` when that condition is True, else None."""
    for condition in dicts_of(dict_of(job.get("status")).get("conditions")):
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            return str(condition["type"])
    return None


def expire(job: dict[str, Any], now: datetime) -> Expiry:
    """ttlafterfinished's processTTL: a finished Job with `ttlSecondsAfterFinished` is
    deleted that long after its Complete or Failed condition's lastTransitionTime."""
    ttl = integer(dict_of(job.get("spec")).get("ttlSecondsAfterFinished"))
    if dict_of(job.get("metadata")).get("deletionTimestamp") or ttl is None:
        return Expiry()
    for condition in dicts_of(dict_of(job.get("status")).get("conditions")):
        if condition.get("type") in (COMPLETE, FAILED) and condition.get("status") == "True":
            finish = parse_time(condition.get("lastTransitionTime"))
            if finish is None:
                return Expiry()  # upstream errs ("unable to find the time") and retries
            left = (finish + timedelta(seconds=ttl) - now).total_seconds()
            return Expiry(delete=True) if left <= 0 else Expiry(after=left)
    return Expiry()
