"""A CronJob's schedule, ported case by case from robfig/cron v3.0.1 (spec_test.go's
TestActivation, TestNext, TestNextWithTz, TestErrors, TestSlash0NoHang; parser_test.go's
TestRange, TestParseScheduleErrors, TestParseSchedule) and kubernetes'
pkg/controller/cronjob/utils_test.go (TestMostRecentScheduleTime,
TestNextScheduleTimeDuration). Go's "Local" is UTC here."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mcp.controllers.cronjobs.schedule import (
    Recent,
    most_recent,
    next_schedule_time,
    requeue_after,
    schedule_of,
)
from mcp.kinds.cron import STAR, CronSpec, Every, ScheduleError, parse, parse_duration


def go_time(value: str) -> datetime:
    """getTime: "Mon Jul 9 15:00 2012" (UTC), with seconds, or "2012-03-11T00:00:00-0500"
    (maybe after "TZ=<zone> ", which changes nothing but the zone it prints in)."""
    if value.startswith("TZ="):
        value = value.split()[1]
    for layout in ("%a %b %d %H:%M %Y", "%a %b %d %H:%M:%S %Y"):
        try:
            return datetime.strptime(value, layout).replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


@pytest.mark.parametrize(
    ("moment", "spec", "expected"),
    [
        ("Mon Jul 9 15:00 2012", "0/15 * * * *", True),
        ("Mon Jul 9 15:45 2012", "0/15 * * * *", True),
        ("Mon Jul 9 15:40 2012", "0/15 * * * *", False),
        ("Mon Jul 9 15:05 2012", "5/15 * * * *", True),
        ("Mon Jul 9 15:20 2012", "5/15 * * * *", True),
        ("Mon Jul 9 15:50 2012", "5/15 * * * *", True),
        ("Sun Jul 15 15:00 2012", "0/15 * * Jul *", True),
        ("Sun Jul 15 15:00 2012", "0/15 * * Jun *", False),
        ("Sun Jul 15 08:30 2012", "30 08 ? Jul Sun", True),
        ("Sun Jul 15 08:30 2012", "30 08 15 Jul ?", True),
        ("Mon Jul 16 08:30 2012", "30 08 ? Jul Sun", False),
        ("Mon Jul 16 08:30 2012", "30 08 15 Jul ?", False),
        ("Mon Jul 9 15:00 2012", "@hourly", True),
        ("Mon Jul 9 15:04 2012", "@hourly", False),
        ("Mon Jul 9 15:00 2012", "@daily", False),
        ("Mon Jul 9 00:00 2012", "@daily", True),
        ("Mon Jul 9 00:00 2012", "@weekly", False),
        ("Sun Jul 8 00:00 2012", "@weekly", True),
        ("Sun Jul 8 01:00 2012", "@weekly", False),
        ("Sun Jul 8 00:00 2012", "@monthly", False),
        ("Sun Jul 1 00:00 2012", "@monthly", True),
        # Both day fields restricted: either may match.
        ("Sun Jul 15 00:00 2012", "* * 1,15 * Sun", True),
        ("Fri Jun 15 00:00 2012", "* * 1,15 * Sun", True),
        ("Wed Aug 1 00:00 2012", "* * 1,15 * Sun", True),
        ("Sun Jul 15 00:00 2012", "* * */10 * Sun", True),
        # One of them a star: both must.
        ("Sun Jul 15 00:00 2012", "* * * * Mon", False),
        ("Mon Jul 9 00:00 2012", "* * 1,15 * *", False),
        ("Sun Jul 15 00:00 2012", "* * 1,15 * *", True),
        ("Sun Jul 15 00:00 2012", "* * */2 * Sun", True),
    ],
)
def test_activation(moment: str, spec: str, expected: bool) -> None:
    at = go_time(moment)
    assert (parse(spec).next(at - timedelta(seconds=1)) == at) is expected


NEXT = [
    ("Mon Jul 9 14:45 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"),
    ("Mon Jul 9 14:59 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"),
    ("Mon Jul 9 14:59:59 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"),
    ("Mon Jul 9 15:45 2012", "0 20-35/15 * * * *", "Mon Jul 9 16:20 2012"),
    ("Mon Jul 9 23:46 2012", "0 */15 * * * *", "Tue Jul 10 00:00 2012"),
    ("Mon Jul 9 23:45 2012", "0 20-35/15 * * * *", "Tue Jul 10 00:20 2012"),
    ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * * * *", "Tue Jul 10 00:20:15 2012"),
    ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 1/2 * * *", "Tue Jul 10 01:20:15 2012"),
    ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 10-12 * * *", "Tue Jul 10 10:20:15 2012"),
    ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 1/2 */2 * *", "Thu Jul 11 01:20:15 2012"),
    ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * 9-20 * *", "Wed Jul 10 00:20:15 2012"),
    ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * 9-20 Jul *", "Wed Jul 10 00:20:15 2012"),
    ("Mon Jul 9 23:35 2012", "0 0 0 9 Apr-Oct ?", "Thu Aug 9 00:00 2012"),
    ("Mon Jul 9 23:35 2012", "0 0 0 */5 Apr,Aug,Oct Mon", "Tue Aug 1 00:00 2012"),
    ("Mon Jul 9 23:35 2012", "0 0 0 */5 Oct Mon", "Mon Oct 1 00:00 2012"),
    ("Mon Jul 9 23:35 2012", "0 0 0 * Feb Mon", "Mon Feb 4 00:00 2013"),
    ("Mon Jul 9 23:35 2012", "0 0 0 * Feb Mon/2", "Fri Feb 1 00:00 2013"),
    ("Mon Dec 31 23:59:45 2012", "0 * * * * *", "Tue Jan 1 00:00:00 2013"),
    ("Mon Jul 9 23:35 2012", "0 0 0 29 Feb ?", "Mon Feb 29 00:00 2016"),
    # 2am EST (-5) -> 3am EDT (-4)
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 30 2 11 Mar ?", "2013-03-11T02:30:00-0400"),
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T01:00:00-0500"),
    ("2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T03:00:00-0400"),
    ("2012-03-11T03:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T04:00:00-0400"),
    ("2012-03-11T04:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T05:00:00-0400"),
    (
        "2012-03-11T00:00:00-0500",
        "CRON_TZ=America/New_York 0 0 * * * ?",
        "2012-03-11T01:00:00-0500",
    ),
    (
        "2012-03-11T01:00:00-0500",
        "CRON_TZ=America/New_York 0 0 * * * ?",
        "2012-03-11T03:00:00-0400",
    ),
    (
        "2012-03-11T03:00:00-0400",
        "CRON_TZ=America/New_York 0 0 * * * ?",
        "2012-03-11T04:00:00-0400",
    ),
    (
        "2012-03-11T04:00:00-0400",
        "CRON_TZ=America/New_York 0 0 * * * ?",
        "2012-03-11T05:00:00-0400",
    ),
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-03-11T01:00:00-0500"),
    ("2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-03-12T01:00:00-0400"),
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 2 * * ?", "2012-03-12T02:00:00-0400"),
    # 2am EDT (-4) => 1am EST (-5)
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 30 2 04 Nov ?", "2012-11-04T02:30:00-0500"),
    ("2012-11-04T01:45:00-0400", "TZ=America/New_York 0 30 1 04 Nov ?", "2012-11-04T01:30:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T01:00:00-0400"),
    ("2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T01:00:00-0500"),
    ("2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T02:00:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 1 * * ?", "2012-11-04T01:00:00-0400"),
    ("2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 1 * * ?", "2012-11-04T01:00:00-0500"),
    ("2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-11-05T01:00:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 2 * * ?", "2012-11-04T02:00:00-0500"),
    ("2012-11-04T02:00:00-0500", "TZ=America/New_York 0 0 2 * * ?", "2012-11-05T02:00:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 3 * * ?", "2012-11-04T03:00:00-0500"),
    ("2012-11-04T03:00:00-0500", "TZ=America/New_York 0 0 3 * * ?", "2012-11-05T03:00:00-0500"),
    ("Mon Jul 9 23:35 2012", "0 0 0 30 Feb ?", ""),
    ("Mon Jul 9 23:35 2012", "0 0 0 31 Apr ?", ""),
    (
        "TZ=America/New_York 2012-11-04T00:00:00-0400",
        "TZ=America/New_York 0 0 3 3 * ?",
        "2012-12-03T03:00:00-0500",
    ),
    # Midnight that does not exist (robfig/cron#157).
    ("2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 0 9 10 * ?", "2018-11-10T06:00:00-0500"),
    ("2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 0 9 22 * ?", "2018-02-22T07:00:00-0500"),
]


@pytest.mark.parametrize(("moment", "spec", "expected"), NEXT)
def test_next(moment: str, spec: str, expected: str) -> None:
    """TestNext (robfig's six-field secondParser)."""
    got = parse(spec, with_seconds=True).next(go_time(moment))
    assert got == (go_time(expected) if expected else None)


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("moment", "spec", "expected"),
    [
        # The schedule has no zone: it runs in the zone of the time given.
        ((2012, 11, 4, 0), "0 0 * * * ?", (2012, 11, 4, 1, 0)),
        ((2012, 11, 4, 1, 0), "0 0 * * * ?", (2012, 11, 4, 1, 1)),
        ((2012, 11, 4, 1, 1), "0 0 * * * ?", (2012, 11, 4, 2, 0)),
        ((2012, 11, 4, 0), "0 0 1 * * ?", (2012, 11, 4, 1, 0)),
        ((2012, 11, 4, 1, 0), "0 0 1 * * ?", (2012, 11, 4, 1, 1)),
        ((2012, 11, 4, 1, 1), "0 0 1 * * ?", (2012, 11, 5, 1, 0)),
        ((2012, 11, 4, 0), "0 0 2 * * ?", (2012, 11, 4, 2, 0)),
        ((2012, 11, 4, 0), "0 0 3 * * ?", (2012, 11, 4, 3, 0)),
        ((2012, 11, 4, 0), "0 0 3 3 * ?", (2012, 12, 3, 3, 0)),
    ],
)
def test_next_in_the_times_zone(
    moment: tuple[int, ...], spec: str, expected: tuple[int, ...]
) -> None:
    """TestNext's rows whose time is in New York and whose schedule names no zone;
    (y, m, d, h, fold): fold 1 is the second 1 o'clock of the day clocks go back."""

    def at(parts: tuple[int, ...]) -> datetime:
        year, month, day, hour = parts[:4]
        fold = parts[4] if len(parts) > 4 else 0
        return datetime(year, month, day, hour, tzinfo=NEW_YORK, fold=fold)

    got = parse(spec, with_seconds=True).next(at(moment))
    assert got is not None
    assert got.astimezone(UTC) == at(expected).astimezone(UTC)


@pytest.mark.parametrize(
    ("moment", "spec", "expected"),
    [
        ("2016-01-03T13:09:03+0530", "14 14 * * *", "2016-01-03T14:14:00+0530"),
        ("2016-01-03T04:09:03+0530", "14 14 * * ?", "2016-01-03T14:14:00+0530"),
        ("2016-01-03T14:09:03+0530", "14 14 * * *", "2016-01-03T14:14:00+0530"),
        ("2016-01-03T14:00:00+0530", "14 14 * * ?", "2016-01-03T14:14:00+0530"),
    ],
)
def test_next_with_tz(moment: str, spec: str, expected: str) -> None:
    got = parse(spec).next(go_time(moment))
    assert got == go_time(expected)
    assert got is not None
    assert got.utcoffset() == timedelta(hours=5, minutes=30)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("xyz", "expected exactly 5 fields, found 1: [xyz]"),
        ("60 0 * * *", "end of range (60) above maximum (59): 60"),
        ("0 60 * * *", "end of range (60) above maximum (23): 60"),
        ("0 0 * * XYZ", "failed to parse int from XYZ"),
        ("0 0 * * 7", "end of range (7) above maximum (6): 7"),
        ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("* 5 j * *", "failed to parse int from j"),
        ("@every Xm", 'failed to parse duration @every Xm: time: invalid duration "Xm"'),
        ("@unrecognized", "unrecognized descriptor: @unrecognized"),
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("", "empty spec string"),
        ("5--5 * * * *", "too many hyphens: 5--5"),
        ("jan-x * * * *", "failed to parse int from jan"),
        ("2-x * * * *", "failed to parse int from x"),
        ("*/-12 * * * *", "negative number (-12) not allowed: -12"),
        ("*//2 * * * *", "too many slashes: *//2"),
        ("5-3 * * * *", "beginning of range (5) beyond end of range (3): 5-3"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("TZ=America/New_York 15/0 * * * *", "step of range should be a positive number: 15/0"),
        ("TZ=Nowhere/Land * * * * *", "provided bad location Nowhere/Land"),
    ],
)
def test_errors(spec: str, message: str) -> None:
    with pytest.raises(ScheduleError, match="^" + re.escape(message)):
        parse(spec)


def bits(*values: int) -> int:
    return sum(1 << v for v in values)


MINUTES_ALL = bits(*range(60)) | STAR
HOURS_ALL = bits(*range(24)) | STAR
DOM_ALL = bits(*range(1, 32)) | STAR
MONTHS_ALL = bits(*range(1, 13)) | STAR
DOW_ALL = bits(*range(7)) | STAR
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("5 * * * *", CronSpec(1, bits(5), HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL)),
        (
            "CRON_TZ=UTC  5 * * * *",
            CronSpec(1, bits(5), HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL, UTC),
        ),
        (
            "CRON_TZ=Asia/Tokyo 5 * * * *",
            CronSpec(1, bits(5), HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL, TOKYO),
        ),
        (
            "TZ=Asia/Tokyo 5 * * * *",
            CronSpec(1, bits(5), HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL, TOKYO),
        ),
        ("@every 5m", Every(300)),
        ("@every 1h30m", Every(5400)),
        ("@every 500ms", Every(1)),
        ("@every 1.5s", Every(1)),
        ("@midnight", CronSpec(1, 1, 1, DOM_ALL, MONTHS_ALL, DOW_ALL)),
        ("TZ=UTC  @midnight", CronSpec(1, 1, 1, DOM_ALL, MONTHS_ALL, DOW_ALL, UTC)),
        ("TZ=Asia/Tokyo @midnight", CronSpec(1, 1, 1, DOM_ALL, MONTHS_ALL, DOW_ALL, TOKYO)),
        ("@yearly", CronSpec(1, 1, 1, bits(1), bits(1), DOW_ALL)),
        ("@annually", CronSpec(1, 1, 1, bits(1), bits(1), DOW_ALL)),
        ("@monthly", CronSpec(1, 1, 1, bits(1), MONTHS_ALL, DOW_ALL)),
        ("@weekly", CronSpec(1, 1, 1, DOM_ALL, MONTHS_ALL, bits(0))),
        ("@hourly", CronSpec(1, 1, HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL)),
        (
            "*/5 * * * ?",
            CronSpec(1, bits(*range(0, 60, 5)), HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL),
        ),
        (
            "0 9-17 * * MON-fri",
            CronSpec(1, 1, bits(*range(9, 18)), DOM_ALL, MONTHS_ALL, bits(1, 2, 3, 4, 5)),
        ),
        (
            "1,5-7/2,3 * * jan,DEC *",
            CronSpec(1, bits(1, 3, 5, 7), HOURS_ALL, DOM_ALL, bits(1, 12), DOW_ALL),
        ),
        ("5/20 * * * *", CronSpec(1, bits(5, 25, 45), HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL)),
        ("*/1 * * * *", CronSpec(1, MINUTES_ALL, HOURS_ALL, DOM_ALL, MONTHS_ALL, DOW_ALL)),
    ],
)
def test_parse(spec: str, expected: CronSpec | Every) -> None:
    assert parse(spec) == expected


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("0", 0),
        ("5s", 5_000_000_000),
        ("1h30m", 5_400_000_000_000),
        ("1.5h", 5_400_000_000_000),
        (".5m", 30_000_000_000),
        ("300ms", 300_000_000),
        ("2us", 2_000),
        ("2\u00b5s", 2_000),
        ("-2m", -120_000_000_000),
        ("+1ns", 1),
    ],
)
def test_parse_duration(text: str, nanoseconds: int) -> None:
    assert parse_duration(text) == nanoseconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("1", 'time: missing unit in duration "1"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        (".s", 'time: invalid duration ".s"'),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_duration(text)


# --- kubernetes' CronJob controller --------------------------------------------------------------

TOP = datetime(2016, 5, 19, 10, 0, 0, tzinfo=UTC)  # topOfTheHour, a Thursday


def after(**delta: float) -> datetime:
    return TOP + timedelta(**delta)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cronjob(
    schedule: str,
    created: datetime = TOP,
    last: datetime | None = None,
    deadline: int | None = None,
    zone: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"schedule": schedule}
    if deadline is not None:
        spec["startingDeadlineSeconds"] = deadline
    if zone is not None:
        spec["timeZone"] = zone
    status = {"lastScheduleTime": stamp(last)} if last else {}
    return {"metadata": {"creationTimestamp": stamp(created)}, "spec": spec, "status": status}


@pytest.mark.parametrize(
    ("job", "with_deadline", "now", "want"),
    [
        pytest.param(
            cronjob("0 * * * *"), False, after(seconds=30), Recent(TOP), id="now-before-next"
        ),
        pytest.param(
            cronjob("0 * * * *"),
            False,
            after(minutes=61),
            Recent(TOP, after(minutes=60)),
            id="now-just-after-next",
        ),
        pytest.param(
            cronjob("0 * * * *", created=after(seconds=10)),
            False,
            after(minutes=301),
            Recent(after(seconds=10), after(minutes=300), "few"),
            id="missed-5",
        ),
        pytest.param(
            cronjob("30 6-16/4 * * 1-5", last=after(minutes=30)),
            False,
            after(hours=24, minutes=31),
            Recent(after(minutes=30), after(hours=24, minutes=30), "few"),
            id="complex-schedule",
        ),
        pytest.param(
            cronjob("30 10,11,12 * * 1-5", last=after(minutes=30)),
            False,
            after(hours=30, minutes=30),
            Recent(after(minutes=30), None, "few"),
            id="another-complex-schedule",
        ),
        pytest.param(
            cronjob("30 6-16/4 * * 1-5", last=after(minutes=30)),
            False,
            after(hours=96, minutes=31),
            Recent(after(minutes=30), after(hours=96, minutes=30), "few"),
            id="complex-schedule-longer-diff",
        ),
        pytest.param(
            cronjob("30 6-16/4 * * 1-5"),
            False,
            after(hours=24, minutes=31),
            Recent(TOP, after(hours=24, minutes=30), "few"),
            id="complex-schedule-shorter-diff",
        ),
        pytest.param(
            cronjob("@every 1h", created=after(minutes=-59), last=after(minutes=1), deadline=10),
            False,
            after(days=7),
            Recent(after(minutes=1), after(days=6, hours=23, minutes=1), "many"),
            id="every-schedule",
        ),
        pytest.param(
            cronjob("59 23 31 2 *", created=after(seconds=10)),
            False,
            after(hours=1),
            Recent(
                after(seconds=10),
                error="time difference between two schedules is less than 1 second",
            ),
            id="rogue-cronjob",
        ),
        pytest.param(
            cronjob("0 * * * *", last=TOP),
            False,
            after(seconds=30),
            Recent(TOP),
            id="earliest-is-last-schedule-time",
        ),
        pytest.param(
            cronjob("*/5 * * * *", last=after(minutes=30)),
            False,
            after(minutes=31),
            Recent(after(minutes=30)),
            id="earliest-last-schedule-time-every-5",
        ),
        pytest.param(
            cronjob("*/5 * * * *", last=after(minutes=30), deadline=60),
            False,
            after(minutes=31),
            Recent(after(minutes=30)),
            id="within-starting-deadline-unused",
        ),
        pytest.param(
            cronjob("*/5 * * * *", last=after(minutes=30), deadline=60),
            True,
            after(minutes=32),
            Recent(after(minutes=31)),
            id="outside-starting-deadline",
        ),
        pytest.param(
            cronjob("0 * * * *", last=after(hours=-200)),
            False,
            after(minutes=5),
            Recent(after(hours=-200), TOP, "many"),
            id="more-than-100-missed",
        ),
    ],
)
def test_most_recent(job: dict[str, Any], with_deadline: bool, now: datetime, want: Recent) -> None:
    schedule, _ = schedule_of(job)
    assert most_recent(job, schedule, now, starting_deadline=with_deadline) == want


@pytest.mark.parametrize(
    ("job", "now", "want"),
    [
        pytest.param(
            cronjob("30 6-16/4 * * 1-5", last=after(minutes=30)),
            after(hours=24, minutes=31),
            timedelta(hours=3, minutes=59, milliseconds=100),
            id="complex-schedule-skipping-weekend",
        ),
        pytest.param(
            cronjob("30 10,11,12 * * 1-5", last=after(minutes=30)),
            after(hours=30, minutes=30),
            timedelta(hours=66, milliseconds=100),
            id="another-complex-schedule-skipping-weekend",
        ),
        pytest.param(
            cronjob("0 12 * * 4", last=after(hours=2)),
            after(days=19, hours=1, minutes=30),
            timedelta(hours=48, minutes=30, milliseconds=100),
            id="weekly-missed-two-runs",
        ),
        pytest.param(
            cronjob("0 12 * * 5"),
            after(hours=6),
            timedelta(hours=20, milliseconds=100),
            id="no-previous-run",
        ),
    ],
)
def test_requeue_after(job: dict[str, Any], now: datetime, want: timedelta) -> None:
    schedule, _ = schedule_of(job)
    assert requeue_after(job, schedule, now) == want.total_seconds()


@pytest.mark.parametrize(
    ("job", "now", "want"),
    [
        pytest.param(cronjob("0 * * * *"), after(minutes=61), after(minutes=60), id="due"),
        pytest.param(cronjob("0 * * * *"), after(minutes=59), None, id="not-yet"),
        pytest.param(
            cronjob("*/5 * * * *", last=after(minutes=30), deadline=60),
            after(minutes=40, seconds=30),
            after(minutes=40),
            id="within-deadline",
        ),
        pytest.param(
            cronjob("*/5 * * * *", last=after(minutes=30), deadline=30),
            after(minutes=41),
            None,
            id="deadline-passed",
        ),
    ],
)
def test_next_schedule_time(job: dict[str, Any], now: datetime, want: datetime | None) -> None:
    schedule, _ = schedule_of(job)
    assert next_schedule_time(job, schedule, now).time == want


def test_time_zone_field() -> None:
    """formatSchedule: timeZone becomes TZ=; midnight in Tokyo is 15:00 UTC."""
    job = cronjob("0 0 * * *", created=datetime(2024, 1, 1, 12, tzinfo=UTC), zone="Asia/Tokyo")
    schedule, warning = schedule_of(job)
    assert warning is None
    assert schedule.next(datetime(2024, 1, 1, 12, tzinfo=UTC)) == datetime(
        2024, 1, 1, 15, tzinfo=UTC
    )


def test_unknown_time_zone_leaves_the_schedule() -> None:
    schedule, warning = schedule_of(cronjob("0 0 * * *", zone="Nowhere/Land"))
    assert (schedule, warning) == (parse("0 0 * * *"), None)


def test_tz_in_schedule_is_unsupported() -> None:
    schedule, warning = schedule_of(cronjob("CRON_TZ=Asia/Tokyo 0 0 * * *"))
    assert schedule == parse("TZ=Asia/Tokyo 0 0 * * *")
    assert warning is not None
    assert warning.startswith(
        'CRON_TZ or TZ used in schedule "CRON_TZ=Asia/Tokyo 0 0 * * *" is not officially supported'
    )


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(", * * * *", id="field-matching-nothing"),
        pytest.param("0 0 30 2 *", id="february-30"),
        pytest.param("59 23 31 2 *", id="february-31"),
    ],
)
def test_unsatisfiable(spec: str) -> None:
    assert parse(spec).next(datetime(2016, 5, 19, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("America", id="a-directory"),
        pytest.param("a" * 300, id="too-long"),
        pytest.param("../etc/passwd", id="outside"),
    ],
)
def test_bad_locations(name: str) -> None:
    with pytest.raises(ScheduleError, match=r"^provided bad location"):
        parse(f"TZ={name} * * * * *")
