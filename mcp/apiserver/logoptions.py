"""A Pod's log request as kube-apiserver and the kubelet read it. Pure: the route
(`podlogs`) does the I/O.

- The query's `PodLogOptions`, decoded as apimachinery decodes query parameters (the first
  value of each; booleans false only when absent, `0` or `false` in any case; integers by
  `strconv.ParseInt`; `sinceTime` by `time.Parse(time.RFC3339, ...)`), a value that does
  not decode answered 400 with Go's words; then defaulted (`stream` All) and checked as
  `ValidatePodLogOptions` checks them (a 422 of kind `PodLogOptions`).
- The container it names: `LogLocation`'s validateContainer (`pkg/registry/core/pod/
  strategy.go`): none named and one container, that one; none and several, a 400 listing
  every container, init and ephemeral ones included, in the order upstream visits them.
- Which Docker attempt of it to read: the kubelet's validateContainerLogStatus
  (`pkg/kubelet/kubelet_pods.go`), over the attempts Docker holds (newest first): the one
  before the newest for `previous`, else the newest, else (not started yet) the last that
  ran, else a 400 that it is waiting to start.
- What to ask Docker for (`LogQuery`), as the kubelet's NewLogOptions makes its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp.kinds.apimachinery import Problems, forbidden, go_quote, invalid, not_supported
from mcp.model import Observed
from mcp.runtime import LogQuery

# PodLogOptions' fields, in the order its generated conversion decodes them; and `pretty`,
# which every GET takes.
FIELDS = (
    "container",
    "follow",
    "previous",
    "sinceSeconds",
    "sinceTime",
    "timestamps",
    "tailLines",
    "limitBytes",
    "insecureSkipTLSVerifyBackend",
    "stream",
)
PARAMETERS = frozenset({*FIELDS, "pretty"})
STREAM_ALL, STREAM_STDOUT, STREAM_STDERR = "All", "Stdout", "Stderr"
# Upstream lists them from a set, in no fixed order; here always in this one.
STREAMS = (STREAM_ALL, STREAM_STDERR, STREAM_STDOUT)
ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)  # metav1.Time's zero: a `sinceTime=` left empty
CREATING = "ContainerCreating"  # the kubelet's reason for a container not made yet
# The kubelet's words for the waiting reasons it explains (images.ErrImagePull...).
WAITING_WORDS = {
    "ErrImagePull": "image can't be pulled",
    "ImagePullBackOff": "trying and failing to pull image",
}


class Refused(Exception):
    """A log request answered 400 (BadRequest) with this message, as upstream's."""


@dataclass(frozen=True)
class PodLogOptions:
    """core/v1 PodLogOptions, as decoded and defaulted."""

    container: str = ""
    follow: bool = False
    previous: bool = False
    since_seconds: int | None = None
    since_time: datetime | None = None
    timestamps: bool = False
    tail_lines: int | None = None
    limit_bytes: int | None = None
    insecure_skip_tls_verify_backend: bool = False  # no backend to verify: accepted, unused
    stream: str = STREAM_ALL


# --- decoding, as apimachinery's conversions from url.Values --------------------------


def go_bool(value: str | None) -> bool:
    """runtime.Convert_Slice_string_To_bool: false when absent, `0`, or `false` in any
    case; anything else (the empty string too) is true."""
    return value is not None and value != "0" and value.casefold() != "false"


INT64 = re.compile(r"[+-]?[0-9]+")  # what strconv.ParseInt reads in base 10


def go_int64(value: str | None) -> int | None:
    """runtime.Convert_Slice_string_To_Pointer_int64 (strconv.ParseInt).

    Raises:
        Refused: with strconv's words.
    """
    if value is None:
        return None
    if not INT64.fullmatch(value):
        raise Refused(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise Refused(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return number


RFC3339 = "2006-01-02T15:04:05Z07:00"
# Go's parser walks the layout as (literal to skip, field to read) pieces.
_RFC3339_PIECES = (
    ("", "2006"),
    ("-", "01"),
    ("-", "02"),
    ("T", "15"),
    (":", "04"),
    (":", "05"),
    ("", "Z07:00"),
)
_TWO_DIGITS = re.compile(r"[0-9]{2}")
_HOUR = re.compile(r"[0-9]{1,2}")  # Go's `15` reads one digit or two
_FRACTION = re.compile(r"[.,][0-9]+")  # allowed after the seconds though the layout has none
_RANGES = {"01": ("month", 1, 12), "15": ("hour", 0, 23), "04": ("minute", 0, 59)}
_RANGES["05"] = ("second", 0, 59)


def go_time(value: str) -> datetime:
    """metav1.Time's UnmarshalQueryParameter: empty (or `null`) is the zero time, anything
    else read as Go's `time.Parse(time.RFC3339, value)` reads it.

    Raises:
        Refused: with Go's ParseError words.
    """
    if value in ("", "null"):
        return ZERO_TIME
    whole = go_quote(value)

    def cannot(rest: str, element: str) -> Refused:
        return Refused(
            f"parsing time {whole} as {go_quote(RFC3339)}: cannot parse {go_quote(rest)} "
            f"as {go_quote(element)}"
        )

    fields: dict[str, int] = {}
    nanoseconds, offset_minutes, rest = 0, 0, value
    for literal, element in _RFC3339_PIECES:
        if not rest.startswith(literal):
            raise cannot(rest, literal)
        rest = rest[len(literal) :]
        if element == "2006":
            if not re.match(r"[0-9]{4}", rest):
                raise cannot(rest, element)
            fields[element], rest = int(rest[:4]), rest[4:]
        elif element == "Z07:00":
            if rest.startswith("Z"):
                rest = rest[1:]
                continue
            zone = re.match(r"([+-])([0-9]{2}):([0-9]{2})", rest)
            if zone is None:
                raise cannot(rest, element)
            sign, hours, minutes = zone.group(1), int(zone.group(2)), int(zone.group(3))
            if hours > 24 or minutes > 60:  # Go allows 24 and 60, as some write them
                which = "hour" if hours > 24 else "minute"
                raise Refused(f"parsing time {whole}: time zone offset {which} out of range")
            offset_minutes = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
            rest = rest[6:]
        else:
            number = (_HOUR if element == "15" else _TWO_DIGITS).match(rest)
            if number is None:
                raise cannot(rest, element)
            fields[element], rest = int(number.group()), rest[number.end() :]
            if element in _RANGES:
                name, low, high = _RANGES[element]
                if not low <= fields[element] <= high:
                    raise Refused(f"parsing time {whole}: {name} out of range")
            if element == "05" and (fraction := _FRACTION.match(rest)):
                nanoseconds = int(fraction.group()[1:10].ljust(9, "0"))
                rest = rest[fraction.end() :]
    if rest:
        raise Refused(f"parsing time {whole}: extra text: {go_quote(rest)}")
    year, month, day = fields["2006"], fields["01"], fields["02"]
    if day < 1 or day > _days_in(year, month):
        raise Refused(f"parsing time {whole}: day out of range")
    if year < 1:
        return ZERO_TIME  # before anything a container logged, as far as logs go
    local = datetime(year, month, day, fields["15"], fields["04"], fields["05"], tzinfo=UTC)
    shifted = local - timedelta(minutes=offset_minutes)
    return shifted + timedelta(microseconds=nanoseconds // 1000)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def decode(query: Mapping[str, str]) -> PodLogOptions:
    """The options of a query (each parameter's first value), defaulted.

    Raises:
        Refused: a value that does not decode (the first, in the fields' order).
    """
    since_time = query.get("sinceTime")
    # Keyword arguments are evaluated in this order: the fields' own.
    return PodLogOptions(
        container=query.get("container", ""),
        follow=go_bool(query.get("follow")),
        previous=go_bool(query.get("previous")),
        since_seconds=go_int64(query.get("sinceSeconds")),
        since_time=None if since_time is None else go_time(since_time),
        timestamps=go_bool(query.get("timestamps")),
        tail_lines=go_int64(query.get("tailLines")),
        limit_bytes=go_int64(query.get("limitBytes")),
        insecure_skip_tls_verify_backend=go_bool(query.get("insecureSkipTLSVerifyBackend")),
        stream=query.get("stream") or STREAM_ALL,
    )


# --- checks, as ValidatePodLogOptions ------------------------------------------------------


def problems(options: PodLogOptions) -> Problems:
    """What `ValidatePodLogOptions` refuses, in its words and order."""
    found: Problems = []
    if options.tail_lines is not None and options.tail_lines < 0:
        found.append(invalid("tailLines", options.tail_lines, "must be greater than or equal to 0"))
    if options.limit_bytes is not None and options.limit_bytes < 1:
        found.append(invalid("limitBytes", options.limit_bytes, "must be greater than 0"))
    if options.since_seconds is not None and options.since_time is not None:
        detail = "at most one of `sinceTime` or `sinceSeconds` may be specified"
        found.append(forbidden("", detail))
    elif options.since_seconds is not None and options.since_seconds < 1:
        found.append(invalid("sinceSeconds", options.since_seconds, "must be greater than 0"))
    if options.stream not in STREAMS:
        found.append(not_supported("stream", options.stream, STREAMS))
    if options.stream != STREAM_ALL and options.tail_lines is not None:
        detail = "`tailLines` and specific `stream` are mutually exclusive for now"
        found.append(forbidden("", detail))
    return found


# --- the container, as LogLocation's validateContainer -------------------------------------

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")  # upstream's order


def container_name(pod: Mapping[str, Any], requested: str) -> str:
    """The Pod's container a request reads: `requested`, or the only one.

    Raises:
        Refused: none named among several, or a name the Pod has no container of.
    """
    spec = pod.get("spec") or {}
    pod_name = pod["metadata"]["name"]
    names = [str(c.get("name")) for key in CONTAINER_LISTS for c in spec.get(key) or []]
    if not requested:
        main = spec.get("containers") or []
        if len(main) == 1:
            return str(main[0]["name"])
        if not main:
            raise Refused(f"a container name must be specified for pod {pod_name}")
        listed = " ".join(names)  # Go's %s of a []string
        raise Refused(
            f"a container name must be specified for pod {pod_name}, choose one of: [{listed}]"
        )
    if requested not in names:
        raise Refused(f"container {requested} is not valid for pod {pod_name}")
    return requested


# --- the attempt, as the kubelet's validateContainerLogStatus ------------------------------


def attempt(
    pod: Mapping[str, Any], container: str, attempts: Sequence[Observed], *, previous: bool
) -> Observed:
    """Which Docker container of the Pod's `container` the log is read from, given its
    attempts newest first (`engine.pods.lookup`).

    Raises:
        Refused: no earlier attempt for `previous`; none that has started, else.
    """
    where = f"{go_quote(container)} in pod {go_quote(pod['metadata']['name'])}"
    if previous:
        if len(attempts) < 2:
            raise Refused(f"previous terminated container {where} not found")
        return attempts[1]
    if attempts and attempts[0].docker_status != "created":
        return attempts[0]  # running, or the last to have ended
    if len(attempts) > 1:
        return attempts[1]  # the next has not started: the last that ran (its lastState)
    reason = waiting_reason(pod, container)
    raise Refused(f"container {where} is waiting to start: {WAITING_WORDS.get(reason, reason)}")


STATUS_LISTS = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")


def waiting_reason(pod: Mapping[str, Any], container: str) -> str:
    """Why the Pod's status says `container` waits; ContainerCreating when it says nothing
    (as the kubelet's first status of a container it is about to make)."""
    status = pod.get("status") or {}
    for key in STATUS_LISTS:
        for shown in status.get(key) or []:
            if isinstance(shown, dict) and shown.get("name") == container:
                waiting = (shown.get("state") or {}).get("waiting") or {}
                if waiting.get("reason"):
                    return str(waiting["reason"])
    return CREATING


# --- what to ask Docker for -------------------------------------------------------------


def log_query(options: PodLogOptions, now: float) -> LogQuery:
    """The Docker query for `options` at `now` (Unix seconds), as the kubelet's
    NewLogOptions: `sinceSeconds` back from now, `sinceTime` (to the second, as the API
    server passes it on) when later than that. `limitBytes` is the route's to apply."""
    since = None if options.since_seconds is None else now - options.since_seconds
    if options.since_time is not None:
        at = math.floor(options.since_time.timestamp())
        if at > max(since or 0, 0):
            since = at
    return LogQuery(
        tail=options.tail_lines,
        since=since,
        timestamps=options.timestamps,
        follow=options.follow,
        stdout=options.stream != STREAM_STDERR,
        stderr=options.stream != STREAM_STDOUT,
    )
