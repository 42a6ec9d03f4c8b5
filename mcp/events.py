"""Events: what the controller did and saw, as objects users can list.

An event names the object it concerns (kind, name, uid), a `reason` (a constant
CamelCase word: Created, Started, Stopped, Killed, Pulled, Failed, Adopted,
Deleted...), a `message` for people, and a `type` (Normal or Warning). Repeats are
folded as Kubernetes does: the same object, reason and message make one event whose
`count` grows and whose `lastTimestamp` moves.

Events live under `<prefix>/events/<object name>/<id>` on etcd leases, so they
expire on their own (default one hour after their last occurrence) and cannot fill
etcd. Leases are shared by all events recorded within a short window, as the
Kubernetes API server does, so a busy controller does not create a lease per event.

Recording is best effort: when etcd is away the event is dropped with a log line,
and the reconcile that produced it goes on.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import trio

from mcp import logs
from mcp.errors import StoreUnavailable
from mcp.model import Container, now_iso
from mcp.registry import Keys
from mcp.store import KeyValue, Put, Store

EventType = Literal["Normal", "Warning"]
DEFAULT_TTL_S = 3600
SOURCE = {"component": "mcp-controller"}

log = logs.get(actor="events")


def event_key(keys: Keys, obj: Container, reason: str, message: str) -> str:
    digest = hashlib.sha256(f"{obj.uid}\0{reason}\0{message}".encode()).hexdigest()[:16]
    return f"{keys.events}{obj.name}/{digest}"


def decode(item: KeyValue) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(item.value)
    value["metadata"]["resourceVersion"] = str(item.mod_revision)
    return value


@dataclass
class Recorder:
    """Writes events for the container actors. One per process."""

    store: Store
    keys: Keys
    ttl_s: int = DEFAULT_TTL_S
    _lease: int = 0
    _lease_until: float = 0.0

    @property
    def _reuse_window_s(self) -> float:
        return max(1.0, min(60.0, self.ttl_s / 10))

    async def _current_lease(self) -> int:
        now = trio.current_time()
        if now >= self._lease_until:
            # The lease outlives its window by the TTL: every event it carries lives at
            # least `ttl_s` after its last occurrence.
            self._lease = await self.store.grant_lease(int(self.ttl_s + self._reuse_window_s) + 1)
            self._lease_until = now + self._reuse_window_s
        return self._lease

    async def record(
        self, obj: Container, reason: str, message: str, *, type_: EventType = "Normal"
    ) -> None:
        """Record (or fold into an existing event) that `reason` happened to `obj`."""
        key = event_key(self.keys, obj, reason, message)
        try:
            existing = await self.store.get(key)
            at = now_iso()
            if existing is not None:
                event = json.loads(existing.value)
                event["count"] += 1
                event["lastTimestamp"] = at
            else:
                event = {
                    "apiVersion": "mcp/v1",
                    "kind": "Event",
                    "metadata": {
                        "name": f"{obj.name}.{key.rsplit('/', 1)[1]}",
                        "uid": str(uuid.uuid4()),
                        "creationTimestamp": at,
                    },
                    "involvedObject": {"kind": "Container", "name": obj.name, "uid": obj.uid},
                    "reason": reason,
                    "message": message,
                    "type": type_,
                    "count": 1,
                    "firstTimestamp": at,
                    "lastTimestamp": at,
                    "source": SOURCE,
                }
            lease = await self._current_lease()
            encoded = json.dumps(event, separators=(",", ":")).encode()
            await self.store.txn([], [Put(key, encoded, lease=lease)])
        except StoreUnavailable as exc:
            log.warning("event_dropped", container=obj.name, reason=reason, error=str(exc))


async def list_events(
    store: Store, keys: Keys, *, name: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Events, oldest last occurrence first, optionally only those about object `name`."""
    prefix = keys.events if name is None else f"{keys.events}{name}/"
    listing = await store.list_prefix(prefix)
    items = [decode(item) for item in listing.items]
    items.sort(key=lambda event: (event["lastTimestamp"], event["metadata"]["name"]))
    return items, listing.revision
