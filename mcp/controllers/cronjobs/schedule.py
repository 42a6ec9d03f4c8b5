"""What a CronJob does with its schedule (`mcp.kinds.cron` parses it): from kubernetes'
pkg/controller/cronjob, `schedule_of` is formatSchedule (the `timeZone` field becomes
`TZ=`), `most_recent` is mostRecentScheduleTime (the latest missed start, counted roughly
and flagged beyond 100 missed), `next_schedule_time` and `requeue_after` are
nextScheduleTime and nextScheduleTimeDuration (100 ms past the next start). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mcp.engine.pods.conditions import dict_of
from mcp.kinds.cron import (
    NEXT_SCHEDULE_DELTA,
    TOO_MANY_MISSED,
    Missed,
    Schedule,
    ScheduleError,
    load_location,
    parse,
)
from mcp.model import parse_time


@dataclass(frozen=True)
class Recent:
    """mostRecentScheduleTime's answer.

    Attributes:
        earliest: when counting starts (lastScheduleTime, else creationTimestamp, moved up
            to the starting deadline when that counts).
        time: the most recent start due at or before now; None when none is.
        missed: `few` with starts missed since `earliest`, `many` past 100, else `none`.
        error: the schedule names no two starts a second or more apart (Feb 31).
    """

    earliest: datetime
    time: datetime | None = None
    missed: Missed = "none"
    error: str | None = None


def schedule_of(cronjob: dict[str, Any]) -> tuple[Schedule, str | None]:
    """formatSchedule then ParseStandard: the CronJob's schedule, `timeZone` as `TZ=`.

    Returns:
        The schedule and, when the schedule itself names a zone, upstream's
        UnsupportedSchedule warning.

    Raises:
        ScheduleError: the schedule does not parse.
    """
    spec = _spec(cronjob)
    text = str(spec.get("schedule") or "")
    zone = spec.get("timeZone")
    if "TZ" in text:
        warning = (
            f'CRON_TZ or TZ used in schedule "{text}" is not officially supported, see '
            "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"
        )
        return parse(text), warning
    if isinstance(zone, str):
        try:
            load_location(zone)
        except ScheduleError:
            return parse(text), None  # an unknown zone leaves the schedule as it is
        return parse(f"TZ={zone} {text}"), None
    return parse(text), None


def most_recent(
    cronjob: dict[str, Any], schedule: Schedule, now: datetime, *, starting_deadline: bool
) -> Recent:
    """mostRecentScheduleTime: the latest start due by `now` since the last one."""
    meta, status = dict_of(cronjob.get("metadata")), dict_of(cronjob.get("status"))
    earliest = parse_time(meta.get("creationTimestamp")) or now
    last = parse_time(status.get("lastScheduleTime"))
    if last is not None:
        earliest = last
    deadline = _spec(cronjob).get("startingDeadlineSeconds")
    if starting_deadline and isinstance(deadline, int) and not isinstance(deadline, bool):
        # The controller is not going to schedule anything before this.
        earliest = max(earliest, now - timedelta(seconds=deadline))
    t1 = schedule.next(earliest)
    t2 = schedule.next(t1) if t1 is not None else None
    if t1 is not None and now < t1:
        return Recent(earliest)
    if t1 is not None and t2 is not None and now < t2:
        return Recent(earliest, t1)
    between = _round_seconds(t2 - t1) if t1 is not None and t2 is not None else 0
    if t1 is None or between < 1:
        return Recent(earliest, error="time difference between two schedules is less than 1 second")
    # A rough count: how many intervals fit between the first missed start and now.
    elapsed = int((now - t1).total_seconds())  # Go's Seconds() truncated towards zero
    missed_count = elapsed // between + 1
    latest = None
    t: datetime | None = schedule.next(t1 + timedelta(seconds=(missed_count - 2) * between))
    while t is not None and t <= now:
        latest = t
        t = schedule.next(t)
    missed: Missed = "many" if missed_count > TOO_MANY_MISSED else "few"
    return Recent(earliest, latest, missed)


def next_schedule_time(cronjob: dict[str, Any], schedule: Schedule, now: datetime) -> Recent:
    """nextScheduleTime: the start to make a Job for now (`time`), the starting deadline
    applied; `missed == "many"` is upstream's TooManyMissedTimes warning."""
    recent = most_recent(cronjob, schedule, now, starting_deadline=True)
    if recent.time is not None and recent.time > now:
        return Recent(recent.earliest, None, recent.missed, recent.error)
    return recent


def requeue_after(cronjob: dict[str, Any], schedule: Schedule, now: datetime) -> float | None:
    """nextScheduleTimeDuration: seconds until 100 ms past the next start; None when the
    schedule names no more starts."""
    recent = most_recent(cronjob, schedule, now, starting_deadline=False)
    if recent.error is not None:
        base = now  # aim at the next slot from now
    elif recent.time is None:
        base = recent.earliest if recent.missed == "none" else now
    else:
        base = recent.time
    upcoming = schedule.next(base)
    if upcoming is None:
        return None
    return (upcoming + NEXT_SCHEDULE_DELTA - now).total_seconds()


def _spec(cronjob: dict[str, Any]) -> dict[str, Any]:
    return dict_of(cronjob.get("spec"))


def _round_seconds(delta: timedelta) -> int:
    """Duration.Round(time.Second) in whole seconds: halves away from zero."""
    micro = delta // timedelta(microseconds=1)
    whole, rest = divmod(abs(micro), 1_000_000)
    if rest * 2 >= 1_000_000:
        whole += 1
    return whole if micro >= 0 else -whole
