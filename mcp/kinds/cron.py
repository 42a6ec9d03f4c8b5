"""A CronJob's schedule, checked as kube-apiserver checks it: robfig/cron v3's
`ParseStandard` (five fields, or a descriptor), the errors worded as that parser words
them, for `validateScheduleFormat` to show (`spec.schedule: Invalid value: "61 * * * *":
end of range (61) above maximum (59): 61`).

Checks only: when a schedule fires is the CronJob controller's business. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DESCRIPTORS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
EVERY = "@every "


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int
    names: dict[str, int]


MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
DAYS = {
    name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
}
# ParseStandard's fields: minute, hour, day of month, month, day of week.
FIELDS = (
    Bounds(0, 59, {}),
    Bounds(0, 23, {}),
    Bounds(1, 31, {}),
    Bounds(1, 12, MONTHS),
    Bounds(0, 6, DAYS),
)
GO_INT_RE = re.compile(r"[+-]?[0-9]+")
GO_DURATION_RE = re.compile(r"[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|0")


class ScheduleError(ValueError):
    """Why a schedule does not parse, in robfig/cron's words."""


def check(schedule: str) -> None:
    """Parse `schedule` as ParseStandard does (a `TZ=`/`CRON_TZ=` prefix is the caller's
    to refuse, as kube-apiserver does).

    Raises:
        ScheduleError: the parser's error.
    """
    if not schedule:
        raise ScheduleError("empty spec string")
    spec = schedule
    if spec.startswith(("TZ=", "CRON_TZ=")):
        zone_end = spec.find(" ")
        spec = spec[zone_end:].strip() if zone_end >= 0 else ""
    if spec.startswith("@"):
        _descriptor(spec)
        return
    fields = spec.split()
    if len(fields) != len(FIELDS):
        raise ScheduleError(
            f"expected exactly {len(FIELDS)} fields, found {len(fields)}: [{' '.join(fields)}]"
        )
    for text, bounds in zip(fields, FIELDS, strict=True):
        for expression in (part for part in text.split(",") if part):
            _range(expression, bounds)


def _descriptor(spec: str) -> None:
    if spec in DESCRIPTORS:
        return
    if spec.startswith(EVERY):
        duration = spec[len(EVERY) :]
        if not GO_DURATION_RE.fullmatch(duration):
            raise ScheduleError(
                f'failed to parse duration {spec}: time: invalid duration "{duration}"'
            )
        return
    raise ScheduleError(f"unrecognized descriptor: {spec}")


def _number(text: str) -> int:
    """mustParseInt: strconv.Atoi, not negative."""
    if not GO_INT_RE.fullmatch(text):
        raise ScheduleError(
            f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax'
        )
    number = int(text)
    if number < 0:
        raise ScheduleError(f"negative number ({number}) not allowed: {text}")
    return number


def _named(text: str, bounds: Bounds) -> int:
    """parseIntOrName: a month's or a day's name (any case), else a number."""
    named = bounds.names.get(text.lower())
    return named if named is not None else _number(text)


def _range(expression: str, bounds: Bounds) -> None:
    """getRange: `*`, `?`, `n`, `a-b`, each with an optional `/step`."""
    range_and_step = expression.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end = bounds.low, bounds.high
    else:
        start = _named(low_and_high[0], bounds)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _named(low_and_high[1], bounds)
        else:
            raise ScheduleError(f"too many hyphens: {expression}")
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1])
        if len(low_and_high) == 1:
            end = bounds.high  # `n/step` is `n-max/step`
    elif len(range_and_step) > 2:
        raise ScheduleError(f"too many slashes: {expression}")
    if start < bounds.low:
        raise ScheduleError(
            f"beginning of range ({start}) below minimum ({bounds.low}): {expression}"
        )
    if end > bounds.high:
        raise ScheduleError(f"end of range ({end}) above maximum ({bounds.high}): {expression}")
    if start > end:
        raise ScheduleError(
            f"beginning of range ({start}) beyond end of range ({end}): {expression}"
        )
    if step == 0:
        raise ScheduleError(f"step of range should be a positive number: {expression}")
