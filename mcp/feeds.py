"""Fan-out of a cache's changes to watch streams: a ring of recent changes and one
bounded buffer per stream (Kubernetes' cacher and its watchers).

A `Feed` belongs to the cache that publishes into it; only the watch actor publishes.
Each published change goes into a ring of the last `capacity` changes (so a watch from
a recent revision replays from it) and is offered to every subscription's bounded
buffer with `send_nowait`. The publisher never waits for a stream: a subscription whose
buffer is full is dropped on the spot (its buffer emptied, the subscription forgotten)
and its stream ends, so the client resumes from the last revision it saw.

The feed is generic in what a change is (`C`, anything with a `revision`) and in what a
stream starts with when it asks for the current state instead of a revision (`S`): the
container cache and the cache of Kubernetes objects each have one.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar

import trio

from mcp import logs

log = logs.get(actor="cache")

# Changes waiting for one stream. More than the etcd adapter hands over in one batch
# (store.WATCH_BATCH), so a reading stream is not dropped by a burst of one batch.
STREAM_BUFFER = 1024

Ending = Literal["dropped", "expired", "closed"]


class Revisioned(Protocol):
    @property
    def revision(self) -> int: ...


C = TypeVar("C", bound=Revisioned)
S = TypeVar("S")


class Ring(Generic[C]):
    """The last `capacity` changes, oldest first, and how far back they reach.

    `floor` is the revision after which the ring holds every change: the changes after
    any revision >= floor can be replayed, those after an older one cannot (some of them
    fell off the ring, or happened before the cache's last list).
    """

    def __init__(self, capacity: int, floor: int = 0) -> None:
        self._changes: deque[C] = deque()
        self._capacity = capacity
        self.floor = floor

    def __len__(self) -> int:
        return len(self._changes)

    def append(self, change: C) -> None:
        if len(self._changes) >= self._capacity:
            self.floor = max(self.floor, self._changes.popleft().revision)
        self._changes.append(change)

    def reset(self, floor: int) -> None:
        """Forget every change: the history before `floor` is unknown from here on."""
        self._changes.clear()
        self.floor = floor

    def since(self, revision: int) -> list[C] | None:
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
class Subscription(Generic[C, S]):
    """One watch stream's feed: a bounded buffer of changes, filled by the publisher.

    `receive` raises `trio.EndOfChannel` once the subscription ended; `ended` then says
    why: "dropped" (its buffer was full: the stream fell behind), "expired" (the cache
    relisted, so changes may be missing), "closed" (mcp shuts down).
    """

    wants: Callable[[C], bool]
    initial: list[S]  # without a start revision: the objects as of `revision`
    replay: list[C]  # with one: the kept changes after it
    revision: int  # the last revision this stream has taken in
    on_dropped: Callable[[Subscription[C, S]], None] | None = None
    ended: Ending | None = None
    _send: trio.MemorySendChannel[C] = field(init=False, repr=False)
    _receive: trio.MemoryReceiveChannel[C] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._send, self._receive = trio.open_memory_channel[C](STREAM_BUFFER)

    async def receive(self) -> C:
        return self._took(await self._receive.receive())

    def receive_nowait(self) -> C:
        """The next buffered change. Raises trio.WouldBlock when none is buffered."""
        return self._took(self._receive.receive_nowait())

    async def follow(self, idle_s: float) -> AsyncIterator[C | None]:
        """Each change as it comes, and None after `idle_s` seconds without one: the
        stream then holds every change the feed has (nothing was buffered, and the wait
        got nothing), which is when a watch sends a BOOKMARK. Ends with the
        subscription."""
        next_idle = trio.current_time() + idle_s
        while True:
            change: C | None
            try:
                change = self.receive_nowait()
            except trio.WouldBlock:
                change = None
            except trio.EndOfChannel:
                return
            if change is None:
                with trio.move_on_at(next_idle):
                    try:
                        change = await self.receive()
                    except trio.EndOfChannel:
                        return
            next_idle = trio.current_time() + idle_s
            yield change

    def _took(self, change: C) -> C:
        self.revision = max(self.revision, change.revision)
        return change

    def _offer(self, change: C) -> bool:
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


class Feed(Generic[C, S]):
    """A cache's changes, kept in a ring and offered to every subscription."""

    def __init__(self, capacity: int) -> None:
        self.ring: Ring[C] = Ring(capacity)
        self.subscriptions: set[Subscription[C, S]] = set()
        self.closed = False

    @contextmanager
    def subscribe(
        self,
        since: int | None,
        *,
        current: Callable[[], tuple[list[S], int]],
        wants: Callable[[C], bool],
        on_dropped: Callable[[Subscription[C, S]], None] | None = None,
    ) -> Iterator[Subscription[C, S]]:
        """Follow the changes, from now (`since` None) or after revision `since`.

        Without `since`, the subscription starts with `current()`: the state as of the
        revision it returns (`initial`); with it, with the kept changes after `since`
        (`replay`; none when `since` is ahead of the cache, whose later changes up to
        `since` are the caller's to skip). No await between taking that start and
        registering: nothing is missed or doubled. Leaving the block forgets the
        subscription and lets go of its buffer.

        Raises:
            Expired: `since` is older than the ring reaches.
        """
        if since is None:
            initial, revision = current()
            sub: Subscription[C, S] = Subscription(wants, initial, [], revision, on_dropped)
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

    def publish(self, change: C) -> None:
        self.ring.append(change)
        for sub in list(self.subscriptions):
            if not sub._offer(change):
                self._drop(sub)

    def _drop(self, sub: Subscription[C, S]) -> None:
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

    def relisted(self, revision: int) -> None:
        """The cache loaded a full listing at `revision`: every stream ends "expired"
        (see `Cache.replace_all`), and the history before it is unknown."""
        self._end_all("expired")
        self.ring.reset(revision)

    def close(self) -> None:
        self.closed = True
        self._end_all("closed")

    def _end_all(self, why: Ending) -> None:
        subscriptions, self.subscriptions = self.subscriptions, set()
        for sub in subscriptions:
            sub._end(why)
