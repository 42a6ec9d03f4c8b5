"""Watch streams: `GET /api/v1/containers?watch=true[&resourceVersion=N]`.

Newline-delimited JSON, one `{"type", "object"}` per line, as Kubernetes does:

- Without `resourceVersion`: ADDED for every existing object (from one consistent
  list), then changes as they happen.
- With `resourceVersion=N`: every change after N, nothing before. When N is older
  than etcd's compacted history the answer is 410 Gone before the stream starts, so
  the client lists again; if history is compacted under a running stream, it ends
  with an `ERROR` line carrying a 410 status, as in Kubernetes.
- `BOOKMARK` lines (only `metadata.resourceVersion`) come every `bookmark_interval`
  seconds while nothing else does, so an idle client can resume cheaply.

Each stream has its own etcd watch (from the list's revision + 1) and its own
mirror of the objects it shows, because an object is two keys (spec and status):
a status write is a MODIFIED of the object. The mirrors hold the instances every
reader shares (`registry.decode_item`), whose JSON is rendered once for all streams
(`rendering`). With a label selector, an object that
stops matching is DELETED from the stream, and one that starts matching is ADDED.
The stream ends when the client goes away (the etcd watch is cancelled in a
shielded cleanup) or when mcp shuts down (the cache closes).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import trio

from mcp.api.common import ApiContext
from mcp.api.problems import Gone
from mcp.api.rendering import Renderer
from mcp.api.schemas import container_out, dump
from mcp.errors import Compacted, StoreUnavailable
from mcp.model import Container
from mcp.registry import Mirror
from mcp.selectors import Selector
from mcp.store import Listing, WatchEvent

BOOKMARK_INTERVAL_S = 10.0
SHUTDOWN_POLL_S = 1.0  # how soon an idle stream notices that mcp is shutting down

EventType = Literal["ADDED", "MODIFIED", "DELETED"]


def line(event_type: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": event_type, "object": obj}).encode() + b"\n"


def bookmark(revision: int) -> bytes:
    return line(
        "BOOKMARK",
        {
            "apiVersion": "mcp/v1",
            "kind": "Container",
            "metadata": {"resourceVersion": str(revision)},
        },
    )


def error_line(code: int, reason: str, message: str) -> bytes:
    status = {"kind": "Status", "status": "Failure", "code": code, "reason": reason}
    return line("ERROR", {**status, "message": message})


@dataclass
class StreamView(Mirror):
    """One stream's mirror of the objects it shows, and the lines each change makes."""

    selector: Selector
    renderer: Renderer
    visible: set[str] = field(default_factory=set)

    def load(self, listing: Listing) -> list[bytes]:
        """Take a listing as the starting state; the ADDED lines for what it shows."""
        for item in listing.items:
            self.put(item)
        lines = []
        for name in sorted(self.objects):
            if self.selector.matches(self.objects[name].labels):
                self.visible.add(name)
                lines.append(self._line("ADDED", name))
        return lines

    def apply(self, event: WatchEvent) -> list[bytes]:
        key = event.key
        if key.startswith(self.keys.containers):
            name = key.removeprefix(self.keys.containers)
            if event.kind == "delete":
                gone = self.objects.pop(name, None)
                if name in self.visible and gone is not None:
                    self.visible.discard(name)
                    shown = replace(gone, resource_version=event.mod_revision)
                    return [line("DELETED", dump(container_out(shown, self.status_of(gone))))]
                return []
            if not isinstance(self.put(event), Container):
                return []  # unreadable: skipped (logged), as lists and the cache skip it
            was_visible, obj = name in self.visible, self.objects[name]
            if self.selector.matches(obj.labels):
                self.visible.add(name)
                return [self._line("MODIFIED" if was_visible else "ADDED", name)]
            if was_visible:
                self.visible.discard(name)
                return [self._line("DELETED", name)]
            return []
        if key.startswith(self.keys.statuses):
            name = key.removeprefix(self.keys.statuses)
            if event.kind == "delete":
                self.statuses.pop(name, None)
                return []
            self.put(event)
            owner = self.objects.get(name)
            if name in self.visible and owner is not None and self.status_of(owner) is not None:
                return [self._line("MODIFIED", name)]
        return []

    def _line(self, event_type: EventType, name: str) -> bytes:
        obj = self.objects[name]
        return self.renderer.watch_line(event_type, obj, self.status_of(obj))


@dataclass
class PreparedWatch:
    view: StreamView
    initial: list[bytes]
    revision: int  # the stream continues with changes after this revision


async def prepare(
    ctx: ApiContext, selector: Selector, resource_version: int | None
) -> PreparedWatch:
    """Everything that can fail with an HTTP status, done before the stream starts.

    Raises:
        Gone: `resource_version` is older than etcd's compacted history (410).
    """
    view = StreamView(ctx.keys, selector, ctx.renderer)
    current = await ctx.store.list_prefix(ctx.keys.root)
    if resource_version is None:
        return PreparedWatch(view, view.load(current), current.revision)
    if resource_version >= current.revision:
        view.load(current)
        return PreparedWatch(view, [], resource_version)
    try:
        past = await ctx.store.list_prefix(ctx.keys.root, revision=resource_version)
    except Compacted:
        raise Gone(
            f"resourceVersion {resource_version} is older than the kept history: "
            "list again and watch from the list's resourceVersion"
        ) from None
    view.load(past)
    return PreparedWatch(view, [], resource_version)


async def stream(
    ctx: ApiContext, prepared: PreparedWatch, *, bookmark_interval: float = BOOKMARK_INTERVAL_S
) -> AsyncIterator[bytes]:
    """The stream's lines, until the client leaves, mcp shuts down or etcd breaks it."""
    for initial in prepared.initial:
        yield initial
    last = prepared.revision
    try:
        async with ctx.store.open_watch(ctx.keys.root, last + 1) as watch:
            next_bookmark = trio.current_time() + bookmark_interval
            while not ctx.cache.closed:
                events: list[WatchEvent] | None = None
                with trio.move_on_after(min(SHUTDOWN_POLL_S, bookmark_interval)):
                    events = await watch.next_batch()
                if events is None:
                    if trio.current_time() >= next_bookmark:
                        next_bookmark = trio.current_time() + bookmark_interval
                        yield bookmark(last)
                    continue
                for event in events:
                    last = event.mod_revision
                    for out in prepared.view.apply(event):
                        yield out
                next_bookmark = trio.current_time() + bookmark_interval
    except Compacted:
        yield error_line(410, "Expired", f"history after {last} was compacted: list again")
    except StoreUnavailable as exc:
        yield error_line(503, "ServiceUnavailable", f"the store went away: {exc}")
