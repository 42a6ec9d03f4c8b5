"""A CronJob's schedule: parsing it, as kube-apiserver checks it, and the times it names,
as the CronJob controller reads it. Pure.

Ported from robfig/cron v3.0.1, the version kubernetes vendors: `parse` is its
ParseStandard (five fields: minute, hour, day of month, month, day of week, with `*`,
`?`, lists, ranges, steps and jan..dec / sun..sat names; the descriptors @yearly,
@annually, @monthly, @weekly, @daily, @midnight, @hourly and `@every <Go duration>`; a
leading `TZ=<zone>` or `CRON_TZ=<zone>`), its errors worded as that parser words them for
`validateScheduleFormat` to show (`spec.schedule: Invalid value: "61 * * * *": end of
range (61) above maximum (59): 61`); `CronSpec.next` is its SpecSchedule.Next, with Go's
time.Date resolving wall times a DST change skips or repeats as Go does. A schedule without
a zone runs in the zone of the time it is given. Times are aware datetimes; no clock is
read. What a CronJob does with the times is `mcp.controllers.cronjobs.schedule`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as wall_time
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECOND = timedelta(seconds=1)
NEXT_SCHEDULE_DELTA = timedelta(milliseconds=100)  # nextScheduleDelta
TOO_MANY_MISSED = 100
STAR = 1 << 63  # starBit: the field was `*` or `?`

Missed = Literal["none", "few", "many"]


class ScheduleError(ValueError):
    """A schedule robfig/cron refuses, with its message."""


@dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    names: dict[str, int] | None = None


SECONDS = _Bounds(0, 59)
MINUTES = _Bounds(0, 59)
HOURS = _Bounds(0, 23)
DOM = _Bounds(1, 31)
MONTHS = _Bounds(
    1,
    12,
    {
        name: i + 1
        for i, name in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        )
    },
)
DOW = _Bounds(
    0, 6, {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
)


@dataclass(frozen=True)
class CronSpec:
    """SpecSchedule: one bit set per field; `location` None runs in the given time's zone."""

    second: int
    minute: int
    hour: int
    dom: int
    month: int
    dow: int
    location: tzinfo | None = None

    def next(self, t: datetime) -> datetime | None:
        """The first activation strictly after `t` (whole seconds), in `t`'s zone; None
        when none comes within five years (Go's zero time)."""
        fields = (self.second, self.minute, self.hour, self.dom, self.month, self.dow)
        if any(not bits & ~STAR for bits in fields):
            return None  # a field matching nothing (", * * * *"): Go spends five years on it
        original = t.tzinfo
        loc = self.location if self.location is not None else original
        assert loc is not None, "schedule times are aware"
        t = t.astimezone(loc)
        t = _add(t.replace(microsecond=0), SECOND)  # the upcoming second
        added = False
        year_limit = t.year + 5
        while True:  # WRAP
            if t.year > year_limit:
                return None
            wrapped = False
            while not (1 << t.month) & self.month:
                if not added:
                    added = True
                    t = _date(t.year, t.month, 1, 0, 0, 0, loc)
                t = _date(t.year, t.month + 1, t.day, t.hour, t.minute, t.second, loc)
                if t.month == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not self._day_matches(t):
                if not added:
                    added = True
                    t = _date(t.year, t.month, t.day, 0, 0, 0, loc)
                t = _date(t.year, t.month, t.day + 1, t.hour, t.minute, t.second, loc)
                # Midnight may not exist (a DST change at 00:00): get back to it.
                if t.hour != 0:
                    t = _add(t, timedelta(hours=24 - t.hour if t.hour > 12 else -t.hour))
                if t.day == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not (1 << t.hour) & self.hour:
                if not added:
                    added = True
                    t = _date(t.year, t.month, t.day, t.hour, 0, 0, loc)
                t = _add(t, timedelta(hours=1))
                if t.hour == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not (1 << t.minute) & self.minute:
                if not added:
                    added = True
                    t = _truncate(t, 60)
                t = _add(t, timedelta(minutes=1))
                if t.minute == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not (1 << t.second) & self.second:
                if not added:
                    added = True
                    t = _truncate(t, 1)
                t = _add(t, SECOND)
                if t.second == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            return t.astimezone(original)

    def _day_matches(self, t: datetime) -> bool:
        """dayMatches: with a `*` in either day field both must match, else either may."""
        dom = bool((1 << t.day) & self.dom)
        dow = bool((1 << ((t.weekday() + 1) % 7)) & self.dow)  # Go's Sunday is 0
        if self.dom & STAR or self.dow & STAR:
            return dom and dow
        return dom or dow


@dataclass(frozen=True)
class Every:
    """ConstantDelaySchedule: `@every <duration>`, whole seconds, at least one."""

    delay_s: int

    def next(self, t: datetime) -> datetime | None:
        return _add(t.replace(microsecond=0), timedelta(seconds=self.delay_s))


Schedule = CronSpec | Every


def parse(spec: str, *, with_seconds: bool = False) -> Schedule:
    """ParseStandard: a schedule from its text.

    Args:
        spec: the five-field (or descriptor) schedule, maybe after `TZ=` or `CRON_TZ=`.
        with_seconds: take six fields, seconds first (robfig's own tests' secondParser).

    Raises:
        ScheduleError: with robfig/cron's message for what is wrong.
    """
    if not spec:
        raise ScheduleError("empty spec string")
    location: tzinfo | None = None
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        name = spec[spec.index("=") + 1 : space if space >= 0 else len(spec)]
        location = load_location(name)
        if space < 0:
            raise ScheduleError(f"provided bad location {name}: no schedule after it")
        spec = spec[space:].strip()
    if spec.startswith("@"):
        return _descriptor(spec, location)
    fields = spec.split()
    want = 6 if with_seconds else 5
    if len(fields) != want:
        raise ScheduleError(
            f"expected exactly {want} fields, found {len(fields)}: [{' '.join(fields)}]"
        )
    if not with_seconds:
        fields = ["0", *fields]
    second, minute, hour, dom, month, dow = (
        _field(text, bound)
        for text, bound in zip(fields, (SECONDS, MINUTES, HOURS, DOM, MONTHS, DOW), strict=True)
    )
    return CronSpec(second, minute, hour, dom, month, dow, location)


def load_location(name: str) -> tzinfo | None:
    """time.LoadLocation: "" and "UTC" are UTC, "Local" is the given time's own zone
    (None), anything else an IANA zone."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ScheduleError(f"provided bad location {name}: unknown time zone {name}") from exc


def _field(text: str, bounds: _Bounds) -> int:
    """getField: the union of the comma-separated ranges (empty pieces ignored)."""
    bits = 0
    for expr in (piece for piece in text.split(",") if piece):
        bits |= _range(expr, bounds)
    return bits


def _range(expr: str, bounds: _Bounds) -> int:
    """getRange: `*`, `?`, `n`, `a-b`, each maybe with `/step`; `n/step` runs to the end."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    extra = 0
    if low_and_high[0] in ("*", "?"):
        start, end, extra = bounds.low, bounds.high, STAR
    else:
        start = _int_or_name(low_and_high[0], bounds.names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], bounds.names)
        else:
            raise ScheduleError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _int(range_and_step[1])
        if len(low_and_high) == 1:
            end = bounds.high  # "N/step" means "N-max/step"
        if step > 1:
            extra = 0
    else:
        raise ScheduleError(f"too many slashes: {expr}")
    if start < bounds.low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({bounds.low}): {expr}")
    if end > bounds.high:
        raise ScheduleError(f"end of range ({end}) above maximum ({bounds.high}): {expr}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ScheduleError(f"step of range should be a positive number: {expr}")
    return sum(1 << i for i in range(start, end + 1, step)) | extra


def _int_or_name(expr: str, names: dict[str, int] | None) -> int:
    if names is not None and expr.lower() in names:
        return names[expr.lower()]
    return _int(expr)


def _int(expr: str) -> int:
    """mustParseInt: strconv.Atoi, then no negatives."""
    digits = expr[1:] if expr.startswith(("+", "-")) else expr
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ScheduleError(
            f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax'
        )
    number = int(expr)
    if number < 0:
        raise ScheduleError(f"negative number ({number}) not allowed: {expr}")
    return number


def _all(bounds: _Bounds) -> int:
    return sum(1 << i for i in range(bounds.low, bounds.high + 1)) | STAR


def _descriptor(spec: str, location: tzinfo | None) -> Schedule:
    """parseDescriptor."""
    first = (1 << SECONDS.low, 1 << MINUTES.low)
    if spec in ("@yearly", "@annually"):
        return CronSpec(*first, 1 << HOURS.low, 1 << DOM.low, 1 << MONTHS.low, _all(DOW), location)
    if spec == "@monthly":
        return CronSpec(*first, 1 << HOURS.low, 1 << DOM.low, _all(MONTHS), _all(DOW), location)
    if spec == "@weekly":
        return CronSpec(*first, 1 << HOURS.low, _all(DOM), _all(MONTHS), 1 << DOW.low, location)
    if spec in ("@daily", "@midnight"):
        return CronSpec(*first, 1 << HOURS.low, _all(DOM), _all(MONTHS), _all(DOW), location)
    if spec == "@hourly":
        return CronSpec(*first, _all(HOURS), _all(DOM), _all(MONTHS), _all(DOW), location)
    if spec.startswith("@every "):
        try:
            nanoseconds = parse_duration(spec[len("@every ") :])
        except ValueError as exc:
            raise ScheduleError(f"failed to parse duration {spec}: {exc}") from exc
        return Every(max(1, nanoseconds // 1_000_000_000))  # Every: at least 1 s, whole seconds
    raise ScheduleError(f"unrecognized descriptor: {spec}")


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # µ, the micro sign
    "\u03bcs": 1_000,  # μ, Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_NUMBER = re.compile(r"(\d*)(?:\.(\d*))?")
_UNIT = re.compile(r"[^\d.]+")


def parse_duration(text: str) -> int:
    """time.ParseDuration, in nanoseconds: "1h30m", "1.5h", "300ms", "-2m"."""
    quoted = f'"{text}"'
    rest = text
    negative = rest.startswith("-")
    if rest[:1] in ("-", "+"):
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = Fraction(0)
    while rest:
        number = _NUMBER.match(rest)
        assert number is not None  # the pattern matches the empty string
        whole, fraction = number.group(1), number.group(2)
        if not whole and not fraction:
            raise ValueError(f"time: invalid duration {quoted}")
        rest = rest[number.end() :]
        unit_match = _UNIT.match(rest)
        if unit_match is None:
            raise ValueError(f"time: missing unit in duration {quoted}")
        unit = unit_match.group()
        rest = rest[unit_match.end() :]
        if unit not in _UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration {quoted}')
        value = Fraction(int(whole or "0"))
        if fraction:
            value += Fraction(int(fraction), 10 ** len(fraction))
        total += value * _UNITS[unit]
    nanoseconds = int(total)
    if nanoseconds > (1 << 63) - 1:
        raise ValueError(f"time: invalid duration {quoted}")
    return -nanoseconds if negative else nanoseconds


# --- Go's time arithmetic ------------------------------------------------------------------------


def _add(t: datetime, delta: timedelta) -> datetime:
    """time.Add: an absolute duration, whatever the wall clock does meanwhile."""
    assert t.tzinfo is not None
    return (t.astimezone(UTC) + delta).astimezone(t.tzinfo)


def _truncate(t: datetime, seconds: int) -> datetime:
    """time.Truncate to a whole minute or second, on the absolute time line."""
    assert t.tzinfo is not None
    instant = t.astimezone(UTC)
    instant -= timedelta(seconds=instant.second % seconds, microseconds=instant.microsecond)
    return instant.astimezone(t.tzinfo)


def _date(
    year: int, month: int, day: int, hour: int, minute: int, second: int, loc: tzinfo
) -> datetime:
    """time.Date: months and days past their end carry over (Feb 30 is Mar 1 or 2); a wall
    time that happens twice or never gets the offset Go's lookup gives: the offset in force
    at the wall time read as UTC, unless that offset puts the instant where another applies."""
    base = date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1) + timedelta(days=day - 1)
    guess = datetime.combine(base, wall_time(hour, minute, second), tzinfo=UTC)
    offset = guess.astimezone(loc).utcoffset() or timedelta()
    candidate = guess - offset
    actual = candidate.astimezone(loc).utcoffset() or timedelta()
    if actual != offset:
        candidate = guess - actual
    return candidate.astimezone(loc)


# --- kubernetes' CronJob controller --------------------------------------------------------------


def check(schedule: str) -> None:
    """Parse `schedule` as kube-apiserver's validation does (a `TZ=`/`CRON_TZ=` prefix is
    the caller's to refuse, as kube-apiserver does; its zone is not looked up here).

    Raises:
        ScheduleError: the parser's error.
    """
    spec = schedule
    if spec.startswith(("TZ=", "CRON_TZ=")):
        zone_end = spec.find(" ")
        spec = spec[zone_end:].strip() if zone_end >= 0 else ""
    parse(spec)
