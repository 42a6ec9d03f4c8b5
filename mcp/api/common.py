"""What the seed and v1 routes share: the context, request parsing, waiting.

Waiting: a write returns etcd's revision R; the cache has seen the write once its
revision reaches R, and from then on every cache change is a moment to re-check
the condition (controller observed this generation and reached the phase, or the
object is gone). A shutdown closes the cache, which ends every wait early.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import trio
from quart import Response, request

from mcp import backoff, logs, registry
from mcp.api.problems import BadRequest
from mcp.api.rendering import Renderer
from mcp.api.schemas import MAX_WAIT_S
from mcp.cache import Cache
from mcp.engine import settle
from mcp.errors import Conflict, NotFound
from mcp.leases import SharedLease
from mcp.metrics import Metrics
from mcp.model import Container, Status, now_iso
from mcp.registry import Keys
from mcp.runtime import Runtime
from mcp.store import Store

log = logs.get(actor="api")

# Read-modify-write retries when another writer wins the race, with jittered pauses
# (as client-go's RetryOnConflict) so that many writers of one object all get through.
CAS_ATTEMPTS = 50
CAS_BASE_PAUSE_S = 0.002
CAS_MAX_PAUSE_S = 0.2
# Kubernetes objects nest about 10 levels deep; the limit leaves ample room for labels,
# annotations and future kinds, and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 100
_JSON_STRUCTURE = re.compile(rb'["\\\[\]{}]')
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")


@dataclass(frozen=True)
class ApiContext:
    store: Store
    keys: Keys
    cache: Cache
    metrics: Metrics = field(default_factory=Metrics)
    renderer: Renderer = field(default_factory=Renderer)
    # The shared lease each expiring resource's writes go on (`events`), by resource.
    leases: Mapping[str, SharedLease] = field(default_factory=dict)
    # The one Node's name, which new Pods are scheduled onto ("" leaves them unscheduled).
    node_name: str = ""
    # Docker, for what only it can answer (a Pod's log, its exec and attach streams); None
    # on an API-only replica, which has no Docker.
    runtime: Runtime | None = None
    cluster_id: str = ""  # whose containers are this control plane's (`model.LABEL_CLUSTER`)


async def pause_before_retry(attempt: int) -> None:
    """Nothing before the first attempt; then a random pause growing with `attempt`."""
    if attempt:
        ceiling = backoff.doubling(CAS_BASE_PAUSE_S, CAS_MAX_PAUSE_S, attempt)
        await trio.sleep(random.uniform(0, ceiling))  # jitter, not secrecy


def json_response(body: Any, status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether the JSON text `raw` opens more than `limit` arrays or objects inside each
    other. A scan of the structural bytes only, so that a deep document is refused
    before any recursive parser or validator sees it (Python's would hit its recursion
    limit near 1,000 levels, and answer a 500)."""
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _JSON_STRUCTURE.finditer(raw):
        at = match.start()
        if at == escaped_at:
            continue  # the character after a backslash: part of an escape
        char = raw[at]
        if in_string:
            if char == ord("\\"):
                escaped_at = at + 1
            elif char == ord('"'):
                in_string = False
        elif char == ord('"'):
            in_string = True
        elif char in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSERS:
            depth -= 1
    return False


def loads_noting_duplicates(raw: bytes | str) -> tuple[Any, list[str]]:
    """JSON text parsed, and the paths of the object keys it repeats (`spec.image`,
    `spec.ports[0].name`), each once, object by object, depth first: what
    sigs.k8s.io/json's strict decoding calls a duplicate field. As there, the last value
    of a repeated key wins.

    Raises:
        json.JSONDecodeError, UnicodeDecodeError: `raw` is not JSON.
    """
    repeated: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            again: dict[str, None] = {}
            for key, _ in items:
                if key in seen:
                    again[key] = None
                seen.add(key)
            repeated[id(obj)] = list(again)
        return obj

    value = json.loads(raw, object_pairs_hook=pairs)
    if not repeated:
        return value, []
    # Every object of `value` is alive, so no two share an id while this walks them.
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            found += [f"{path}.{key}" if path else key for key in repeated.get(id(node), [])]
            children = [(f"{path}.{k}" if path else k, v) for k, v in node.items()]
        elif isinstance(node, list):
            children = [(f"{path}[{i}]", v) for i, v in enumerate(node)]
        else:
            continue
        stack += reversed(children)  # depth first, in document order
    return value, found


async def _raw_json() -> bytes:
    raw = await request.get_data(as_text=False)
    if isinstance(raw, str):  # not with as_text=False; Quart's types allow it
        raw = raw.encode()
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        raise BadRequest(f"the body nests arrays or objects more than {MAX_JSON_DEPTH} deep")
    return raw


async def json_body() -> Any:
    """The request's body parsed as JSON.

    Raises:
        BadRequest: not JSON, or nested deeper than MAX_JSON_DEPTH.
    """
    raw = await _raw_json()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc


async def json_body_noting_duplicates() -> tuple[Any, list[str]]:
    """The request's body parsed as JSON, and the keys it repeats
    (`loads_noting_duplicates`).

    Raises:
        BadRequest: not JSON, or nested deeper than MAX_JSON_DEPTH.
    """
    raw = await _raw_json()
    try:
        return loads_noting_duplicates(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc


def wait_seconds(default: float) -> float:
    """The `?wait=SECONDS` parameter, within [0, MAX_WAIT_S]."""
    raw = request.args.get("wait")
    if raw is None:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise BadRequest(f"wait must be a number of seconds, got {raw!r}") from None
    if not 0 <= seconds <= MAX_WAIT_S:
        raise BadRequest(f"wait must be between 0 and {MAX_WAIT_S:g} seconds, got {raw!r}")
    return seconds


async def wait_until(
    ctx: ApiContext, min_revision: int, done: Callable[[], bool], seconds: float
) -> bool:
    """Wait until the cache has seen `min_revision` and `done()` holds; False on timeout."""
    with trio.move_on_after(seconds):
        while True:
            if ctx.cache.revision >= min_revision and done():
                return True
            if ctx.cache.closed:
                return False
            await ctx.cache.wait_changed()
    return False


def settled(ctx: ApiContext, name: str, uid: str) -> Callable[[], bool]:
    """The controller reports this generation of the object matched (or failed for good)."""

    def done() -> bool:
        obj = ctx.cache.objects.get(name)
        return obj is not None and obj.uid == uid and settle.matches(obj, ctx.cache.status(name))

    return done


def as_cached(ctx: ApiContext, stored: Container) -> tuple[Container, Status | None]:
    """The object a write stored, with its status, as the cache shows it after a wait: the
    cache's version once it has seen the write (or a newer one), else `stored` itself
    with the status known so far; `stored` alone once it is gone. No read of etcd."""
    obj = ctx.cache.objects.get(stored.name)
    if obj is None or obj.uid != stored.uid:
        return stored, None
    if obj.resource_version < stored.resource_version:  # the cache lags behind the write
        return stored, ctx.cache.status_of(stored)
    return obj, ctx.cache.status_of(obj)


def gone(ctx: ApiContext, name: str, uid: str) -> Callable[[], bool]:
    def done() -> bool:
        obj = ctx.cache.objects.get(name)
        return obj is None or obj.uid != uid

    return done


async def read_modify_write(
    ctx: ApiContext,
    read: Callable[[], Awaitable[Container]],
    change: Callable[[Container], Container],
    *,
    name: str,
    seen_version: int | None = None,
    dry_run: bool = False,
    current: Container | None = None,
) -> tuple[Container, bool]:
    """`change(current)` stored over the object under compare-and-swap, retried against
    whatever is current while other writers win (client-go's `RetryOnConflict`: jittered
    pauses, at most CAS_ATTEMPTS attempts).

    Args:
        read: the object as it is now; it raises NotFound (or Conflict) itself.
        change: the new object; the very object (or an equal one) to write nothing; it
            may raise to refuse the change.
        name: the object's name, for the conflict messages.
        seen_version: the resourceVersion the client read: the write is conditional on
            it, one attempt, and a newer object is the client's conflict (409).
        dry_run: answer what would be written, write nothing.
        current: the object already read, for the first attempt.

    Returns:
        The object stored (or, with nothing to write or on a dry run, what it would be),
        and whether it was written.

    Raises:
        Conflict: the object changed since `seen_version`, or kept changing.
    """
    for attempt in range(CAS_ATTEMPTS):
        await pause_before_retry(attempt)
        if current is None:
            current = await read()
        updated = change(current)
        if dry_run or updated == current:
            if seen_version is not None and current.resource_version > seen_version:
                raise Conflict(stale_message(name, seen_version))
            return updated, False
        stored = await registry.update(
            ctx.store, ctx.keys, updated, seen_version=seen_version or current.resource_version
        )
        if stored is not None:
            return stored, True
        if seen_version is not None:
            raise Conflict(stale_message(name, seen_version))
        current = None  # another writer won: read again
    raise Conflict(f"container {name!r} kept changing under this request; try again")


def stale_message(name: str, seen_version: int) -> str:
    return (
        f"container {name!r} has changed since resourceVersion {seen_version}: "
        "read it again and reapply your change"
    )


async def request_deletion(ctx: ApiContext, obj: Container) -> Container:
    """Mark `obj` for graceful deletion (idempotent); the controller does the rest.

    Raises:
        NotFound: it vanished meanwhile.
        Conflict: it kept changing under this request.
    """

    async def read() -> Container:
        found = await registry.read_object(ctx.store, ctx.keys, obj.name)
        if found is None or found.uid != obj.uid:
            raise NotFound(f"container {obj.name!r} is already gone")
        return found

    def mark(current: Container) -> Container:
        # A second DELETE is harmless: it changes nothing.
        return current if current.deleting else replace(current, deletion_timestamp=now_iso())

    stored, written = await read_modify_write(ctx, read, mark, name=obj.name, current=obj)
    if written:
        log.info(
            "container_deletion_requested", container=obj.name, revision=stored.resource_version
        )
    return stored
