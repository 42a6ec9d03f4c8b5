"""The in-memory mirror of mcp's keys in etcd, kept by the watch actor (an informer).

Only the watch actor writes it (`apply`, `replace_all`); the API and the container
actors read it. Readers that wait for a change call `wait_changed()`, which wakes on
every applied revision, then look again: the cache carries state, never messages.
`revision` is the etcd revision the cache reflects, so a writer that got revision R
back from etcd knows the cache has seen its write once `revision >= R`.
"""

from __future__ import annotations

import trio

from mcp.model import Container, Status
from mcp.registry import Keys, Mirror
from mcp.store import KeyValue, Listing, WatchEvent


class Cache(Mirror):
    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.revision = 0
        self.closed = False
        self._changed = trio.Event()

    def status(self, name: str) -> Status | None:
        """The status of the current incarnation of `name` (a stale one reads as None)."""
        obj = self.objects.get(name)
        return None if obj is None else self.status_of(obj)

    async def wait_changed(self) -> None:
        """Wait until the cache applies anything new."""
        await self._changed.wait()

    def close(self) -> None:
        """Shutdown: wake every waiter for good (they check `closed` and give up)."""
        self.closed = True
        self._changed.set()

    def _notify(self, revision: int) -> None:
        self.revision = max(self.revision, revision)
        self._changed.set()
        if not self.closed:
            self._changed = trio.Event()

    def apply(self, events: list[WatchEvent]) -> set[str]:
        """Apply watch events in order.

        Returns:
            The names whose object (desired state) changed: their actors need a nudge.
        """
        changed: set[str] = set()
        for event in events:
            name = self._apply_one(event.key, event if event.kind == "put" else None)
            if name is not None:
                changed.add(name)
        if events:
            self._notify(events[-1].mod_revision)
        return changed

    def replace_all(self, listing: Listing) -> set[str]:
        """Load a full listing (start-up, or after compaction broke the watch).

        Returns:
            The names whose object changed, appeared or vanished since the last view:
            a key missing from the listing is a deletion the watch never reported.
        """
        before = dict(self.objects)
        self.objects.clear()
        self.statuses.clear()
        for item in listing.items:
            self._apply_one(item.key, item)
        changed = {
            name
            for name in before.keys() | self.objects.keys()
            if before.get(name) != self.objects.get(name)
        }
        self._notify(listing.revision)
        return changed

    def _apply_one(self, key: str, item: KeyValue | WatchEvent | None) -> str | None:
        """Apply a put (`item`) or a delete (None) of `key`; the object's name if it changed."""
        if item is not None:
            # An undecodable value leaves what was known: acting on a half-understood
            # object is worse.
            decoded = self.put(item)
            return decoded.name if isinstance(decoded, Container) else None
        if key.startswith(self.keys.containers):
            name = key.removeprefix(self.keys.containers)
            self.objects.pop(name, None)
            return name
        if key.startswith(self.keys.statuses):
            self.statuses.pop(key.removeprefix(self.keys.statuses), None)
        return None
