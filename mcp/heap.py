"""When the garbage collector walks the whole heap: on a schedule, not mid-request.

mcp holds every stored object in its watch cache, so most of its heap lives as long as
the process. CPython's collector walks all of it in each full (generation 2) collection,
which it starts on its own whenever the long-lived objects have grown by a quarter:
under a steady stream of writes that was four pauses of 30 to 50 ms in ten seconds
with 16,000 ConfigMaps held, each one a request's latency. Almost none of it is garbage:
the cache's objects are freed by reference counting when they are replaced, and the
cycles requests leave behind die young, in the cheap collections of generations 0 and 1,
which keep running as before.

So after start-up the full collections are taken off the collector's own schedule
(`hold_full_collections`) and made here instead, once every `FULL_COLLECTION_INTERVAL_S`
(`collect_periodically`): one pause every few minutes in place of several a second,
and whatever cyclic garbage reached generation 2 meanwhile is freed then. The objects
that survive are frozen (`gc.freeze`), so that a collection someone else asks for
(`gc.collect(2)` in a library) does not walk them either.
"""

from __future__ import annotations

import gc
import time

import trio

from mcp import logs

FULL_COLLECTION_INTERVAL_S = 300.0
# Generation 2 is collected after this many generation-1 collections: never, in practice
# (each is some 7,000 allocations); `collect_periodically` does it instead.
_NEVER = 2**31 - 1

log = logs.get(actor="heap")


def hold_full_collections() -> None:
    """Freeze what start-up loaded and stop the collector's own full collections; the
    young generations keep their thresholds."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)


def collect_fully() -> int:
    """One full collection over everything, frozen objects included; what survives is
    frozen again. Returns how many unreachable objects were found."""
    began = time.monotonic()
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    log.debug(
        "heap_collected",
        unreachable=found,
        frozen=gc.get_freeze_count(),
        duration_ms=round((time.monotonic() - began) * 1000, 1),
    )
    return found


async def collect_periodically(
    shutdown: trio.Event, interval_s: float = FULL_COLLECTION_INTERVAL_S
) -> None:
    """`collect_fully` every `interval_s` seconds, until `shutdown` is set."""
    while True:
        with trio.move_on_after(interval_s):
            await shutdown.wait()
        if shutdown.is_set():
            return
        collect_fully()
