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

import bisect
import itertools
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import trio

from mcp import logs
from mcp.model import Container, Status
from mcp.registry import Keys, Mirror
from mcp.store import KeyValue, Listing, WatchEvent

log = logs.get(actor="cache")

# Changes a watch can be resumed from. An entry is a few references to objects the cache
# shares with every reader, plus the older versions it keeps alive: a few MB at most.
RING_CAPACITY = 4096
# Changes waiting for one stream. More than the etcd adapter hands over in one batch
# (store.WATCH_BATCH), so a reading stream is not dropped by a burst of one batch.
STREAM_BUFFER = 1024

Shown = tuple[Container, Status | None]  # an object as a watch shows it, with its status
Ending = Literal["dropped", "expired", "closed"]


@dataclass(frozen=True)
class Change:
    """One object's change at one revision: what it looked like before and after (None:
    it did not exist). A status write is a change whose object stays the same."""

    revision: int
    before: Shown | None
    after: Shown | None


class Ring:
    """The last `capacity` changes, oldest first, and how far back they reach.

    `floor` is the revision after which the ring holds every change: the changes after
    any revision >= floor can be replayed, those after an older one cannot (some of them
    fell off the ring, or happened before the cache's last list).
    """

    def __init__(self, capacity: int, floor: int = 0) -> None:
        self._changes: deque[Change] = deque()
        self._capacity = capacity
        self.floor = floor

    def __len__(self) -> int:
        return len(self._changes)

    def append(self, change: Change) -> None:
        if len(self._changes) >= self._capacity:
            self.floor = max(self.floor, self._changes.popleft().revision)
        self._changes.append(change)

    def reset(self, floor: int) -> None:
        """Forget every change: the history before `floor` is unknown from here on."""
        self._changes.clear()
        self.floor = floor

    def since(self, revision: int) -> list[Change] | None:
        """The changes after `revision`, in order; None when the ring no longer holds them
        all (too old: list again)."""
        if revision < self.floor:
            return None
        start = bisect.bisect_right(self._changes, revision, key=lambda change: change.revision)
        return list(itertools.islice(self._changes, start, None))


class Expired(Exception):
    """A watch asked for changes older than the cache keeps."""

    def __init__(self, revision: int, floor: int) -> None:
        super().__init__(
            f"resourceVersion {revision} is older than the changes kept (from {floor} on)"
        )
        self.floor = floor


@dataclass(eq=False)
class Subscription:
    """One watch stream's feed: a bounded buffer of changes, filled by the watch actor.

    `receive` raises `trio.EndOfChannel` once the subscription ended; `ended` then says
    why: "dropped" (its buffer was full: the stream fell behind), "expired" (the cache
    relisted, so changes may be missing), "closed" (mcp shuts down).
    """

    wants: Callable[[Change], bool]
    initial: list[Shown]  # without a start revision: the objects as of `revision`
    replay: list[Change]  # with one: the kept changes after it
    revision: int  # the last revision this stream has taken in
    on_dropped: Callable[[Subscription], None] | None = None
    ended: Ending | None = None
    _send: trio.MemorySendChannel[Change] = field(init=False, repr=False)
    _receive: trio.MemoryReceiveChannel[Change] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._send, self._receive = trio.open_memory_channel[Change](STREAM_BUFFER)

    async def receive(self) -> Change:
        return self._took(await self._receive.receive())

    def receive_nowait(self) -> Change:
        """The next buffered change. Raises trio.WouldBlock when none is buffered."""
        return self._took(self._receive.receive_nowait())

    def _took(self, change: Change) -> Change:
        self.revision = max(self.revision, change.revision)
        return change

    def _offer(self, change: Change) -> bool:
        """Buffer `change` if wanted; False when the buffer is full."""
        if self.ended is None and self.wants(change):
            try:
                self._send.send_nowait(change)
            except trio.WouldBlock:
                return False
        return True

    def _end(self, why: Ending) -> None:
        if self.ended is None:
            self.ended = why
        if why == "dropped":
            # Let go of what the stream did not take: it may never come back for it.
            while True:
                try:
                    self._receive.receive_nowait()
                except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                    break
        self._send.close()  # what is still buffered can be received, then EndOfChannel


class Cache(Mirror):
    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.revision = 0
        self.closed = False
        self.ring = Ring(RING_CAPACITY)
        self.subscriptions: set[Subscription] = set()
        self._changed = trio.Event()

    def status(self, name: str) -> Status | None:
        """The status of the current incarnation of `name` (a stale one reads as None)."""
        obj = self.objects.get(name)
        return None if obj is None else self.status_of(obj)

    async def wait_changed(self) -> None:
        """Wait until the cache applies anything new."""
        await self._changed.wait()

    def close(self) -> None:
        """Shutdown: wake every waiter for good (they check `closed` and give up), and end
        every subscription once it has taken what is buffered."""
        self.closed = True
        self._changed.set()
        self._end_all("closed")

    @contextmanager
    def open_subscription(
        self,
        since: int | None,
        *,
        wants: Callable[[Change], bool],
        on_dropped: Callable[[Subscription], None] | None = None,
    ) -> Iterator[Subscription]:
        """Follow the cache's changes, from now (`since` None) or after revision `since`.

        Without `since`, the subscription starts with the objects as they are now
        (`initial`); with it, with the kept changes after `since` (`replay`; none when
        `since` is ahead of the cache, whose later changes up to `since` are the caller's
        to skip). No await between taking that start and registering: nothing is missed
        or doubled. Leaving the block forgets the subscription and lets go of its buffer.

        Args:
            wants: which changes the stream shows; the others take no room in its buffer.
            on_dropped: called (by the watch actor) when the subscription is dropped.

        Raises:
            Expired: `since` is older than the ring reaches.
        """
        if since is None:
            initial = [(self.objects[name], self.status(name)) for name in sorted(self.objects)]
            sub = Subscription(wants, initial, [], self.revision, on_dropped)
        else:
            replay = self.ring.since(since)
            if replay is None:
                raise Expired(since, self.ring.floor)
            sub = Subscription(wants, [], [c for c in replay if wants(c)], since, on_dropped)
        if self.closed:
            sub._end("closed")
        else:
            self.subscriptions.add(sub)
        try:
            with sub._receive:
                yield sub
        finally:
            self.subscriptions.discard(sub)
            sub._send.close()

    def _publish(self, change: Change) -> None:
        self.ring.append(change)
        for sub in list(self.subscriptions):
            if not sub._offer(change):
                self._drop(sub)

    def _drop(self, sub: Subscription) -> None:
        self.subscriptions.discard(sub)
        sub._end("dropped")
        log.warning(
            "watch_stream_dropped",
            reason="buffer_full",
            revision=sub.revision,
            buffer=STREAM_BUFFER,
            streams=len(self.subscriptions),
        )
        if sub.on_dropped is not None:
            sub.on_dropped(sub)

    def _end_all(self, why: Ending) -> None:
        subscriptions, self.subscriptions = self.subscriptions, set()
        for sub in subscriptions:
            sub._end(why)

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
            name = self._name_of(event.key)
            before = self._shown(name)
            if self._apply_one(event.key, event if event.kind == "put" else None) is not None:
                changed.add(name)
            after = self._shown(name)
            if not _same(before, after):
                self._publish(Change(event.mod_revision, before, after))
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
        self._end_all("expired")
        self.ring.reset(listing.revision)
        self._notify(listing.revision)
        return changed

    def _name_of(self, key: str) -> str:
        if key.startswith(self.keys.containers):
            return key.removeprefix(self.keys.containers)
        return key.removeprefix(self.keys.statuses)

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
        if key.startswith(self.keys.containers):
            name = key.removeprefix(self.keys.containers)
            self.objects.pop(name, None)
            return name
        if key.startswith(self.keys.statuses):
            self.statuses.pop(key.removeprefix(self.keys.statuses), None)
        return None


def _same(before: Shown | None, after: Shown | None) -> bool:
    """The same instances (a new stored version is always a new instance)."""
    if before is None or after is None:
        return before is after
    return before[0] is after[0] and before[1] is after[1]
