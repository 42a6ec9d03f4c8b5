"""Events: what the controller did and saw, as core/v1 Events kubectl and clients read.

An event names the object it concerns (`involvedObject`: an `Involved`, e.g. apiVersion
`mcp/v1`, kind `Container`, name, uid; or a Pod, with its namespace and the `fieldPath` of
the container, `spec.containers{app}`, as the kubelet records), a `reason` (a constant
CamelCase word: Created, Started, Stopped, Killed, Pulled, Failed, Adopted, Deleted...), a
`message` for people, and a `type` (Normal or Warning). Containers are cluster-scoped, so
their events live in the `default` namespace, as Kubernetes records events of
cluster-scoped objects (Nodes): `<prefix>/registry/events/default/<name>`; a Pod's live in
its namespace. Both are served by the generic path like any Event
(`kubectl get events`, field selectors, watch).

Recording is asynchronous, as client-go's `EventBroadcaster` is: `Recorder.record` stamps
the occurrence and puts it on a bounded queue without waiting, and one writer actor
(`run`) writes the queue to etcd in order, so a reconcile never waits for an event
write, and one object's events are written in the order they happened. A full queue
drops the event (counted in `mcp_events_dropped_total`, logged as `event_dropped`): the
controller is never held up. A reconcile pass `Held`s its events until it has written
its status, so a client's `?wait` never waits behind them.

The writer names and folds events as client-go's recorder does (`tools/record`): the
first occurrence is `<object name>.<hex nanoseconds>`; a repeat (same object, type,
reason, message and source) folds into it: its `count` grows and its `lastTimestamp`
moves. It remembers, like client-go's, the events it wrote (a bounded LRU), so a repeat
after a restart, or after its event expired, starts a new event.

Events sit on etcd leases shared by everything written within a short window
(`leases.SharedLease`), so they expire on their own (default one hour after their last
occurrence) and cannot fill etcd.

Writing is best effort: when etcd is away the event is dropped (counted and logged), and
the writer goes on with the next. A message never carries a secret's value: the callers
write what they did (names, images, ids, exit codes), never env values; the queue
carries the object's reference only, never its spec.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import trio

from mcp import logs
from mcp.apiserver import objects
from mcp.errors import StoreUnavailable
from mcp.kinds import core
from mcp.leases import SharedLease
from mcp.metrics import Metrics
from mcp.model import Container
from mcp.registry import Keys
from mcp.store import Put, Store

EventType = Literal["Normal", "Warning"]
DEFAULT_TTL_S = 3600
COMPONENT = "mcp-controller"
# Where events of cluster-scoped objects go, as in Kubernetes.
NAMESPACE = "default"
INVOLVED_API_VERSION = "mcp/v1"
INVOLVED_KIND = "Container"
# client-go's `maxLruCacheEntries`: how many distinct events the recorder can fold into.
REMEMBERED = 4096
# client-go's `maxQueuedEvents`: occurrences waiting for the writer before new ones drop.
QUEUE_SIZE = 1000
# How long a cancelled writer (the grace deadline, a fatal error) keeps writing what is
# queued: those events happened, and a restart would not know of them.
DRAIN_S = 2.0

log = logs.get(actor="events")

FoldKey = tuple[str, ...]


@dataclass(frozen=True)
class Involved:
    """The object an event is about (`involvedObject`): "" for a cluster-scoped object's
    namespace, and for a `field_path` that names no part of it."""

    api_version: str
    kind: str
    name: str
    uid: str
    namespace: str = ""
    field_path: str = ""

    @classmethod
    def container(cls, obj: Container) -> Involved:
        """mcp's Container `obj`."""
        return cls(INVOLVED_API_VERSION, INVOLVED_KIND, obj.name, obj.uid)

    @property
    def event_namespace(self) -> str:
        """Where its events live: its own namespace, `default` for a cluster-scoped one."""
        return self.namespace or NAMESPACE

    def as_json(self) -> dict[str, str]:
        reference = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            reference["namespace"] = self.namespace
        reference["uid"] = self.uid
        if self.field_path:
            reference["fieldPath"] = self.field_path
        return reference


@dataclass(frozen=True)
class Occurred:
    """Something that happened to an object, stamped when it happened, waiting to be
    written. Carries the object's reference, never its spec (env values are secrets)."""

    involved: Involved
    reason: str
    message: str
    type_: EventType
    at: str  # metav1.Time: whole seconds
    at_ns: int  # names a new event
    component: str = COMPONENT  # who says so: `source.component`, `reportingComponent`

    @classmethod
    def now(
        cls,
        obj: Container | Involved,
        reason: str,
        message: str,
        type_: EventType,
        component: str = COMPONENT,
    ) -> Occurred:
        """That `reason` happened to `obj` just now, as `component` saw it."""
        involved = obj if isinstance(obj, Involved) else Involved.container(obj)
        at = objects.creation_timestamp()
        return cls(involved, reason, message, type_, at, time.time_ns(), component)

    @property
    def name(self) -> str:
        return self.involved.name


def event_name(object_name: str, at_ns: int) -> str:
    """client-go's name for a new event: `<object>.<nanoseconds since the epoch, hex>`."""
    return f"{object_name}.{at_ns:x}"


def new_event(occurred: Occurred, *, host: str) -> dict[str, Any]:
    """The first occurrence of an event, as client-go's recorder makes it."""
    at = occurred.at
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": event_name(occurred.name, occurred.at_ns),
            "namespace": occurred.involved.event_namespace,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": at,
        },
        "involvedObject": occurred.involved.as_json(),
        "reason": occurred.reason,
        "message": occurred.message,
        "source": {"component": occurred.component, "host": host},
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "type": occurred.type_,
        "eventTime": None,
        "reportingComponent": occurred.component,
        "reportingInstance": host,
    }


def folded(event: dict[str, Any], *, at: str) -> dict[str, Any]:
    """`event` happening once more, at `at`."""
    return {**event, "count": int(event.get("count") or 1) + 1, "lastTimestamp": at}


def fold_key(event: dict[str, Any]) -> FoldKey:
    """What makes two occurrences one event (client-go's `getEventKey`)."""
    involved, source = event["involvedObject"], event["source"]
    return (
        source.get("component", ""),
        source.get("host", ""),
        involved.get("apiVersion", ""),
        involved.get("kind", ""),
        involved.get("name", ""),
        involved.get("uid", ""),
        involved.get("fieldPath", ""),
        event["type"],
        event["reason"],
        event["message"],
    )


def _dropped(metrics: Metrics, occurred: Occurred, cause: str, **details: str) -> None:
    metrics.inc("mcp_events_dropped_total", cause=cause)
    log.warning(
        "event_dropped",
        kind=occurred.involved.kind,
        name=occurred.name,
        reason=occurred.reason,
        cause=cause,
        **details,
    )


@dataclass
class Writer:
    """Writes events to etcd, folding repeats into the event written before: the sink of
    the recorder's queue. One per process, used by `run` alone, one write at a time.

    Attributes:
        lease: the shared lease events go on; by default one of its own, for `ttl_s`.
        host: `source.host` and `reportingInstance`: this machine, as kubelet names its node.
        metrics: counts the events etcd did not take.
    """

    store: Store
    keys: Keys
    ttl_s: int = DEFAULT_TTL_S
    lease: SharedLease | None = None
    host: str = field(default_factory=socket.gethostname)
    metrics: Metrics = field(default_factory=Metrics)
    _names: OrderedDict[FoldKey, str] = field(default_factory=OrderedDict)
    _lease: SharedLease = field(init=False)

    def __post_init__(self) -> None:
        self._lease = self.lease or SharedLease(self.store, self.ttl_s)

    def _key(self, name: str, namespace: str) -> str:
        return objects.key(self.keys, core.EVENT, name, namespace)

    def _remember(self, key: FoldKey, name: str) -> None:
        self._names[key] = name
        self._names.move_to_end(key)
        while len(self._names) > REMEMBERED:
            self._names.popitem(last=False)

    async def write(self, occurred: Occurred) -> None:
        """Write `occurred` as a new event, or fold it into the one written before.

        etcd away (each call runs under the store's deadline): the event is dropped,
        counted and logged.
        """
        fresh = new_event(occurred, host=self.host)
        key = fold_key(fresh)
        namespace = occurred.involved.event_namespace
        try:
            event = fresh
            name = self._names.get(key)
            existing = (
                await self.store.get(self._key(name, namespace)) if name is not None else None
            )
            if existing is not None:
                event = folded(json.loads(existing.value), at=occurred.at)
            lease = await self._lease.current()
            name = event["metadata"]["name"]
            event["metadata"].pop("resourceVersion", None)  # etcd's, added on reads
            encoded = json.dumps(event, separators=(",", ":")).encode()
            await self.store.txn([], [Put(self._key(name, namespace), encoded, lease=lease)])
            self._remember(key, name)
        except StoreUnavailable as exc:
            _dropped(self.metrics, occurred, "store_unavailable", error=str(exc))


@dataclass(frozen=True)
class Happened:
    """An event a pass's pure steps decided to record: stamped once recorded."""

    about: Container | Involved
    reason: str
    message: str
    type_: EventType = "Normal"
    component: str = COMPONENT


class Records:
    """What records events: `record` stamps an occurrence now and hands it to `enqueue`."""

    def enqueue(self, occurred: Occurred) -> None:
        raise NotImplementedError

    def record(
        self,
        obj: Container | Involved,
        reason: str,
        message: str,
        *,
        type_: EventType = "Normal",
        component: str = COMPONENT,
    ) -> None:
        """That `reason` happened to `obj` just now, as `component` saw it."""
        self.enqueue(Occurred.now(obj, reason, message, type_, component))

    def record_all(self, happenings: Iterable[Happened]) -> None:
        """Each of `happenings`, in order, just now."""
        for h in happenings:
            self.record(h.about, h.reason, h.message, type_=h.type_, component=h.component)


@dataclass(frozen=True)
class Recorder(Records, trio.abc.AsyncResource):
    """What the actors record events with: a send onto the writer's queue that never waits.

    Holds the queue's send end: closing the recorder (`async with`, by whoever made it,
    once nothing records any more) closes the queue, and the writer ends once it has
    written what is left.
    """

    queue: trio.MemorySendChannel[Occurred]
    metrics: Metrics = field(default_factory=Metrics)

    def enqueue(self, occurred: Occurred) -> None:
        """Queue `occurred` for the writer without waiting; dropped (counted and logged)
        when the queue is full."""
        try:
            self.queue.send_nowait(occurred)
        except trio.WouldBlock:
            _dropped(self.metrics, occurred, "queue_full")
        except trio.ClosedResourceError:  # recorded after shutdown: nobody would write it
            _dropped(self.metrics, occurred, "recorder_closed")

    async def aclose(self) -> None:
        await self.queue.aclose()


@dataclass
class Held(Records):
    """A reconcile pass's events, stamped when they happen and queued by `release` once
    the pass has written its status: a client waiting for that status waits behind no
    event, nor behind the writer's etcd calls for one."""

    recorder: Recorder
    occurred: list[Occurred] = field(default_factory=list)

    def enqueue(self, occurred: Occurred) -> None:
        """Hold `occurred` until `release`."""
        self.occurred.append(occurred)

    def release(self) -> None:
        """Queue the held events, in the order they happened."""
        for occurred in self.occurred:
            self.recorder.enqueue(occurred)
        self.occurred.clear()


async def run(
    writer: Writer,
    occurrences: trio.MemoryReceiveChannel[Occurred],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Write what the recorder queues, in order, until its queue is closed and empty.

    Closes `occurrences`. Cancelled (the grace deadline, a fatal error elsewhere), it
    still writes what is queued for up to `DRAIN_S`, shielded, counts what is queued
    after that as dropped, and re-raises. etcd being away drops one event at a time (see
    `Writer.write`); any other error is a bug and ends the writer.
    """
    async with occurrences:
        task_status.started()
        try:
            async for occurred in occurrences:
                await writer.write(occurred)
        except trio.Cancelled:
            # A write under way when cancelled is not retried: it may have reached etcd.
            with trio.move_on_after(DRAIN_S, shield=True):
                await _write_queued(writer, occurrences)
            left = occurrences.statistics().current_buffer_used
            if left:
                writer.metrics.inc("mcp_events_dropped_total", left, cause="shutdown")
                log.warning("events_dropped", count=left, cause="shutdown")
            raise


async def _write_queued(writer: Writer, occurrences: trio.MemoryReceiveChannel[Occurred]) -> None:
    while True:
        try:
            occurred = occurrences.receive_nowait()
        except (trio.WouldBlock, trio.EndOfChannel):
            return
        await writer.write(occurred)


def about(event: dict[str, Any], name: str) -> bool:
    """Whether `event` concerns mcp's Container `name`."""
    involved = event.get("involvedObject")
    return isinstance(involved, dict) and (
        involved.get("apiVersion"),
        involved.get("kind"),
        involved.get("name"),
    ) == (INVOLVED_API_VERSION, INVOLVED_KIND, name)


async def list_events(store: Store, keys: Keys, name: str) -> tuple[list[dict[str, Any]], int]:
    """The events about Container `name`, oldest last occurrence first (ties in the
    order they were written), and the revision they were read at."""
    # Container names have no dots, so this prefix holds exactly the events named for it.
    prefix = objects.key(keys, core.EVENT, f"{name}.", NAMESPACE)
    listing = await store.list_prefix(prefix)
    items = [event for event in map(objects.decode, listing.items) if about(event, name)]
    items.sort(
        key=lambda event: (
            str(event.get("lastTimestamp") or ""),
            int(event["metadata"]["resourceVersion"]),
        )
    )
    return items, listing.revision
