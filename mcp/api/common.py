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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import trio
from quart import Response, request

from mcp import logs, plan, registry
from mcp.api.problems import BadRequest
from mcp.api.rendering import Renderer
from mcp.api.schemas import MAX_WAIT_S
from mcp.cache import Cache
from mcp.errors import Conflict, NotFound
from mcp.leases import SharedLease
from mcp.metrics import Metrics
from mcp.model import Container, now_iso
from mcp.registry import Keys
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


async def pause_before_retry(attempt: int) -> None:
    """Nothing before the first attempt; then a random pause growing with `attempt`."""
    if attempt:
        ceiling = min(CAS_MAX_PAUSE_S, CAS_BASE_PAUSE_S * 2**attempt)
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


async def json_body() -> Any:
    """The request's body parsed as JSON.

    Raises:
        BadRequest: not JSON, or nested deeper than MAX_JSON_DEPTH.
    """
    raw = await request.get_data(as_text=False)
    if isinstance(raw, str):  # not with as_text=False; Quart's types allow it
        raw = raw.encode()
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        raise BadRequest(f"the body nests arrays or objects more than {MAX_JSON_DEPTH} deep")
    try:
        return json.loads(raw)
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
        return obj is not None and obj.uid == uid and plan.matches(obj, ctx.cache.status(name))

    return done


def gone(ctx: ApiContext, name: str, uid: str) -> Callable[[], bool]:
    def done() -> bool:
        obj = ctx.cache.objects.get(name)
        return obj is None or obj.uid != uid

    return done


async def request_deletion(ctx: ApiContext, obj: Container) -> Container:
    """Mark `obj` for graceful deletion (idempotent); the controller does the rest.

    Raises:
        NotFound: it vanished meanwhile.
        Conflict: it kept changing under this request.
    """
    for attempt in range(CAS_ATTEMPTS):
        await pause_before_retry(attempt)
        if obj.deleting:
            return obj  # a second DELETE is harmless
        stored = await registry.update(
            ctx.store, ctx.keys, replace(obj, deletion_timestamp=now_iso())
        )
        if stored is not None:
            log.info(
                "container_deletion_requested",
                container=obj.name,
                revision=stored.resource_version,
            )
            return stored
        found = await registry.read(ctx.store, ctx.keys, obj.name)
        if found is None or found[0].uid != obj.uid:
            raise NotFound(f"container {obj.name!r} is already gone")
        obj = found[0]
    raise Conflict(f"container {obj.name!r} kept changing under this request; try again")
