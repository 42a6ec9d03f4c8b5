"""Counters an operator can scrape: `GET /metrics`, in Prometheus' text format.

One `Metrics` per process, made by the supervisor and handed to whoever counts: the
Docker adapter counts every Engine API request by operation, the container actors
count adoptions and reconcile passes, the watch streams the times the cache dropped
one, the event recorder the events it dropped, the cluster DNS server its queries by
outcome. Counter names are fixed here, with their help text, so a typo is a KeyError in
a test and not a new series in production. Gauges (objects in the cache, the revision
seen, open watch streams) are read from their owners when scraped.

The benchmarks read the same numbers: "how many Docker calls did a restart make" is
`mcp_docker_requests_total`, as an operator would see it.
"""

from __future__ import annotations

from collections.abc import Mapping

COUNTERS: dict[str, str] = {
    "mcp_docker_requests_total": "Docker Engine API requests made, by operation.",
    "mcp_containers_adopted_total": "Existing Docker containers taken over at an actor's start.",
    "mcp_reconcile_passes_total": "Container reconcile passes, by outcome.",
    "mcp_pod_passes_total": "Pod reconcile passes, by outcome (done, retry, crashed).",
    "mcp_watch_streams_dropped_total": (
        "Watch streams ended because their client fell behind (their buffer was full)."
    ),
    "mcp_events_dropped_total": (
        "Events not written, by cause: the recorder's queue was full, etcd was unavailable, "
        "or shutdown cut the queue short."
    ),
    "mcp_dns_queries_total": (
        "Queries to the cluster DNS server, by outcome: answered (by the cluster zone), "
        "nxdomain, forwarded (answered by a host resolver), servfail (no host resolver "
        "answered), refused, formerr, dropped (malformed beyond reply, or too many in flight)."
    ),
}

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Monotonic counters with labels. Not thread-safe: touch it from trio tasks only."""

    def __init__(self) -> None:
        self._values: dict[str, dict[Labels, float]] = {name: {} for name in COUNTERS}

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        series = self._values[name]  # KeyError: not a counter declared in COUNTERS
        key = tuple(sorted(labels.items()))
        series[key] = series.get(key, 0.0) + amount

    def value(self, name: str, **labels: str) -> float:
        """One series' value; with no labels given, the sum over all of the counter's series."""
        series = self._values[name]
        if not labels:
            return sum(series.values())
        return series.get(tuple(sorted(labels.items())), 0.0)

    def render(self, gauges: Mapping[str, tuple[str, float]] | None = None) -> str:
        """The text exposition format; `gauges` maps name -> (help, value)."""
        lines: list[str] = []
        for name, help_text in COUNTERS.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
            for labels, amount in sorted(self._values[name].items()):
                lines.append(f"{name}{_format_labels(labels)} {_format_number(amount)}")
        for name, (help_text, amount) in (gauges or {}).items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            lines.append(f"{name} {_format_number(amount)}")
        return "\n".join(lines) + "\n"


def _format_labels(labels: Labels) -> str:
    if not labels:
        return ""
    escaped = (
        (key, value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
        for key, value in labels
    )
    return "{" + ",".join(f'{key}="{value}"' for key, value in escaped) + "}"


def _format_number(amount: float) -> str:
    return str(int(amount)) if amount == int(amount) else repr(amount)


def parse(text: str) -> dict[str, float]:
    """Exposition text -> {'name{labels}': value}: for tests and benchmarks reading /metrics."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, amount = line.rpartition(" ")
            values[series] = float(amount)
    return values
