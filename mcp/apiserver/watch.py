"""Watch streams of Kubernetes objects: `GET ...?watch=true`, served from the watch cache.

Kubernetes' framing: one `{"type", "object"}` JSON line per event, `ADDED`, `MODIFIED`,
`DELETED`, `BOOKMARK` (only with `allowWatchBookmarks=true`) and `ERROR`. Where a stream
starts follows kube-apiserver (`staging/src/k8s.io/apiserver/pkg/storage/cacher`):

- `resourceVersion` unset or "0": ADDED for every selected object in the cache (one
  state, at the cache's revision), then the changes after it.
- `resourceVersion=N`: the changes after N, replayed from the cache's ring. N older than
  the ring, or than etcd's compacted history, is answered as the API server does: a 200
  stream with one `ERROR` event carrying a 410 `Expired` Status; informers then relist.
- `sendInitialEvents=true` (watch-list, kubectl 1.35+ for `wait` and `rollout status`;
  it needs `resourceVersionMatch=NotOlderThan` and `allowWatchBookmarks=true`): ADDED for
  every selected object as of a state at least as new as N, then a BOOKMARK annotated
  `k8s.io/initial-events-end: "true"`, then the changes.

With selectors, an object that stops matching is DELETED from the stream and one that
starts matching is ADDED, as the cacher's filtering does. `timeoutSeconds` ends the
stream; without it a stream lasts kube's default (`MIN_REQUEST_TIMEOUT_S`, times a
random factor of 1 to 2, so that clients' reconnects spread out). If the cache relists
under a stream (etcd compacted the history its watch needed), the stream ends with a
410 `Expired` ERROR; a stream that falls behind its bounded buffer is dropped and ends,
and the client resumes from the last resourceVersion it saw.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

import trio

from mcp import logs, rules
from mcp.apiserver import reads
from mcp.apiserver.status import KubeError
from mcp.cache import Cache
from mcp.errors import Compacted
from mcp.feeds import Expired
from mcp.kinds import Kind
from mcp.objectcache import ObjectChange, ObjectSubscription, Stored
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="api")

BOOKMARK_INTERVAL_S = 10.0
MIN_REQUEST_TIMEOUT_S = 1800.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"

EventType = Literal["ADDED", "MODIFIED", "DELETED"]
Selected = Callable[[dict[str, Any]], bool]
# How a stream writes an event's object (plain JSON, or a Table row).
Render = Callable[[str, dict[str, Any]], bytes]


def is_watch(raw: str | None) -> bool:
    """`watch` as kube-apiserver reads a boolean query parameter.

    Raises:
        KubeError: 400 for a value that is no boolean.
    """
    if raw is None or raw.lower() in ("false", "0", ""):
        return False
    if raw.lower() in ("true", "1"):
        return True
    raise KubeError(400, f"watch: Invalid value: {raw!r}: must be a boolean")


def _bool(raw: str | None, name: str) -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0", ""):
        return False
    raise KubeError(400, f"{name}: Invalid value: {raw!r}: must be a boolean")


@dataclass(frozen=True)
class WatchRequest:
    kind: Kind
    namespace: str | None
    selected: Selected
    since: int | None  # the changes after this revision; None: see `initial_state`
    initial_state: bool  # without `since`: ADDED for the current state first (else: now on)
    at_least: int | None  # with initial events: a state at least this new
    initial_events_end: bool  # send the BOOKMARK that ends the initial events
    bookmarks: bool
    timeout_s: float


def timeout_seconds(raw: str | None) -> int | None:
    """`timeoutSeconds`, a whole number of seconds (None: not given). A plain list reads
    it too, as upstream decodes it into every list's options, and ignores it.

    Raises:
        KubeError: 400 for anything else.
    """
    if raw is None:
        return None
    if not rules.is_whole_number(raw):
        raise KubeError(400, f"timeoutSeconds: Invalid value: {raw!r}")
    return int(raw)


def parse(
    kind: Kind, namespace: str | None, selected: Selected, args: dict[str, str]
) -> WatchRequest:
    """The watch a request's query asks for.

    Raises:
        KubeError: 400 for a combination kube-apiserver refuses (`ValidateListOptions`).
    """
    bookmarks = bool(_bool(args.get("allowWatchBookmarks"), "allowWatchBookmarks"))
    send_initial = _bool(args.get("sendInitialEvents"), "sendInitialEvents")
    match = args.get("resourceVersionMatch")
    raw_version = args.get("resourceVersion")
    if send_initial is not None:
        if match != "NotOlderThan":
            raise KubeError(
                400,
                "resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
                "resourceVersionMatch to NotOlderThan",
            )
        if not bookmarks:
            raise KubeError(
                400,
                "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting "
                "allowWatchBookmarks to true",
            )
    elif match is not None:
        raise KubeError(
            400,
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch "
            "unless sendInitialEvents is provided",
        )
    revision = reads.parse_version(raw_version, None)
    timeout = timeout_seconds(args.get("timeoutSeconds"))
    timeout_s = (
        float(timeout)
        if timeout  # neither None nor 0
        else MIN_REQUEST_TIMEOUT_S * (1 + random.random())  # spread, not secrecy
    )
    if send_initial:
        return WatchRequest(
            kind, namespace, selected, None, True, revision, True, bookmarks, timeout_s
        )
    # sendInitialEvents=false: the changes after N, or from now on when N is unset.
    initial_state = send_initial is None and revision is None
    return WatchRequest(
        kind, namespace, selected, revision, initial_state, None, False, bookmarks, timeout_s
    )


def line(event_type: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": event_type, "object": obj}).encode() + b"\n"


def bookmark(kind: Kind, revision: int, *, initial_events_end: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"resourceVersion": str(revision), "creationTimestamp": None}
    if initial_events_end:
        metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
    return {"kind": kind.kind, "apiVersion": kind.group_version, "metadata": metadata}


def expired(message: str) -> bytes:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Expired",
        "code": 410,
    }
    return line("ERROR", status)


def _in_scope(request: WatchRequest, stored: Stored | None) -> Stored | None:
    if stored is None or stored.kind != request.kind:
        return None
    if request.namespace is not None and stored.namespace != request.namespace:
        return None
    return stored if request.selected(stored.obj) else None


def event_of(request: WatchRequest, change: ObjectChange) -> tuple[EventType, Stored] | None:
    """What a stream shows for `change`; None: nothing."""
    was = _in_scope(request, change.before)
    now = _in_scope(request, change.after)
    if was is not None and now is not None:
        return "MODIFIED", now
    if now is not None:
        return "ADDED", now
    if was is not None:
        return "DELETED", was.at(change.revision)
    return None


async def check_history(store: Store, keys: Keys, cache: Cache, request: WatchRequest) -> bool:
    """Whether the changes after the request's revision can still be told: the cache's ring
    reaches back to it, and etcd has not compacted it (an etcd compaction is when
    kube-apiserver's clients must relist, so mcp's must too)."""
    since = request.since
    if since is None or since >= cache.revision:
        return True
    if cache.kube.feed.ring.since(since) is None:
        return False
    try:
        # One key read at that revision: etcd says whether it compacted it away.
        await store.list_prefix(keys.cluster_id, revision=since)
    except Compacted:
        return False
    return True


async def stream(
    cache: Cache,
    request: WatchRequest,
    render: Render,
    *,
    bookmark_interval: float = BOOKMARK_INTERVAL_S,
) -> AsyncIterator[bytes]:
    """The stream's lines, until the client leaves, the timeout, mcp's shutdown, or the
    cache relists or drops the stream. Nothing in here calls etcd."""
    revision = request.since or 0
    with trio.move_on_after(request.timeout_s):
        if request.at_least is not None:
            await reads.caught_up(cache, request.at_least, reads.TOO_LARGE_WAIT_S)

        def wants(change: ObjectChange) -> bool:
            return event_of(request, change) is not None

        def initial() -> list[Stored]:
            return [
                s
                for s in cache.kube.listed(request.kind, request.namespace)
                if _in_scope(request, s)
            ]

        try:
            since = request.since
            if since is None and not request.initial_state:
                since = cache.revision
            with cache.kube.subscribe(
                since, cache.revision, wants=wants, initial=initial
            ) as subscription:
                async for out in _follow(cache, request, subscription, render, bookmark_interval):
                    yield out
                revision = subscription.revision
                if subscription.ended == "expired":
                    yield expired(f"mcp relisted etcd after {revision}: list again")
        except Expired as exc:  # the ring moved past `since` after it was checked
            yield expired(f"too old resource version: {exc}")


async def _follow(
    cache: Cache,
    request: WatchRequest,
    subscription: ObjectSubscription,
    render: Render,
    bookmark_interval: float,
) -> AsyncIterator[bytes]:
    for stored in subscription.initial:
        yield render("ADDED", stored.obj)
    if request.initial_events_end:
        yield render(
            "BOOKMARK", bookmark(request.kind, subscription.revision, initial_events_end=True)
        )
    for replayed in subscription.replay:
        if (event := event_of(request, replayed)) is not None:
            yield render(event[0], event[1].obj)
    # A `since` ahead of the cache: its changes up to `since` are old news.
    start = subscription.revision
    async for change in subscription.follow(bookmark_interval):
        if change is None:
            if request.bookmarks:
                at = max(subscription.revision, cache.revision)
                yield render("BOOKMARK", bookmark(request.kind, at))
        elif change.revision > start and (event := event_of(request, change)) is not None:
            yield render(event[0], event[1].obj)
