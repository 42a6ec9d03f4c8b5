"""The in-memory mirror of mcp's keys in etcd, kept by the watch actor (an informer),
and the fan-out of its changes to watch streams (Kubernetes' watch cache).

Only the watch actor writes it (`apply`, `replace_all`); the API and the container
actors read it. Readers that wait for a change call `wait_changed()`, which wakes on
every applied revision, then look again: the cache carries state, never messages.
`revision` is the etcd revision the cache reflects, so a writer that got revision R
back from etcd knows the cache has seen its write once `revision >= R`.

Watch streams are the exception, and they are messages: each applied event that changes
what an object looks like (its object or its status) becomes a `Change`, kept in a ring
of the last `RING_CAPACITY` changes (so a watch from a recent revision replays from it)
and offered to every subscription's bounded buffer with `send_nowait`. The watch actor
never waits for a stream: a subscription whose buffer is full is dropped on the spot (its
buffer emptied, the subscription forgotten) and its stream ends, so the client resumes
from the last revision it saw. One etcd watch (the watch actor's) serves every stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import trio

from mcp import logs
from mcp.feeds import STREAM_BUFFER, Expired, Feed, Ring, Subscription
from mcp.kinds import Kind
from mcp.model import Container, Status
from mcp.objectcache import ObjectCache
from mcp.registry import Keys, Mirror
from mcp.store import KeyValue, Listing, WatchEvent

log = logs.get(actor="cache")

__all__ = [
    "STREAM_BUFFER",
    "Cache",
    "Change",
    "ContainerSubscription",
    "Expired",
    "Ring",
    "Shown",
    "Subscription",
]

# Changes a watch can be resumed from. An entry is a few references to objects the cache
# shares with every reader, plus the older versions it keeps alive: a few MB at most.
RING_CAPACITY = 4096

Shown = tuple[Container, Status | None]  # an object as a watch shows it, with its status


@dataclass(frozen=True)
class Change:
    """One object's change at one revision: what it looked like before and after (None:
    it did not exist). A status write is a change whose object stays the same."""

    revision: int
    before: Shown | None
    after: Shown | None


ContainerSubscription = Subscription[Change, Shown]


class Cache(Mirror):
    def __init__(self, keys: Keys, kinds: Iterable[Kind] = ()) -> None:
        super().__init__(keys)
        # The Kubernetes objects of `kinds`, kept at the same revision from the same watch.
        self.kube = ObjectCache(keys.root, kinds)
        self.revision = 0
        self.closed = False
        self.feed: Feed[Change, Shown] = Feed(RING_CAPACITY)
        self._changed = trio.Event()
        self._closed = trio.Event()

    @property
    def ring(self) -> Ring[Change]:
        return self.feed.ring

    @property
    def subscriptions(self) -> set[ContainerSubscription]:
        return self.feed.subscriptions

    def status(self, name: str) -> Status | None:
        """The status of the current incarnation of `name` (a stale one reads as None)."""
        obj = self.objects.get(name)
        return None if obj is None else self.status_of(obj)

    async def wait_changed(self) -> None:
        """Wait until the cache applies anything new."""
        await self._changed.wait()

    async def wait_closed(self) -> None:
        """Wait until shutdown closes the cache (what long-lived streams end at)."""
        await self._closed.wait()

    def close(self) -> None:
        """Shutdown: wake every waiter for good (they check `closed` and give up), and end
        every subscription once it has taken what is buffered."""
        self.closed = True
        self._changed.set()
        self._closed.set()
        self.feed.close()
        self.kube.feed.close()

    @contextmanager
    def open_subscription(
        self,
        since: int | None,
        *,
        wants: Callable[[Change], bool],
        on_dropped: Callable[[ContainerSubscription], None] | None = None,
    ) -> Iterator[ContainerSubscription]:
        """Follow the cache's changes, from now (`since` None: starting with every object
        as it is now) or after revision `since` (`Feed.subscribe`).

        Args:
            wants: which changes the stream shows; the others take no room in its buffer.
            on_dropped: called (by the watch actor) when the subscription is dropped.

        Raises:
            Expired: `since` is older than the ring reaches.
        """

        def current() -> tuple[list[Shown], int]:
            names = sorted(self.objects)
            return [(self.objects[name], self.status(name)) for name in names], self.revision

        with self.feed.subscribe(
            since, current=current, wants=wants, on_dropped=on_dropped
        ) as subscription:
            yield subscription

    def _notify(self, revision: int) -> None:
        self.revision = max(self.revision, revision)
        self._changed.set()
        if not self.closed:
            self._changed = trio.Event()

    def apply(self, events: list[WatchEvent]) -> set[str]:
        """Apply watch events in order, and publish what they change to the streams.

        Returns:
            The names whose object (desired state) changed: their actors need a nudge.
        """
        changed: set[str] = set()
        for event in events:
            if self.kube.apply(event):
                continue
            located = self.keys.parse(event.key)
            if located is None:
                continue  # none of mcp's keys
            name = located[1]
            before = self._shown(name)
            if self._apply_one(event.key, event if event.kind == "put" else None) is not None:
                changed.add(name)
            after = self._shown(name)
            if not _same(before, after):
                self.feed.publish(Change(event.mod_revision, before, after))
        if events:
            self._notify(events[-1].mod_revision)
        return changed

    def replace_all(self, listing: Listing) -> set[str]:
        """Load a full listing (start-up, or after compaction broke the watch).

        Every subscription ends "expired". The alternative, a diff of the two views sent
        as events, would carry one revision for changes that happened at many, so a client
        resuming from one of them could miss or double changes; ending the streams makes
        each client resume or list again, from a revision it can trust. Kubernetes' cacher
        likewise terminates all watchers when its reflector relists.

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
        self.feed.relisted(listing.revision)
        self.kube.replace_all(listing.items, listing.revision)
        self._notify(listing.revision)
        return changed

    def _shown(self, name: str) -> Shown | None:
        obj = self.objects.get(name)
        return None if obj is None else (obj, self.status_of(obj))

    def _apply_one(self, key: str, item: KeyValue | WatchEvent | None) -> str | None:
        """Apply a put (`item`) or a delete (None) of `key`; the object's name if it changed."""
        if item is not None:
            # An undecodable value leaves what was known: acting on a half-understood
            # object is worse.
            decoded = self.put(item)
            return decoded.name if isinstance(decoded, Container) else None
        located = self.keys.parse(key)
        if located is None:
            return None
        stored, name = located
        if stored == "container":
            self.objects.pop(name, None)
            return name
        self.statuses.pop(name, None)
        return None


def _same(before: Shown | None, after: Shown | None) -> bool:
    """The same instances (a new stored version is always a new instance)."""
    if before is None or after is None:
        return before is after
    return before[0] is after[0] and before[1] is after[1]
