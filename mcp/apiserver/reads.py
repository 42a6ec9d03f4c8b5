"""Reads of Kubernetes objects: from the watch cache when its state is new enough, from
etcd when only etcd has it.

What a read promises follows its `resourceVersion` and `resourceVersionMatch`, as in
kube-apiserver:

- unset (the most recent state): from the cache. Every write mcp acknowledges has
  waited until the cache holds it (`caught_up`), so a client reads its own writes, and
  every other client of this mcp sees them too. (kube-apiserver asks etcd for its
  current revision first; the difference is only visible to writes made through another
  mcp sharing the etcd, which reach this one's cache a watch delay later.)
- "0" (any state): from the cache.
- N, or N with `NotOlderThan`: from the cache once it holds revision N; a revision the
  cache does not reach within `TOO_LARGE_WAIT_S` is answered 504 "Too large resource
  version", as the API server does.
- N with `Exact` (lists only): from etcd at revision N; 410 once compacted.
- A list with `limit` or `continue` (kubectl asks `limit=500`): from etcd, one page at
  one revision, so the pages of one list are consistent (the cache holds only now).
"""

from __future__ import annotations

import json
from typing import Any

import trio

from mcp import rules
from mcp.apiserver import storage
from mcp.apiserver.status import KubeError, not_found
from mcp.cache import Cache
from mcp.kinds import Kind
from mcp.objectcache import Stored
from mcp.registry import Keys
from mcp.store import Store

TOO_LARGE_WAIT_S = 3.0
# How long a write waits for the cache to hold it before answering anyway (the watch is
# broken: etcd took the write but its watch is not delivering).
WRITE_VISIBLE_WAIT_S = 5.0
MATCHES = ("NotOlderThan", "Exact")


def cache_lookup(cache: Cache) -> storage.Lookup:
    """The watch cache as the writes' first look at an object (`storage.Lookup`): a copy
    of what it holds at an object key, with its revision."""

    def cached(object_key: str) -> storage.Current | None:
        located = cache.kube.locate(object_key)
        found = cache.kube.get(*located) if located is not None else None
        return None if found is None else storage.Current(found.copy(), found.revision)

    return cached


async def caught_up(cache: Cache, revision: int, timeout_s: float) -> bool:
    """Wait until the cache has applied `revision`; False if it did not within `timeout_s`
    (or mcp is shutting down)."""
    with trio.move_on_after(timeout_s):
        while cache.revision < revision and not cache.closed:
            await cache.wait_changed()
    return cache.revision >= revision


def parse_version(raw: str | None, match: str | None) -> int | None:
    """The revision a read asks for (None: unset or "0"), after checking the pair.

    Raises:
        KubeError: 400 for a resourceVersion that is no revision, an unknown match, or a
            match without a resourceVersion.
    """
    if match is not None and match not in MATCHES:
        raise KubeError(400, f"resourceVersionMatch: Unsupported value: {match!r}")
    if raw in (None, ""):
        if match is not None:
            raise KubeError(
                400, "resourceVersionMatch is forbidden unless resourceVersion is provided"
            )
        return None
    assert raw is not None
    if not rules.is_whole_number(raw):
        raise KubeError(400, f"Invalid value: {raw!r}: resourceVersion must be a number")
    if raw == "0":
        if match == "Exact":
            raise KubeError(
                400, 'resourceVersionMatch "Exact" is forbidden for resourceVersion "0"'
            )
        return None
    return int(raw)


async def at_least(cache: Cache, revision: int | None) -> None:
    """Wait for the cache to hold `revision`.

    Raises:
        KubeError: 504 when it does not within `TOO_LARGE_WAIT_S`.
    """
    if revision is not None and not await caught_up(cache, revision, TOO_LARGE_WAIT_S):
        raise KubeError(
            504,
            f"Too large resource version: {revision}, current: {cache.revision}",
            details={
                "causes": [
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                "retryAfterSeconds": 1,
            },
            reason="Timeout",
        )


async def get(
    cache: Cache, kind: Kind, namespace: str | None, name: str, raw_version: str | None
) -> Stored:
    await at_least(cache, parse_version(raw_version, None))
    found = cache.kube.get(kind, namespace, name)
    if found is None:
        raise not_found(kind.resource, name, group=kind.group)
    return found


async def list_objects(
    store: Store,
    keys: Keys,
    cache: Cache,
    kind: Kind,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector_text: str | None,
    limit: int | None,
    continue_token: str | None,
    raw_version: str | None,
    match: str | None,
) -> dict[str, Any]:
    """A `<Kind>List` as the request's resourceVersion semantics say (see the module)."""
    revision = parse_version(raw_version, match)
    if continue_token or match == "Exact" or (limit is not None and raw_version in (None, "")):
        if continue_token and raw_version not in (None, ""):
            raise KubeError(400, "specifying resource version is not allowed when using continue")
        return await storage.list_objects(
            store,
            keys,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector_text=field_selector_text,
            limit=limit,
            continue_token=continue_token,
            revision=revision if match == "Exact" else None,
        )
    selected = storage.selection(kind, label_selector, field_selector_text)
    await at_least(cache, revision)
    # No await from here on: one consistent state, at the cache's revision.
    listed = cache.kube.listed(kind, namespace)
    if label_selector or field_selector_text:
        listed = [s for s in listed if selected(s.obj)]
    return CachedList(
        storage.list_of(kind, [s.obj for s in listed], {"resourceVersion": str(cache.revision)}),
        listed,
    )


class CachedList(dict[str, Any]):
    """A `<Kind>List` from the cache that also holds its items' `Stored`, so that its JSON
    is written from the bytes the cache already has (`raw`), not encoded again."""

    def __init__(self, listed: dict[str, Any], stored: list[Stored]) -> None:
        super().__init__(listed)
        self.stored = stored

    def raw(self) -> bytes:
        """`json.dumps(self)`, byte for byte, from each item's `Stored.raw`."""
        head = json.dumps({key: value for key, value in self.items() if key != "items"})
        items = b", ".join(s.raw for s in self.stored)
        return b"".join((head[:-1].encode(), b', "items": [', items, b"]}"))
