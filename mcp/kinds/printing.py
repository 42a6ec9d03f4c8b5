"""What every Table printer is made of: columns, a printer (cells and row conditions per
object), the AGE clock, the small lookups printers share, and upstream's default printer.

The per-kind printers live in `printers` (and `pod_printer`); this module knows no kind.
AGE cells are `translateTimestampSince`: apimachinery's `duration.HumanDuration` of the
time since a timestamp, with `now` handed in by the caller (one clock per response).
A kind without a printer gets upstream's default (`rest/table.go`): Name and Created At.
Pure functions: no I/O, no trio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Cells = list[Any]

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATION_TIMESTAMP_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is "
    "in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
UNKNOWN = "<unknown>"
NONE = "<none>"
# Go's zero time.Time in RFC 3339, what upstream's default printer shows for no timestamp.
ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class Column:
    """One `TableColumnDefinition`; priority 1 columns are shown by `kubectl get -o wide`."""

    name: str
    type: str
    description: str
    format: str = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def no_conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The row conditions of a kind whose printer sets none (most of upstream's)."""
    return []


@dataclass(frozen=True)
class Printer:
    """A kind's columns, the function giving one object's cells (all columns, wide), and
    the one giving its row's `conditions` (`TableRowCondition`s; upstream's only type is
    `Completed`, for a row of something that has run to completion)."""

    columns: tuple[Column, ...]
    cells: Callable[[dict[str, Any], datetime], Cells]
    conditions: Callable[[dict[str, Any]], list[dict[str, Any]]] = no_conditions


NAME = Column("Name", "string", NAME_DESCRIPTION, format="name")
AGE = Column("Age", "string", CREATION_TIMESTAMP_DESCRIPTION)


# --- time ------------------------------------------------------------------------------

_SECOND_NS = 10**9
_MINUTE_NS = 60 * _SECOND_NS
_HOUR_NS = 60 * _MINUTE_NS


def human_duration(elapsed: timedelta) -> str:
    """apimachinery's `duration.HumanDuration`: about 2 or 3 significant figures.

    A clock up to 2 s behind (excluded) counts as now; more is `<invalid>`.
    """
    ns = (elapsed.days * 86_400 + elapsed.seconds) * _SECOND_NS + elapsed.microseconds * 1000
    seconds = int(ns / _SECOND_NS) if ns >= 0 else -(-ns // _SECOND_NS)  # Go truncates to 0
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = ns // _MINUTE_NS
    if minutes < 10:
        s = (ns // _SECOND_NS) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // _HOUR_NS
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 `Time` or `MicroTime`; None for a missing (zero) or unreadable one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def since(timestamp: Any, now: datetime) -> str:
    """`translateTimestampSince`: the age of `timestamp` at `now`, `<unknown>` if unset."""
    at = parse_time(timestamp)
    return UNKNOWN if at is None else human_duration(now - at)


def age(obj: dict[str, Any], now: datetime) -> str:
    return since(metadata(obj).get("creationTimestamp"), now)


def metadata(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def name_of(obj: dict[str, Any]) -> str:
    return str(metadata(obj).get("name") or "")


def get(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]...`, None where a step is missing or not an object."""
    for step in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(step)
    return obj


def count(value: Any) -> int:
    return len(value) if isinstance(value, dict | list) else 0


# --- the default, for a kind without a printer -----------------------------------------


def _default_cells(obj: dict[str, Any], now: datetime) -> Cells:
    at = parse_time(metadata(obj).get("creationTimestamp"))
    created = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else ZERO_TIME
    return [name_of(obj), created]


DEFAULT = Printer(
    (NAME, Column("Created At", "date", CREATION_TIMESTAMP_DESCRIPTION)), _default_cells
)
