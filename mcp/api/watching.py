"""Watch streams: `GET /api/v1/containers?watch=true[&resourceVersion=N]`.

Newline-delimited JSON, one `{"type", "object"}` per line, as Kubernetes does:

- Without `resourceVersion` (or with "0"): ADDED for every object the watch cache holds
  (one consistent state, as of the cache's revision), then changes as they happen.
- With `resourceVersion=N`: every change after N, nothing before, replayed from the
  cache's ring of recent changes (`cache.RING_CAPACITY`). When N is older than that
  ring, or than etcd's compacted history, the answer is 410 Gone before the stream
  starts, so the client lists again. If the cache relists under a running stream
  (etcd compacted the history its watch needed), the stream ends with an `ERROR` line
  carrying a 410 `Expired` status, as in Kubernetes.
- `BOOKMARK` lines (only `metadata.resourceVersion`) come every `bookmark_interval`
  seconds while nothing else does, so an idle client can resume cheaply.

No stream has an etcd watch of its own: each subscribes to the cache, which the watch
actor's one etcd watch feeds, and which tells for every change what the object (with
its status) looked like before and after. So a status write is a MODIFIED of the
object, and with a label selector an object that stops matching is DELETED from the
stream and one that starts matching is ADDED. The JSON is rendered once for all streams
(`rendering`).

Each stream has a bounded buffer (`cache.STREAM_BUFFER` changes). A client that reads
too slowly lets it fill; the cache then drops the stream (logged as
`watch_stream_dropped`, counted in `mcp_watch_streams_dropped_total`) and frees its
buffer, and the response ends once the client has read what its socket already holds:
the client resumes from the last resourceVersion it saw. While etcd is away the streams
stay open and keep sending bookmarks; changes flow again once the watch actor resumes.
The stream ends when the client goes away or when mcp shuts down (the cache closes).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any, Literal

import trio

from mcp import logs
from mcp.api.common import ApiContext
from mcp.api.problems import Gone
from mcp.api.rendering import Renderer
from mcp.api.schemas import container_json
from mcp.cache import Change, ContainerSubscription, Expired, Shown
from mcp.errors import Compacted
from mcp.selectors import Selector

log = logs.get(actor="api")

BOOKMARK_INTERVAL_S = 10.0

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


def _selects(selector: Selector, name: str | None, shown: Shown | None) -> bool:
    return (
        shown is not None
        and selector.matches(shown[0].labels)
        and (name is None or shown[0].name == name)
    )


def event_type(selector: Selector, change: Change, name: str | None = None) -> EventType | None:
    """What a stream with `selector` (and for object `name` only, when given) reports for
    `change`; None: nothing."""
    was = _selects(selector, name, change.before)
    now = _selects(selector, name, change.after)
    if was and now:
        return "MODIFIED"
    if now:
        return "ADDED"
    return "DELETED" if was else None


def change_line(
    renderer: Renderer, selector: Selector, change: Change, name: str | None = None
) -> bytes | None:
    kind = event_type(selector, change, name)
    if kind is None:
        return None
    if change.after is None:
        assert change.before is not None, "a change has a before or an after"
        # Deleted: its last state, at the revision of the deletion.
        gone, status = change.before
        shown = replace(gone, resource_version=change.revision)
        return line("DELETED", container_json(shown, status))
    return renderer.watch_line(kind, *change.after)


@dataclass(frozen=True)
class PreparedWatch:
    selector: Selector
    since: int | None  # None: start with the objects as they are
    name: str | None = None  # `fieldSelector=metadata.name=...`: this object only
    timeout_s: float = math.inf  # `timeoutSeconds`


def _too_old(resource_version: int, detail: str) -> Gone:
    return Gone(
        f"resourceVersion {resource_version} is older than the kept history ({detail}): "
        "list again and watch from the list's resourceVersion"
    )


async def prepare(
    ctx: ApiContext,
    selector: Selector,
    resource_version: int | None,
    *,
    name: str | None = None,
    timeout_s: float = math.inf,
) -> PreparedWatch:
    """Everything that can fail with an HTTP status, done before the stream starts.

    Raises:
        Gone: `resource_version` is older than the cache's ring of changes, or than
            etcd's compacted history (410).
        StoreUnavailable: etcd, asked whether that history is compacted, did not answer.
    """
    since = resource_version or None  # "0": from any state, as Kubernetes reads it
    if since is not None and since < ctx.cache.revision:
        if ctx.cache.ring.since(since) is None:
            raise _too_old(since, f"mcp's watch cache holds changes after {ctx.cache.ring.floor}")
        try:
            # One key read at that revision: etcd says whether it compacted it away.
            await ctx.store.list_prefix(ctx.keys.cluster_id, revision=since)
        except Compacted:
            raise _too_old(since, "etcd compacted it") from None
    return PreparedWatch(selector, since, name, timeout_s)


async def stream(
    ctx: ApiContext, prepared: PreparedWatch, *, bookmark_interval: float = BOOKMARK_INTERVAL_S
) -> AsyncIterator[bytes]:
    """The stream's lines, until the client leaves, mcp shuts down, the cache relists or
    drops the stream. Nothing in here calls etcd, so nothing fails but a bug (reported as
    an ERROR line, never as an error of the HTTP server)."""
    selector, name = prepared.selector, prepared.name

    def wants(change: Change) -> bool:
        return event_type(selector, change, name) is not None

    def dropped(_: ContainerSubscription) -> None:
        ctx.metrics.inc("mcp_watch_streams_dropped_total", reason="buffer_full")

    revision = prepared.since or 0
    try:
        with (
            trio.move_on_after(prepared.timeout_s),
            ctx.cache.open_subscription(
                prepared.since, wants=wants, on_dropped=dropped
            ) as subscription,
        ):
            for obj, status in subscription.initial:
                if _selects(selector, name, (obj, status)):
                    yield ctx.renderer.watch_line("ADDED", obj, status)
            for replayed in subscription.replay:
                if (out := change_line(ctx.renderer, selector, replayed, name)) is not None:
                    yield out
            # A `since` ahead of the cache: its changes up to `since` are old news.
            start = subscription.revision
            async for change in subscription.follow(bookmark_interval):
                revision = subscription.revision
                if change is None:
                    yield bookmark(max(revision, ctx.cache.revision))
                elif change.revision > start and (
                    out := change_line(ctx.renderer, selector, change, name)
                ):
                    yield out
            if subscription.ended == "expired":
                yield error_line(410, "Expired", f"mcp relisted etcd after {revision}: list again")
    except Expired as exc:  # the ring moved past `since` after `prepare` checked it
        yield error_line(410, "Expired", f"{exc}: list again")
    except Exception as exc:
        log.exception("watch_stream_failed", revision=revision, error=str(exc))
        yield error_line(500, "InternalError", f"the watch stream failed: {exc}")
