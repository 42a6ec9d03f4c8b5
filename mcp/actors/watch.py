"""The watch actor: keeps the cache in step with etcd, list then watch.

It lists everything under the prefix, loads the cache, reports started, then
watches from the list's revision + 1 and applies each batch of events. It sends
the names of objects whose desired state changed to the controller.

aetcd never reconnects a watch: when the stream breaks (`StoreUnavailable`) this
actor waits with capped backoff and resumes from the last revision it applied, so
no event is lost or applied twice. When that history has been compacted meanwhile
(`Compacted`), it relists and treats keys that vanished as deletions, as a
Kubernetes informer does.

Its etcd watch is the only one mcp opens: the cache it applies to also fans each
change out to the API's watch streams (`Cache.apply` offers them without waiting, and
drops a stream that fell behind), so a slow client never holds this actor up. A relist
(`Cache.replace_all`) ends every stream with a 410, so clients resume or list again.

Closes `changes` (send end) when it ends, which tells the controller to stop.
"""

from __future__ import annotations

import trio

from mcp import logs
from mcp.backoff import Backoff
from mcp.cache import Cache
from mcp.errors import Compacted, StoreUnavailable
from mcp.registry import Keys
from mcp.store import Store

log = logs.get(actor="watch")


async def _send_all(changes: trio.MemorySendChannel[str], names: set[str]) -> None:
    for name in sorted(names):
        await changes.send(name)


async def _relist(store: Store, keys: Keys, cache: Cache, backoff: Backoff) -> set[str]:
    """List the prefix into the cache, retrying while etcd is away."""
    while True:
        try:
            listing = await store.list_prefix(keys.root)
        except StoreUnavailable as exc:
            delay = backoff.next_delay()
            log.warning("etcd_list_failed", error=str(exc), retry_in=delay)
            await trio.sleep(delay)
            continue
        backoff.reset()
        changed = cache.replace_all(listing)
        log.info("etcd_listed", revision=listing.revision, objects=len(cache.objects))
        return changed


async def run(
    store: Store,
    keys: Keys,
    cache: Cache,
    changes: trio.MemorySendChannel[str],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Mirror etcd into `cache` until cancelled. Reports started once the cache is loaded."""
    backoff = Backoff(base=0.2, cap=5.0)
    async with changes:
        changed = await _relist(store, keys, cache, backoff)
        task_status.started()
        await _send_all(changes, changed)
        while True:
            try:
                async with store.open_watch(keys.root, cache.revision + 1) as stream:
                    log.info("etcd_watch_started", revision=cache.revision + 1)
                    while True:
                        events = await stream.next_batch()
                        backoff.reset()
                        await _send_all(changes, cache.apply(events))
            except Compacted as exc:
                log.warning(
                    "etcd_watch_compacted",
                    revision=cache.revision,
                    compacted_revision=exc.compacted_revision,
                )
                await _send_all(changes, await _relist(store, keys, cache, backoff))
            except StoreUnavailable as exc:
                delay = backoff.next_delay()
                log.warning(
                    "etcd_watch_broken", error=str(exc), revision=cache.revision, retry_in=delay
                )
                await trio.sleep(delay)
