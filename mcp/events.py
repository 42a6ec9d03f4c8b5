"""Events: what the controller did and saw, as core/v1 Events kubectl and clients read.

An event names the object it concerns (`involvedObject`: apiVersion `mcp/v1`, kind
`Container`, name, uid), a `reason` (a constant CamelCase word: Created, Started,
Stopped, Killed, Pulled, Failed, Adopted, Deleted...), a `message` for people, and a
`type` (Normal or Warning). Containers are cluster-scoped, so their events live in the
`default` namespace, as Kubernetes records events of cluster-scoped objects (Nodes):
`<prefix>/registry/events/default/<name>`, served by the generic path like any Event
(`kubectl get events`, field selectors, watch).

Events are named and folded as client-go's recorder does (`tools/record`): the first
occurrence is `<object name>.<hex nanoseconds>`; a repeat (same object, type, reason,
message and source) folds into it: its `count` grows and its `lastTimestamp` moves. The
recorder remembers, like client-go's, the events it wrote (a bounded LRU), so a repeat
after a restart, or after its event expired, starts a new event.

Events sit on etcd leases shared by everything written within a short window
(`leases.SharedLease`), so they expire on their own (default one hour after their last
occurrence) and cannot fill etcd.

Recording is best effort: when etcd is away the event is dropped with a log line, and
the reconcile that produced it goes on. A message never carries a secret's value: the
callers write what they did (names, images, ids, exit codes), never env values.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp import logs
from mcp.apiserver import objects
from mcp.errors import StoreUnavailable
from mcp.kinds import core
from mcp.leases import SharedLease
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

log = logs.get(actor="events")

FoldKey = tuple[str, ...]


def event_name(object_name: str, at_ns: int) -> str:
    """client-go's name for a new event: `<object>.<nanoseconds since the epoch, hex>`."""
    return f"{object_name}.{at_ns:x}"


def new_event(
    obj: Container,
    reason: str,
    message: str,
    type_: EventType,
    *,
    at: str,
    at_ns: int,
    host: str,
) -> dict[str, Any]:
    """The first occurrence of an event about `obj`, as client-go's recorder makes it."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": event_name(obj.name, at_ns),
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": at,
        },
        "involvedObject": {
            "apiVersion": INVOLVED_API_VERSION,
            "kind": INVOLVED_KIND,
            "name": obj.name,
            "uid": obj.uid,
        },
        "reason": reason,
        "message": message,
        "source": {"component": COMPONENT, "host": host},
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "type": type_,
        "eventTime": None,
        "reportingComponent": COMPONENT,
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
        event["type"],
        event["reason"],
        event["message"],
    )


@dataclass
class Recorder:
    """Writes events for the container actors. One per process.

    Attributes:
        lease: the shared lease events go on; by default one of its own, for `ttl_s`.
        host: `source.host` and `reportingInstance`: this machine, as kubelet names its node.
    """

    store: Store
    keys: Keys
    ttl_s: int = DEFAULT_TTL_S
    lease: SharedLease | None = None
    host: str = field(default_factory=socket.gethostname)
    _names: OrderedDict[FoldKey, str] = field(default_factory=OrderedDict)
    _lease: SharedLease = field(init=False)

    def __post_init__(self) -> None:
        self._lease = self.lease or SharedLease(self.store, self.ttl_s)

    def _key(self, name: str) -> str:
        return objects.key(self.keys, core.EVENT, name, NAMESPACE)

    def _remember(self, key: FoldKey, name: str) -> None:
        self._names[key] = name
        self._names.move_to_end(key)
        while len(self._names) > REMEMBERED:
            self._names.popitem(last=False)

    async def record(
        self, obj: Container, reason: str, message: str, *, type_: EventType = "Normal"
    ) -> None:
        """Record (or fold into the event it wrote before) that `reason` happened to `obj`."""
        at_ns = time.time_ns()
        at = objects.creation_timestamp()
        fresh = new_event(obj, reason, message, type_, at=at, at_ns=at_ns, host=self.host)
        key = fold_key(fresh)
        try:
            event = fresh
            name = self._names.get(key)
            existing = await self.store.get(self._key(name)) if name is not None else None
            if existing is not None:
                event = folded(json.loads(existing.value), at=at)
            lease = await self._lease.current()
            name = event["metadata"]["name"]
            event["metadata"].pop("resourceVersion", None)  # etcd's, added on reads
            encoded = json.dumps(event, separators=(",", ":")).encode()
            await self.store.txn([], [Put(self._key(name), encoded, lease=lease)])
            self._remember(key, name)
        except StoreUnavailable as exc:
            log.warning("event_dropped", container=obj.name, reason=reason, error=str(exc))


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
